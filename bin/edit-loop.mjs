// `npm run synth [-- --watch]` (issue 18: the fast edit loop). Plain JavaScript because it runs before
// anything is compiled: it transpiles the sources that changed since the last run into build/synth/
// (esbuild, no type information: milliseconds a file; its asynchronous API keeps one esbuild process
// for the watch mode's later calls instead of starting one per call), then starts
// build/synth/bin/synth-loop.js, which type-checks with tsgo in parallel with rendering and writes
// dist/ only when the check passes (lib/synth/edit-loop.ts). `npm run build` (tsc, build/) is separate.
import * as esbuild from 'esbuild';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'build', 'synth');
const SOURCES = ['apps', 'bin', 'imports', 'lib'];
const MANIFEST = path.join(OUT, '.sources.json');
// Part of every stamp: a new esbuild or new options here transpile everything again.
const STAMP = `esbuild ${esbuild.version}, options 1`;

function sourceFiles(dir, into = []) {
  for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) sourceFiles(rel, into);
    else if (rel.endsWith('.ts') && !rel.endsWith('.d.ts') && !rel.endsWith('.test.ts')) into.push(rel);
  }
  return into;
}

function readManifest() {
  try {
    const m = JSON.parse(fs.readFileSync(MANIFEST, 'utf8'));
    return m.stamp === STAMP ? m.files : {};
  } catch {
    return {};
  }
}

/** Writes through a temporary file and a rename, so a concurrent synth never loads half a module. */
function writeAtomic(file, contents) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, contents);
  fs.renameSync(tmp, file);
}

const outputOf = (rel) => path.join(OUT, rel.replace(/\.ts$/, '.js'));

/**
 * Transpiles (asynchronously) the sources whose size or modification time changed since the last
 * call (all of them the first time) and removes the output of deleted ones.
 * Returns `{ changed, removed, sources, error }` or `{ changed, removed, sources, inputs }` (`sources`:
 * `mtimeMs:size` of every source by path; `inputs`: a hash of what the type check reads); never throws
 * for a bad source.
 */
export async function transpile() {
  const before = readManifest();
  const now = {};
  const changed = [];
  for (const rel of SOURCES.filter((d) => fs.existsSync(path.join(ROOT, d))).flatMap((d) => sourceFiles(d))) {
    const st = fs.statSync(path.join(ROOT, rel));
    now[rel] = `${st.mtimeMs}:${st.size}`;
    if (before[rel] !== now[rel] || !fs.existsSync(outputOf(rel))) changed.push(rel);
  }
  const removed = Object.keys(before).filter((rel) => !(rel in now));
  for (const rel of removed) for (const f of [outputOf(rel), `${outputOf(rel)}.map`]) fs.rmSync(f, { force: true });
  if (changed.length > 0) {
    let result;
    try {
      result = await esbuild.build({
        entryPoints: changed.map((rel) => path.join(ROOT, rel)),
        outdir: OUT,
        outbase: ROOT,
        format: 'cjs',
        platform: 'node',
        target: 'node20',
        sourcemap: true,
        sourcesContent: false,
        write: false,
        logLevel: 'silent',
      });
    } catch (e) {
      // Nothing was written; the failed files keep their old stamps and are tried again next time.
      const messages = await esbuild.formatMessages(e.errors ?? [], { kind: 'error', color: false });
      return { changed, removed, sources: now, error: messages.join('').trimEnd() || String(e) };
    }
    for (const f of result.outputFiles) writeAtomic(f.path, f.contents);
  }
  if (changed.length > 0 || removed.length > 0) writeAtomic(MANIFEST, JSON.stringify({ stamp: STAMP, files: now }) + '\n');
  return { changed, removed, sources: now, inputs: inputsStamp(now) };
}

/** Everything the type check reads: the sources, the tsconfig files and the installed packages. */
function inputsStamp(sources) {
  const hash = createHash('sha256').update(JSON.stringify(sources));
  for (const f of ['tsconfig.json', 'tsconfig.synth.json', 'node_modules/.package-lock.json']) {
    try {
      const st = fs.statSync(path.join(ROOT, f));
      hash.update(`${f} ${st.mtimeMs}:${st.size}\n`);
    } catch {
      hash.update(`${f} missing\n`);
    }
  }
  return hash.digest('hex');
}

const transpiled = await transpile();
// No process.setSourceMapsEnabled(true): it would parse every module's map as it loads (about 0.08 s a
// synth); the stacks meshforge shows are mapped to the .ts sources when shown (lib/synth/source-map-stack.ts).
let loop;
try {
  loop = createRequire(import.meta.url)(path.join(OUT, 'bin', 'synth-loop.js'));
} catch (e) {
  // Only when the edit loop itself cannot be loaded (a syntax error in it on the very first run).
  process.stderr.write(`${transpiled.error ?? e.stack}\nmeshforge synth failed: the synth could not be loaded; dist/ was left unchanged.\n`);
  process.exit(1);
}
process.exitCode = await loop.start({ root: ROOT, argv: process.argv.slice(2), transpiled, transpile });
