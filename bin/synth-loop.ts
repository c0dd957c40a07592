import * as path from 'path';
import { LoadedSynth, runEditLoop, Transpiled } from '../lib/synth/edit-loop';

/** What bin/edit-loop.mjs (plain JavaScript: it runs before anything is compiled) hands over. */
export interface Launcher {
  readonly root: string;
  readonly argv: readonly string[];
  readonly transpiled: Transpiled;
  readonly transpile: () => Transpiled;
}

const USAGE = 'usage: npm run synth [-- --watch]';

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
  const imports = path.join(buildDir, 'imports') + path.sep;
  const load = (changed: readonly string[]): LoadedSynth => {
    // A new synth must see the edited modules: drop the modules of build/synth/ from the cache. The
    // dependencies (cdk8s, cdk8s-plus, yaml...) stay loaded, which is what makes a re-synth in watch mode
    // fast, and so do the generated imports/ (36 000 lines) unless one of them changed: they import
    // nothing of ours (test/architecture.test.ts), so no edit elsewhere can change them.
    const keepImports = !changed.some((f) => f.startsWith('imports/'));
    for (const id of Object.keys(require.cache)) {
      if (id.startsWith(buildDir + path.sep) && !(keepImports && id.startsWith(imports))) delete require.cache[id];
    }
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
