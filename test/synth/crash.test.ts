import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTree, repairDist, writeDist } from '../../lib/synth/dist-writer';
import { tmpDir } from '../helpers';
import { appsOf, buildSynthDriver, cleanEnv, Finished, ROOT, run, Tree, treeFile } from './child-process';

/*
 * Real processes, real SIGKILLs: a child runs the synth entry (runSynthCli, as bin/synth.ts does)
 * over a fixed output, and dies at a chosen step (MESHFORGE_DIST_FAULT=<N>:kill) or at a random
 * moment. Whatever the moment, dist/ must be the old or the new complete output (or, only between
 * the two renames, missing until the next synth's repair puts the old one back), and no staging
 * folder may survive the next synth.
 */

/** The committed dist/ (the real output) and a next version of it: one file changed, one app gone, one added. */
const REAL_OLD: Tree = readTree(path.join(ROOT, 'dist'));
const REAL_NEW: Tree = new Map([
  ...[...REAL_OLD].filter(([p]) => !p.startsWith('dev/sandbox/')).map(([p, c]): [string, string] => [p, p.endsWith('40-workloads.k8s.yaml') ? `${c}# changed\n` : c]),
  ['canary/00-namespaces.k8s.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: canary\n'],
]);
const SMALL_OLD: Tree = new Map([['gone/c.yaml', 'c\n'], ['one/a.yaml', 'old a\n'], ['one/sub/b.yaml', 'old b\n']]);
const SMALL_NEW: Tree = new Map([['added/d.yaml', 'd\n'], ['one/a.yaml', 'new a\n'], ['one/sub/b.yaml', 'old b\n']]);

let driver = '';
let dispose = (): void => undefined;

beforeAll(() => {
  ({ driver, dispose } = buildSynthDriver('crash'));
});

afterAll(() => dispose());

function synthChild(out: string, trees: string, env: Record<string, string> = {}, onStart?: Parameters<typeof run>[3], extra: object = {}, script = driver): Promise<Finished> {
  return run(process.execPath, [script, out, trees], { cwd: path.dirname(out), env: cleanEnv(env), ...extra }, onStart);
}

/**
 * A copy of the transpiled driver that another user can run: the clone itself may sit in a
 * folder only root can enter (a `mktemp -d` folder is 0700), and the driver needs nothing
 * outside its own folder (Node built-ins and the transpiled modules).
 */
function driverFor(folder: string): string {
  const copy = path.join(folder, 'driver');
  fs.cpSync(path.dirname(driver), copy, { recursive: true });
  const open = (p: string): void => {
    fs.chmodSync(p, fs.statSync(p).isDirectory() ? 0o755 : 0o644);
    if (fs.statSync(p).isDirectory()) for (const f of fs.readdirSync(p)) open(path.join(p, f));
  };
  open(copy);
  return path.join(copy, path.basename(driver));
}

/** Files next to dist/ other than the restore point: leftovers of killed runs, locks. */
function leftovers(out: string): string[] {
  return fs.readdirSync(path.dirname(out)).filter((f) => f.startsWith('.dist.') && f !== '.dist.backup');
}

function expectOneOf(actual: Tree, ...allowed: Tree[]): void {
  const ok = allowed.some((t) => t.size === actual.size && [...t].every(([k, v]) => actual.get(k) === v));
  expect(ok, `dist/ is neither the old nor the new output: ${[...actual.keys()].join(', ')}`).toBe(true);
}

/** Runs `task(1..n)` with at most `width` at a time (each task spawns one child process). */
async function sweep(n: number, task: (k: number) => Promise<void>, width = 4): Promise<void> {
  let next = 1;
  const worker = async (): Promise<void> => {
    while (next <= n) await task(next++);
  };
  await Promise.all(Array.from({ length: width }, worker));
}

