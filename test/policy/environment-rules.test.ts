import { describe, expect, it } from 'vitest';
import { desiredHealthy, ENVIRONMENT_RULE_IDS, ENVIRONMENT_RULES, hostNamespace, parseSelector, selectorMatches } from '../../lib/policy';
import { set, workload } from './fixtures';
import { checkEnv, deployment, envFindings, hpa, namespace, pdb, peerAuthentication, podLabel } from './environment-fixtures';

const budget = pdb('web', { selector: { matchLabels: { app: 'web' } }, maxUnavailable: 1 });

describe('environment rules', () => {
  it('ENVIRONMENT_RULES follow ENVIRONMENT_RULE_IDS (the contract of EnvironmentRuleId)', () => {
    expect(ENVIRONMENT_RULES.map((r) => r.id)).toEqual(ENVIRONMENT_RULE_IDS);
  });
});

describe('env-min-replicas', () => {
  it('passes a Deployment/StatefulSet at the minimum and an HPA whose minReplicas reaches it', () => {
    expect(envFindings([deployment('web', 2), budget])).toEqual([]);
    expect(envFindings([set(workload('StatefulSet', 'db'), 'spec.replicas', 3), pdb('db', { selector: { matchLabels: { app: 'db' } }, maxUnavailable: 1 })])).toEqual([]);
    // With an HPA the Deployment's replicas do not count (the HPA owns them).
    expect(envFindings([deployment('web', 'unset'), hpa('web', 2, 5), budget])).toEqual([]);
  });

  it('fails replicas below the minimum, unset replicas (1), and an HPA minReplicas below it (unset = 1)', () => {
    expect(envFindings([deployment('web', 'unset')])).toEqual([
      'env-min-replicas Deployment/web: spec.replicas is unset (1 replica); environment "prod" requires at least 2 replicas of Deployment "web"',
    ]);
    expect(envFindings([set(workload('StatefulSet', 'db'), 'spec.replicas', 1)])).toEqual([
      'env-min-replicas StatefulSet/db: spec.replicas is 1; environment "prod" requires at least 2 replicas of StatefulSet "db"',
    ]);
    const v = checkEnv([deployment('web', 3)], { minReplicas: 4 }).violations.filter((x) => x.rule === 'env-min-replicas');
    expect(v.map((x) => [x.field, x.fix])).toEqual([['spec.replicas', 'set spec.replicas: 4 (or scale it with a HorizontalPodAutoscaler whose minReplicas is at least 4)']]);
    expect(envFindings([deployment('web', 'unset'), hpa('web', undefined, 5), budget])).toEqual([
      'env-min-replicas HorizontalPodAutoscaler/web: spec.minReplicas is unset (1 replica) for Deployment "web"; environment "prod" requires at least 2',
    ]);
    expect(checkEnv([deployment('web', 5), hpa('web', 1, 5), budget]).violations.map((x) => [x.object.kind, x.field])).toEqual([['HorizontalPodAutoscaler', 'spec.minReplicas']]);
  });

  it('does not count DaemonSets, Jobs or bare Pods', () => {
    expect(envFindings([workload('DaemonSet', 'agent'), workload('Job', 'migrate'), workload('CronJob', 'report'), workload('Pod', 'debug')])).toEqual([]);
  });
});

