import * as fs from 'fs';
import * as path from 'path';
import { MeshforgeError } from '../validation/meshforge-error';
import { DistOptions, DistSteps, displayPath } from './dist-io';
import { withDistLock } from './dist-lock';
import type { SynthesizedApp } from './synthesize-app';

/*
 * Layout around an output folder `<parent>/dist` (all siblings, so that
 * `rm -rf dist` by the cdk8s cli leaves them alone; all ignored by git):
 *   .dist.lock                          the lock (dist-lock.ts)
 *   .dist.staging-<pid>-<rand>/         the new output while it is written
 *   .dist.staging-<pid>-<rand>.old/     the previous dist/, between the two renames
 *   .dist.staging-<pid>-<rand>.backup/  the next restore point, until it replaces .dist.backup
 *   .dist.backup/                       restore point: hard links to the files of the last complete output
 * Only the lock holder creates `.dist.staging-*`, so any found by the lock holder belongs to a killed synth.
 * Safe against the death of the process at any point (renames are atomic, the page cache survives it);
 * nothing is fsynced, so a power loss or kernel crash is not covered (an fsync per file cost ~1 s per
 * synth on a busy disk).
 */

/** Why the start-up repair should expect dist/ to be missing or damaged. */
export interface DistRepairOptions extends DistOptions {
  /**
   * dist/ is known to be damaged (say why): it is replaced by the restore point.
   * @default - dist/ is only repaired when it is missing
   */
  readonly damaged?: string;
  /**
   * Why dist/ may be missing (say why), used in the message when it is restored.
   * @default - a generic reason
   */
  readonly missingBecause?: string;
}

interface Layout {
  readonly target: string;
  readonly parent: string;
  readonly prefix: string;
  readonly backup: string;
}

function layoutOf(outdir: string): Layout {
  const target = path.resolve(outdir);
  const parent = path.dirname(target);
  const base = path.basename(target);
  return { target, parent, prefix: path.join(parent, `.${base}.staging-`), backup: path.join(parent, `.${base}.backup`) };
}

const LINK_FALLBACK = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EMLINK', 'ENOSYS', 'EOPNOTSUPP']);

/** Recreates the tree `src` at `dst` with hard links (copies where links are refused), one step per entry. */
function linkTree(src: string, dst: string, steps: DistSteps): void {
  steps.run('create a folder', dst, () => fs.mkdirSync(dst));
  for (const entry of fs.readdirSync(src, { withFileTypes: true })) {
    const from = path.join(src, entry.name);
    const to = path.join(dst, entry.name);
    if (entry.isDirectory()) linkTree(from, to, steps);
    else {
      steps.run('link a file', to, () => {
        try {
          fs.linkSync(from, to);
        } catch (e) {
          if (!LINK_FALLBACK.has((e as NodeJS.ErrnoException).code ?? '')) throw e;
          fs.copyFileSync(from, to);
        }
      });
    }
  }
}

/** Best-effort removal of this run's own temporary folders after a failure; the next repair removes what is left. */
function discard(...dirs: string[]): void {
  for (const d of dirs) {
    try {
      fs.rmSync(d, { recursive: true, force: true });
    } catch {
      // left for the start-up repair of the next synth
    }
  }
}

function newStaging(l: Layout, steps: DistSteps): string {
  return steps.run('create a staging folder', `${l.prefix}${process.pid}-XXXXXX`, () => fs.mkdtempSync(`${l.prefix}${process.pid}-`));
}

/**
 * Puts the complete tree `staging` in place of `target` (which may be
 * missing): rename the previous output aside, rename the new one in, delete
 * the previous one. A kill between the two renames leaves the previous
 * output in `<staging>.old`, which the next start-up repair puts back.
 */
function swapIn(l: Layout, staging: string, steps: DistSteps): void {
  const retired = `${staging}.old`;
  const hadPrevious = fs.existsSync(l.target);
  if (hadPrevious) steps.run('move the previous output aside', retired, () => fs.renameSync(l.target, retired));
  try {
    steps.run('move the new output into place', l.target, () => fs.renameSync(staging, l.target));
  } catch (e) {
    if (hadPrevious) {
      try {
        fs.renameSync(retired, l.target);
      } catch {
        throw new MeshforgeError(`${(e as Error).message}; the previous output could not be put back either`, {
          code: 'DIST_IO',
          field: 'previous output',
          value: retired,
          expected: `${displayPath(l.target)}/ is missing; the next synth puts ${retired} back (or move it to ${l.target} by hand)`,
        });
      }
    }
    throw e;
  }
  if (hadPrevious) steps.run('remove the previous output', retired, () => fs.rmSync(retired, { recursive: true, force: true }));
}

