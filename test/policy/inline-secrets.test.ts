import { describe, expect, it } from 'vitest';
import { detectSecret, isSecretName } from '../../lib/policy';
import { check, findings, set, workload } from './fixtures';

const C = 'spec.template.spec.containers[0]';

function configMap(data: Record<string, string>, binaryData?: Record<string, string>) {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config', namespace: 'shop' }, data, ...(binaryData ? { binaryData } : {}) };
}

// Assembled at run time so that secret scanners do not flag this test file itself.
const PEM = ['-----BEGIN', 'RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----'].join(' ');
const AWS_KEY = 'AKIA' + 'IOSFODNN7EXAMPLE';
const STRIPE = ['sk', 'live', '4eC39HqLyjWDarjtT1zdp7dc'].join('_');
const GITHUB = 'ghp_' + 'a'.repeat(20) + '0123456789abcdef';
const KEYLIKE = 'b3BlbnNzaC1rZXktdjEAAAAA9f2k';
const JWT = ['eyJhbGciOiJIUzI1NiJ9', 'eyJzdWIiOiIxMjM0NTY3ODkwIn0', 'dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'].join('.');

describe('inline-secrets', () => {
  it('flags secret-like env var names with literal values, never echoing the value', () => {
    const m = set(workload('Deployment'), `${C}.env`, [
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'DB_PASSWORD', value: 'hunter2' },
      { name: 'stripeApiKey', value: 'sk_live_abc' },
    ]);
    const result = check(m).violations;
    expect(result.map((v) => `${v.rule}: ${v.message}`)).toEqual([
      'inline-secrets: container "web" env "DB_PASSWORD" inlines a secret-looking value: secret-like name "DB_PASSWORD"',
      'inline-secrets: container "web" env "stripeApiKey" inlines a secret-looking value: secret-like name "stripeApiKey"',
    ]);
    expect(result[0].fix).toBe(`replace ${C}.env[1].value with ${C}.env[1].valueFrom.secretKeyRef`);
    expect(JSON.stringify(result)).not.toContain('hunter2');
  });

  it('flags secret formats in env values whatever the name', () => {
    const m = set(workload('Deployment'), `${C}.env`, [
      { name: 'EXTRA_HEADERS', value: 'Authorization: Bearer abcdef0123456789' },
      { name: 'UPSTREAM', value: 'postgres://app:s3cr3t@db:5432/app' },
      { name: 'AWS_ACCESS_KEY_ID', value: AWS_KEY },
      { name: 'SESSION', value: JWT },
      { name: 'PAYMENTS', value: STRIPE },
      { name: 'BOT', value: GITHUB },
      { name: 'STRIPE_KEY', value: KEYLIKE },
      { name: 'DB_PASS', value: 'hunter2' },
    ]);
    expect(findings(m)).toEqual([
      'inline-secrets: container "web" env "EXTRA_HEADERS" inlines a secret-looking value: a bearer token',
      'inline-secrets: container "web" env "UPSTREAM" inlines a secret-looking value: credentials in a URL',
      'inline-secrets: container "web" env "AWS_ACCESS_KEY_ID" inlines a secret-looking value: an AWS access key id',
      'inline-secrets: container "web" env "SESSION" inlines a secret-looking value: a JSON Web Token',
      'inline-secrets: container "web" env "PAYMENTS" inlines a secret-looking value: a Stripe secret key',
      'inline-secrets: container "web" env "BOT" inlines a secret-looking value: a GitHub token',
      'inline-secrets: container "web" env "STRIPE_KEY" inlines a secret-looking value: key-like value under "STRIPE_KEY"',
      'inline-secrets: container "web" env "DB_PASS" inlines a secret-looking value: secret-like name "DB_PASS"',
    ]);
  });

  it('does not flag references, placeholders, paths and settings about secrets (documented false-positive guards)', () => {
    const m = set(workload('Deployment'), `${C}.env`, [
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
      { name: 'DB_PASSWORD_FILE', value: '/run/secrets/db' },
      { name: 'GF_SECURITY_ADMIN_PASSWORD__FILE', value: '/etc/grafana/admin' },
      { name: 'TOKEN_URL', value: 'https://auth.example.com/token' },
      { name: 'SECRET_NAME', value: 'db-credentials' },
      { name: 'TOKEN_TTL', value: '3600' },
      { name: 'MAX_TOKENS', value: '4096' },
      { name: 'PASSWORD', value: '$(DB_PASSWORD)' },
      { name: 'API_KEY', value: '${API_KEY}' },
      { name: 'AUTH_TOKEN', value: '' },
      { name: 'UPSTREAM', value: 'postgres://app:${DB_PASSWORD}@db:5432/app' },
      { name: 'CA', value: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----' },
      { name: 'AUTH_HEADER_TYPE', value: 'Bearer' },
      // *_KEY settings that are not key material, and PASS as a first word
      { name: 'CACHE_KEY', value: 'sessions' },
      { name: 'SORT_KEY', value: 'created_at' },
      { name: 'PARTITION_KEY', value: 'tenant-id' },
      { name: 'PASS_THROUGH_HEADERS', value: 'x-request-id' },
    ]);
    expect(findings(m)).toEqual([]);
  });

  it('flags ConfigMap keys, private keys and secret assignments inside config files', () => {
    const m = configMap({
      'app.properties': 'server.port=8080\nspring.datasource.password=hunter2\n',
      'grafana.ini': '[security]\nadmin_password = $__file{/etc/secrets/admin}\n',
      'datasource.yaml': 'url: http://prom:9090\nbasicAuthPassword: hunter2\n',
      'commented.conf': '# password = example\n',
      'users.yaml': 'users:\n  - name: admin\n  - password: hunter2\n',
      'tls.key': PEM,
      API_TOKEN: 'abc123',
    });
    const result = check(m).violations;
    expect(result.map((v) => `${v.rule}: ${v.message}`)).toEqual([
      'inline-secrets: ConfigMap key "app.properties" inlines a secret-looking value: line 2 sets secret-like name "spring.datasource.password"',
      'inline-secrets: ConfigMap key "datasource.yaml" inlines a secret-looking value: line 2 sets secret-like name "basicAuthPassword"',
      'inline-secrets: ConfigMap key "users.yaml" inlines a secret-looking value: line 3 sets secret-like name "password"',
      'inline-secrets: ConfigMap key "tls.key" inlines a secret-looking value: a private key (PEM)',
      'inline-secrets: ConfigMap key "API_TOKEN" inlines a secret-looking value: secret-like name "API_TOKEN"',
    ]);
    expect(result[0].field).toBe('data["app.properties"]');
    expect(result[0].object).toMatchObject({ kind: 'ConfigMap', namespace: 'shop', name: 'web-config' });
  });

  it('decodes binaryData', () => {
    const m = configMap({}, { 'key.pem': Buffer.from(PEM).toString('base64'), 'logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString('base64') });
    expect(findings(m)).toEqual(['inline-secrets: ConfigMap key "key.pem" inlines a secret-looking value: a private key (PEM)']);
  });

  it('passes a ConfigMap of ordinary settings, including Prometheus *_file credentials', () => {
    const prometheus = [
      'scrape_configs:',
      '  - job_name: kubernetes-pods',
      '    bearer_token_file: /var/run/secrets/kubernetes.io/serviceaccount/token',
      '    authorization:',
      '      credentials_file: /etc/prometheus/token',
      '    basic_auth:',
      '      username: prom',
      '      password_file: /etc/prometheus/password',
    ].join('\n');
    expect(findings(configMap({ 'prometheus.yml': prometheus, LOG_LEVEL: 'debug', TOKEN_AUDIENCE: 'api' }))).toEqual([]);
  });

  it('classifies names', () => {
    const secrets = ['password', 'DB_PASS' + 'WORD', 'clientSecret', 'api-key', 'private_key', 'GITHUB_TOKEN', 'credentials'];
    expect(secrets.filter((n) => !isSecretName(n))).toEqual([]);
    const notSecrets = ['passwordFile', 'token_url', 'secretName', 'apiKeyRef', 'tokens', 'keyboard', 'TOKEN_EXPIRY_SECONDS'];
    expect(notSecrets.filter(isSecretName)).toEqual([]);
    expect(detectSecret('note', 'ghp_' + 'a'.repeat(36))).toBe('a GitHub token');
    expect(detectSecret('note', 'xoxb-' + '1'.repeat(12))).toBe('a Slack token');
  });

  it('finds env lists in kinds without a known pod template (an Argo Rollout): every env list under spec', () => {
    const rollout = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { template: { spec: { containers: [{ name: 'web', image: 'web:1', env: [{ name: 'LOG_LEVEL', value: 'info' }, { name: 'API_TOKEN', value: 'abc123' }] }] } } },
    };
    expect(check(rollout).violations.map((v) => [v.message, v.fix])).toEqual([
      [
        'env "API_TOKEN" at spec.template.spec.containers[0].env[1] inlines a secret-looking value: secret-like name "API_TOKEN"',
        'replace spec.template.spec.containers[0].env[1].value with spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef',
      ],
    ]);
  });
});
