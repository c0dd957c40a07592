import { Chart, Duration } from 'cdk8s';
import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import {
  AppSynthError,
  Caller,
  ConfigFile,
  ExternalService,
  HealthCheck,
  MeshGateway,
  MeshSecurity,
  MeshService,
  ManifestRulesError,
  MeshServiceProps,
  MeshforgeError,
  StringMatch,
  checkObjects,
  defineApp,
  manifestViolations,
  synthToDist,
} from '../../lib';
import { tmpDir } from '../helpers';
import { render } from '../mesh/render';

const IMAGE = 'ghcr.io/acme/cart:1.4.2';

function service(chart: Chart, props: Partial<MeshServiceProps> = {}): MeshService {
  return new MeshService(chart, 'cart', { namespace: 'shop', image: IMAGE, ...props });
}

/** The one MeshforgeError synth raises for `build` (unwrapped from the app error). */
function failure(build: (chart: Chart) => void): { code: string; path?: string; field?: string; value: unknown; message: string } {
  try {
    render(build);
  } catch (e) {
    const cause = e instanceof AppSynthError ? e.cause : e;
    // One mistake can surface in several objects (a pod label also selects the PDB's pods):
    // every error must then be the same mistake, and the first one is checked in detail.
    const errors = cause instanceof ManifestRulesError ? cause.errors : [cause];
    const first = errors[0];
    if (!(first instanceof MeshforgeError)) throw e;
    for (const other of errors) expect([(other as MeshforgeError).code, (other as MeshforgeError).value]).toEqual([first.code, first.value]);
    return { code: first.code, path: first.path, field: first.field, value: first.value, message: (e as Error).message };
  }
  throw new Error('synth succeeded; expected an error');
}

const DEPLOYMENT = /^c\/cart\/Deployment/;
const container = (field: string) => `spec.template.spec.containers[0].${field}`;

/**
 * One mistake per row, each once accepted silently (issue 14): the code, the
 * construct path that emitted the object, the field inside it and the value.
 */
