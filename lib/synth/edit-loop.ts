import * as fs from 'fs';
import * as path from 'path';
import { displayPath } from './dist-io';
import type { SynthCliRun } from './synth-cli';
import type { SynthesizedApp } from './synthesize-app';
import { startTypeCheck, TypeCheckResult } from './type-check';

/*
 * `npm run synth` and `npm run synth -- --watch` (issue 18). bin/edit-loop.mjs transpiles the
 * changed sources into build/synth/ (esbuild, no type information) and hands over to this module,
 * which, per run: starts the type check (tsgo, incremental) in a child process, renders the apps
 * in memory meanwhile, and writes dist/ only once the check has passed. A type error therefore
 * never reaches dist/, and the check costs no wall time when rendering is the slower half.
 */

/** What bin/edit-loop.mjs transpiled (repository-relative paths). */
export interface Transpiled {
  readonly changed: readonly string[];
  readonly removed: readonly string[];
  /** esbuild's messages when a file could not be transpiled (a syntax error): nothing may be written. */
  readonly error?: string;
  /** A hash of everything the type check reads (sources, tsconfig files, installed packages); none after an error. */
  readonly inputs?: string;
}

/** Where the inputs hash of the last passing type check is kept. */
const checkedFile = (root: string): string => path.join(root, 'build', 'synth', '.checked');

/** Whether the type check already passed on exactly these inputs (a synth with no change needs no new check). */
function alreadyChecked(root: string, inputs?: string): boolean {
  try {
    return inputs !== undefined && fs.readFileSync(checkedFile(root), 'utf8') === inputs;
  } catch {
    return false;
  }
}

/** The synth of the freshly transpiled modules (bin/synth-loop.ts reloads them for every run). */
export interface LoadedSynth {
  readonly run: SynthCliRun;
  readonly runSynthCli: (run: SynthCliRun) => number;
}

export interface EditLoopOptions {
  readonly root: string;
  /** Keep running and synthesize again whenever a source changes. */
  readonly watch: boolean;
  /** What the launcher transpiled before this module was loaded. */
  readonly transpiled: Transpiled;
  /** Transpiles what changed since the last call (watch mode). */
  readonly transpile: () => Transpiled;
  /** Loads the synth from the transpiled modules, discarding the ones loaded before (`changed`: what was transpiled since). */
  readonly load: (changed: readonly string[]) => LoadedSynth;
  /**
   * The type check that must pass before dist/ is written.
   * @default - tsgo on tsconfig.synth.json
   */
  readonly check?: (signal: AbortSignal) => Promise<TypeCheckResult>;
  readonly log: (line: string) => void;
  readonly error: (line: string) => void;
}

/** The folders whose changes trigger a new synth in watch mode (apps/ also holds config files the apps read). */
export const WATCHED = ['apps', 'bin', 'imports', 'lib'] as const;

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/** Files of `dir`, recursively, as `relative path → content`. */
function readTree(dir: string, prefix = '', into = new Map<string, string>()): Map<string, string> {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return into;
  }
  for (const e of entries) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) readTree(path.join(dir, e.name), rel, into);
    else into.set(rel, fs.readFileSync(path.join(dir, e.name), 'utf8'));
  }
  return into;
}

/** What writing `apps` will change in `outdir`, one line per app: `shop/: 20-workloads.k8s.yaml (changed), ...`. */
export function describeChanges(outdir: string, apps: readonly SynthesizedApp[]): string[] {
  const before = readTree(outdir);
  const after = new Map<string, string>();
  for (const app of apps) {
    for (const [file, text] of [...app.files, ...app.sideFiles]) after.set(`${app.name}/${file}`, text);
  }
  const byApp = new Map<string, string[]>();
  // an app's folder is `<app>` or `<env>/<app>`; a file of a folder no app writes any more goes under its first segment
  const folders = apps.map((a) => a.name).sort((a, b) => b.length - a.length);
  const note = (rel: string, what: string): void => {
    const app = folders.find((f) => rel.startsWith(`${f}/`)) ?? rel.split('/')[0];
    byApp.set(app, [...(byApp.get(app) ?? []), `${rel.slice(app.length + 1)} (${what})`]);
  };
  for (const [rel, text] of after) {
    const old = before.get(rel);
    if (old === undefined) note(rel, 'added');
    else if (old !== text) note(rel, 'changed');
  }
  for (const rel of before.keys()) if (!after.has(rel)) note(rel, 'removed');
  return [...byApp.keys()].sort().map((app) => `${app}/: ${byApp.get(app)!.sort().join(', ')}`);
}