describe('env-disruption-budget', () => {
  it('passes one PDB selecting the pods by matchLabels or matchExpressions', () => {
    expect(envFindings([deployment('web', 2), budget])).toEqual([]);
    const byExpression = pdb('web', { selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] }, minAvailable: 1 });
    expect(envFindings([deployment('web', 2), byExpression])).toEqual([]);
    // policy/v1: an empty selector selects every pod of the namespace.
    expect(envFindings([deployment('web', 2), pdb('all', { selector: {}, maxUnavailable: '25%' })])).toEqual([]);
  });

  it('needs no PDB for a single replica (a PDB would only block drains)', () => {
    expect(envFindings([deployment('web', 1)], { exceptions: [{ rule: 'env-min-replicas', reason: 'singleton leader' }] })).toEqual([]);
  });

  it('fails without a matching PDB: other labels, other namespace, NotIn, v1beta1 empty selector, no selector', () => {
    const missing = 'env-disruption-budget Deployment/web: 2 replicas but no PodDisruptionBudget in namespace "shop" selects its pods; environment "prod" requires one (a node drain may evict every replica at once)';
    expect(envFindings([deployment('web', 2)])).toEqual([missing]);
    expect(envFindings([deployment('web', 2), pdb('api', { selector: { matchLabels: { app: 'api' } }, maxUnavailable: 1 })])).toEqual([missing]);
    expect(envFindings([deployment('web', 2), { ...budget, metadata: { name: 'web', namespace: 'other' } }])).toEqual([missing]);
    expect(envFindings([deployment('web', 2), pdb('web', { selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, maxUnavailable: 1 })])).toEqual([missing]);
    expect(envFindings([deployment('web', 2), pdb('all', { selector: {}, maxUnavailable: 1 }, 'policy/v1beta1')])).toEqual([missing]);
    expect(envFindings([deployment('web', 2), pdb('none', { maxUnavailable: 1 })])).toEqual([missing]);
    const [v] = checkEnv([deployment('web', 2)]).violations;
    expect(v.fix).toBe('add a PodDisruptionBudget in namespace "shop" with spec.selector.matchLabels {app: web} and spec.maxUnavailable: 1');
    expect(v.field).toBe('spec.template.metadata.labels');
  });

  it('asks for a PDB when an HPA may scale past one replica', () => {
    expect(envFindings([deployment('web', 'unset'), hpa('web', 2, 4)])[0]).toContain('2-4 replicas (HPA) but no PodDisruptionBudget');
  });

  it('fails two PDBs over the same pods (the eviction API refuses such pods)', () => {
    const second = pdb('web-extra', { selector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] }, maxUnavailable: 1 });
    expect(envFindings([deployment('web', 2), budget, second])).toEqual([
      'env-disruption-budget Deployment/web: 2 PodDisruptionBudgets select its pods ("web", "web-extra"): the eviction API refuses to evict a pod with more than one, so node drains fail',
    ]);
  });

  it('fails a PDB that allows no disruption at the minimum scale (drains hang), counting percentages as Kubernetes does (rounded up)', () => {
    expect(envFindings([deployment('web', 2), pdb('web', { selector: { matchLabels: { app: 'web' } }, minAvailable: 2 })])).toEqual([
      'env-disruption-budget Deployment/web: PodDisruptionBudget "web" (minAvailable 2) allows no voluntary disruption at 2 replicas: node drains never complete',
    ]);
    expect(envFindings([deployment('web', 2), pdb('web', { selector: { matchLabels: { app: 'web' } }, maxUnavailable: 0 })])).toHaveLength(1);
    // 3 replicas, minAvailable 67% → ceil(2.01) = 3 must stay: nothing may go.
    expect(envFindings([deployment('web', 3), pdb('web', { selector: { matchLabels: { app: 'web' } }, minAvailable: '67%' })])).toHaveLength(1);
    expect(envFindings([deployment('web', 3), pdb('web', { selector: { matchLabels: { app: 'web' } }, minAvailable: '66%' })])).toEqual([]);
    // HPA at its minimum 2 with minAvailable 2: nothing may go then.
    expect(envFindings([deployment('web', 'unset'), hpa('web', 2, 6), pdb('web', { selector: { matchLabels: { app: 'web' } }, minAvailable: 2 })])).toHaveLength(1);
  });

  it('desiredHealthy follows the disruption controller', () => {
    const spec = (s: Record<string, unknown>) => pdb('x', s);
    expect(desiredHealthy(spec({ maxUnavailable: 1 }), 3)).toBe(2);
    expect(desiredHealthy(spec({ maxUnavailable: '50%' }), 3)).toBe(1); // ceil(1.5) = 2 may go
    expect(desiredHealthy(spec({ minAvailable: '50%' }), 7)).toBe(4);
    expect(desiredHealthy(spec({ minAvailable: 'two' }), 3)).toBeUndefined();
    expect(desiredHealthy(spec({}), 3)).toBe(0);
  });
});

describe('label selectors', () => {
  it('match like Kubernetes: matchLabels and In, NotIn, Exists, DoesNotExist', () => {
    const labels = { app: 'web', tier: 'front' };
    const m = (selector: unknown) => selectorMatches(parseSelector(selector), labels);
    expect(m({})).toBe(true);
    expect(m({ matchLabels: { app: 'web' } })).toBe(true);
    expect(m({ matchLabels: { app: 'web', tier: 'back' } })).toBe(false);
    expect(m({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'x'] }] })).toBe(true);
    expect(m({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] })).toBe(false);
    expect(m({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] })).toBe(true);
    expect(m({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] })).toBe(false);
    expect(m({ matchExpressions: [{ key: 'app', operator: 'Exists' }, { key: 'zone', operator: 'DoesNotExist' }] })).toBe(true);
    expect(m({ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] })).toBe(false);
    // Selectors the API server rejects match nothing.
    expect(m({ matchExpressions: [{ key: 'app', operator: 'In', values: [] }] })).toBe(false);
    expect(m({ matchExpressions: [{ key: 'app', operator: 'Exists', values: ['web'] }] })).toBe(false);
    expect(m({ matchExpressions: [{ key: 'app', operator: 'Equals', values: ['web'] }] })).toBe(false);
  });
});

