import { describe, expect, it } from 'vitest';
import { syntheticServices } from '../../bench/policy-check';
import { checkObjects, PolicyObject } from '../../lib/policy';

describe('policy check at scale (timing lives in bench/policy-check.ts)', () => {
  it('checks a 3000-service dist (12000 objects) with every Service matched to its pods', () => {
    const objects = syntheticServices(3000).map((manifest, index) => ({ manifest, file: 'bench.yaml', index }));
    const report = checkObjects(objects);
    expect(report.objects).toBe(12000);
    expect(report.violations).toEqual([]);
  });

  it('reports a Service whose selector misses, among 3000 services sharing common labels', () => {
    const manifests = syntheticServices(3000);
    const last = manifests[manifests.length - 1] as { spec: { selector: Record<string, string> } };
    last.spec.selector = { app: 'svc-missing', 'app.kubernetes.io/part-of': 'shop' };
    const report = checkObjects(manifests.map((manifest, index) => ({ manifest, file: 'bench.yaml', index })));
    expect(report.violations.map((v) => `${v.rule}: ${v.message}`)).toEqual([
      'service-selector: selector app=svc-missing,app.kubernetes.io/part-of=shop matches no pod template in namespace "team-29"',
    ]);
  });
});

describe('environment rules at scale', () => {
  it('checks 3 environments × 1000 services against their own environment only', () => {
    const objects: PolicyObject[] = [];
    for (const environment of ['dev', 'test', 'prod']) {
      syntheticServices(1000).forEach((manifest, index) => {
        const m = manifest as { kind: string; metadata: { name: string; namespace: string }; spec: { replicas?: number; selector: { matchLabels: Record<string, string> } } };
        objects.push({ manifest, file: `dist/${environment}/bench.yaml`, index, environment });
        if (m.kind !== 'Deployment') return;
        m.spec.replicas = 2;
        // dev has no PDBs (its exception covers that); prod lacks the last one.
        if (environment === 'dev' || (environment === 'prod' && m.metadata.name === 'svc-999')) return;
        const pdb = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: m.metadata.name, namespace: m.metadata.namespace }, spec: { selector: { matchLabels: m.spec.selector.matchLabels }, maxUnavailable: 1 } };
        objects.push({ manifest: pdb, file: `dist/${environment}/bench.yaml`, index: 10_000 + index, environment });
      });
    }
    const report = checkObjects(objects, {
      environments: [{ name: 'dev', policy: { exceptions: [{ rule: 'env-disruption-budget', reason: 'no drains in dev' }] } }, { name: 'test' }, { name: 'prod' }],
    });
    expect(report.environments).toEqual([
      { name: 'dev', objects: 4000 },
      { name: 'test', objects: 5000 },
      { name: 'prod', objects: 4999 },
    ]);
    expect(report.violations.map((v) => `${v.object.environment} ${v.rule} ${v.object.kind}/${v.object.name}`)).toEqual(['prod env-disruption-budget Deployment/svc-999']);
    expect(report.environmentExceptions.map((e) => [e.environment, e.rule, e.suppressed.length])).toEqual([['dev', 'env-disruption-budget', 1000]]);
  });
});