/**
 * Makes `<run>.backup`, a hard-linked copy of the complete tree `source`;
 * {@link installBackup} later makes it the restore point.
 */
function prepareBackup(source: string, run: string, steps: DistSteps): string {
  const next = `${run}.backup`;
  linkTree(source, next, steps);
  return next;
}

/**
 * Replaces the restore point by `next` with two renames, so that the restore
 * point is at every moment either complete or missing (a missing one is
 * recreated from dist/ by the next start-up repair), never half deleted.
 */
function installBackup(l: Layout, next: string, steps: DistSteps): void {
  const aside = `${next.slice(0, -'.backup'.length)}.oldbackup`;
  const had = fs.existsSync(l.backup);
  if (had) steps.run('move the old restore point aside', aside, () => fs.renameSync(l.backup, aside));
  steps.run('install the new restore point', l.backup, () => fs.renameSync(next, l.backup));
  if (had) steps.run('remove the old restore point', aside, () => fs.rmSync(aside, { recursive: true, force: true }));
}

function leftovers(l: Layout): string[] {
  const base = path.basename(l.prefix);
  return fs
    .readdirSync(l.parent)
    .filter((n) => n.startsWith(base))
    .map((n) => path.join(l.parent, n));
}

function pidOf(leftover: string, l: Layout): string {
  return /^(\d+)-/.exec(leftover.slice(l.prefix.length))?.[1] ?? 'unknown';
}

/** Puts a hard-linked copy of the restore point in place of dist/, with the same two renames as a write. */
function restoreBackup(l: Layout, steps: DistSteps): void {
  const staging = newStaging(l, steps);
  fs.rmdirSync(staging);
  linkTree(l.backup, staging, steps);
  swapIn(l, staging, steps);
}

/** The start-up repair; the caller holds the lock. */
function repairLocked(l: Layout, steps: DistSteps, options: DistRepairOptions): void {
  const out = displayPath(l.target);
  const found = leftovers(l);
  const restored = (message: string): void => options.onEvent?.({ kind: 'restored', message });
  let damaged = false;
  if (!fs.existsSync(l.target)) {
    // Newest first: with several, the newest one moved aside is the last complete output.
    const aside = found
      .filter((f) => f.endsWith('.old'))
      .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
    if (aside) {
      steps.run('put the previous output back', l.target, () => fs.renameSync(aside, l.target));
      found.splice(found.indexOf(aside), 1);
      restored(`${out}/ was missing: a synth (pid ${pidOf(aside, l)}) was killed between moving the previous output aside and putting the new one in place; restored the previous output`);
    } else if (fs.existsSync(l.backup)) {
      restoreBackup(l, steps);
      restored(`${out}/ was missing${options.missingBecause ? ` (${options.missingBecause})` : ''}; restored the last complete output from ${displayPath(l.backup)}/`);
    }
  } else if (options.damaged) {
    damaged = !fs.existsSync(l.backup); // nothing to restore from: dist/ stays damaged (the CLI says so)
    if (!damaged) {
      restoreBackup(l, steps);
      restored(`${options.damaged}; restored ${out}/ from the last complete output in ${displayPath(l.backup)}/`);
    }
  }
  if (found.length > 0) {
    for (const f of found) steps.run('remove a leftover of a killed synth', f, () => fs.rmSync(f, { recursive: true, force: true }));
    options.onEvent?.({
      kind: 'removed-stale',
      message: `removed ${found.length} folder(s) left by killed synths: ${found.map((f) => path.basename(f)).join(', ')}`,
    });
  }
  // A killed synth may have left the restore point missing or older than dist/: rebuild it from dist/,
  // which only ever appears by renaming a complete tree into place (unless known to be damaged).
  if (!damaged && fs.existsSync(l.target) && (found.length > 0 || !fs.existsSync(l.backup))) {
    const run = newStaging(l, steps);
    fs.rmdirSync(run);
    installBackup(l, prepareBackup(l.target, run, steps), steps);
    options.onEvent?.({ kind: 'backup-created', message: `refreshed the restore point ${displayPath(l.backup)}/ from ${out}/` });
  }
}

