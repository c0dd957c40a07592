import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { checkAll, renderCheck } from '../../lib/analysis';
import { environments } from '../../apps';

const ROOT = path.resolve(__dirname, '../..');

describe('mesh analysis over the committed dist/', () => {
  // every environment at once, as `npm run check` does: the analysis and cross-object rules see one
  // environment (cluster) at a time, so the same VirtualService in dev and prod is no conflict
  it('finds exactly the known problems of issue 12 and nothing else', () => {
    const result = checkAll(['dist'], { cwd: ROOT, environments });
    expect(result.policy.environments.map((e) => e.name)).toEqual(environments.map((e) => e.name));
    expect(result.policy.objects).toBeGreaterThan(0);
    expect(result.policy.violations, renderCheck(result)).toEqual([]);
    // dist/ analyzes clean: the ServiceEntry is exported to its namespace only and every meshed pod
    // there allocates addresses in its DNS proxy; retry budgets fit their timeouts (issue 12).
    expect(result.analysis.findings.map((f) => `${f.code} ${f.level} ${f.object.kind}/${f.object.namespace}/${f.object.name} ${f.object.file}`), renderCheck(result)).toEqual([]);
    expect(result.analysis.suppressed).toEqual([]);
    expect(result.ok).toBe(true);
  });
});
