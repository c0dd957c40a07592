import * as fs from 'fs';
import * as path from 'path';
import { apps as registeredApps, gitops as registeredGitops, istioApiLevel as registeredIstioApiLevel } from '../apps';
import { AppDefinition, GitOpsConfig, IstioApiLevel, MeshforgeError, projectRoot, synthToDist } from '../lib';

export interface SynthCliOptions {
  readonly apps?: readonly AppDefinition[];
  readonly outdir?: string;
  /** @default - apps/gitops.ts */
  readonly gitops?: GitOpsConfig;
  /** @default - apps/index.ts `istioApiLevel` */
  readonly istioApiLevel?: IstioApiLevel;
  readonly log?: (line: string) => void;
  readonly error?: (line: string) => void;
}


/** Folders of the project that the `cdk8s synth` mirror must never delete. */
const PROTECTED = ['apps', 'bin', 'bench', 'dist', 'imports', 'lib', 'test', '.ci', '.git', 'node_modules'];

function within(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * The mirror folder is deleted and rewritten on every synth, so it must not
 * overlap dist/ or anything of the project's sources.
 */
function checkMirror(cliOut: string, outdir: string, root: string): void {
  const target = path.resolve(cliOut);
  const guarded = [path.resolve(outdir), ...PROTECTED.map((d) => path.join(root, d))];
  if (within(root, target) || guarded.some((g) => within(target, g) || within(g, target))) {
    throw new MeshforgeError('unsafe cdk8s output folder', {
      code: 'UNSAFE_OUTDIR',
      field: 'CDK8S_OUTDIR (cdk8s.yaml output / cdk8s synth -o)',
      value: cliOut,
      expected: 'a scratch folder outside dist/ and the sources, e.g. build/cdk8s.out (it is deleted on every synth)',
    });
  }
}

/**
 * The `npm run synth` entry point. Returns the process exit code instead of
 * exiting so tests can drive it in-process.
 */
export function main(options: SynthCliOptions = {}): number {
  const log = options.log ?? ((l: string) => process.stdout.write(l + '\n'));
  const error = options.error ?? ((l: string) => process.stderr.write(l + '\n'));
  const root = projectRoot(__dirname);
  const outdir = options.outdir ?? path.join(root, 'dist');
  const cliOut = process.env.CDK8S_OUTDIR;
  try {
    if (cliOut) checkMirror(cliOut, outdir, root);
    const result = synthToDist(options.apps ?? registeredApps, outdir, { gitops: options.gitops ?? registeredGitops, istioApiLevel: options.istioApiLevel ?? registeredIstioApiLevel });
    for (const app of result) {
      log(`  ${path.relative(process.cwd(), path.join(outdir, app.name)) || '.'}/ (${app.files.size} files)`);
    }
    // What the user must do by hand (e.g. apply the Istio mesh config): each line once, after the listing.
    const notices = result.flatMap((app) => app.notices.map((n) => `${path.relative(process.cwd(), path.join(outdir, app.name, n.file))}: ${n.text}`));
    for (const line of [...new Set(notices)]) log(line);
    // `npx cdk8s synth` points CDK8S_OUTDIR at a scratch folder and lists what it finds there;
    // dist/ stays the real output so the cli's own `rm -rf` of its outdir cannot break atomicity.
    if (cliOut) {
      fs.rmSync(cliOut, { recursive: true, force: true });
      fs.cpSync(outdir, cliOut, { recursive: true });
    }
    return 0;
  } catch (e) {
    error(`meshforge synth failed; ${path.relative(process.cwd(), outdir) || outdir}/ was left unchanged.`);
    error((e as Error).message);
    return 1;
  }
}

if (require.main === module) {
  process.exitCode = main();
}
