import * as fs from 'fs';
import * as path from 'path';
import { MeshforgeError } from '../validation/meshforge-error';

/** Something the dist/ writer did besides writing, told to the caller as it happens. */
export interface DistEvent {
  /**
   * `waiting`: another synth holds the lock; `lock-taken-over`: the lock of a dead synth was taken over;
   * `restored`: dist/ was put back from the last complete output; `removed-stale`: leftovers of killed
   * synths were deleted; `backup-created`: the restore point was created from the existing dist/.
   */
  readonly kind: 'waiting' | 'lock-taken-over' | 'restored' | 'removed-stale' | 'backup-created';
  /** One line for the user. */
  readonly message: string;
}

/** Options shared by every entry point that touches the output folder. */
export interface DistOptions {
  /**
   * How long to wait for another synth that holds the lock on the output folder, in milliseconds
   * (0 fails at once).
   * @default - the `MESHFORGE_LOCK_WAIT` environment variable (seconds), else 120 s
   */
  readonly lockWaitMs?: number;
  /**
   * Receives what the writer did besides writing (waiting for a lock, repairs).
   * @default - ignored
   */
  readonly onEvent?: (event: DistEvent) => void;
}

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  EBUSY: 'resource busy or locked',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'name too long',
};

function hint(code: string, dir: string): string {
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return `free space (or quota) on the device that holds ${dir}, then run synth again`;
    case 'EACCES':
    case 'EPERM':
      return `write permission on ${dir} for this user${process.getuid ? ` (uid ${process.getuid()})` : ''}; EPERM can also mean a file there is immutable or held open by another program`;
    case 'EROFS':
      return `a writable file system: ${dir} is on a read-only mount`;
    default:
      return 'fix the cause above, then run synth again';
  }
}

/**
 * Turns an errno error (which for writes through a file descriptor names no
 * path at all) into a DIST_IO error that names the operation and the path.
 */
export function distIoError(e: unknown, op: string, target: string): unknown {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (e instanceof MeshforgeError || typeof code !== 'string') return e;
  return new MeshforgeError(`cannot ${op} (${code}: ${REASONS[code] ?? (e as Error).message})`, {
    code: 'DIST_IO',
    field: 'path',
    value: target,
    expected: hint(code, path.dirname(target)),
  });
}

/** How a path is shown to the user: relative to the working directory, as the synth's listing shows dist/. */
export function displayPath(p: string): string {
  return path.relative(process.cwd(), p) || p;
}

/** Blocks the (synchronous) synth for `ms` without burning CPU. */
export function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Numbers every filesystem mutation of one synth, so that tests can make a
 * real process die or fail at exactly step N:
 * `MESHFORGE_DIST_FAULT=<N>:kill` (SIGKILL itself) or `<N>:<ERRNO>` (e.g. `7:ENOSPC`);
 * `MESHFORGE_DIST_TRACE=1` prints each step to stderr. Test-only; unset, it costs a counter.
 */
export class DistSteps {
  private count = 0;
  private readonly faultStep?: number;
  private readonly faultAction?: string;
  private readonly trace: boolean;

  public constructor(env: NodeJS.ProcessEnv = process.env) {
    const m = /^(\d+):(kill|E[A-Z]+)$/.exec(env.MESHFORGE_DIST_FAULT ?? '');
    if (m) {
      this.faultStep = Number(m[1]);
      this.faultAction = m[2];
    }
    this.trace = env.MESHFORGE_DIST_TRACE === '1';
  }

  /** Runs one mutation; errno failures come back as DIST_IO errors naming `target`. */
  public run<T>(op: string, target: string, fn: () => T): T {
    this.count++;
    if (this.trace) fs.writeSync(2, `meshforge dist step ${this.count}: ${op} ${target}\n`);
    try {
      if (this.count === this.faultStep) this.inject(op, target);
      return fn();
    } catch (e) {
      throw distIoError(e, op, target);
    }
  }

  private inject(op: string, target: string): void {
    if (this.faultAction === 'kill') {
      process.kill(process.pid, 'SIGKILL');
      for (;;) sleep(1000); // SIGKILL is delivered asynchronously; never run the step itself
    }
    throw Object.assign(new Error(`${this.faultAction}: injected fault, ${op} '${target}'`), { code: this.faultAction });
  }
}
