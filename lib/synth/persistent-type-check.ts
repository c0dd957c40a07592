import { ChildProcess, fork } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import type { IncrementalCheckResult } from './incremental-type-check';
import type { TypeCheckReply } from './type-check-worker';

/**
 * The watch mode's type check after the first build (issue 18): a child process that keeps the
 * compiler's program in memory (incremental-type-check.ts). `warmUp()` makes it check everything
 * once, in the background, while the user reads the first result; until that is done, and if the
 * child ever fails, `ready` is false and the edit loop uses the one-shot tsgo check instead.
 * The child runs at the lowest CPU priority (nice 19): it has the machine to itself when nothing
 * else runs, but during its warm-up (seconds) the saves' tsgo check and rendering come first, and
 * so does a tsgo run racing a slow incremental check; an app edit's check (0.05-0.2 s) uses the
 * core rendering leaves idle. (Measured against nice 10: saves during the warm-up 1.0 s instead of 1.2 s.)
 */
export class PersistentTypeCheck {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, (reply: TypeCheckReply) => void>();
  private nextId = 1;
  private warm = false;
  private failure?: string;

  /**
   * @param root the project
   * @param project its tsconfig for the check
   * @param workerFile the transpiled worker module
   * @default workerFile - type-check-worker.js next to this module (build/synth/lib/synth/)
   */
  constructor(root: string, project = 'tsconfig.synth.json', workerFile = path.join(__dirname, 'type-check-worker.js')) {
    this.child = fork(workerFile, [root, project], { cwd: root, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: ['--enable-source-maps'] });
    let stderr = '';
    this.child.stderr!.on('data', (d) => (stderr += String(d)));
    this.child.on('message', (reply: TypeCheckReply) => {
      const resolve = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      resolve?.(reply);
    });
    const fail = (why: string): void => {
      this.failure ??= why;
      for (const [id, resolve] of this.pending) resolve({ id, error: this.failure });
      this.pending.clear();
    };
    this.child.on('error', (e) => fail(e.stack ?? String(e)));
    this.child.on('exit', (code, signal) => fail(`the type-check process exited (${signal ?? code})${stderr ? `: ${stderr.trim()}` : ''}`));
    if (this.child.pid !== undefined) {
      try {
        os.setPriority(this.child.pid, 19);
      } catch {
        // not allowed here: it runs at the same priority, only slower during its warm-up
      }
    }
  }

  /** Whether checks are answered from memory (the first full check done, the process alive). */
  get ready(): boolean {
    return this.warm && this.failure === undefined;
  }

  /** Why the process stopped answering, if it did. */
  get failed(): string | undefined {
    return this.failure;
  }

  /** The first, full check (seconds); resolves when it is done, whatever its outcome. */
  async warmUp(): Promise<void> {
    const r = await this.request();
    if ('result' in r) this.warm = true;
    else this.failure ??= r.error;
  }

  /**
   * Checks the sources as they are on disk now. Resolves to undefined when the process could not
   * answer (the caller falls back to the one-shot check) or `signal` stopped the wait.
   */
  async check(signal?: AbortSignal): Promise<IncrementalCheckResult | undefined> {
    if (signal?.aborted) return undefined;
    // The watch passes one signal for its whole session: the listener goes with the answer (else one
    // more per save, and Node's MaxListenersExceededWarning after the eleventh).
    let onAbort = (): void => undefined;
    const stopped = new Promise<undefined>((resolve) => {
      onAbort = () => resolve(undefined);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const r = await Promise.race([this.request(), stopped]);
      return r && 'result' in r ? r.result : undefined;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Stops the process. */
  close(): void {
    this.failure ??= 'closed';
    this.child.kill();
  }

  private request(): Promise<TypeCheckReply> {
    const id = this.nextId++;
    if (this.failure !== undefined) return Promise.resolve({ id, error: this.failure });
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.child.send({ id });
    });
  }
}
