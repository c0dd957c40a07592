import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { checkPaths, renderReport } from '../../lib/policy';
import { PROJECT_ENVIRONMENTS } from '../project-environments';

const ROOT = path.resolve(__dirname, '../..');

describe('policy check over the committed dist/', () => {
  it('finds no violation (run `npm run check` for the full report)', () => {
    const report = checkPaths(['dist'], { cwd: ROOT, environments: PROJECT_ENVIRONMENTS });
    expect(report.objects).toBeGreaterThan(0);
    if (report.violations.length > 0) expect.fail(`\n${renderReport(report)}`);
    expect(report.violations).toEqual([]);
  });
});
