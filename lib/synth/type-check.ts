import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** The outcome of the synth type check. */
export interface TypeCheckResult {
  readonly ok: boolean;
  /** The checker's diagnostics (tsc's `file(line,col): error TSxxxx: ...` format), or why it could not run. */
  readonly output: string;
}

/** The tsgo binary of @typescript/native-preview: the platform package's executable, else its node wrapper. */
function tsgoCommand(root: string): { cmd: string; args: string[] } {
  const native = path.join(root, 'node_modules', '@typescript', `native-preview-${process.platform}-${process.arch}`, 'lib', process.platform === 'win32' ? 'tsgo.exe' : 'tsgo');
  if (fs.existsSync(native)) return { cmd: native, args: [] };
  return { cmd: process.execPath, args: [path.join(root, 'node_modules', '@typescript', 'native-preview', 'bin', 'tsgo')] };
}

/**
 * Starts the type check of synth's sources (tsconfig.synth.json: strict, incremental,
 * no emit) with tsgo, the TypeScript native compiler preview, in a child process,
 * so it runs on the other core while this process renders. Never rejects; `signal` kills it.
 * `singleThreaded`: tsgo's `--singleThreaded`.
 */
export function startTypeCheck(root: string, project = 'tsconfig.synth.json', signal?: AbortSignal, singleThreaded = true): Promise<TypeCheckResult> {
  const { cmd, args } = tsgoCommand(root);
  return new Promise((resolve) => {
    // Single-threaded by default: in a one-shot synth it still finishes well before rendering does,
    // and leaves rendering its core (with its default threads, synth was about 0.08 s slower on 2
    // cores). Watch mode renders in 0.3 s and races it with the in-memory check: all threads there.
    const child = spawn(cmd, [...args, '-p', project, '--pretty', 'false', ...(singleThreaded ? ['--singleThreaded'] : [])], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], signal });
    let output = '';
    child.stdout.on('data', (d) => (output += String(d)));
    child.stderr.on('data', (d) => (output += String(d)));
    child.on('error', (e) => {
      const stopped = (e as NodeJS.ErrnoException).code === 'ABORT_ERR';
      resolve({ ok: false, output: stopped ? 'the type check was stopped' : `cannot run the type checker ${cmd}: ${e.message} (run \`npm ci\`)` });
    });
    child.on('close', (code, sig) => {
      const text = output.trimEnd();
      resolve({ ok: code === 0, output: code === 0 || text ? text : `the type checker ${cmd} exited with ${sig ?? code} and no message` });
    });
  });
}
