import * as fs from 'fs';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTree, writeDist } from '../../lib/synth/dist-writer';
import { tmpDir } from '../helpers';
import { appsOf, buildSynthDriver, cleanEnv, ROOT, run, Tree, treeFile } from './child-process';

/*
 * The real cdk8s cli (node_modules/cdk8s-cli) running meshforge's synth entry: the cli deletes its
 * output folder (-o) before it starts the app, and meshforge must still never leave dist/ missing.
 */

const CLI = path.join(ROOT, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s');
const OLD: Tree = new Map([['gone/c.yaml', 'c\n'], ['one/a.yaml', 'old a\n']]);
const NEW: Tree = new Map([['added/d.yaml', 'd\n'], ['one/a.yaml', 'new a\n']]);

let driver = '';
let dispose = (): void => undefined;
beforeAll(() => {
  ({ driver, dispose } = buildSynthDriver('cdk8s-cli'));
});
afterAll(() => dispose());

/** `cdk8s synth -o <o>` in a project folder whose dist/ holds OLD; the app synthesizes NEW. */
async function cdk8sSynth(o: string, env: Record<string, string> = {}) {
  const root = tmpDir();
  writeDist(path.join(root, 'dist'), appsOf(OLD));
  const app = `node ${driver} dist ${treeFile(root, NEW)}`;
  // CDK8S_CHECK_UPGRADE: no registry look-up from tests (the project sets it through .npmrc, tested below)
  const r = await run(process.execPath, [CLI, 'synth', '--app', app, '-o', o], { cwd: root, env: cleanEnv({ CDK8S_CHECK_UPGRADE: 'false', ...env }) });
  return { root, ...r };
}

// Concurrent: each test starts the cli (about a second of CPU), so they overlap their waits.
describe.concurrent('`cdk8s synth` never leaves dist/ missing', () => {
  it('-o dist: the cli deletes dist/, meshforge restores it, then writes the new output', async ({ expect }) => {
    const r = await cdk8sSynth('dist');
    expect(r.code, r.stderr).toBe(0);
    expect(readTree(path.join(r.root, 'dist'))).toEqual(NEW);
    expect(r.stderr).toContain(
      'meshforge: dist/ was missing (the cdk8s cli deletes its output folder (-o dist) before it runs meshforge); restored the last complete output from .dist.backup/',
    );
    expect(r.stdout).toContain('  - dist/added/d.yaml');
  });

  it('-o dist with a failing app: dist/ is the previous output, and the message says so', async ({ expect }) => {
    const r = await cdk8sSynth('dist', { DRIVER_FAIL: '1' });
    expect(r.code).toBe(1);
    expect(readTree(path.join(r.root, 'dist'))).toEqual(OLD);
    expect(r.stderr).toContain(
      'meshforge synth failed; dist/ holds the last complete output, restored at start-up (see above); this run wrote nothing.\napp "bad" failed to synthesize: boom',
    );
  });

  it('-o somewhere: dist/ is written and mirrored there', async ({ expect }) => {
    const r = await cdk8sSynth('somewhere');
    expect(r.code, r.stderr).toBe(0);
    expect(readTree(path.join(r.root, 'dist'))).toEqual(NEW);
    expect(readTree(path.join(r.root, 'somewhere'))).toEqual(NEW);
  });
  // -o dist/<app> (the cli deletes part of dist/): test/synth/cli.test.ts, in-process.
});

describe("the cdk8s cli's upgrade check is off for this project", () => {
  it('the cli still has the documented opt-out that .npmrc relies on', () => {
    const cli = fs.readFileSync(path.join(ROOT, 'node_modules', 'cdk8s-cli', 'lib', 'cli', 'index.js'), 'utf8');
    expect(cli).toContain(".option('check-upgrade'");
    expect(cli).toContain(".env('CDK8S')"); // so CDK8S_CHECK_UPGRADE=false sets --check-upgrade=false
  });

  it('npm (npx, npm run) starts node with CDK8S_CHECK_UPGRADE=false, keeping the user NODE_OPTIONS and an explicit choice', async () => {
    const env = cleanEnv({ NODE_OPTIONS: '--max-old-space-size=512' });
    for (const k of Object.keys(env)) if (k.toLowerCase().startsWith('npm_')) delete env[k];
    const script = 'console.log(process.env.CDK8S_CHECK_UPGRADE, process.env.NODE_OPTIONS)';
    const r = await run('npm', ['exec', '--offline', '--', 'node', '-e', script], { cwd: ROOT, env });
    const [value, ...nodeOptions] = r.stdout.trim().split(' ');
    expect(value, r.stderr).toBe('false');
    expect(nodeOptions[0]).toBe('--max-old-space-size=512');
    // A user who wants the check sets it; the same NODE_OPTIONS then leave it alone.
    const optIn = await run(process.execPath, ['-e', script], { env: { ...env, NODE_OPTIONS: nodeOptions.join(' '), CDK8S_CHECK_UPGRADE: 'true' } });
    expect(optIn.stdout.trim()).toBe(`true ${nodeOptions.join(' ')}`);
  });
});
