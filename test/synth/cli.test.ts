import * as fs from 'fs';
import * as path from 'path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../bin/synth';
import { readTree } from '../../lib';
import { invalidApp, namespaceApp, tmpDir } from '../helpers';

/** Paths in messages are shown relative to the working directory, as the synth's listing shows dist/. */
const shown = (p: string): string => path.relative(process.cwd(), p);

// Every test may point CDK8S_OUTDIR somewhere (as `cdk8s synth` does); put it back after each.
const savedCdk8sOutdir = process.env.CDK8S_OUTDIR;
afterEach(() => {
  if (savedCdk8sOutdir === undefined) delete process.env.CDK8S_OUTDIR;
  else process.env.CDK8S_OUTDIR = savedCdk8sOutdir;
});

describe('synth CLI', () => {
  it('exits 1, names the failing app and leaves dist/ as it was', () => {
    const out = path.join(tmpDir(), 'dist');
    expect(main({ apps: [namespaceApp('good')], outdir: out, log: () => undefined })).toBe(0);
    const before = readTree(out);
    const errors: string[] = [];
    const code = main({ apps: [namespaceApp('good'), invalidApp('payments')], outdir: out, error: (l) => errors.push(l) });
    expect(code).toBe(1);
    expect(errors.join('\n')).toContain('app "payments" failed to synthesize');
    expect(errors.join('\n')).toContain('[base/ns] weights sum to 90, expected 100');
    expect(errors[0]).toBe(`meshforge synth failed; ${shown(out)}/ was left unchanged.`);
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

describe('synth CLI under `cdk8s synth -o dist/<app>` without a restore point', () => {
  it('says what the cli deleted and how to get it back (never "left unchanged")', () => {
    const out = path.join(tmpDir(), 'dist');
    expect(main({ apps: [namespaceApp('good')], outdir: out, log: () => undefined })).toBe(0);
    fs.rmSync(path.join(path.dirname(out), '.dist.backup'), { recursive: true });
    fs.rmSync(path.join(out, 'good'), { recursive: true });
    process.env.CDK8S_OUTDIR = path.join(out, 'good');
    const errors: string[] = [];
    expect(main({ apps: [namespaceApp('good')], outdir: out, log: () => undefined, error: (l) => errors.push(l) })).toBe(1);
    expect(errors[0]).toBe(
      `meshforge synth failed; the cdk8s cli deleted ${shown(out)}/good inside ${shown(out)}/ and there is no restore point to put it back: run synth without -o, or \`git checkout -- ${shown(out)}/\`.`,
    );
    expect(fs.existsSync(path.join(path.dirname(out), '.dist.backup'))).toBe(false); // the damaged dist/ is no restore point
  });
});

describe('synth CLI under `cdk8s synth -o dist`', () => {
  it('writes dist/ itself when the cli output folder is dist/ (the cli deleted it first)', () => {
    const out = path.join(tmpDir(), 'dist');
    expect(main({ apps: [namespaceApp('good')], outdir: out, log: () => undefined })).toBe(0);
    fs.rmSync(out, { recursive: true });
    process.env.CDK8S_OUTDIR = out;
    const lines: string[] = [];
    expect(main({ apps: [namespaceApp('good'), namespaceApp('more')], outdir: out, log: (l) => lines.push(l) })).toBe(0);
    expect([...readTree(out).keys()]).toEqual(['good/00-namespaces.k8s.yaml', 'good/kustomization.yaml', 'more/00-namespaces.k8s.yaml', 'more/kustomization.yaml']);
    expect(lines[0]).toBe(
      `meshforge: ${shown(out)}/ was missing (the cdk8s cli deletes its output folder (-o ${out}) before it runs meshforge); restored the last complete output from ${shown(path.dirname(out))}/.dist.backup/`,
    );
  });

  it('keeps the restored dist/ and says so when the synth then fails', () => {
    const out = path.join(tmpDir(), 'dist');
    expect(main({ apps: [namespaceApp('good')], outdir: out, log: () => undefined })).toBe(0);
    const before = readTree(out);
    fs.rmSync(out, { recursive: true });
    process.env.CDK8S_OUTDIR = out;
    const errors: string[] = [];
    expect(main({ apps: [invalidApp('payments')], outdir: out, log: () => undefined, error: (l) => errors.push(l) })).toBe(1);
    expect(readTree(out)).toEqual(before);
    expect(errors[0]).toBe(`meshforge synth failed; ${shown(out)}/ holds the last complete output, restored at start-up (see above); this run wrote nothing.`);
  });

  it('says dist/ does not exist when the very first synth fails (never "left unchanged")', () => {
    const out = path.join(tmpDir(), 'dist');
    process.env.CDK8S_OUTDIR = out;
    const errors: string[] = [];
    expect(main({ apps: [invalidApp('payments')], outdir: out, error: (l) => errors.push(l) })).toBe(1);
    expect(errors[0]).toBe(`meshforge synth failed; ${shown(out)}/ does not exist and there was no complete earlier output to restore (\`git checkout -- ${shown(out)}/\` brings back the committed one).`);
  });
});

describe('synth CLI mirror guard', () => {
  it.each(['.', 'apps', 'lib/synth', 'dist', '..'])('refuses CDK8S_OUTDIR=%s before writing anything', (dir) => {
    const out = path.join(tmpDir(), 'dist');
    process.env.CDK8S_OUTDIR = path.resolve(__dirname, '..', '..', dir);
    const errors: string[] = [];
    expect(main({ apps: [namespaceApp('good')], outdir: out, error: (l) => errors.push(l) })).toBe(1);
    expect(errors[1]).toBe(
      `unsafe cdk8s output folder; field: CDK8S_OUTDIR (cdk8s.yaml output / cdk8s synth -o); value: ${JSON.stringify(process.env.CDK8S_OUTDIR)}; expected: dist/ itself, or a scratch folder outside dist/ and the sources, e.g. build/cdk8s.out (it is deleted on every synth)`,
    );
    expect(fs.existsSync(out)).toBe(false);
  });

  it('refuses a mirror around the outdir', () => {
    const out = path.join(tmpDir(), 'dist');
    process.env.CDK8S_OUTDIR = path.dirname(out);
    expect(main({ apps: [namespaceApp('good')], outdir: out, error: () => undefined })).toBe(1);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('`cdk8s synth -o dist/<app>`: restores what the cli deleted inside dist/, then refuses, and says so', () => {
    const out = path.join(tmpDir(), 'dist');
    expect(main({ apps: [namespaceApp('good'), namespaceApp('other')], outdir: out, log: () => undefined })).toBe(0);
    const before = readTree(out);
    fs.rmSync(path.join(out, 'good'), { recursive: true }); // what the cli does before it runs meshforge
    process.env.CDK8S_OUTDIR = path.join(out, 'good');
    const lines: string[] = [];
    expect(main({ apps: [namespaceApp('good')], outdir: out, log: (l) => lines.push(l), error: (l) => lines.push(l) })).toBe(1);
    expect(readTree(out)).toEqual(before);
    expect(lines.slice(0, 2)).toEqual([
      `meshforge: the cdk8s cli deleted ${shown(out)}/good (its output folder) inside ${shown(out)}/ before meshforge ran; restored ${shown(out)}/ from the last complete output in ${shown(path.dirname(out))}/.dist.backup/`,
      `meshforge synth failed; ${shown(out)}/ holds the last complete output, restored at start-up (see above); this run wrote nothing.`,
    ]);
    expect(lines[2]).toMatch(/^unsafe cdk8s output folder; /);
  });
});