const CASES: readonly { name: string; build: (c: Chart) => void; code: string; path?: RegExp; field: string | RegExp; value: unknown }[] = [
  { name: 'env var name with a space', build: (c) => service(c, { env: { 'LOG LEVEL': 'debug' } }), code: 'K8S_ENV_NAME', path: DEPLOYMENT, field: container('env[0].name'), value: 'LOG LEVEL' },
  { name: 'env var name starting with a digit', build: (c) => service(c, { env: { '1ST_HOST': 'a' } }), code: 'K8S_ENV_NAME', path: DEPLOYMENT, field: container('env[0].name'), value: '1ST_HOST' },
  { name: 'per-version env var name', build: (c) => service(c, { versions: [{ name: 'v1', env: { 'A=B': 'x' } }] }), code: 'K8S_ENV_NAME', path: /^c\/cart\/Deployment/, field: container('env[0].name'), value: 'A=B' },
  { name: 'label value with spaces', build: (c) => service(c, { podLabels: { team: 'checkout team' } }), code: 'K8S_LABEL', path: DEPLOYMENT, field: /labels\.team$/, value: 'checkout team' },
  { name: 'label value with &', build: (c) => service(c, { podLabels: { team: 'a&b' } }), code: 'K8S_LABEL', path: DEPLOYMENT, field: /labels\.team$/, value: 'a&b' },
  { name: 'label value longer than 63', build: (c) => service(c, { podLabels: { team: 'x'.repeat(64) } }), code: 'K8S_LABEL', path: DEPLOYMENT, field: /labels\.team$/, value: 'x'.repeat(64) },
  { name: 'label key with a space', build: (c) => service(c, { podLabels: { 'my team': 'a' } }), code: 'K8S_LABEL', path: DEPLOYMENT, field: /labels\.my team$/, value: 'my team' },
  { name: 'annotation key with two slashes', build: (c) => service(c, { podAnnotations: { 'a/b/c': 'x' } }), code: 'K8S_ANNOTATION', path: DEPLOYMENT, field: /annotations\.a\/b\/c$/, value: 'a/b/c' },
  { name: 'replicas beyond int32', build: (c) => service(c, { replicas: 10_000_000_000 }), code: 'K8S_REPLICAS', path: DEPLOYMENT, field: 'spec.replicas', value: 10_000_000_000 },
  { name: 'negative runAsUser', build: (c) => service(c, { runAsUser: -5 }), code: 'K8S_SECURITY_CONTEXT', path: DEPLOYMENT, field: /securityContext\.runAsUser$/, value: -5 },
  { name: 'runAsGroup beyond int32', build: (c) => service(c, { runAsGroup: 2 ** 31 }), code: 'K8S_SECURITY_CONTEXT', path: DEPLOYMENT, field: /securityContext\.runAsGroup$/, value: 2 ** 31 },
  { name: 'runAsUser 0 with runAsNonRoot', build: (c) => service(c, { runAsUser: 0 }), code: 'K8S_SECURITY_CONTEXT', path: DEPLOYMENT, field: container('securityContext.runAsUser'), value: 0 },
  { name: 'PDB maxUnavailable over 100%', build: (c) => service(c, { replicas: 3, disruptionBudget: { maxUnavailable: '150%' } }), code: 'K8S_INT_OR_PERCENT', path: /^c\/cart/, field: 'spec.maxUnavailable', value: '150%' },
  { name: 'PDB minAvailable not a percentage', build: (c) => service(c, { replicas: 3, disruptionBudget: { minAvailable: 'half' } }), code: 'K8S_INT_OR_PERCENT', path: /^c\/cart/, field: 'spec.minAvailable', value: 'half' },
  { name: 'ServiceAccount name with a space', build: (c) => service(c, { serviceAccountName: 'cart sa' }), code: 'K8S_NAME', field: /serviceAccountName$|metadata\.name$/, value: 'cart sa' },
  { name: 'Secret name with a space', build: (c) => service(c, { secretEnv: { DB_PASSWORD: { secret: 'db creds', key: 'password' } } }), code: 'K8S_NAME', path: DEPLOYMENT, field: container('env[0].valueFrom.secretKeyRef.name'), value: 'db creds' },
  { name: 'Secret key with a slash', build: (c) => service(c, { secretEnv: { DB_PASSWORD: { secret: 'db', key: 'a/b' } } }), code: 'K8S_CONFIG_KEY', path: DEPLOYMENT, field: container('env[0].valueFrom.secretKeyRef.key'), value: 'a/b' },
  { name: 'envFrom Secret name in upper case', build: (c) => service(c, { envFromSecrets: ['DbCreds'] }), code: 'K8S_NAME', path: DEPLOYMENT, field: container('envFrom[0].secretRef.name'), value: 'DbCreds' },
  { name: 'ConfigMap over 1 MiB', build: (c) => service(c, { files: { 'big.json': ConfigFile.fromString('x'.repeat(1024 * 1024 + 1)) } }), code: 'K8S_CONFIG_SIZE', path: /^c\/cart/, field: 'data', value: '1048577 bytes' },
  { name: 'relative config mount path', build: (c) => service(c, { files: { 'a.conf': ConfigFile.fromString('a') }, configMountPath: 'config' }), code: 'K8S_VOLUME_MOUNT', path: DEPLOYMENT, field: /volumeMounts\[\d+\]\.mountPath$/, value: 'config' },
  { name: 'relative writable path', build: (c) => service(c, { writablePaths: ['tmp'] }), code: 'K8S_VOLUME_MOUNT', path: DEPLOYMENT, field: /volumeMounts\[\d+\]\.mountPath$/, value: 'tmp' },
  { name: 'image with upper-case letters', build: (c) => service(c, { image: 'ghcr.io/Acme/cart:1.4.2' }), code: 'K8S_IMAGE', path: DEPLOYMENT, field: container('image'), value: 'ghcr.io/Acme/cart:1.4.2' },
  { name: 'image with a space', build: (c) => service(c, { image: 'ghcr.io/acme/cart :1.4.2' }), code: 'K8S_IMAGE', path: DEPLOYMENT, field: container('image'), value: 'ghcr.io/acme/cart :1.4.2' },
  { name: 'image with two tags', build: (c) => service(c, { image: 'ghcr.io/acme/cart:1.4:2' }), code: 'K8S_IMAGE', path: DEPLOYMENT, field: container('image'), value: 'ghcr.io/acme/cart:1.4:2' },
  { name: 'per-version image with a short digest', build: (c) => service(c, { versions: [{ name: 'v1', image: 'ghcr.io/acme/cart@sha256:abc' }] }), code: 'K8S_IMAGE', path: /^c\/cart\/Deployment/, field: container('image'), value: 'ghcr.io/acme/cart@sha256:abc' },
  { name: 'metrics path without a leading slash', build: (c) => service(c, { ports: [{ port: 8080 }], metrics: { port: 9090, path: 'metrics' } }), code: 'METRICS_PATH', path: DEPLOYMENT, field: 'spec.template.metadata.annotations.prometheus.io/path', value: 'metrics' },
  { name: 'header regex with look-ahead (not RE2)', build: (c) => service(c, { versions: ['v1'] }).addRoute({ match: [{ headers: { 'x-user': StringMatch.regex('^(?!admin).*$') } }] }), code: 'ISTIO_REGEX', path: /^c\/cart/, field: 'spec.http[0].match[0].headers.x-user.regex', value: '^(?!admin).*$' },
  { name: 'uri regex that does not compile', build: (c) => service(c, { versions: ['v1'] }).addRoute({ match: [{ uri: StringMatch.regex('/api/[a-') }] }), code: 'ISTIO_REGEX', path: /^c\/cart/, field: 'spec.http[0].match[0].uri.regex', value: '/api/[a-' },
  { name: 'empty prefix match', build: (c) => service(c, { versions: ['v1'] }).addRoute({ match: [{ uri: StringMatch.prefix('') }] }), code: 'ISTIO_MATCH', path: /^c\/cart/, field: 'spec.http[0].match[0].uri.prefix', value: '' },
  { name: 'empty cookie name', build: (c) => service(c, { versions: ['v1'] }).addRoute({ match: [{ cookie: { name: '', value: 'beta' } }] }), code: 'INVALID_COOKIE', path: /^c\/cart$/, field: 'routes[0].match[0].cookie.name', value: '' },
  { name: 'cookie value with a semicolon', build: (c) => service(c, { versions: ['v1'] }).addRoute({ match: [{ cookie: { name: 'group', value: 'a;b' } }] }), code: 'INVALID_COOKIE', path: /^c\/cart$/, field: 'routes[0].match[0].cookie.value', value: 'a;b' },
  { name: 'negative retries', build: (c) => service(c, { retries: { attempts: -1 } }), code: 'ISTIO_RETRIES', path: /^c\/cart/, field: /retries\.attempts$/, value: -1 },
  { name: 'retryOn not a policy', build: (c) => service(c, { retries: { attempts: 2, retryOn: 'sometimes' } }), code: 'ISTIO_RETRIES', path: /^c\/cart/, field: /retries\.retryOn$/, value: 'sometimes' },
  { name: 'retryOn with a space after the comma', build: (c) => service(c, { retries: { attempts: 2, retryOn: '5xx, reset' } }), code: 'ISTIO_RETRIES', path: /^c\/cart/, field: /retries\.retryOn$/, value: '5xx, reset' },
  { name: 'negative pool size', build: (c) => service(c, { connectionPool: { maxConnections: -1 } }), code: 'ISTIO_NON_NEGATIVE', path: /^c\/cart/, field: 'spec.trafficPolicy.connectionPool.tcp.maxConnections', value: -1 },
  { name: 'negative pending requests', build: (c) => service(c, { connectionPool: { http1MaxPendingRequests: -10 } }), code: 'ISTIO_NON_NEGATIVE', path: /^c\/cart/, field: 'spec.trafficPolicy.connectionPool.http.http1MaxPendingRequests', value: -10 },
  { name: 'IP address as a DNS ServiceEntry host', build: (c) => new ExternalService(c, 'db', { namespace: 'shop', host: '10.0.0.5', ports: [{ number: 5432, protocol: 'TCP' }], autoAllocateAddress: true }), code: 'ISTIO_HOST', field: 'spec.hosts[0]', value: '10.0.0.5' },
  { name: 'lower-case AuthorizationPolicy method', build: (c) => authz(c, { methods: ['get'] }), code: 'ISTIO_AUTHZ', field: /operation\.methods\[0\]$/, value: 'get' },
  { name: 'AuthorizationPolicy path with * in the middle', build: (c) => authz(c, { paths: ['/api/*/items'] }), code: 'ISTIO_AUTHZ', field: /operation\.paths\[0\]$/, value: '/api/*/items' },
  { name: 'principal with a space', build: (c) => authz(c, {}, Caller.serviceAccount('shop', 'front end')), code: 'ISTIO_AUTHZ', field: /source\.principals\[0\]$/, value: 'cluster.local/ns/shop/sa/front end' },
];

