import * as path from 'path';
import { checkAll, checkJson, renderCheck } from '../lib/analysis';

export interface CheckCliOptions {
  /** YAML files or folders to check, relative to `cwd`. @default ['dist'] (npm scripts run in the project folder) */
  readonly paths?: readonly string[];
  /** Print the machine-readable report (`--json`) instead of the tables. @default false */
  readonly json?: boolean;
  /** Paths in the report are relative to this folder. @default process.cwd() */
  readonly cwd?: string;
  readonly log?: (line: string) => void;
  readonly error?: (line: string) => void;
}

/** Splits command-line arguments into options and paths: `npm run check -- --json dist/shop`. */
export function parseArgs(argv: readonly string[]): { paths: string[]; json: boolean } {
  return { paths: argv.filter((a) => a !== '--json'), json: argv.includes('--json') };
}

/**
 * The `npm run check` entry point: 0 when no policy rule is violated and the
 * mesh analysis has no error (warnings and info are shown), 1 otherwise, 2 when
 * the input cannot be read. Returns the exit code so tests can drive it in-process.
 */
export function main(options: CheckCliOptions = {}): number {
  const log = options.log ?? ((l: string) => process.stdout.write(l + '\n'));
  const error = options.error ?? ((l: string) => process.stderr.write(l + '\n'));
  const cwd = options.cwd ?? process.cwd();
  const paths = options.paths && options.paths.length > 0 ? options.paths : ['dist'];
  try {
    const result = checkAll(paths, { cwd });
    if (result.policy.files === 0) {
      error(`meshforge check: no Kubernetes YAML found in ${paths.map((p) => path.relative(cwd, path.resolve(cwd, p)) || p).join(', ')}`);
      return 2;
    }
    log(options.json ? checkJson(result) : renderCheck(result));
    return result.ok ? 0 : 1;
  } catch (e) {
    error(`meshforge check failed: ${(e as Error).message}`);
    return 2;
  }
}

if (require.main === module) {
  process.exitCode = main(parseArgs(process.argv.slice(2)));
}
