import * as fs from 'fs';
import * as path from 'path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../bin/synth';
import { readTree } from '../../lib';
import { invalidApp, namespaceApp, tmpDir } from '../helpers';

describe('synth CLI', () => {
  const saved = process.env.CDK8S_OUTDIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.CDK8S_OUTDIR;
    else process.env.CDK8S_OUTDIR = saved;
  });

  it('exits 1, names the failing app and leaves dist/ as it was', () => {
    const out = path.join(tmpDir(), 'dist');
    expect(main({ apps: [namespaceApp('good')], outdir: out, log: () => undefined })).toBe(0);
    const before = readTree(out);
    const errors: string[] = [];
    const code = main({ apps: [namespaceApp('good'), invalidApp('payments')], outdir: out, error: (l) => errors.push(l) });
    expect(code).toBe(1);
    expect(errors.join('\n')).toContain('app "payments" failed to synthesize');
    expect(errors.join('\n')).toContain('[base/ns] weights sum to 90, expected 100');
    expect(errors[0]).toMatch(/was left unchanged/);
    expect(readTree(out)).toEqual(before);
  });

  it('mirrors dist/ into CDK8S_OUTDIR when run by `cdk8s synth`', () => {
    const root = tmpDir();
    const out = path.join(root, 'dist');
    const cliOut = path.join(root, 'cdk8s.out');
    fs.mkdirSync(cliOut);
    fs.writeFileSync(path.join(cliOut, 'stale.yaml'), 'x');
    process.env.CDK8S_OUTDIR = cliOut;
    expect(main({ apps: [namespaceApp('good')], outdir: out, log: () => undefined })).toBe(0);
    expect(readTree(cliOut)).toEqual(readTree(out));
  });
});

describe('synth CLI mirror guard', () => {
  const saved = process.env.CDK8S_OUTDIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.CDK8S_OUTDIR;
    else process.env.CDK8S_OUTDIR = saved;
  });

  it.each(['.', 'apps', 'lib/synth', 'dist', '..'])('refuses CDK8S_OUTDIR=%s before writing anything', (dir) => {
    const out = path.join(tmpDir(), 'dist');
    process.env.CDK8S_OUTDIR = path.resolve(__dirname, '..', '..', dir);
    const errors: string[] = [];
    expect(main({ apps: [namespaceApp('good')], outdir: out, error: (l) => errors.push(l) })).toBe(1);
    expect(errors[1]).toBe(
      `unsafe cdk8s output folder; field: CDK8S_OUTDIR (cdk8s.yaml output / cdk8s synth -o); value: ${JSON.stringify(process.env.CDK8S_OUTDIR)}; expected: a scratch folder outside dist/ and the sources, e.g. build/cdk8s.out (it is deleted on every synth)`,
    );
    expect(fs.existsSync(out)).toBe(false);
  });

  it('refuses a mirror inside or around the outdir', () => {
    const out = path.join(tmpDir(), 'dist');
    for (const dir of [out, path.join(out, 'x'), path.dirname(out)]) {
      process.env.CDK8S_OUTDIR = dir;
      expect(main({ apps: [namespaceApp('good')], outdir: out, error: () => undefined })).toBe(1);
    }
  });
});