/** Writes `apps` into a fresh staging folder and swaps it in; the caller holds the lock. */
function writeLocked(l: Layout, apps: readonly SynthesizedApp[], steps: DistSteps): void {
  const staging = newStaging(l, steps);
  try {
    for (const app of apps) {
      const dir = path.join(staging, app.name);
      steps.run('create a folder', dir, () => fs.mkdirSync(dir, { recursive: true })); // dist/<environment>/<app>
      for (const [file, content] of [...app.files, ...app.sideFiles]) {
        const p = path.join(dir, file);
        if (file.includes('/')) steps.run('create a folder', path.dirname(p), () => fs.mkdirSync(path.dirname(p), { recursive: true })); // dist/gitops/argocd/…
        steps.run('write a file', p, () => fs.writeFileSync(p, content, { flag: 'wx' }));
      }
    }
    steps.run('make the staging folder readable', staging, () => fs.chmodSync(staging, 0o755)); // mkdtemp creates 0700
    const backup = prepareBackup(staging, staging, steps);
    swapIn(l, staging, steps);
    // dist/ is complete from here on; a failure below only costs the restore point, which the next repair rebuilds.
    try {
      installBackup(l, backup, steps);
    } catch {
      discard(backup);
    }
  } finally {
    if (fs.existsSync(staging)) discard(staging, `${staging}.backup`);
  }
}

/**
 * Repairs the output folder under its lock: puts back the last complete
 * output when a killed synth (or the cdk8s cli) left `outdir` missing or
 * damaged, and removes staging folders of killed synths. Tells what it did
 * through `options.onEvent`.
 */
export function repairDist(outdir: string, options: DistRepairOptions = {}): void {
  const steps = new DistSteps();
  withDistLock(outdir, steps, options, () => repairLocked(layoutOf(outdir), steps, options));
}

/**
 * Runs `produce` under the lock of `outdir`, after the start-up repair, and
 * replaces `outdir` with exactly the apps it returns: written to a sibling
 * staging folder, then renamed into place. If `produce` or any write fails,
 * `outdir` keeps its previous complete content; if the process is killed at
 * any point, `outdir` holds the previous or the new complete output, or is
 * missing between the two renames and put back by the next synth.
 */
export function writeDistWith<T extends readonly SynthesizedApp[]>(outdir: string, produce: () => T, options: DistRepairOptions = {}): T {
  const steps = new DistSteps();
  const l = layoutOf(outdir);
  return withDistLock(outdir, steps, options, () => {
    repairLocked(l, steps, options);
    const apps = produce();
    writeLocked(l, apps, steps);
    return apps;
  });
}

/** Replaces `outdir` with exactly the given apps (see {@link writeDistWith}). */
export function writeDist(outdir: string, apps: readonly SynthesizedApp[], options: DistRepairOptions = {}): void {
  writeDistWith(outdir, () => apps, options);
}

/**
 * A cheap identity of the tree at `dir` (names, sizes, inodes, mtimes), or
 * undefined when it does not exist: equal fingerprints mean nothing was
 * replaced, so the CLI can say "left unchanged" only when that is true.
 */
export function distFingerprint(dir: string): string | undefined {
  // Another synth holding the lock may swap dir/ while this one reads it (we have not taken the
  // lock yet): a path that vanishes mid-walk means "being replaced", so read again, a few times.
  for (let attempt = 0; ; attempt++) {
    try {
      return fingerprintOnce(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      if (attempt >= 4) return `changing:${attempt}`;
    }
  }
}

function fingerprintOnce(dir: string): string | undefined {
  if (!fs.existsSync(dir)) return undefined;
  const parts: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      const st = fs.statSync(path.join(dir, r));
      parts.push(`${r}:${st.ino}:${st.size}:${st.mtimeMs}`);
      if (entry.isDirectory()) walk(r);
    }
  };
  walk('');
  return `${fs.statSync(dir).ino}|${parts.join('|')}`;
}

/** Reads a directory tree into a map of relative path → content (for tests and checks). */
export function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(r);
      else out.set(r, fs.readFileSync(path.join(dir, r), 'utf8'));
    }
  };
  if (fs.existsSync(dir)) walk('');
  return out;
}
