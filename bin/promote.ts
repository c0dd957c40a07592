import * as path from 'path';
import { AppDefinition, Environment, GitOpsConfig, IstioApiLevel, parsePromoteArgs, projectRoot, promote } from '../lib';

export interface PromoteCliOptions {
  /** @default - the registered apps (apps/index.ts) */
  readonly apps?: readonly AppDefinition[];
  /** @default - apps/environments.ts */
  readonly environments?: readonly Environment[];
  /** @default - apps/gitops.ts */
  readonly gitops?: GitOpsConfig;
  /** @default - apps/index.ts `istioApiLevel` */
  readonly istioApiLevel?: IstioApiLevel;
  /** @default - dist/ of the project */
  readonly outdir?: string;
  readonly log?: (line: string) => void;
  readonly error?: (line: string) => void;
}

/**
 * `npm run promote -- <app>/<service> <tag> --env <env>` or
 * `npm run promote -- <app>/<service> --from <env> --to <env>` (see
 * docs/environments.md). Returns the exit code so tests drive it in-process.
 */
export function main(argv: readonly string[], options: PromoteCliOptions = {}): number {
  const log = options.log ?? ((l: string) => process.stdout.write(l + '\n'));
  const error = options.error ?? ((l: string) => process.stderr.write(l + '\n'));
  try {
    const request = parsePromoteArgs(argv);
    // loaded inside the error handling, like synth: an app failing at load time is reported, not a stack trace
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const registered: Partial<typeof import('../apps')> = options.apps ? {} : require('../apps');
    const outdir = options.outdir ?? path.join(projectRoot(__dirname), 'dist');
    const result = promote(request, {
      apps: options.apps ?? registered.apps ?? [],
      environments: options.environments ?? registered.environments ?? [],
      gitops: options.gitops ?? registered.gitops,
      istioApiLevel: options.istioApiLevel ?? registered.istioApiLevel,
      outdir,
      onEvent: (e) => {
        if (e.kind !== 'backup-created') log(`meshforge: ${e.message}`);
      },
    });
    const what = `${result.app}/${result.service} in ${result.environment}`;
    log(result.changed ? `${what}: ${result.previous ?? '(none)'} → ${result.tag}` : `${what} already runs ${result.tag}; re-rendered anyway`);
    log(`  ${path.relative(process.cwd(), result.releasesFile)}`);
    for (const app of result.written) log(`  ${path.relative(process.cwd(), path.join(outdir, app.name))}/ (${app.files.size} files)`);
    return 0;
  } catch (e) {
    error('meshforge promote failed; nothing was changed:');
    error((e as Error).message);
    return 1;
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
