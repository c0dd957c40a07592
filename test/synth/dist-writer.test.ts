import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterEach, describe, expect, it } from 'vitest';
import { DistEvent, displayPath, lockPathOf, readTree, repairDist, synthToDist, writeDist } from '../../lib';
import { invalidApp, namespaceApp, throwingApp, tmpDir } from '../helpers';

/** Everything next to `dir` except the restore point (which every successful synth keeps). */
function siblings(dir: string): string[] {
  return fs.readdirSync(path.dirname(dir)).filter((f) => f !== path.basename(dir) && f !== `.${path.basename(dir)}.backup`);
}

function app(name: string, files: Record<string, string>) {
  return { name, files: new Map(Object.entries(files)), objects: [], sideFiles: new Map(), notices: [] };
}

const OLD = [app('one', { 'a.yaml': 'old a\n', 'sub/b.yaml': 'old b\n' }), app('gone', { 'c.yaml': 'c\n' })];
const NEW = [app('one', { 'a.yaml': 'new a\n', 'sub/b.yaml': 'old b\n' }), app('added', { 'd.yaml': 'd\n' })];
const OLD_TREE = new Map([['gone/c.yaml', 'c\n'], ['one/a.yaml', 'old a\n'], ['one/sub/b.yaml', 'old b\n']]);

describe('synthToDist (atomic dist/)', () => {
  it('writes dist/<app>/ for every app and removes folders of apps that no longer exist', () => {
    const root = tmpDir();
    const out = path.join(root, 'dist');
    synthToDist([namespaceApp('one'), namespaceApp('two')], out);
    expect([...readTree(out).keys()]).toEqual([
      'one/00-namespaces.k8s.yaml',
      'one/kustomization.yaml',
      'two/00-namespaces.k8s.yaml',
      'two/kustomization.yaml',
    ]);
    synthToDist([namespaceApp('two')], out);
    expect([...readTree(out).keys()]).toEqual(['two/00-namespaces.k8s.yaml', 'two/kustomization.yaml']);
    expect(siblings(out)).toEqual([]); // no staging, retired folder or lock left behind
    expect(readTree(path.join(root, '.dist.backup'))).toEqual(readTree(out)); // the restore point is the new output
  });

  it.each([
    ['throws while building', throwingApp('broken')],
    ['fails construct validation', invalidApp('broken')],
  ])('leaves the previous dist/ byte-for-byte untouched when an app %s', (_label, bad) => {
    const root = tmpDir();
    const out = path.join(root, 'dist');
    synthToDist([namespaceApp('good')], out);
    fs.writeFileSync(path.join(out, 'good', 'base.k8s.yaml'), 'hand-edited\n'); // proves nothing rewrites it
    const before = readTree(out);
    expect(() => synthToDist([namespaceApp('good'), namespaceApp('other'), bad], out)).toThrowError(/app "broken" failed to synthesize/);
    expect(readTree(out)).toEqual(before);
    expect(siblings(out)).toEqual([]);
  });

  it('creates dist/ when it does not exist yet, and creates nothing when the first synth fails', () => {
    const root = tmpDir();
    const out = path.join(root, 'nested', 'dist');
    expect(() => synthToDist([throwingApp('broken')], out)).toThrow();
    expect(fs.existsSync(out)).toBe(false);
    synthToDist([namespaceApp('good')], out);
    expect(fs.statSync(out).mode & 0o777).toBe(0o755);
  });
});

describe('start-up repair', () => {
  it('puts back the previous output when a synth died between the two renames, and removes its leftovers', () => {
    const root = tmpDir();
    const out = path.join(root, 'dist');
    writeDist(out, OLD);
    // The state a SIGKILL between the renames leaves: dist/ moved aside, the complete new output still staged.
    fs.renameSync(out, path.join(root, '.dist.staging-999999-abcdef.old'));
    fs.mkdirSync(path.join(root, '.dist.staging-999999-abcdef', 'one'), { recursive: true });
    fs.writeFileSync(path.join(root, '.dist.staging-999999-abcdef', 'one', 'a.yaml'), 'new a\n');
    const events: DistEvent[] = [];
    repairDist(out, { onEvent: (e) => events.push(e) });
    expect(readTree(out)).toEqual(OLD_TREE);
    expect(siblings(out)).toEqual([]);
    expect(events.map((e) => e.message)).toEqual([
      `${displayPath(out)}/ was missing: a synth (pid 999999) was killed between moving the previous output aside and putting the new one in place; restored the previous output`,
      'removed 1 folder(s) left by killed synths: .dist.staging-999999-abcdef',
      `refreshed the restore point ${displayPath(root)}/.dist.backup/ from ${displayPath(root)}/dist/`,
    ]);
  });

  it('restores the last complete output from the restore point when dist/ was deleted (as `cdk8s synth -o dist` does)', () => {
    const root = tmpDir();
    const out = path.join(root, 'dist');
    writeDist(out, OLD);
    fs.rmSync(out, { recursive: true });
    const events: DistEvent[] = [];
    expect(() => synthToDist([throwingApp('broken')], out, { onEvent: (e) => events.push(e), missingBecause: 'the cli deleted it' })).toThrow(/boom/);
    expect(readTree(out)).toEqual(OLD_TREE); // restored before the failing synth, and kept
    expect(events[0]).toEqual({
      kind: 'restored',
      message: `${displayPath(root)}/dist/ was missing (the cli deleted it); restored the last complete output from ${displayPath(root)}/.dist.backup/`,
    });
    expect(siblings(out)).toEqual([]);
  });

  it('replaces a damaged dist/ by the restore point when told it is damaged', () => {
    const root = tmpDir();
    const out = path.join(root, 'dist');
    writeDist(out, OLD);
    fs.rmSync(path.join(out, 'one'), { recursive: true });
    repairDist(out, { damaged: 'dist/one was deleted' });
    expect(readTree(out)).toEqual(OLD_TREE);
    expect(siblings(out)).toEqual([]);
  });

  it('keeps the restore point complete when dist/ is later edited by hand or replaced', () => {
    const root = tmpDir();
    const out = path.join(root, 'dist');
    writeDist(out, OLD);
    writeDist(out, NEW);
    expect(readTree(path.join(root, '.dist.backup'))).toEqual(readTree(out));
    fs.rmSync(out, { recursive: true });
    repairDist(out);
    expect(readTree(out)).toEqual(new Map([['added/d.yaml', 'd\n'], ['one/a.yaml', 'new a\n'], ['one/sub/b.yaml', 'old b\n']]));
  });
});