/** After a kill: dist/ is complete (or missing only between the renames); the repair makes it complete and clean. */
function checkAfterKill(out: string, old: Tree, next: Tree, mayBeMissing: boolean): void {
  if (fs.existsSync(out)) expectOneOf(readTree(out), old, next);
  else expect(mayBeMissing, 'dist/ is missing outside the window between the two renames').toBe(true);
  // A kill between creating the lock file and writing its holder leaves an unreadable lock, which is
  // taken over once older than 5 s (dist-lock.ts PARTIAL_LOCK_GRACE_MS): the repair may wait that long.
  repairDist(out, { lockWaitMs: 7_000 });
  expectOneOf(readTree(out), old, next);
  expect(leftovers(out)).toEqual([]);
  expect(readTree(path.join(path.dirname(out), '.dist.backup'))).toEqual(readTree(out));
}

/** The numbered steps of one child synth from `old` to `next` (MESHFORGE_DIST_TRACE). */
let writeSteps: Promise<string[]> | undefined;
function traceWrite(): Promise<string[]> {
  writeSteps ??= traceSteps((out) => writeDist(out, appsOf(SMALL_OLD)), [SMALL_NEW]);
  return writeSteps;
}

async function traceSteps(prepare: (out: string) => void, trees: Tree[]): Promise<string[]> {
  const root = tmpDir();
  const out = path.join(root, 'dist');
  prepare(out);
  const r = await synthChild(out, treeFile(root, ...trees), { MESHFORGE_DIST_TRACE: '1' });
  expect(r.code, r.stderr).toBe(0);
  return [...r.stderr.matchAll(/^meshforge dist step \d+: (.*)$/gm)].map((m) => m[1]);
}

