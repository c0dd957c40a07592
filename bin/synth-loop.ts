import * as path from 'path';
import { LoadedSynth, runEditLoop, Transpiled } from '../lib/synth/edit-loop';

/** What bin/edit-loop.mjs (plain JavaScript: it runs before anything is compiled) hands over. */
export interface Launcher {
  readonly root: string;
  readonly argv: readonly string[];
  readonly transpiled: Transpiled;
  readonly transpile: () => Promise<Transpiled>;
}

const USAGE = 'usage: npm run synth [-- --watch]';

/**
 * The loaded modules of `buildDir` to drop before a synth: the transpiled `changed` sources
 * (repository-relative `.ts` paths) and all that require them, directly or not, as Node's
 * module tree records it (`module.children` lists every module a module required, the cached
 * ones included); with `everything`, all of them but the generated imports/ that did not change.
 */
export function modulesToReload(buildDir: string, changed: readonly string[], everything: boolean, cache: NodeJS.Require['cache'] = require.cache): string[] {
  const ours = Object.keys(cache).filter((id) => id.startsWith(buildDir + path.sep));
  const requiredBy = new Map<string, string[]>();
  for (const id of ours) {
    for (const child of cache[id]?.children ?? []) requiredBy.set(child.id, [...(requiredBy.get(child.id) ?? []), id]);
  }
  const drop = new Set<string>();
  const visit = (id: string): void => {
    if (drop.has(id) || !(id in cache)) return;
    drop.add(id);
    for (const parent of requiredBy.get(id) ?? []) visit(parent);
  };
  for (const rel of changed) visit(path.join(buildDir, rel.replace(/\.ts$/, '.js')));
  // The generated imports/ (36 000 lines) require nothing of ours (test/architecture.test.ts): no
  // other file can change them, so they stay unless one of them changed.
  const imports = path.join(buildDir, 'imports') + path.sep;
  if (everything) for (const id of ours) if (!id.startsWith(imports)) drop.add(id);
  return [...drop];
}

/**
 * `npm run synth [-- --watch]`, loaded by bin/edit-loop.mjs from build/synth/
 * once the changed sources are transpiled there. Resolves to the exit code.
 */
export function start(launcher: Launcher): Promise<number> {
  const unknown = launcher.argv.filter((a) => a !== '--watch' && a !== '-w');
  if (unknown.length > 0) {
    process.stderr.write(`${USAGE}; unknown argument(s): ${unknown.join(' ')}\n`);
    return Promise.resolve(2);
  }
  const buildDir = path.resolve(__dirname, '..');
  const load = (changed: readonly string[], everything: boolean): LoadedSynth => {
    // A new synth must see the edited modules: drop them, and every module that requires one of
    // them, from the cache. The rest stays loaded and compiled by V8 (the dependencies, cdk8s-plus,
    // the generated imports/, and for an app edit all of lib/), which is what makes a re-synth in
    // watch mode fast. `everything`: a file other than a source changed (a config file an app may
    // read while it loads): all of build/synth/ is loaded again.
    for (const id of modulesToReload(buildDir, changed, everything)) delete require.cache[id];
    /* eslint-disable @typescript-eslint/no-require-imports */
    const bin = require('./synth') as typeof import('./synth');
    const cli = require('../lib/synth/synth-cli') as typeof import('../lib/synth/synth-cli');
    /* eslint-enable @typescript-eslint/no-require-imports */
    return { run: bin.synthRun(), runSynthCli: cli.runSynthCli };
  };
  return runEditLoop({
    root: launcher.root,
    watch: launcher.argv.length > 0,
    transpiled: launcher.transpiled,
    transpile: launcher.transpile,
    load,
    log: (l) => process.stdout.write(l + '\n'),
    error: (l) => process.stderr.write(l + '\n'),
  });
}
