import { describe, expect, it } from 'vitest';
import { syntheticServices } from '../../bench/policy-check';
import { checkObjects } from '../../lib/policy';

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
