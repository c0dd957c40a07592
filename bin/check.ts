import * as path from 'path';
import { checkAll, checkJson, renderCheck } from '../lib/analysis';
import type { EnvironmentPolicyRef } from '../lib/policy';

export interface CheckCliOptions {
  /** YAML files or folders to check, relative to `cwd`. @default ['dist'] (npm scripts run in the project folder) */
  readonly paths?: readonly string[];
  /** Print the machine-readable report (`--json`) instead of the tables. @default false */
  readonly json?: boolean;
  /** Check every file as this environment (`--env <name>`). @default - each file's environment comes from its folder (`dist/<env>/`) */
  readonly env?: string;
  /** The declared environments. @default - `loadEnvironments()`: the project's `environments` export from apps/ */
  readonly environments?: readonly EnvironmentPolicyRef[];
  /** Paths in the report are relative to this folder. @default process.cwd() */
  readonly cwd?: string;
  readonly log?: (line: string) => void;
  readonly error?: (line: string) => void;
}

/** A command line that cannot be run: exit 2 with the message. */
class UsageError extends Error {}

/** Splits command-line arguments into options and paths: `npm run check -- --json --env prod dist/prod`. */
export function parseArgs(argv: readonly string[]): { paths: string[]; json: boolean; env?: string } {
  const paths: string[] = [];
  let json = false;
  let env: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') json = true;
    else if (arg === '--env' || arg.startsWith('--env=')) {
      const value = arg === '--env' ? argv[++i] : arg.slice('--env='.length);
      if (value === undefined || value === '' || value.startsWith('--')) throw new UsageError('--env needs an environment name: --env <name>');
      if (env !== undefined) throw new UsageError(`--env given twice ("${env}", "${value}"): check one environment at a time`);
      env = value;
    } else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg} (options: --json, --env <name>)`);
    else paths.push(arg);
  }
  return env === undefined ? { paths, json } : { paths, json, env };
}

/**
 * The project's environments: `require('../apps').environments` (apps/ exports
 * them next to `apps`). A project without the export, or without apps/ (the
 * check run from a bare copy of bin/), has none.
 */
// A require, not an import: apps/ may not export environments (or exist) in every project.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export function loadEnvironments(load: () => unknown = () => require('../apps')): readonly EnvironmentPolicyRef[] {
  let apps: unknown;
  try {
    apps = load();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    // Only the absence of apps/ itself is tolerated; an app that fails to load is an error.
    if (err.code === 'MODULE_NOT_FOUND' && /['"]\.\.\/apps['"]/.test(err.message)) return [];
    throw e;
  }
  const environments = (apps as { environments?: unknown } | undefined)?.environments;
  if (environments === undefined) return [];
  if (!Array.isArray(environments)) throw new UsageError('apps/ exports `environments`, but not as a list of environments');
  return environments as readonly EnvironmentPolicyRef[];
}

/**
 * The `npm run check` entry point: 0 when no policy rule (or environment rule)
 * is violated and the mesh analysis has no error (warnings and info are shown),
 * 1 otherwise, 2 when the input cannot be checked (bad path or YAML, unknown
 * `--env`, invalid environment policy). Returns the exit code so tests can drive it in-process.
 */
export function main(options: CheckCliOptions = {}): number {
  const log = options.log ?? ((l: string) => process.stdout.write(l + '\n'));
  const error = options.error ?? ((l: string) => process.stderr.write(l + '\n'));
  const cwd = options.cwd ?? process.cwd();
  const paths = options.paths && options.paths.length > 0 ? options.paths : ['dist'];
  try {
    const environments = options.environments ?? loadEnvironments();
    const result = checkAll(paths, { cwd, environments, ...(options.env !== undefined ? { env: options.env } : {}) });
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
  let code = 2;
  try {
    code = main(parseArgs(process.argv.slice(2)));
  } catch (e) {
    process.stderr.write(`meshforge check failed: ${(e as Error).message}\n`);
  }
  process.exitCode = code;
}