describe('env-resource-limits', () => {
  it('passes containers with CPU and memory limits, or a LimitRange default in the namespace', () => {
    expect(envFindings([workload('DaemonSet', 'agent'), workload('CronJob', 'report')])).toEqual([]);
    const bare = set(workload('Job', 'migrate'), 'spec.template.spec.containers[0].resources', { requests: { cpu: '100m' } });
    const limitRange = { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'defaults', namespace: 'shop' }, spec: { limits: [{ type: 'Container', default: { cpu: '500m', memory: '256Mi' } }] } };
    expect(envFindings([bare, limitRange])).toEqual([]);
  });

  it('names every container and init container without limits, on every pod template kind', () => {
    const job = set(workload('CronJob', 'report'), 'spec.jobTemplate.spec.template.spec.containers[0].resources.limits', { cpu: '1' });
    set(job, 'spec.jobTemplate.spec.template.spec.initContainers', [{ name: 'setup', image: 'busybox:1.36' }]);
    const sts = set(set(workload('StatefulSet', 'db'), 'spec.replicas', 2), 'spec.template.spec.containers[0].resources', undefined);
    const ds = set(workload('DaemonSet', 'agent'), 'spec.template.spec.containers[0].resources.limits.memory', '');
    expect(envFindings([job, sts, pdb('db', { selector: { matchLabels: { app: 'db' } }, maxUnavailable: 1 }), ds])).toEqual([
      'env-resource-limits CronJob/report: container "web" has no limits.memory; environment "prod" requires CPU and memory limits',
      'env-resource-limits CronJob/report: init container "setup" has no limits.cpu, limits.memory; environment "prod" requires CPU and memory limits',
      'env-resource-limits StatefulSet/db: container "web" has no limits.cpu, limits.memory; environment "prod" requires CPU and memory limits',
      'env-resource-limits DaemonSet/agent: container "web" has no limits.memory; environment "prod" requires CPU and memory limits',
    ]);
    const [v] = checkEnv([job]).violations;
    expect([v.field, v.fix]).toEqual(['spec.jobTemplate.spec.template.spec.containers[0].resources.limits', 'set spec.jobTemplate.spec.template.spec.containers[0].resources.limits.memory']);
  });

  it('a LimitRange default for CPU only leaves memory required; one in another namespace does not count', () => {
    const bare = set(workload('Pod', 'debug'), 'spec.containers[0].resources', undefined);
    const cpuOnly = { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'd', namespace: 'shop' }, spec: { limits: [{ type: 'Container', default: { cpu: '1' } }] } };
    expect(envFindings([bare, cpuOnly])).toEqual(['env-resource-limits Pod/debug: container "web" has no limits.memory; environment "prod" requires CPU and memory limits']);
    expect(envFindings([bare, { ...cpuOnly, metadata: { name: 'd', namespace: 'other' } }])[0]).toContain('has no limits.cpu, limits.memory');
  });
});

