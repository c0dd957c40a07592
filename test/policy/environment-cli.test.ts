import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadEnvironments, main, parseArgs } from '../../bin/check';
import { checkAll } from '../../lib/analysis';
import { ENVIRONMENT_RULE_IDS, environmentOfFile, EnvironmentPolicyRef, loadPolicyObjects } from '../../lib/policy';
import { tmpDir } from '../helpers';

/*
 * test/fixtures/envpolicy/dist/{prod,dev}/shop/app.k8s.yaml: the same shop
 * rendered for prod (passes every environment rule) and dev (one replica,
 * PERMISSIVE mTLS: passes only with dev's declared exceptions). Both hold the
 * same VirtualService, which the analyzer would report as a host conflict
 * (IST0109) if it looked at both environments at once.
 */
const FIXTURES = path.resolve(__dirname, '../fixtures/envpolicy');

const ENVIRONMENTS: readonly EnvironmentPolicyRef[] = [
  {
    name: 'dev',
    policy: {
      exceptions: [
        { rule: 'env-min-replicas', reason: 'single-node dev cluster' },
        { rule: 'env-strict-mtls', reason: 'developers port-forward to pods without a sidecar' },
        { rule: 'env-disruption-budget', reason: 'nobody drains dev nodes' },
      ],
    },
  },
  { name: 'test' },
  { name: 'prod', policy: { minReplicas: 2 } },
];

