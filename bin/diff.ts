import { diffDist, readDistAtRef, readDistWorkingTree, renderDiffMarkdown } from '../lib/report/diff';

export interface DiffCliOptions {
  /** The git ref to compare the working tree's dist/ with. */
  readonly ref?: string;
  /** @default 'dist' */
  readonly dist?: string;
  /** @default process.cwd() */
  readonly cwd?: string;
  readonly log?: (text: string) => void;
  readonly error?: (line: string) => void;
}

/** `npm run diff -- <git-ref>`: prints Markdown for a PR comment; 0 on success, 2 on bad input. */
export function main(options: DiffCliOptions = {}): number {
  const log = options.log ?? ((t: string) => process.stdout.write(t));
  const error = options.error ?? ((l: string) => process.stderr.write(l + '\n'));
  if (!options.ref) {
    error('usage: npm run diff -- <git-ref>   (e.g. main, HEAD~1, origin/main)');
    return 2;
  }
  try {
    const before = readDistAtRef(options.ref, { cwd: options.cwd, dist: options.dist });
    const after = readDistWorkingTree({ cwd: options.cwd, dist: options.dist });
    log(renderDiffMarkdown(diffDist(before, after), { from: options.ref }));
    return 0;
  } catch (e) {
    error(`meshforge diff failed: ${(e as Error).message}`);
    return 2;
  }
}

if (require.main === module) {
  process.exitCode = main({ ref: process.argv[2] });
}
