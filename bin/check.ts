import * as path from 'path';
import { checkPaths, renderReport } from '../lib/policy';

export interface CheckCliOptions {
  /** YAML files or folders to check, relative to `cwd`. @default ['dist'] (npm scripts run in the project folder) */
  readonly paths?: readonly string[];
  /** Paths in the report are relative to this folder. @default process.cwd() */
  readonly cwd?: string;
  readonly log?: (line: string) => void;
  readonly error?: (line: string) => void;
}

/**
 * The `npm run check` entry point: 0 when every object passes, 1 on a policy
 * violation, 2 when the input cannot be read. Returns the exit code so tests
 * can drive it in-process.
 */
export function main(options: CheckCliOptions = {}): number {
  const log = options.log ?? ((l: string) => process.stdout.write(l + '\n'));
  const error = options.error ?? ((l: string) => process.stderr.write(l + '\n'));
  const cwd = options.cwd ?? process.cwd();
  const paths = options.paths && options.paths.length > 0 ? options.paths : ['dist'];
  try {
    const report = checkPaths(paths, { cwd });
    if (report.files === 0) {
      error(`meshforge check: no Kubernetes YAML found in ${paths.map((p) => path.relative(cwd, path.resolve(cwd, p)) || p).join(', ')}`);
      return 2;
    }
    log(renderReport(report));
    return report.violations.length > 0 ? 1 : 0;
  } catch (e) {
    error(`meshforge check failed: ${(e as Error).message}`);
    return 2;
  }
}

if (require.main === module) {
  process.exitCode = main({ paths: process.argv.slice(2) });
}