/** One synth: check ∥ render, then write if the check passed. Returns the exit code. */
async function synthOnce(o: EditLoopOptions, transpiled: Transpiled, checkNeeded: boolean, signal: AbortSignal, watch: boolean): Promise<{ code: number; checkOk?: boolean }> {
  checkNeeded = checkNeeded && !alreadyChecked(o.root, transpiled.inputs);
  const check = checkNeeded ? (o.check ?? ((s) => startTypeCheck(o.root, 'tsconfig.synth.json', s)))(signal) : Promise.resolve({ ok: true, output: '' });
  let loaded: LoadedSynth | undefined;
  let apps: SynthesizedApp[] | undefined;
  let failure: unknown;
  if (!transpiled.error) {
    try {
      loaded = o.load([...transpiled.changed, ...transpiled.removed]);
      apps = loaded.run.produce();
    } catch (e) {
      failure = e;
    }
  }
  const result = await check;
  if (signal.aborted) return { code: 0 };
  const checkOk = checkNeeded ? result.ok && !transpiled.error : undefined;
  if (checkOk && transpiled.inputs) fs.writeFileSync(checkedFile(o.root), transpiled.inputs);
  if (!result.ok || transpiled.error) {
    const out = loaded ? `${displayPath(loaded.run.outdir)}/` : 'dist/';
    o.error(result.ok ? transpiled.error! : result.output);
    o.error(`meshforge synth failed: ${result.ok ? 'a source could not be transpiled' : 'type errors'}; ${out} was left unchanged.`);
    return { code: 1, checkOk };
  }
  if (!loaded) {
    o.error(`meshforge synth failed; nothing was written: ${(failure as Error)?.stack ?? String(failure)}`);
    return { code: 1, checkOk };
  }
  const changes = watch && apps ? describeChanges(loaded.run.outdir, apps) : [];
  // Watch mode prints what changed instead of the full listing of every app.
  const listing = /^ {2}\S.*\/ \(\d+ files\)$/;
  const code = loaded.runSynthCli({
    ...loaded.run,
    produce: () => {
      if (!apps) throw failure;
      return apps;
    },
    log: watch ? (l) => !listing.test(l) && loaded!.run.log(l) : loaded.run.log,
  });
  if (code === 0 && watch) {
    const out = `${displayPath(loaded.run.outdir)}/`;
    o.log(changes.length ? `meshforge: ${out} updated:` : `meshforge: ${out} unchanged.`);
    for (const line of changes) o.log(`  ${out}${line}`);
  }
  return { code, checkOk };
}