/**
 * Mistakes the constructs catch before anything is rendered (the prop names the
 * field); cross-object ones (node validations) are checked by their message.
 */
const CONSTRUCT_CASES: readonly { name: string; build: (c: Chart) => void; code: string; field?: string; value?: unknown; message?: RegExp }[] = [
  { name: 'Istio duration under 1ms', build: (c) => service(c, { timeout: Duration.millis(0.5) }), code: 'INVALID_DURATION', field: 'timeout', value: '0.5ms' },
  { name: 'fault abort status outside HTTP', build: (c) => service(c, { versions: ['v1'] }).addRoute({ fault: { abort: { httpStatus: 700, percentage: 10 } } }), code: 'INVALID_HTTP_STATUS', field: 'routes[0].fault.abort.httpStatus', value: 700 },
  { name: 'fault percentage over 100', build: (c) => service(c, { versions: ['v1'] }).addRoute({ fault: { abort: { httpStatus: 503, percentage: 150 } } }), code: 'INVALID_PERCENT', field: 'routes[0].fault.abort.percentage', value: 150 },
  { name: 'outlier ejection over 100%', build: (c) => service(c, { outlierDetection: { maxEjectionPercent: 150 } }), code: 'INVALID_PERCENT', field: 'outlierDetection.maxEjectionPercent', value: 150 },
  { name: 'canary weights not summing to 100', build: (c) => service(c, { versions: ['v1', 'v2'] }).canary({ v1: 80, v2: 10 }), code: 'VALIDATION_FAILED', message: /route weights sum to 90; field: canary/ },
  { name: 'route to an unknown subset', build: (c) => service(c, { versions: ['v1'] }).addRoute({ destinations: [{ version: 'v9', weight: 100 }] }), code: 'VALIDATION_FAILED', message: /unknown subset; field: routes\[0\]\.destinations; value: "v9"/ },
  { name: 'blue-green to a version without Deployment', build: (c) => service(c, { versions: ['v1'] }).blueGreen('v2'), code: 'VALIDATION_FAILED', message: /release target has no Deployment; field: blueGreen; value: "v2"/ },
  { name: 'two release strategies', build: (c) => { const s = service(c, { versions: ['v1', 'v2'] }); s.canary({ v1: 50, v2: 50 }); s.blueGreen('v1'); }, code: 'RELEASE_STRATEGY', field: 'blueGreen', value: 'v1=100' },
  { name: 'PDB that blocks every eviction', build: (c) => service(c, { replicas: 1, disruptionBudget: { minAvailable: 1 } }), code: 'VALIDATION_FAILED', message: /PodDisruptionBudget of v1 allows no eviction with 1 replica\(s\); field: disruptionBudget/ },
  { name: 'canary on a service outside the mesh', build: (c) => service(c, { mesh: false, versions: ['v1', 'v2'] }).canary({ v1: 50, v2: 50 }), code: 'VALIDATION_FAILED', message: /traffic management on a service outside the mesh; field: canary; value: "mesh: false"/ },
  { name: 'service port out of range', build: (c) => service(c, { ports: [{ port: 70000 }] }), code: 'INVALID_PORT', field: 'ports[0].port', value: 70000 },
  { name: 'port name against Istio protocol selection', build: (c) => service(c, { ports: [{ port: 80, name: 'web' }] }), code: 'PORT_NAME_PROTOCOL', field: 'ports[0].name', value: 'web' },
  { name: 'two ports with one number', build: (c) => service(c, { ports: [{ port: 80 }, { port: 80, protocol: 'grpc' }] }), code: 'DUPLICATE_PORT', field: 'ports[1].port', value: 80 },
  { name: 'namespace in upper case', build: (c) => service(c, { namespace: 'Shop' }), code: 'INVALID_NAME', field: 'namespace', value: 'Shop' },
  { name: 'service name starting with a digit', build: (c) => service(c, { name: '1cart' }), code: 'INVALID_NAME', field: 'name', value: '1cart' },
  { name: 'image without a pinned tag', build: (c) => service(c, { image: 'ghcr.io/acme/cart:latest' }), code: 'IMAGE_TAG', field: 'image', value: 'ghcr.io/acme/cart:latest' },
  { name: 'password inline in env', build: (c) => service(c, { env: { DB_PASSWORD: 'hunter2' } }), code: 'INLINE_SECRET', field: 'env.DB_PASSWORD', value: '<redacted>' },
  { name: 'CPU quantity in words', build: (c) => service(c, { resources: { cpuRequest: 'lots' } }), code: 'INVALID_QUANTITY', field: 'resources.cpuRequest', value: 'lots' },
  { name: 'sidecar CPU with a unit word', build: (c) => service(c, { sidecarResources: { cpuLimit: '1 core' } }), code: 'INVALID_QUANTITY', field: 'sidecarResources.cpuLimit', value: '1 core' },
  { name: 'memory request above its limit', build: (c) => service(c, { resources: { memoryRequest: '1Gi', memoryLimit: '512Mi' } }), code: 'RESOURCES', field: 'resources.memoryRequest', value: '1Gi' },
  { name: 'autoscaling max below min', build: (c) => service(c, { autoscaling: { minReplicas: 5, maxReplicas: 2 } }), code: 'AUTOSCALING', field: 'autoscaling.maxReplicas', value: 2 },
  { name: 'config file name with a slash', build: (c) => service(c, { files: { 'a/b': ConfigFile.fromString('x') } }), code: 'INVALID_CONFIG_KEY', field: 'files.a/b', value: 'a/b' },
  { name: 'writable path over the config mount', build: (c) => service(c, { files: { a: ConfigFile.fromString('x') }, writablePaths: ['/config'] }), code: 'WRITABLE_PATH', field: 'writablePaths[0]', value: '/config' },
  { name: 'grace period in fractions of a second', build: (c) => service(c, { terminationGracePeriod: Duration.millis(1500) }), code: 'INVALID_DURATION', field: 'terminationGracePeriod', value: '1.5s' },
  { name: 'external host with a space', build: (c) => new ExternalService(c, 'x', { namespace: 'shop', host: 'not a host', ports: [{ number: 443, protocol: 'HTTPS' }] }), code: 'INVALID_HOST', field: 'host', value: 'not a host' },
  { name: 'a version declared twice', build: (c) => service(c, { versions: ['v1', 'v1'] }), code: 'DUPLICATE_VERSION', field: 'versions[1].name', value: 'v1' },
  { name: 'version name in upper case', build: (c) => service(c, { versions: ['V1'] }), code: 'INVALID_NAME', field: 'versions[0].name', value: 'V1' },
  { name: 'probe on port 0', build: (c) => service(c, { readiness: HealthCheck.http('/ready', { port: 0 }) }), code: 'INVALID_PORT', field: 'readiness.port', value: 0 },
  { name: 'negative replicas', build: (c) => service(c, { replicas: -1 }), code: 'INVALID_REPLICAS', field: 'replicas', value: -1 },
  { name: 'metrics on port 0', build: (c) => service(c, { metrics: { port: 0 } }), code: 'INVALID_PORT', field: 'metrics.port', value: 0 },
  { name: 'gateway exposure for a host the gateway does not serve', build: (c) => service(c, { versions: ['v1'] }).exposeVia(new MeshGateway(c, 'gw', { namespace: 'shop', hosts: ['shop.example.com'] }), { hosts: ['other.example.com'] }), code: 'INVALID_HOST', field: 'exposeVia[0].hosts', value: 'other.example.com' },
];

