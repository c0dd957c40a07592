import * as fs from 'fs';
import * as path from 'path';
import type * as TS from 'typescript';

/*
 * The type check of `npm run synth -- --watch` after its first build (issue 18): the TypeScript
 * compiler kept in memory, so a save re-parses only the files that changed and re-checks only the
 * files they affect (the builder program's affected-file tracking, what `tsc --watch` does), about
 * 0.05-0.2 s for an app edit against 0.45-0.7 s for a tsgo run that parses all 500 files again.
 * It is the `typescript` package `npm run lint` uses, so it agrees with the CI check. Runs in a
 * worker thread (type-check-worker.ts) so that checking and rendering use both cores.
 */

/** One check of the project's current sources. */
export interface IncrementalCheckResult {
  readonly ok: boolean;
  /** The diagnostics in tsc's `file(line,col): error TSxxxx: ...` format, paths relative to the project. */
  readonly output: string;
  /**
   * `mtimeMs:size` of every file of the project (outside node_modules) that the check read, by
   * project-relative path: what the edit loop compares with what it rendered, so a check of other
   * contents than the rendered ones is never taken for theirs.
   */
  readonly versions: Readonly<Record<string, string>>;
  readonly ms: number;
}

export interface IncrementalTypeCheck {
  /** Checks the sources as they are on disk now. Throws only when the project itself cannot be read (e.g. no tsconfig). */
  check(): IncrementalCheckResult;
}

/**
 * `mtimeMs:size`, the stamp bin/edit-loop.mjs records for the files it transpiles (and the edit
 * loop compares them with); undefined when the file cannot be read.
 */
export function stampOf(file: string): string | undefined {
  try {
    const st = fs.statSync(file);
    return `${st.mtimeMs}:${st.size}`;
  } catch {
    return undefined;
  }
}

/**
 * A type check of `project` (a tsconfig of `root`, e.g. tsconfig.synth.json) that keeps the
 * parsed files and the previous program between calls. `ts` is the compiler to use (the
 * project's own `typescript`, resolved from `root`, by default).
 */
export function createIncrementalTypeCheck(root: string, project = 'tsconfig.synth.json', ts: typeof TS = loadTypeScript(root)): IncrementalTypeCheck {
  const configFile = path.join(root, project);
  const cache = new Map<string, { stamp: string; file: TS.SourceFile }>();
  let previous: TS.SemanticDiagnosticsBuilderProgram | undefined;
  let previousOptions = '';
  const formatHost: TS.FormatDiagnosticsHost = {
    getCurrentDirectory: () => root,
    getCanonicalFileName: (f) => f,
    getNewLine: () => '\n',
  };
  return {
    check(): IncrementalCheckResult {
      const started = performance.now();
      const configErrors: TS.Diagnostic[] = [];
      // Parsed again every time (a few milliseconds): a new file under `include` or an edited tsconfig counts at once.
      const config = ts.getParsedCommandLineOfConfigFile(configFile, {}, {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => configErrors.push(d),
      });
      if (!config) {
        return { ok: false, output: ts.formatDiagnostics(configErrors, formatHost).trimEnd(), versions: {}, ms: performance.now() - started };
      }
      // No build info is written: the program in memory is the incremental state.
      const options: TS.CompilerOptions = { ...config.options, incremental: undefined, tsBuildInfoFile: undefined, noEmit: true };
      const optionsKey = JSON.stringify(options);
      if (optionsKey !== previousOptions) {
        previous = undefined;
        cache.clear();
        previousOptions = optionsKey;
      }
      const versions: Record<string, string> = {};
      const host = ts.createCompilerHost(options);
      const read = host.getSourceFile.bind(host);
      host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
        let stamp = stampOf(fileName);
        if (stamp === undefined) return undefined;
        const rel = path.relative(root, fileName);
        const ours = !rel.startsWith('..') && !rel.split(path.sep).includes('node_modules');
        const hit = cache.get(fileName);
        let file: TS.SourceFile | undefined;
        if (hit && hit.stamp === stamp) {
          file = hit.file;
        } else {
          // The stamp must be the one of the contents read: a save between the two is read again
          // (three tries; a file still changing is marked so, and never vouches for what was rendered).
          for (let attempt = 1; ; attempt++) {
            file = read(fileName, languageVersion, onError, shouldCreate);
            const after = stampOf(fileName);
            if (after === stamp) break;
            if (attempt === 3 || after === undefined) {
              stamp = `changing, last ${after ?? 'gone'}`;
              break;
            }
            stamp = after;
          }
          if (file) {
            // The builder program compares versions to find what changed since the previous program.
            (file as TS.SourceFile & { version?: string }).version = stamp;
            if (!stamp.startsWith('changing')) cache.set(fileName, { stamp, file });
          }
        }
        if (ours) versions[rel.split(path.sep).join('/')] = stamp;
        return file;
      };
      const builder = ts.createSemanticDiagnosticsBuilderProgram(config.fileNames, options, host, previous, config.errors);
      previous = builder;
      const diagnostics = [
        ...builder.getConfigFileParsingDiagnostics(),
        ...builder.getOptionsDiagnostics(),
        ...builder.getGlobalDiagnostics(),
        ...builder.getSyntacticDiagnostics(),
        // only the affected files are checked again; the others keep their diagnostics of last time
        ...builder.getSemanticDiagnostics(),
      ];
      const errors = diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
      return { ok: errors.length === 0, output: ts.formatDiagnostics(errors, formatHost).trimEnd(), versions, ms: performance.now() - started };
    },
  };
}

/** The `typescript` package installed in the project (the one `npm run lint` runs). */
export function loadTypeScript(root: string): typeof TS {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(require.resolve('typescript', { paths: [root] })) as typeof TS;
}