describe('crash safety with real processes (SIGKILL)', () => {
  it('a synth killed at every step leaves dist/ old or new, and the next synth repairs and cleans up', async () => {
    const steps = await traceWrite();
    expect(steps.length).toBeGreaterThan(15);
    const between = steps.findIndex((s) => s.startsWith('move the new output into place')) + 1;
    await sweep(steps.length, async (k) => {
      const root = tmpDir();
      const out = path.join(root, 'dist');
      writeDist(out, appsOf(SMALL_OLD));
      const r = await synthChild(out, treeFile(root, SMALL_NEW), { MESHFORGE_DIST_FAULT: `${k}:kill` });
      expect(r.signal, `step ${k} (${steps[k - 1]})`).toBe('SIGKILL');
      checkAfterKill(out, SMALL_OLD, SMALL_NEW, k === between);
      // and a synth after that writes the new output as usual
      writeDist(out, appsOf(SMALL_NEW));
      expect(readTree(out)).toEqual(SMALL_NEW);
      expect(leftovers(out)).toEqual([]);
    });
  });

  it('a synth killed at every step of its own repair (dist/ deleted by the cdk8s cli) still leaves a complete dist/', async () => {
    const prepare = (out: string): void => {
      writeDist(out, appsOf(SMALL_OLD));
      fs.rmSync(out, { recursive: true });
    };
    const steps = await traceSteps(prepare, [SMALL_NEW]);
    const restoreEnd = steps.findIndex((s) => s.startsWith('move the new output into place')) + 1;
    await sweep(restoreEnd + 2, async (k) => {
      const root = tmpDir();
      const out = path.join(root, 'dist');
      prepare(out);
      const r = await synthChild(out, treeFile(root, SMALL_NEW), { MESHFORGE_DIST_FAULT: `${k}:kill` });
      expect(r.signal, `step ${k} (${steps[k - 1]})`).toBe('SIGKILL');
      // Until the restore's rename, dist/ is still missing as the cli left it.
      checkAfterKill(out, SMALL_OLD, SMALL_NEW, k <= restoreEnd);
    });
  });

  it('synths killed at random moments of the real output never leave dist/ incomplete', async () => {
    // The child announces each finished synth; the kill lands 0-40 ms after the n-th one, inside a later synth.
    await sweep(5, async (i) => {
      const root = tmpDir();
      const out = path.join(root, 'dist');
      writeDist(out, appsOf(REAL_OLD));
      const trees = treeFile(root, REAL_NEW, REAL_OLD);
      const r = await synthChild(out, trees, { DRIVER_LOOPS: '1000' }, (child) => {
        let done = 0;
        let armed = false;
        child.stderr!.on('data', (d: Buffer) => {
          done += (String(d).match(/^ {2}dist\/prod\//gm) ?? []).length;
          if (done >= i && !armed) {
            armed = true;
            setTimeout(() => child.kill('SIGKILL'), (i * 7) % 40);
          }
        });
      });
      expect(r.signal).toBe('SIGKILL');
      checkAfterKill(out, REAL_OLD, REAL_NEW, true);
    });
  });
});

describe('concurrent synths with real processes', () => {
  it('two synths at once both succeed (one waits for the lock) and dist/ is one complete output', async () => {
    const root = tmpDir();
    const out = path.join(root, 'dist');
    writeDist(out, appsOf(SMALL_OLD));
    const trees = treeFile(root, SMALL_NEW, SMALL_OLD);
    const [a, b] = await Promise.all([
      synthChild(out, trees, { DRIVER_LOOPS: '30' }),
      synthChild(out, trees, { DRIVER_LOOPS: '30' }),
    ]);
    expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);
    expect(a.stderr + b.stderr).not.toMatch(/failed/);
    expectOneOf(readTree(out), SMALL_OLD, SMALL_NEW);
    expect(leftovers(out)).toEqual([]);
  });

  it('a synth waits while another process holds the lock, then writes', async () => {
    const root = tmpDir();
    const out = path.join(root, 'dist');
    writeDist(out, appsOf(SMALL_OLD));
    const lock = path.join(root, '.dist.lock');
    fs.writeFileSync(lock, JSON.stringify({ pid: process.pid, host: os.hostname(), started: 'now', command: 'vitest' }));
    // Released once the child says it waits.
    const r = await synthChild(out, treeFile(root, SMALL_NEW), { MESHFORGE_LOCK_WAIT: '30' }, (child) => {
      child.stderr!.on('data', (d: Buffer) => {
        if (String(d).includes('waiting up to')) fs.rmSync(lock, { force: true });
      });
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`meshforge: another synth holds the lock on dist (pid ${process.pid}, started now: vitest); waiting up to 30 s`);
    expect(readTree(out)).toEqual(SMALL_NEW);
  });
});

describe('filesystem failures with real processes', () => {
  it('a read-only parent folder: DIST_IO names the path, and the message says dist/ was left unchanged', async () => {
    const root = tmpDir();
    fs.chmodSync(root, 0o755);
    const out = path.join(root, 'ro', 'dist');
    writeDist(out, appsOf(SMALL_OLD));
    fs.chmodSync(path.dirname(out), 0o555);
    // root ignores permissions: run the child as nobody then
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    try {
      const script = process.getuid?.() === 0 ? driverFor(root) : driver;
      const r = await synthChild(out, treeFile(root, SMALL_NEW), {}, undefined, asUser, script);
      expect(r.code).toBe(1);
      const uid = process.getuid?.() === 0 ? 65534 : process.getuid?.();
      expect(r.stderr).toBe(
        'meshforge synth failed; dist/ was left unchanged.\n' +
          `cannot create the lock file (EACCES: permission denied); field: path; value: "${root}/ro/.dist.lock"; expected: write permission on ${root}/ro for this user (uid ${uid}); EPERM can also mean a file there is immutable or held open by another program\n`,
      );
    } finally {
      fs.chmodSync(path.dirname(out), 0o755);
    }
    expect(readTree(out)).toEqual(SMALL_OLD);
  });

  it('ENOSPC injected in a real process while writing: the file is named and dist/ is unchanged', async () => {
    const steps = await traceWrite();
    const k = steps.findIndex((s) => s.startsWith('write a file')) + 1;
    const root = tmpDir();
    const out = path.join(root, 'dist');
    writeDist(out, appsOf(SMALL_OLD));
    const r = await synthChild(out, treeFile(root, SMALL_NEW), { MESHFORGE_DIST_FAULT: `${k}:ENOSPC` });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`^meshforge synth failed; dist/ was left unchanged\\.\\ncannot write a file \\(ENOSPC: no space left on device\\); field: path; value: "${root}/\\.dist\\.staging-\\d+-\\w{6}/added/d\\.yaml"; `),
    );
    expect(readTree(out)).toEqual(SMALL_OLD);
    expect(leftovers(out)).toEqual([]);
  });
});