function authz(c: Chart, options: { methods?: string[]; paths?: string[] }, caller = Caller.namespace('shop')): void {
  const svc = service(c, { versions: ['v1'] });
  new MeshSecurity(c, 'security').protect(svc).allowFrom(caller, options);
}

describe('values the API server, the kubelet or Istio reject never reach dist/', () => {
  it.each(CASES)('$name → $code', ({ build, code, path: where, field, value }) => {
    const f = failure(build);
    expect(f.code).toBe(code);
    expect(f.value).toEqual(value);
    if (typeof field === 'string') expect(f.field).toBe(field);
    else expect(f.field).toMatch(field);
    if (where) expect(f.path).toMatch(where);
    // The message names the app, the object, the field, the value and what is valid.
    expect(f.message).toContain('app "test" failed to synthesize');
    expect(f.message).toContain(`field: ${f.field}`);
    expect(f.message).toContain('expected: ');
  });

  it.each(CONSTRUCT_CASES)('$name → $code (caught by the construct)', ({ build, code, field, value, message }) => {
    const f = failure(build);
    expect(f.code).toBe(code);
    expect(f.path).toBe(code === 'VALIDATION_FAILED' ? undefined : /^c\/x$/.test(f.path ?? '') ? 'c/x' : 'c/cart');
    if (field !== undefined) expect([f.field, f.value]).toEqual([field, value]);
    if (message) expect(f.message).toMatch(message);
    expect(f.message).toContain('app "test" failed to synthesize');
  });

  it('covers at least 56 different mistakes, each once', () => {
    const names = [...CASES, ...CONSTRUCT_CASES].map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBeGreaterThanOrEqual(56);
  });

  it('valid neighbours still synthesize', () => {
    const name63 = 'a'.repeat(63);
    expect(() =>
      render((c) => {
        new MeshService(c, 'cart', {
          namespace: 'shop',
          name: 'cart',
          image: 'registry.example.com:5000/team/cart-api_v2:1.4.2-rc.1',
          replicas: 0,
          env: { 'LOG.LEVEL': 'debug', _PRIVATE: 'x', 'a-b': 'y' },
          podLabels: { 'example.com/team': 'checkout_team.eu-1', empty: '' },
          retries: { attempts: 2, retryOn: '5xx,reset,503,unavailable' },
          connectionPool: { maxConnections: 0 },
          disruptionBudget: { maxUnavailable: '100%' },
        });
        new MeshService(c, 'long', { namespace: 'shop', name: name63, versions: [name63], image: `ghcr.io/acme/${name63}@sha256:${'a'.repeat(64)}` });
        new ExternalService(c, 'db', { namespace: 'shop', host: 'db.example.com', ports: [{ number: 443, protocol: 'HTTPS' }] });
      }),
    ).not.toThrow();
  });

  it('several mistakes are reported together, each with its path and field', () => {
    expect(() => render((c) => service(c, { env: { 'A B': '1', 'C D': '2' } }))).toThrowError(
      /validation failed with 2 error\(s\):\n {2}\[c\/cart\/Deployment-v1\/Resource\] Deployment\/shop\/cart-v1: invalid environment variable name; field: spec\.template\.spec\.containers\[0\]\.env\[0\]\.name; value: "A B"; .*\n {2}\[c\/cart\/Deployment-v1\/Resource\] .*env\[1\]\.name; value: "C D"/,
    );
  });

  it('a failed synth leaves dist/ byte for byte as it was', () => {
    const out = tmpDir();
    const good = defineApp({ name: 'shop', description: 'ok', build: (app) => service(new Chart(app, 'c')) });
    synthToDist([good], out);
    const before = fs.readFileSync(path.join(out, 'shop', '40-workloads.k8s.yaml'), 'utf8');
    const bad = defineApp({ name: 'shop', description: 'bad', build: (app) => service(new Chart(app, 'c'), { env: { 'LOG LEVEL': 'x' } }) });
    expect(() => synthToDist([bad], out)).toThrowError(/K8S_ENV_NAME|invalid environment variable name/);
    expect(fs.readFileSync(path.join(out, 'shop', '40-workloads.k8s.yaml'), 'utf8')).toBe(before);
  });
});

