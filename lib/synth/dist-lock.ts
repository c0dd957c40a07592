import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MeshforgeError } from '../validation/meshforge-error';
import { DistOptions, DistSteps, displayPath, distIoError, sleep } from './dist-io';

/** What a lock file says about the synth that holds it. */
interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly started: string;
  readonly command: string;
  /** Linux process start time (clock ticks since boot), to tell a reused pid from the holder. */
  readonly procStart?: string;
}

const DEFAULT_WAIT_MS = 120_000;
/** A lock file is written right after it is created; one still unreadable after this was left by a killed writer. */
const PARTIAL_LOCK_GRACE_MS = 5_000;
/** Taking over a stale lock takes microseconds; a guard older than this belongs to a killed synth. */
const TAKEOVER_GUARD_GRACE_MS = 10_000;

/** The lock file of an output folder: a sibling, so the cdk8s cli's `rm -rf <outdir>` cannot remove it. */
export function lockPathOf(outdir: string): string {
  const target = path.resolve(outdir);
  return path.join(path.dirname(target), `.${path.basename(target)}.lock`);
}

function procStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime); fields are counted after the parenthesised command name, which may hold spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Whether the holder may still be running: only a process we can see to be gone (or replaced) is dead. */
function isAlive(holder: LockHolder): boolean {
  if (holder.host !== os.hostname()) return true; // another machine sharing the folder: cannot check
  try {
    process.kill(holder.pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // ESRCH: no such process
  }
  const now = procStart(holder.pid);
  return holder.procStart === undefined || now === undefined || now === holder.procStart;
}

function parse(raw: string): LockHolder | undefined {
  try {
    const h = JSON.parse(raw) as LockHolder;
    return typeof h.pid === 'number' && typeof h.host === 'string' ? h : undefined;
  } catch {
    return undefined;
  }
}

function ageMs(file: string): number {
  try {
    return Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function readRaw(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function describe(h: LockHolder): string {
  return `pid ${h.pid}${h.host === os.hostname() ? '' : ` on ${h.host}`}, started ${h.started}: ${h.command}`;
}

function waitMs(options: DistOptions): number {
  if (options.lockWaitMs !== undefined) return options.lockWaitMs;
  const env = Number(process.env.MESHFORGE_LOCK_WAIT);
  return process.env.MESHFORGE_LOCK_WAIT && Number.isFinite(env) && env >= 0 ? env * 1000 : DEFAULT_WAIT_MS;
}

/**
 * Runs `fn` while holding the lock of `outdir`, so two synths never write it
 * at once: a second synth waits (bounded, announced through `onEvent`) and
 * then fails with DIST_LOCKED naming the holder. The lock is a file created
 * with O_EXCL; a lock whose process is gone (killed, crashed, or its pid now
 * belongs to another program) is taken over, one taker at a time.
 */
export function withDistLock<T>(outdir: string, steps: DistSteps, options: DistOptions, fn: () => T): T {
  const lock = lockPathOf(outdir);
  const me: LockHolder = {
    pid: process.pid,
    host: os.hostname(),
    started: new Date().toISOString(),
    command: process.argv.map((a) => path.basename(a)).join(' '),
    procStart: procStart(process.pid),
  };
  const mine = JSON.stringify({ ...me, token: crypto.randomBytes(8).toString('hex') }) + '\n';
  const deadline = Date.now() + waitMs(options);
  let announced = false;
  try {
    fs.mkdirSync(path.dirname(lock), { recursive: true });
  } catch (e) {
    throw distIoError(e, 'create the folder', path.dirname(lock));
  }
  for (;;) {
    const created = steps.run('create the lock file', lock, () => {
      let fd: number;
      try {
        fd = fs.openSync(lock, 'wx');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw e;
      }
      try {
        fs.writeSync(fd, mine);
      } finally {
        fs.closeSync(fd);
      }
      return true;
    });
    if (created) break;
    const raw = readRaw(lock);
    if (raw === undefined) continue; // released meanwhile
    const holder = parse(raw);
    const stale = holder ? !isAlive(holder) : ageMs(lock) > PARTIAL_LOCK_GRACE_MS;
    if (stale) {
      takeOver(lock, raw, steps, () =>
        options.onEvent?.({
          kind: 'lock-taken-over',
          message: `took over the lock ${lock} of a synth that is no longer running (${holder ? describe(holder) : 'unreadable lock file'})`,
        }),
      );
      continue;
    }
    if (Date.now() >= deadline) {
      const who = holder ? describe(holder) : 'a synth that is still writing the lock file';
      throw new MeshforgeError(`the output folder ${displayPath(path.resolve(outdir))} is locked by another synth (${who})`, {
        code: 'DIST_LOCKED',
        field: 'lock',
        value: lock,
        expected: `that synth to finish (waited ${Math.round(waitMs(options) / 1000)} s; MESHFORGE_LOCK_WAIT=<seconds> waits longer); if pid ${holder?.pid ?? '?'} is not a meshforge synth, delete ${lock}`,
      });
    }
    if (!announced) {
      announced = true;
      options.onEvent?.({
        kind: 'waiting',
        message: `another synth holds the lock on ${displayPath(path.resolve(outdir))} (${holder ? describe(holder) : 'starting'}); waiting up to ${Math.round(waitMs(options) / 1000)} s`,
      });
    }
    sleep(100);
  }
  try {
    return fn();
  } finally {
    // Never remove a lock that is no longer ours (it could only be if someone deleted it by hand).
    if (readRaw(lock) === mine) steps.run('remove the lock file', lock, () => fs.rmSync(lock, { force: true }));
  }
}

/**
 * Removes a stale lock whose content is still `raw`. A guard file makes the
 * check-and-remove exclusive, so a slow taker cannot remove the fresh lock
 * of a faster one.
 */
function takeOver(lock: string, raw: string, steps: DistSteps, announce: () => void): void {
  const guard = `${lock}.takeover`;
  const got = steps.run('create the lock takeover guard', guard, () => {
    try {
      fs.closeSync(fs.openSync(guard, 'wx'));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
  });
  if (!got) {
    if (ageMs(guard) > TAKEOVER_GUARD_GRACE_MS) steps.run('remove a stale takeover guard', guard, () => fs.rmSync(guard, { force: true }));
    else sleep(20);
    return;
  }
  try {
    if (readRaw(lock) === raw) {
      steps.run('remove a stale lock file', lock, () => fs.rmSync(lock, { force: true }));
      announce();
    }
  } finally {
    steps.run('remove the lock takeover guard', guard, () => fs.rmSync(guard, { force: true }));
  }
}