function run(args: string[], cwd: string, environments: readonly EnvironmentPolicyRef[] = ENVIRONMENTS) {
  const out: string[] = [];
  const err: string[] = [];
  const code = main({ ...parseArgs(args), cwd, environments, log: (l) => out.push(l), error: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('which environment a file belongs to', () => {
  const names = new Set(['dev', 'prod']);
  const at = (file: string, root: string) => environmentOfFile(path.resolve('/repo', file), path.resolve('/repo', root), names);

  it('takes the folder right below dist/, whatever path was checked', () => {
    expect(at('dist/prod/shop/a.yaml', 'dist')).toBe('prod');
    expect(at('dist/prod/shop/a.yaml', 'dist/prod')).toBe('prod');
    expect(at('dist/prod/shop/a.yaml', 'dist/prod/shop/a.yaml')).toBe('prod');
    expect(at('dist/prod/shop/a.yaml', '.')).toBe('prod');
    expect(at('dist/dev/a.yaml', 'dist')).toBe('dev');
  });

  it('takes the folder right below the checked folder', () => {
    expect(at('out/prod/shop/a.yaml', 'out')).toBe('prod');
    expect(at('out/prod/shop/a.yaml', 'out/prod')).toBeUndefined();
  });

  it('gives none to files outside an environment folder', () => {
    expect(at('dist/shop/a.yaml', 'dist')).toBeUndefined(); // the per-app layout
    expect(at('dist/prod.yaml', 'dist')).toBeUndefined(); // a file, not a folder
    expect(at('dist/production/a.yaml', 'dist')).toBeUndefined(); // exact names only
    expect(at('dist/Prod/a.yaml', 'dist')).toBeUndefined(); // case-sensitive
    expect(at('dist/shop/prod/a.yaml', 'dist')).toBeUndefined(); // not right below dist/
    expect(at('manifests/a.yaml', 'manifests')).toBeUndefined();
    expect(environmentOfFile('/repo/dist/prod/a.yaml', '/repo/dist', new Set())).toBeUndefined();
  });

  it('uses the nearest dist/ folder above the file', () => {
    expect(at('dist/prod/copy/dist/dev/a.yaml', 'dist/prod/copy')).toBe('dev');
    expect(at('dist/prod/copy/dist/shop/a.yaml', 'dist/prod/copy/dist')).toBeUndefined();
  });

  it('tags loaded objects, or every object with env', () => {
    const tags = (options: Parameters<typeof loadPolicyObjects>[1]) => loadPolicyObjects(['dist'], { cwd: FIXTURES, ...options }).map((o) => `${o.file} ${o.manifest.kind} ${o.environment}`);
    const tagged = tags({ environmentNames: ['dev', 'prod'] });
    expect(tagged).toContain('dist/dev/shop/app.k8s.yaml Deployment dev');
    expect(tagged).toContain('dist/prod/shop/app.k8s.yaml PodDisruptionBudget prod');
    expect(tags({ environmentNames: ['prod'] })).toContain('dist/dev/shop/app.k8s.yaml Deployment undefined');
    expect(new Set(tags({ env: 'prod' }).map((t) => t.split(' ')[2]))).toEqual(new Set(['prod']));
  });
});

describe('npm run check with environments', () => {
  it('passes dev with its declared exceptions and prod as it is; lists honoured and unused environment exceptions', () => {
    const result = run(['dist'], FIXTURES);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toContain('Policy check passed: 15 objects in 2 files (environments: dev 7, prod 8), no violations, 0 honoured exceptions, 2 environment exceptions.');
    expect(result.out).toMatch(/Environment exceptions \(2\):\nENVIRONMENT\s+RULE\s+REASON\s+SUPPRESSED\n[- ]+\ndev\s+env-min-replicas\s+single-node dev cluster\s+1 finding in 1 object\ndev\s+env-strict-mtls\s+developers port-forward to pods without a sidecar\s+1 finding in 1 object/);
    expect(result.out).toMatch(/Unused environment exceptions \(1\): the rule passes in the environment without them; remove them from its policy:\nENVIRONMENT\s+RULE\s+REASON\n[- ]+\ndev\s+env-disruption-budget\s+nobody drains dev nodes/);
    // The same VirtualService in dev and prod is no conflict: each environment is analyzed alone.
    expect(result.out).toContain('Mesh analysis passed: no findings.');
  });

  it('without environments the dist/<env>/ layout is one cluster: the analyzer sees the duplicate', () => {
    const result = run(['dist'], FIXTURES, []);
    expect(result.out).toContain('Policy check passed: 15 objects in 2 files, no violations, 0 honoured exceptions.');
    expect(result.out).toContain('IST0109');
  });

  it('--env prod checks any YAML as prod: dev\'s shop fails with environment, object, field and fix', () => {
    const result = run(['--env', 'prod', 'dist/dev'], FIXTURES);
    expect(result.code).toBe(1);
    expect(result.out).toContain('Policy check FAILED: 2 violations in 2 objects (7 objects in 1 file checked; environments: prod 7).');
    expect(result.out).toMatch(/ENVIRONMENT\s+OBJECT\s+FILE\s+RULE\s+MESSAGE\s+FIX/);
    expect(result.out).toMatch(
      /prod\s+Deployment\/shop\/web\s+dist\/dev\/shop\/app\.k8s\.yaml\s+env-min-replicas\s+spec\.replicas is 1; environment "prod" requires at least 2 replicas of Deployment "web"\s+set spec\.replicas: 2/,
    );
    expect(result.out).toMatch(/prod\s+PeerAuthentication\/shop\/default\s+dist\/dev\/shop\/app\.k8s\.yaml\s+env-strict-mtls\s+namespace-wide mTLS mode PERMISSIVE/);
    expect(result.out).toContain('An environment relaxes an env-* rule only by an exception { rule, reason } in its policy (see docs/security.md, "Environment policy").');
  });

  it('--json names environment, rule, object, field and fix, and lists environment exceptions', () => {
    const failing = run(['--json', '--env=prod', 'dist/dev'], FIXTURES);
    expect(failing.code).toBe(1);
    const report = JSON.parse(failing.out);
    expect(report.ok).toBe(false);
    expect(report.environments).toEqual([{ name: 'prod', objects: 7 }]);
    expect(report.violations[0]).toEqual({
      rule: 'env-min-replicas',
      object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web', file: 'dist/dev/shop/app.k8s.yaml', index: 5, environment: 'prod' },
      message: 'spec.replicas is 1; environment "prod" requires at least 2 replicas of Deployment "web"',
      fix: 'set spec.replicas: 2 (or scale it with a HorizontalPodAutoscaler whose minReplicas is at least 2)',
      field: 'spec.replicas',
    });
    const passing = JSON.parse(run(['--json'], FIXTURES).out);
    expect(passing.ok).toBe(true);
    expect(passing.environmentExceptions.map((e: { environment: string; rule: string; reason: string; suppressed: { object: { kind: string; environment: string } }[] }) => [e.environment, e.rule, e.reason, e.suppressed.map((s) => `${s.object.environment}:${s.object.kind}`)])).toEqual([
      ['dev', 'env-min-replicas', 'single-node dev cluster', ['dev:Deployment']],
      ['dev', 'env-strict-mtls', 'developers port-forward to pods without a sidecar', ['dev:PeerAuthentication']],
    ]);
    expect(passing.unusedEnvironmentExceptions).toEqual([{ environment: 'dev', rule: 'env-disruption-budget', reason: 'nobody drains dev nodes' }]);
  });

  it('reports unused environment exceptions only for environments that were checked', () => {
    const result = run(['dist/prod'], FIXTURES);
    expect(result.code).toBe(0);
    expect(result.out).not.toContain('Unused environment exceptions');
  });

  it('exits 2 on an unknown --env (listing the known ones), a missing --env value or an unknown option', () => {
    expect(run(['--env', 'staging', 'dist'], FIXTURES)).toEqual({ code: 2, out: '', err: 'meshforge check failed: unknown environment; field: --env; value: "staging"; expected: one of "dev", "test", "prod"' });
    expect(run(['--env', 'prod'], FIXTURES, [])).toEqual({
      code: 2,
      out: '',
      err: 'meshforge check failed: unknown environment; field: --env; value: "prod"; expected: a declared environment, but none is declared (export environments from apps/)',
    });
    expect(() => parseArgs(['--env'])).toThrow('--env needs an environment name: --env <name>');
    expect(() => parseArgs(['--env', '--json'])).toThrow('--env needs an environment name');
    expect(() => parseArgs(['--env', 'a', '--env', 'b'])).toThrow('--env given twice ("a", "b"): check one environment at a time');
    expect(() => parseArgs(['--strict'])).toThrow('unknown option --strict (options: --json, --env <name>)');
    expect(parseArgs(['--env', 'prod', '--json', 'dist/prod'])).toEqual({ paths: ['dist/prod'], json: true, env: 'prod' });
  });

  it('exits 2 on an invalid environment policy, before reading any file', () => {
    const bad = (environments: unknown) => run(['nothing-here'], FIXTURES, environments as EnvironmentPolicyRef[]);
    expect(bad([{ name: 'dev' }, { name: 'dev' }]).err).toBe('meshforge check failed: [environments/dev] environment "dev" is declared twice; field: environments[1].name; value: "dev"; expected: unique environment names');
    expect(bad([{ name: 'dev', policy: { exceptions: [{ rule: 'env-replicas', reason: 'x' }] } }]).err).toBe(
      'meshforge check failed: [environments/dev] unknown environment rule; field: policy.exceptions[0].rule; value: "env-replicas"; expected: one of "env-min-replicas", "env-disruption-budget", "env-resource-limits", "env-strict-mtls"',
    );
    expect(bad([{ name: 'dev', policy: { exceptions: [{ rule: 'env-strict-mtls', reason: '  ' }] } }]).err).toBe(
      'meshforge check failed: [environments/dev] the exception for env-strict-mtls needs a reason; field: policy.exceptions[0].reason; value: "  "; expected: a sentence saying why environment "dev" may relax env-strict-mtls',
    );
    expect(bad([{ name: 'prod', policy: { minReplicas: 0 } }]).err).toBe(
      'meshforge check failed: [environments/prod] minReplicas must be a whole number of at least 1; field: policy.minReplicas; value: 0; expected: an integer >= 1 (relax env-min-replicas with an exception instead of 0)',
    );
    expect(bad([{ name: 'prod', policy: { minReplicas: 1.5 } }]).code).toBe(2);
    expect(bad([{ name: 'dev', policy: { exceptions: [{ rule: 'env-strict-mtls', reason: 'a' }, { rule: 'env-strict-mtls', reason: 'b' }] } }]).err).toBe(
      'meshforge check failed: [environments/dev] env-strict-mtls is relaxed twice; field: policy.exceptions[1].rule; value: "env-strict-mtls"; expected: one exception per rule (join the reasons)',
    );
    expect(bad([{ name: 'dist/prod' }]).err).toContain('an environment name must be one folder name; field: environments[0].name; value: "dist/prod"');
    expect(bad([{ name: '' }]).code).toBe(2);
  });

  it('checkAll takes the environments as an option', () => {
    expect(checkAll(['dist'], { cwd: FIXTURES, environments: ENVIRONMENTS }).ok).toBe(true);
    expect(checkAll(['dist'], { cwd: FIXTURES, environments: [{ name: 'dev' }, { name: 'prod' }] }).policy.violations.map((v) => `${v.object.environment} ${v.rule}`)).toEqual([
      'dev env-min-replicas',
      'dev env-strict-mtls',
    ]);
  });

  it('loads the environments from apps/, tolerating a project without them', () => {
    expect(loadEnvironments(() => ({ apps: [] }))).toEqual([]);
    expect(loadEnvironments(() => ({ environments: [{ name: 'prod' }] }))).toEqual([{ name: 'prod' }]);
    const missing = Object.assign(new Error("Cannot find module '../apps'\nRequire stack:\n- build/bin/check.js"), { code: 'MODULE_NOT_FOUND' });
    expect(loadEnvironments(() => { throw missing; })).toEqual([]);
    const broken = Object.assign(new Error("Cannot find module './environments'"), { code: 'MODULE_NOT_FOUND' });
    expect(() => loadEnvironments(() => { throw broken; })).toThrow("Cannot find module './environments'");
    expect(() => loadEnvironments(() => ({ environments: 'prod' }))).toThrow('apps/ exports `environments`, but not as a list of environments');
  });
});

describe('per-object exceptions for environment rules', () => {
  it('an annotation on the object wins over the environment (honoured, named with its environment); unneeded ones are unused', () => {
    const root = tmpDir();
    const file = path.join(root, 'dist/prod/shop/app.k8s.yaml');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const text = fs.readFileSync(path.join(FIXTURES, 'dist/dev/shop/app.k8s.yaml'), 'utf8');
    fs.writeFileSync(file, text.replace('  name: web\n  namespace: shop\nspec:\n  replicas: 1', '  name: web\n  namespace: shop\n  annotations:\n    policy.meshforge.io/allow-env-min-replicas: "leader election: one active pod"\n    policy.meshforge.io/allow-env-resource-limits: "stale"\nspec:\n  replicas: 1'));
    const prodOnly = [{ name: 'prod' }];
    const result = run(['dist'], root, prodOnly);
    // env-strict-mtls still fails: PERMISSIVE in prod has no exception.
    expect(result.code).toBe(1);
    expect(result.out).toContain('Policy check FAILED: 1 violation in 1 object');
    expect(result.out).toMatch(/Honoured exceptions \(1\):\nENVIRONMENT\s+OBJECT\s+FILE\s+RULE\s+REASON\s+SUPPRESSED\n[- ]+\nprod\s+Deployment\/shop\/web\s+dist\/prod\/shop\/app\.k8s\.yaml\s+env-min-replicas\s+leader election: one active pod\s+1 finding/);
    expect(result.out).toMatch(/Unused exceptions \(1\)[^\n]*\nENVIRONMENT\s+OBJECT[^\n]*\n[- ]+\nprod\s+Deployment\/shop\/web\s+dist\/prod\/shop\/app\.k8s\.yaml\s+env-resource-limits\s+stale/);
    // Outside every environment the annotations are valid (known rule ids) but the rules do not run: not unused.
    const outside = run(['dist'], root, []);
    expect(outside.code).toBe(0);
    expect(outside.out).not.toContain('Unused exceptions');
    // An unknown env-* id is a policy-exception violation, as for any rule.
    fs.writeFileSync(file, stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'shop', annotations: { 'policy.meshforge.io/allow-env-replicas': 'x' } } }));
    expect(run(['dist'], root, prodOnly).out).toContain('exception annotation "policy.meshforge.io/allow-env-replicas" names unknown rule "env-replicas"');
  });
});

describe('docs/security.md, "Environment policy"', () => {
  const doc = fs.readFileSync(path.resolve(__dirname, '../../docs/security.md'), 'utf8');
  const section = doc.slice(doc.indexOf('### Environment policy'), doc.indexOf('### Library API'));

  it('its rule table lists exactly the environment rules, in order', () => {
    const ids = [...section.matchAll(/^\| `(env-[a-z-]+)` \|/gm)].map((m) => m[1]);
    expect(ids).toEqual(ENVIRONMENT_RULE_IDS);
  });

  it('its example report is what the check prints', () => {
    const block = /```text\n([\s\S]*?)\n```/.exec(section)![1];
    const { out } = run(['--env', 'prod', 'dist/dev'], FIXTURES);
    expect(out.split('\n').slice(0, block.split('\n').length).join('\n')).toBe(block);
  });
});