describe('manifestViolations on plain YAML objects', () => {
  const deployment = (podSpec: Record<string, unknown>) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'x', namespace: 'ns' },
    spec: { replicas: 1, template: { metadata: { labels: { app: 'x' } }, spec: podSpec } },
  });

  it('two volumes mounted at one path', () => {
    const v = manifestViolations(
      deployment({
        volumes: [{ name: 'a', emptyDir: {} }, { name: 'b', emptyDir: {} }],
        containers: [{ name: 'app', image: IMAGE, volumeMounts: [{ name: 'a', mountPath: '/data' }, { name: 'b', mountPath: '/data' }] }],
      }),
    );
    expect(v).toEqual([expect.objectContaining({ code: 'K8S_VOLUME_MOUNT', field: 'spec.template.spec.containers[0].volumeMounts[1].mountPath', value: '/data' })]);
  });

  it('a mount of an undeclared volume, a duplicate container and an invalid port name', () => {
    const v = manifestViolations(
      deployment({
        containers: [
          { name: 'app', image: IMAGE, ports: [{ containerPort: 8080, name: 'http web' }], volumeMounts: [{ name: 'nope', mountPath: '/x' }] },
          { name: 'app', image: IMAGE },
        ],
      }),
    );
    expect(v.map((x) => [x.code, x.field])).toEqual([
      ['K8S_PORT', 'spec.template.spec.containers[0].ports[0].name'],
      ['K8S_VOLUME_MOUNT', 'spec.template.spec.containers[0].volumeMounts[0].name'],
      ['K8S_CONTAINER', 'spec.template.spec.containers[1].name'],
    ]);
  });

  it('a StatefulSet may mount its volumeClaimTemplates', () => {
    const sts = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db' },
      spec: {
        serviceName: 'db',
        volumeClaimTemplates: [{ metadata: { name: 'data' } }],
        template: { spec: { containers: [{ name: 'db', image: 'postgres:16.4', volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql' }] }] } },
      },
    };
    expect(manifestViolations(sts)).toEqual([]);
  });

  it('requests above limits, bad quantities, Service ports and HPA bounds', () => {
    expect(manifestViolations(deployment({ containers: [{ name: 'a', image: IMAGE, resources: { requests: { cpu: '2' }, limits: { cpu: '500m', memory: '1 Gi' } } }] })).map((x) => x.field)).toEqual([
      'spec.template.spec.containers[0].resources.limits.memory',
      'spec.template.spec.containers[0].resources.requests.cpu',
    ]);
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: '1svc' }, spec: { ports: [{ port: 0 }, { port: 80, name: 'http', targetPort: 'Http' }] } };
    expect(manifestViolations(svc).map((x) => x.field)).toEqual(['metadata.name', 'spec.ports[0].port', 'spec.ports[0].name', 'spec.ports[1].targetPort']);
    const hpa = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h' }, spec: { minReplicas: 3, maxReplicas: 2 } };
    expect(manifestViolations(hpa).map((x) => x.field)).toEqual(['spec.maxReplicas']);
  });

  it('Istio: fault, durations, subsets, outlier percentages, ServiceEntry ports, wildcard host', () => {
    const vs = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'v' },
      spec: { hosts: ['a'], http: [{ timeout: '0.5ms', fault: { abort: { httpStatus: 700, percentage: { value: 150 } } }, route: [{ destination: { host: 'a', subset: 'V1' }, weight: -1 }] }] },
    };
    expect(manifestViolations(vs).map((x) => x.code)).toEqual(['ISTIO_DURATION', 'ISTIO_PERCENT', 'ISTIO_FAULT', 'ISTIO_WEIGHT', 'ISTIO_SUBSET']);
    const dr = { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'd' }, spec: { host: 'a', trafficPolicy: { outlierDetection: { maxEjectionPercent: 150, interval: '10x' } } } };
    expect(manifestViolations(dr).map((x) => x.field)).toEqual(['spec.trafficPolicy.outlierDetection.interval', 'spec.trafficPolicy.outlierDetection.maxEjectionPercent']);
    const se = { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 's' }, spec: { hosts: ['*'], ports: [{ number: 80, name: 'http' }, { number: 80, name: 'http2' }] } };
    expect(manifestViolations(se).map((x) => x.field)).toEqual(['spec.hosts[0]', 'spec.ports[1].number']);
  });

  it('AuthorizationPolicy path templates and edge wildcards are fine', () => {
    const ap = {
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'a' },
      spec: { rules: [{ to: [{ operation: { methods: ['GET', 'POST'], paths: ['/api/*', '*.png', '*', '/exact', '/api/{*}/items', '/files/{**}'] } }] }] },
    };
    expect(manifestViolations(ap)).toEqual([]);
  });
});

