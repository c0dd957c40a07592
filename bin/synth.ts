import * as path from 'path';
import { AppDefinition, Environment, GitOpsConfig, IstioApiLevel, projectRoot, runSynthCli, SynthCliRun, synthesizeAll } from '../lib';

export interface SynthCliOptions {
  readonly apps?: readonly AppDefinition[];
  readonly outdir?: string;
  /** @default - apps/gitops.ts */
  readonly gitops?: GitOpsConfig;
  /** @default - apps/environments.ts with the registered apps; none with `apps` */
  readonly environments?: readonly Environment[];
  /** @default - apps/index.ts `istioApiLevel` */
  readonly istioApiLevel?: IstioApiLevel;
  readonly log?: (line: string) => void;
  readonly error?: (line: string) => void;
  /**
   * How long to wait for another synth writing the same outdir, in milliseconds.
   * @default - MESHFORGE_LOCK_WAIT (seconds), else 120 s
   */
  readonly lockWaitMs?: number;
}

/**
 * The `npm run synth` entry point (also run by `npx cdk8s synth`, see
 * cdk8s.yaml). Returns the process exit code instead of exiting so tests can
 * drive it in-process.
 */
export function main(options: SynthCliOptions = {}): number {
  return runSynthCli(synthRun(options));
}

/** What `main` runs; the edit loop (bin/synth-loop.ts) renders with it before the type check has finished. */
export function synthRun(options: SynthCliOptions = {}): SynthCliRun {
  const root = projectRoot(__dirname);
  // `cdk8s synth` captures the app's stdout and shows only its stderr.
  const info = process.env.CDK8S_OUTDIR ? process.stderr : process.stdout;
  return {
    outdir: options.outdir ?? path.join(root, 'dist'),
    root,
    produce: () => {
      // Loaded here, inside the CLI's error handling: an app that fails while its module loads
      // (e.g. defineApp with an invalid name) is reported like any other synth error, not as a stack trace.
      // Callers that pass their own apps (tests) never load apps/; their other options default to none.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const registered: Partial<typeof import('../apps')> = options.apps ? {} : require('../apps');
      return synthesizeAll(options.apps ?? registered.apps ?? [], {
        gitops: options.gitops ?? registered.gitops,
        environments: options.apps ? options.environments : registered.environments,
        istioApiLevel: options.istioApiLevel ?? registered.istioApiLevel,
      });
    },
    log: options.log ?? ((l: string) => info.write(l + '\n')),
    error: options.error ?? ((l: string) => process.stderr.write(l + '\n')),
    lockWaitMs: options.lockWaitMs,
  };
}

if (require.main === module) {
  process.exitCode = main();
}
