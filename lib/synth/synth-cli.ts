import * as fs from 'fs';
import * as path from 'path';
import { MeshforgeError } from '../validation/meshforge-error';
import { DistEvent, displayPath, distIoError } from './dist-io';
import { distFingerprint, repairDist, writeDistWith } from './dist-writer';
import type { SynthesizedApp } from './synthesize-app';

/** How `npm run synth` / `cdk8s synth` run (bin/synth.ts fills this in). */
export interface SynthCliRun {
  /** The real output folder. */
  readonly outdir: string;
  /** The project root, whose sources the cdk8s output folder must not overlap. */
  readonly root: string;
  /** Synthesizes every app in memory (runs under the lock, after the start-up repair). */
  readonly produce: () => SynthesizedApp[];
  readonly log: (line: string) => void;
  readonly error: (line: string) => void;
  /**
   * How long to wait for another synth writing the same outdir, in milliseconds.
   * @default - MESHFORGE_LOCK_WAIT (seconds), else 120 s
   */
  readonly lockWaitMs?: number;
  /**
   * The cdk8s cli's output folder, when run by `cdk8s synth`.
   * @default - process.env.CDK8S_OUTDIR
   */
  readonly cdk8sOutdir?: string;
}

/** Folders of the project that the `cdk8s synth` mirror must never delete. */
const PROTECTED = ['apps', 'bin', 'bench', 'dist', 'imports', 'lib', 'test', '.ci', '.git', 'node_modules'];

function within(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * What the cdk8s cli's output folder (`-o`, or `output` in cdk8s.yaml) is to
 * meshforge. The cli deletes that folder before it runs the app
 * (node_modules/cdk8s-cli/lib/cli/cmds/synth.js: `fs.rmSync(outdir, { recursive: true, force: true })`
 * before `synthApp`), so by the time meshforge runs it is already gone:
 * - `outdir`: dist/ itself, which meshforge restores and writes as usual;
 * - `inside-outdir`: part of dist/ was deleted; restored, then refused;
 * - `unsafe`: the project or its sources; refused;
 * - `mirror`: a scratch folder that receives a copy of dist/.
 */
function classify(cliOut: string, outdir: string, root: string): 'outdir' | 'inside-outdir' | 'unsafe' | 'mirror' {
  const target = path.resolve(cliOut);
  const out = path.resolve(outdir);
  if (target === out) return 'outdir';
  if (within(target, out)) return 'inside-outdir';
  const guarded = [out, ...PROTECTED.map((d) => path.join(root, d))];
  if (within(root, target) || guarded.some((g) => within(target, g) || within(g, target))) return 'unsafe';
  return 'mirror';
}

function unsafeOutdir(cliOut: string): MeshforgeError {
  return new MeshforgeError('unsafe cdk8s output folder', {
    code: 'UNSAFE_OUTDIR',
    field: 'CDK8S_OUTDIR (cdk8s.yaml output / cdk8s synth -o)',
    value: cliOut,
    expected: 'dist/ itself, or a scratch folder outside dist/ and the sources, e.g. build/cdk8s.out (it is deleted on every synth)',
  });
}

/**
 * Synthesizes into `outdir` with the lock, the start-up repair and the
 * `cdk8s synth` output-folder handling; prints what happened. Returns the
 * process exit code.
 */
export function runSynthCli(run: SynthCliRun): number {
  const { outdir, root, log, error } = run;
  const cliOut = 'cdk8sOutdir' in run ? run.cdk8sOutdir : process.env.CDK8S_OUTDIR;
  const out = `${displayPath(outdir)}/`;
  const seen = new Set<DistEvent['kind']>();
  const onEvent = (e: DistEvent): void => {
    seen.add(e.kind);
    if (e.kind !== 'backup-created') log(`meshforge: ${e.message}`);
  };
  const before = distFingerprint(outdir);
  let written = false;
  const mode = cliOut ? classify(cliOut, outdir, root) : 'none';
  try {
    if (mode === 'inside-outdir') {
      repairDist(outdir, { onEvent, lockWaitMs: run.lockWaitMs, damaged: `the cdk8s cli deleted ${displayPath(cliOut!)} (its output folder) inside ${out} before meshforge ran` });
    }
    if (mode === 'inside-outdir' || mode === 'unsafe') throw unsafeOutdir(cliOut!);
    const result = writeDistWith(outdir, run.produce, {
      onEvent,
      lockWaitMs: run.lockWaitMs,
      missingBecause: mode === 'outdir' ? `the cdk8s cli deletes its output folder (-o ${cliOut}) before it runs meshforge` : undefined,
    });
    written = true;
    for (const app of result) {
      log(`  ${path.relative(process.cwd(), path.join(outdir, app.name)) || '.'}/ (${app.files.size} files)`);
    }
    // What the user must do by hand (e.g. apply the Istio mesh config): each line once, after the listing.
    const notices = result.flatMap((app) => app.notices.map((n) => `${path.relative(process.cwd(), path.join(outdir, app.name, n.file))}: ${n.text}`));
    for (const line of [...new Set(notices)]) log(line);
    // Any other cli output folder gets a copy: dist/ stays the real output, so the cli's
    // `rm -rf` of its own folder never touches it.
    if (mode === 'mirror') {
      try {
        fs.rmSync(cliOut!, { recursive: true, force: true });
        fs.cpSync(outdir, cliOut!, { recursive: true });
      } catch (e) {
        throw distIoError(e, 'copy dist/ into the cdk8s output folder', cliOut!);
      }
    }
    return 0;
  } catch (e) {
    const unrepaired = mode === 'inside-outdir' && !seen.has('restored');
    error(
      unrepaired
        ? `meshforge synth failed; the cdk8s cli deleted ${displayPath(cliOut!)} inside ${out} and there is no restore point to put it back: run synth without -o, or \`git checkout -- ${out}\`.`
        : `meshforge synth failed; ${outcome(outdir, out, before, written, seen)}`,
    );
    error((e as Error).message);
    return 1;
  }
}

/** What really happened to dist/, checked on disk rather than assumed. */
function outcome(outdir: string, out: string, before: string | undefined, written: boolean, seen: ReadonlySet<DistEvent['kind']>): string {
  const after = distFingerprint(outdir);
  if (written) return `${out} was written, but a later step failed:`;
  if (after === undefined) {
    return before === undefined
      ? `${out} does not exist and there was no complete earlier output to restore (\`git checkout -- ${out}\` brings back the committed one).`
      : `${out} is missing (see below); the next synth restores the previous output.`;
  }
  if (seen.has('restored')) return `${out} holds the last complete output, restored at start-up (see above); this run wrote nothing.`;
  if (after === before) return `${out} was left unchanged.`;
  if (seen.has('waiting')) return `${out} holds what the synth this one waited for wrote; this run wrote nothing.`;
  return `${out} was changed during this run by another program; meshforge wrote nothing.`;
}