describe('env-strict-mtls', () => {
  const meshed = namespace('shop', { 'istio-injection': 'enabled' });
  const strict = peerAuthentication('shop', { mtls: { mode: 'STRICT' } });

  it('passes a meshed namespace with a namespace-wide STRICT policy, or a mesh-wide STRICT one (UNSET inherits)', () => {
    expect(envFindings([meshed, strict])).toEqual([]);
    expect(envFindings([meshed, peerAuthentication('istio-system', { mtls: { mode: 'STRICT' } })])).toEqual([]);
    expect(envFindings([meshed, peerAuthentication('shop', { mtls: { mode: 'UNSET' } }), peerAuthentication('istio-system', { mtls: { mode: 'STRICT' } })])).toEqual([]);
    // Not meshed: nothing required.
    expect(envFindings([namespace('shop'), namespace('tools', { 'istio-injection': 'disabled' }), podLabel(workload('Deployment', 'x', 'tools'), 'sidecar.istio.io/inject', 'true')]).filter((f) => f.startsWith('env-strict'))).toEqual([]);
  });

  it('fails a meshed namespace no policy decides (label, revision, ambient, or pods asking for the sidecar)', () => {
    expect(envFindings([meshed])).toEqual([
      'env-strict-mtls Namespace/shop: namespace "shop" is in the mesh (label istio-injection=enabled) but no PeerAuthentication sets its mTLS mode, so Istio accepts plain text (PERMISSIVE); environment "prod" requires STRICT',
    ]);
    expect(envFindings([namespace('shop', { 'istio.io/rev': 'canary' })])[0]).toContain('(label istio.io/rev=canary)');
    expect(envFindings([namespace('shop', { 'istio.io/dataplane-mode': 'ambient' })])[0]).toContain('(label istio.io/dataplane-mode=ambient)');
    // A workload-scoped STRICT policy does not cover the namespace.
    expect(envFindings([meshed, { ...strict, spec: { selector: { matchLabels: { app: 'web' } }, mtls: { mode: 'STRICT' } } }])).toHaveLength(1);
    // Without a Namespace object, the first pod template asking for the sidecar carries the finding.
    const pod = podLabel(deployment('web', 1), 'sidecar.istio.io/inject', 'true');
    const v = checkEnv([pod], { exceptions: [{ rule: 'env-min-replicas', reason: 'test' }] }).violations;
    expect(v.map((x) => [x.rule, x.object.kind, x.field])).toEqual([['env-strict-mtls', 'Deployment', 'metadata.namespace']]);
    expect(v[0].message).toContain('namespace "shop" is in the mesh (Deployment "web" asks for the sidecar (sidecar.istio.io/inject: "true"))');
  });

  it('fails every PERMISSIVE or DISABLE PeerAuthentication, port-level included, anywhere in the environment', () => {
    const permissive = peerAuthentication('istio-system', { mtls: { mode: 'PERMISSIVE' } });
    const ports = peerAuthentication('shop', { selector: { matchLabels: { app: 'web' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { '8080': { mode: 'DISABLE' }, '9090': { mode: 'STRICT' } } }, 'web');
    expect(envFindings([meshed, strict, permissive, ports])).toEqual([
      'env-strict-mtls PeerAuthentication/default: mesh-wide mTLS mode PERMISSIVE accepts plain-text traffic; environment "prod" requires STRICT',
      'env-strict-mtls PeerAuthentication/web: port 8080 mTLS mode DISABLE accepts plain-text traffic; environment "prod" requires STRICT',
    ]);
    expect(checkEnv([ports]).violations.map((v) => v.field)).toEqual(['spec.portLevelMtls["8080"].mode']);
    // The namespace decided by a PERMISSIVE policy is reported once, on that policy.
    expect(envFindings([meshed, peerAuthentication('shop', { mtls: { mode: 'PERMISSIVE' } })])).toEqual([
      'env-strict-mtls PeerAuthentication/default: namespace-wide mTLS mode PERMISSIVE accepts plain-text traffic; environment "prod" requires STRICT',
    ]);
  });

  it('fails a DestinationRule that disables TLS to an in-mesh host, and ignores external hosts', () => {
    const dr = (host: string, spec: Record<string, unknown>, ns = 'shop') => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'dr', namespace: ns },
      spec: { host, ...spec },
    });
    const disable = { trafficPolicy: { tls: { mode: 'DISABLE' } } };
    const lines = (m: Record<string, unknown>) => envFindings([meshed, strict, m]);
    expect(lines(dr('web', disable))).toEqual([
      'env-strict-mtls DestinationRule/dr: tls.mode DISABLE sends plain text to in-mesh host "web"; environment "prod" requires mTLS between meshed workloads',
    ]);
    expect(lines(dr('web.shop.svc.cluster.local', disable, 'other'))).toHaveLength(1);
    expect(lines(dr('*.svc.cluster.local', disable, 'other'))).toHaveLength(1);
    const nested = dr('web', { subsets: [{ name: 'v1', labels: { version: 'v1' }, trafficPolicy: { portLevelSettings: [{ port: { number: 80 }, tls: { mode: 'DISABLE' } }] } }] });
    expect(checkEnv([meshed, strict, nested]).violations.map((v) => [v.field, v.fix])).toEqual([
      ['spec.subsets[0].trafficPolicy.portLevelSettings[0].tls.mode', 'set spec.subsets[0].trafficPolicy.portLevelSettings[0].tls.mode: ISTIO_MUTUAL (or remove the tls block: Istio\'s auto mTLS then applies)'],
    ]);
    expect(lines(dr('api.example.com', disable))).toEqual([]);
    expect(lines(dr('db.data.svc.cluster.local', disable))).toEqual([]); // namespace "data" is not meshed
    expect(lines(dr('web', { trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } }))).toEqual([]);
  });

  it('resolves DestinationRule hosts to namespaces as Istio does', () => {
    expect(hostNamespace('web', 'shop')).toBe('shop');
    expect(hostNamespace('web.pay.svc.cluster.local', 'shop')).toBe('pay');
    expect(hostNamespace('*.pay.svc.cluster.local', 'shop')).toBe('pay');
    expect(hostNamespace('*', 'shop')).toBe('*');
    expect(hostNamespace('web.pay', 'shop')).toBeUndefined();
    expect(hostNamespace('api.example.com', 'shop')).toBeUndefined();
  });
});