/** `npm run synth [-- --watch]` after the launcher's first transpile. Resolves to the exit code. */
export async function runEditLoop(o: EditLoopOptions): Promise<number> {
  const stop = new AbortController();
  if (!o.watch) return (await synthOnce(o, o.transpiled, true, stop.signal, false)).code;

  const touched = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let watchers: fs.FSWatcher[] = [];
  const polling: { timer?: NodeJS.Timeout } = {};
  let done: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (done = resolve));
  // Handled signals wait for the synchronous write (which holds the dist lock) to finish; the lock is
  // never held across an await, so Ctrl-C or SIGTERM leaves nothing locked and a pending check is killed.
  const finish = (sig: string): void => {
    stop.abort();
    if (timer) clearTimeout(timer);
    for (const w of watchers) w.close();
    if (polling.timer) clearInterval(polling.timer);
    process.off('SIGINT', onInt).off('SIGTERM', onTerm);
    o.log(`meshforge watch: stopped (${sig})`);
    done(0);
  };
  const onInt = (): void => finish('SIGINT');
  const onTerm = (): void => finish('SIGTERM');
  process.on('SIGINT', onInt).on('SIGTERM', onTerm);

  let started = Date.now();
  const first = await synthOnce(o, o.transpiled, true, stop.signal, true);
  if (stop.signal.aborted) return finished;
  let lastCheckOk = first.checkOk === true;
  o.log(`meshforge watch: first synth ${first.code === 0 ? 'done' : 'failed'} in ${seconds(Date.now() - started)}; watching ${WATCHED.map((d) => `${d}/`).join(' ')} (Ctrl-C to stop)`);

  const cycle = async (): Promise<void> => {
    if (running || stop.signal.aborted) return;
    running = true;
    // Editors' temporary files are gone by now; a deleted source or config file is still worth naming.
    const files = [...touched].filter((f) => f.endsWith('.ts') || fs.existsSync(path.join(o.root, f))).sort();
    touched.clear();
    seen = snapshotSources(o.root);
    started = Date.now();
    o.log(`meshforge watch: ${files.join(', ') || 'a file'} changed`);
    const transpiled = o.transpile();
    const sourcesChanged = transpiled.changed.length > 0 || transpiled.removed.length > 0 || transpiled.error !== undefined;
    // A change to a non-TypeScript file (an app's config file) needs no new check once the last one passed.
    const r = await synthOnce(o, transpiled, sourcesChanged || !lastCheckOk, stop.signal, true);
    if (!stop.signal.aborted) {
      lastCheckOk = r.checkOk ?? lastCheckOk;
      o.log(`meshforge watch: ${r.code === 0 ? 'synth done' : 'synth failed, dist/ untouched, still watching'} in ${seconds(Date.now() - started)}`);
    }
    running = false;
    if (touched.size > 0 && !stop.signal.aborted) schedule();
  };
  const schedule = (): void => {
    if (timer) clearTimeout(timer);
    // Editors save in several steps (write, rename, chmod): wait for the burst to end.
    timer = setTimeout(() => void cycle(), 40);
  };
  const ignored = (name: string): boolean => /(^|\/)\.|~$|\.sw[px]$|(^|\/)4913$/.test(name);
  watchers = WATCHED.filter((d) => fs.existsSync(path.join(o.root, d))).map((d) =>
    fs.watch(path.join(o.root, d), { recursive: true }, (_event, name) => {
      const file = name ? `${d}/${String(name)}` : `${d}/`;
      if (ignored(file)) return;
      touched.add(file);
      if (!running) schedule();
    }),
  );
  // Node's recursive fs.watch on Linux can stop reporting a file that was saved by rename (sed -i, mv,
  // git checkout, some editors): a poll of the sources' mtimes and sizes catches what it misses.
  let seen = snapshotSources(o.root);
  polling.timer = setInterval(() => {
    if (running || stop.signal.aborted) return;
    const now = snapshotSources(o.root);
    const changed = [...now].filter(([f, v]) => seen.get(f) !== v).map(([f]) => f);
    for (const f of seen.keys()) if (!now.has(f)) changed.push(f);
    seen = now;
    const fresh = changed.filter((f) => !ignored(f));
    if (fresh.length === 0) return;
    for (const f of fresh) touched.add(f);
    schedule();
  }, POLL_MS);
  return finished;
}

/** How often watch mode polls the sources besides fs.watch. */
const POLL_MS = 500;

/** `<dir>/<file>` → `<mtime>:<size>` of every file under the watched folders. */
function snapshotSources(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const child = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(child);
      else if (e.isFile()) {
        try {
          const st = fs.statSync(path.join(root, child));
          out.set(child, `${st.mtimeMs}:${st.size}`);
        } catch {
          // removed between readdir and stat: the next poll sees it gone
        }
      }
    }
  };
  for (const d of WATCHED) walk(d);
  return out;
}
