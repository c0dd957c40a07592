import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { checkAll, renderCheck } from '../../lib/analysis';
import { environments } from '../../apps';

const ROOT = path.resolve(__dirname, '../..');

describe('mesh analysis over the committed dist/', () => {
  // one environment at a time: each is its own cluster, so the same VirtualService in dev and prod is no conflict
  it.each(environments.map((e) => e.name))('dist/%s: finds exactly the known problems of issue 12 and nothing else', (env) => {
    const result = checkAll([`dist/${env}`], { cwd: ROOT });
    expect(result.policy.objects).toBeGreaterThan(0);
    expect(result.policy.violations, renderCheck(result)).toEqual([]);
    // dist/ analyzes clean: the ServiceEntry is exported to its namespace only and every meshed pod
    // there allocates addresses in its DNS proxy; retry budgets fit their timeouts (issue 12).
    expect(result.analysis.findings.map((f) => `${f.code} ${f.level} ${f.object.kind}/${f.object.namespace}/${f.object.name} ${f.object.file}`), renderCheck(result)).toEqual([]);
    expect(result.analysis.suppressed).toEqual([]);
    expect(result.ok).toBe(true);
  });
});
