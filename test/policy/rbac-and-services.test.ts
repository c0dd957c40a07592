import { describe, expect, it } from 'vitest';
import { check, findings, set, workload } from './fixtures';

function role(kind: 'Role' | 'ClusterRole', rules: unknown[]) {
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind, metadata: { name: 'reader', ...(kind === 'Role' ? { namespace: 'shop' } : {}) }, rules };
}

function service(selector: Record<string, string> | undefined, namespace = 'shop', extra: Record<string, unknown> = {}) {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace }, spec: { ports: [{ port: 80 }], ...(selector ? { selector } : {}), ...extra } };
}

describe('rbac-wildcards', () => {
  it('flags "*" in verbs, resources, apiGroups and nonResourceURLs, and subresource wildcards', () => {
    const m = role('ClusterRole', [
      { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
      { apiGroups: [''], resources: ['pods/*'], verbs: ['get'] },
      { nonResourceURLs: ['*'], verbs: ['get'] },
    ]);
    const result = check(m).violations;
    expect(result.map((v) => `${v.rule}: ${v.message}`)).toEqual([
      'rbac-wildcards: rule 0 grants every verb ("*" in verbs)',
      'rbac-wildcards: rule 0 grants every resource ("*" in resources)',
      'rbac-wildcards: rule 0 grants every API group ("*" in apiGroups)',
      'rbac-wildcards: rule 1 grants every resource ("pods/*" in resources)',
      'rbac-wildcards: rule 2 grants every non-resource URL ("*" in nonResourceURLs)',
    ]);
    expect(result[0].fix).toBe('list the needed verbs explicitly in rules[0].verbs');
    expect(result[0].object).toEqual({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'reader', file: 'test.yaml', index: 0 });
  });
  it('checks Roles too and accepts explicit rules (Prometheus SD permissions)', () => {
    expect(findings(role('Role', [{ apiGroups: [''], resources: ['pods'], verbs: ['*'] }]))).toEqual(['rbac-wildcards: rule 0 grants every verb ("*" in verbs)']);
    const prometheus = role('ClusterRole', [
      { apiGroups: [''], resources: ['nodes', 'nodes/metrics', 'services', 'endpoints', 'pods'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
      { nonResourceURLs: ['/metrics', '/healthz/*'], verbs: ['get'] },
    ]);
    expect(findings(prometheus)).toEqual([]);
  });
});

describe('service-selector', () => {
  it('flags a Service whose selector matches no pod template in its namespace', () => {
    const result = check([workload('Deployment'), service({ app: 'wbe' })]).violations;
    expect(result.map((v) => `${v.rule}: ${v.message}`)).toEqual(['service-selector: selector app=wbe matches no pod template in namespace "shop"']);
    expect(result[0].object).toMatchObject({ kind: 'Service', name: 'web', index: 1 });
  });
  it('does not match pods of another namespace, nor a partial label match', () => {
    expect(findings([workload('Deployment'), service({ app: 'web' }, 'other')])).toEqual([
      'service-selector: selector app=web matches no pod template in namespace "other"',
    ]);
    expect(findings([workload('Deployment'), service({ app: 'web', tier: 'front' })])).toEqual([
      'service-selector: selector app=web,tier=front matches no pod template in namespace "shop"',
    ]);
  });
  it('matches every workload kind, with a selector that is a subset of the pod labels', () => {
    for (const kind of ['Pod', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob'] as const) {
      const w = workload(kind);
      const labelsPath = kind === 'Pod' ? 'metadata.labels' : kind === 'CronJob' ? 'spec.jobTemplate.spec.template.metadata.labels' : 'spec.template.metadata.labels';
      set(w, labelsPath, { app: 'web', version: 'v1' });
      expect(findings([service({ app: 'web' }), w])).toEqual([]);
    }
  });
  it('matches objects without a namespace among themselves', () => {
    const w = set(workload('Deployment'), 'metadata.namespace', undefined);
    expect(findings([w, set(service({ app: 'web' }), 'metadata.namespace', undefined)])).toEqual([]);
    expect(findings([set(service({ app: 'web' }), 'metadata.namespace', undefined)])).toEqual([
      'service-selector: selector app=web matches no pod template among objects without a namespace',
    ]);
  });
  it('skips Services without a selector and ExternalName Services', () => {
    expect(findings([service(undefined), service({ app: 'x' }, 'shop', { type: 'ExternalName', externalName: 'db.example.com' })])).toEqual([]);
  });
  it('ignores a non-core kind named Service (e.g. Knative)', () => {
    expect(findings([{ ...service({ app: 'none' }), apiVersion: 'serving.knative.dev/v1' }])).toEqual([]);
  });
});