describe('lock', () => {
  it('fails with DIST_LOCKED naming the live holder once the wait is over, and leaves dist/ alone', () => {
    const root = tmpDir();
    const out = path.join(root, 'dist');
    writeDist(out, OLD);
    const lock = lockPathOf(out);
    // This test process is alive: its pid holds the lock.
    fs.writeFileSync(lock, JSON.stringify({ pid: process.pid, host: os.hostname(), started: '2026-01-01T00:00:00.000Z', command: 'node synth.js' }));
    const events: DistEvent[] = [];
    const t0 = Date.now();
    expect(() => writeDist(out, NEW, { lockWaitMs: 300, onEvent: (e) => events.push(e) })).toThrowError(
      `the output folder ${displayPath(out)} is locked by another synth (pid ${process.pid}, started 2026-01-01T00:00:00.000Z: node synth.js); field: lock; value: ${JSON.stringify(lock)}; expected: that synth to finish (waited 0 s; MESHFORGE_LOCK_WAIT=<seconds> waits longer); if pid ${process.pid} is not a meshforge synth, delete ${lock}`,
    );
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(events).toEqual([
      { kind: 'waiting', message: `another synth holds the lock on ${displayPath(out)} (pid ${process.pid}, started 2026-01-01T00:00:00.000Z: node synth.js); waiting up to 0 s` },
    ]);
    expect(readTree(out)).toEqual(OLD_TREE);
    expect(fs.existsSync(lock)).toBe(true); // not ours to remove
  });

  it('takes over the lock of a dead process (and of a reused pid), then releases it', () => {
    const root = tmpDir();
    const out = path.join(root, 'dist');
    const lock = lockPathOf(out);
    for (const holder of [
      { pid: 2 ** 22 + 7, host: os.hostname() }, // above pid_max: no such process
      { pid: process.pid, host: os.hostname(), procStart: '1' }, // our pid, but a different process start time
    ]) {
      fs.writeFileSync(lock, JSON.stringify({ ...holder, started: 'x', command: 'dead' }));
      const events: DistEvent[] = [];
      writeDist(out, NEW, { lockWaitMs: 0, onEvent: (e) => events.push(e) });
      expect(events[0].kind).toBe('lock-taken-over');
      expect(events[0].message).toContain(`pid ${holder.pid}, started x: dead`);
      expect(fs.existsSync(lock)).toBe(false);
    }
  });
});

describe('filesystem errors name the path', () => {
  const saved = process.env.MESHFORGE_DIST_FAULT;
  afterEach(() => {
    if (saved === undefined) delete process.env.MESHFORGE_DIST_FAULT;
    else process.env.MESHFORGE_DIST_FAULT = saved;
  });

  it.each([
    ['ENOSPC', 'no space left on device', 'free space (or quota) on the device that holds'],
    ['EACCES', 'permission denied', 'write permission on'],
    ['EPERM', 'operation not permitted', 'write permission on'],
  ])('%s while writing a file of the new output: DIST_IO with the file, dist/ unchanged', (code, reason, fix) => {
    const root = tmpDir();
    const out = path.join(root, 'dist');
    writeDist(out, OLD);
    // Steps of a write: 1 lock, 2 staging folder, 3 folder one/, 4 one/a.yaml
    process.env.MESHFORGE_DIST_FAULT = `4:${code}`;
    let err: Error | undefined;
    try {
      writeDist(out, NEW);
    } catch (e) {
      err = e as Error;
    }
    const staging = /\.dist\.staging-\d+-\w{6}/.exec(err?.message ?? '')?.[0];
    expect(staging).toMatch(`.dist.staging-${process.pid}-`);
    expect(err?.message).toBe(
      `cannot write a file (${code}: ${reason}); field: path; value: "${root}/${staging}/one/a.yaml"; expected: ${fix} ${root}/${staging}/one${code === 'ENOSPC' ? ', then run synth again' : ` for this user (uid ${process.getuid!()}); EPERM can also mean a file there is immutable or held open by another program`}`,
    );
    expect((err as { code?: string }).code).toBe('DIST_IO');
    expect(readTree(out)).toEqual(OLD_TREE);
    expect(siblings(out)).toEqual([]);
  });
});