describe('errors from outside meshforge still say where and what to do', () => {
  it('Duration.parse with English words names the app, the call site in the app file and the fix', () => {
    expect(() =>
      render((c) => {
        service(c, { timeout: Duration.parse('5 minutes') });
      }),
    ).toThrowError(
      /^app "test" failed to synthesize: Not a valid ISO duration: 5 minutes \(at test\/validation\/manifest-rules\.test\.ts:\d+:\d+\); Duration\.parse takes ISO-8601 durations such as "PT5M"/,
    );
  });
});

describe('inline secrets in env (synth uses the same detector as npm run check)', () => {
  it.each([
    ['a Stripe secret key under a neutral name', { PAYMENT_CONFIG: 'sk_live_4eC39HqLyjWDarjtT1zdp7dc' }, 'PAYMENT_CONFIG', 'a Stripe secret key'],
    ['a URL with a password', { DATABASE_URL: 'postgres://app:s3cr3t@db:5432/shop' }, 'DATABASE_URL', 'credentials in a URL'],
    ['a password by name', { DB_PASS: 'hunter2' }, 'DB_PASS', 'secret-like name "DB_PASS"'],
  ])('%s fails with the fix, without printing the value', (_, env, name, why) => {
    const f = failure((c) => service(c, { env }));
    expect(f).toMatchObject({ code: 'INLINE_SECRET', field: `env.${name}`, value: '<redacted>' });
    expect(f.message).toContain(`secret-looking value inlined in env (${why})`);
    expect(f.message).toContain(`allowInlineEnv: { ${name}: '<why not>' }`);
    expect(f.message).not.toContain(Object.values(env)[0]);
  });

  it('allowInlineEnv accepts a named variable with a reason and tells npm run check', () => {
    const objects = render((c) =>
      service(c, { env: { STRIPE_PUBLISHABLE_KEY: 'pk_live_abc', PUBLIC_TOKEN: 'anon' }, allowInlineEnv: { PUBLIC_TOKEN: 'anonymous read token, shipped to browsers' } }),
    );
    const deployment = objects.find((o) => o.kind === 'Deployment')!;
    expect(deployment.metadata.annotations['policy.meshforge.io/allow-inline-secrets']).toBe('PUBLIC_TOKEN: anonymous read token, shipped to browsers');
    // the policy check honours it: no inline-secrets finding for this Deployment
    const report = checkObjects([{ manifest: deployment, file: 'x.yaml' }]);
    expect(report.violations.filter((v) => v.rule === 'inline-secrets')).toEqual([]);
  });

  it('allowInlineEnv needs a reason and an existing variable', () => {
    expect(failure((c) => service(c, { env: { API_TOKEN: 'x' }, allowInlineEnv: { API_TOKEN: ' ' } }))).toMatchObject({ code: 'INLINE_SECRET', field: 'allowInlineEnv.API_TOKEN' });
    expect(failure((c) => service(c, { env: { API_TOKEN: 'x' }, allowInlineEnv: { API_TOKN: 'typo' } }))).toMatchObject({ field: 'allowInlineEnv.API_TOKN', value: 'API_TOKN' });
  });
});
