import * as fs from 'fs';
import * as path from 'path';
import { displayPath } from './dist-io';
import { readTree } from './dist-writer';
import { stampOf } from './incremental-type-check';
import type { SynthCliRun } from './synth-cli';
import type { SynthesizedApp } from './synthesize-app';
import { PersistentTypeCheck } from './persistent-type-check';
import { mapStack } from './source-map-stack';
import { startTypeCheck, TypeCheckResult } from './type-check';

/*
 * `npm run synth` and `npm run synth -- --watch` (issue 18). bin/edit-loop.mjs transpiles the
 * changed sources into build/synth/ (esbuild, no type information) and hands over to this module,
 * which, per run: starts the type check (tsgo, incremental) in a child process, renders the apps
 * in memory meanwhile, and writes dist/ only once the check has passed. A type error therefore
 * never reaches dist/, and the check costs no wall time when rendering is the slower half. In watch
 * mode, once its background warm-up is done, the check is answered by a compiler kept in memory in a
 * child process (persistent-type-check.ts): only what a save affects is checked again.
 */

/** What bin/edit-loop.mjs transpiled (repository-relative paths). */
export interface Transpiled {
  readonly changed: readonly string[];
  readonly removed: readonly string[];
  /** esbuild's messages when a file could not be transpiled (a syntax error): nothing may be written. */
  readonly error?: string;
  /** A hash of everything the type check reads (sources, tsconfig files, installed packages); none after an error. */
  readonly inputs?: string;
  /** `mtimeMs:size` of every transpiled source by repository-relative path, as they were transpiled. */
  readonly sources?: Readonly<Record<string, string>>;
}

/** A type check's outcome as one synth sees it. */
export interface CheckOutcome extends TypeCheckResult {
  /** The check read other contents of a source than the ones rendered (saved again meanwhile): neither may be written. */
  readonly stale?: boolean;
  /** How it was checked, for the watch log: `tsgo`, `in memory`, `already passed`. */
  readonly via: string;
}

/**
 * Whether a check that read `checked` (path → `mtimeMs:size`) saw the sources exactly as they were
 * transpiled: any file both know must carry the same stamp.
 */
export function sameSources(checked: Readonly<Record<string, string>>, transpiled: Readonly<Record<string, string>>): boolean {
  return Object.entries(checked).every(([file, stamp]) => transpiled[file] === undefined || transpiled[file] === stamp);
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

/** Records that the check passed on `inputs`; only a shortcut for the next synth, so a failure to write it is no error. */
function recordChecked(root: string, inputs: string): void {
  try {
    fs.writeFileSync(checkedFile(root), inputs);
  } catch {
    // the next synth checks again
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
  readonly transpile: () => Transpiled | Promise<Transpiled>;
  /**
   * Loads the synth from the transpiled modules, discarding the loaded ones that changed and those
   * that require them (`changed`: what was transpiled since), or all of them (`everything`).
   */
  readonly load: (changed: readonly string[], everything: boolean) => LoadedSynth;
  /**
   * The type check that must pass before dist/ is written.
   * @default - tsgo on tsconfig.synth.json
   */
  readonly check?: (signal: AbortSignal) => Promise<TypeCheckResult>;
  /**
   * Watch mode: starts the type check kept in memory that answers once it is `ready`.
   * @default - a PersistentTypeCheck of `root`, unless `check` is given (then every check is `check`)
   */
  readonly persistentCheck?: () => PersistentChecker;
  /**
   * Watch mode: stops watching when aborted, as SIGINT and SIGTERM do.
   * @default - only the signals
   */
  readonly stop?: AbortSignal;
  readonly log: (line: string) => void;
  readonly error: (line: string) => void;
}

/** What the watch mode needs of the type check kept in memory (PersistentTypeCheck). */
export type PersistentChecker = Pick<PersistentTypeCheck, 'ready' | 'failed' | 'warmUp' | 'check' | 'close'>;

/** The folders whose changes trigger a new synth in watch mode (apps/ also holds config files the apps read). */
export const WATCHED = ['apps', 'bin', 'imports', 'lib'] as const;

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

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

/** The one-shot check: `o.check` (tests), else tsgo on tsconfig.synth.json. */
function oneShotCheck(o: EditLoopOptions, signal: AbortSignal): Promise<CheckOutcome> {
  return (o.check ?? ((s) => startTypeCheck(o.root, 'tsconfig.synth.json', s, !o.watch)))(signal).then((r) => ({ ...r, via: o.check ? 'check' : 'tsgo' }));
}

/** `mtimeMs:size` now of each file of `sources` (`missing` for one that is gone). */
function stampsNow(root: string, sources: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.keys(sources).map((file) => [file, stampOf(path.join(root, file)) ?? 'missing']));
}

/**
 * The one-shot check, taken as `stale` when a source's stamp changed since it was transpiled: tsgo
 * reads the sources when it runs, so a save just after the transpile would be checked instead of
 * the rendered contents (a type error rendered, its fix checked, and written). It cannot say which
 * contents it read, so any such save counts; in watch mode the save starts a new synth anyway, a
 * one-shot synth fails and writes nothing.
 */
async function oneShotAgainst(o: EditLoopOptions, transpiled: Transpiled, signal: AbortSignal): Promise<CheckOutcome> {
  const r = await oneShotCheck(o, signal);
  if (transpiled.sources && !sameSources(stampsNow(o.root, transpiled.sources), transpiled.sources)) {
    return { ok: false, output: '', stale: true, via: r.via };
  }
  return r;
}

/**
 * The in-memory check when it is ready, else the one-shot one. A check that read other contents of a
 * source than the transpiled ones (saved again in between) is `stale`: it vouches for neither.
 * @internal exported for tests
 */
export async function checkSources(
  o: EditLoopOptions,
  persistent: PersistentChecker | undefined,
  transpiled: Transpiled,
  signal: AbortSignal,
  raceAfterMs = RACE_AFTER_MS,
): Promise<CheckOutcome> {
  const sources = transpiled.sources;
  if (!persistent?.ready || !sources) return oneShotAgainst(o, transpiled, signal);
  const memory = persistent.check(signal).then((r): CheckOutcome | undefined => {
    if (!r) return undefined;
    // A transpiled source the checker did not read is not counted: were it outside the checker's
    // `include`, every answer would be stale and the loop would synthesize forever. One deleted after
    // the transpile breaks its importer's check instead.
    if (!sameSources(r.versions, sources)) return { ok: false, output: '', stale: true, via: 'in memory' };
    return { ok: r.ok, output: r.output, via: 'in memory' };
  });
  // A change that many files see (a lib/ signature) takes the in-memory checker 1-2 s, a tsgo run
  // about 0.7 s: past `raceAfterMs`, tsgo runs too and the first answer counts. The in-memory check
  // goes on in the background, so that its program is current for the next save.
  const tsgoStop = new AbortController();
  const stopTsgo = (): void => tsgoStop.abort();
  signal.addEventListener('abort', stopTsgo, { once: true });
  let timer: NodeJS.Timeout | undefined;
  try {
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), raceAfterMs)));
    const first = await Promise.race([memory, late]);
    if (first !== 'late') return first ?? oneShotAgainst(o, transpiled, signal);
    const tsgo = oneShotAgainst(o, transpiled, tsgoStop.signal).then((r) => ({ ...r, via: `${r.via}, faster than the in-memory check` }));
    return await Promise.race([memory.then((m) => m ?? tsgo), tsgo]);
  } finally {
    clearTimeout(timer);
    tsgoStop.abort();
    signal.removeEventListener('abort', stopTsgo);
  }
}

/**
 * `transpiled` with every source whose module this process loaded from other contents (`loaded`:
 * stamps of the last load) added to `changed`, and every source it loaded that is gone to `removed`.
 * The launcher finds what changed with the manifest in build/synth/, which every synth of the
 * checkout shares: once another one (a one-shot `npm run synth`) has transpiled a save, the watch's
 * transpile reports it unchanged, and the old module, even one a type check refused, would be
 * rendered and written.
 * @internal exported for tests
 */
export function withLoadedBehind(transpiled: Transpiled, loaded: Readonly<Record<string, string>>): Transpiled {
  const now = transpiled.sources;
  if (!now) return transpiled;
  const changed = [...transpiled.changed, ...Object.keys(now).filter((f) => loaded[f] !== now[f] && !transpiled.changed.includes(f))];
  const removed = [...transpiled.removed, ...Object.keys(loaded).filter((f) => !(f in now) && !transpiled.removed.includes(f))];
  return changed.length === transpiled.changed.length && removed.length === transpiled.removed.length ? transpiled : { ...transpiled, changed, removed };
}

/** How long the in-memory check may take before a tsgo run races it. */
const RACE_AFTER_MS = 400;

/**
 * When tsgo starts beside the in-memory check: at once when lib/ or imports/ changed (what many
 * files import: the in-memory check may have most of the project to check again), else after
 * RACE_AFTER_MS (an app edit: 0.05-0.2 s in memory).
 */
function raceAfter(transpiled: Transpiled): number {
  return [...transpiled.changed, ...transpiled.removed].some((f) => f.startsWith('lib/') || f.startsWith('imports/')) ? 0 : RACE_AFTER_MS;
}

interface SynthOnceResult {
  readonly code: number;
  readonly checkOk?: boolean;
  /** A source was saved again while it was checked: nothing was written, synthesize again. */
  readonly stale?: boolean;
  /** How the check went, e.g. `type check 0.09 s in memory`. */
  readonly checkNote?: string;
}

/** One synth: check ∥ render, then write if the check passed. Returns the exit code. */
async function synthOnce(
  o: EditLoopOptions,
  transpiled: Transpiled,
  checkNeeded: boolean,
  signal: AbortSignal,
  watch: boolean,
  persistent?: PersistentChecker,
  everything = true,
): Promise<SynthOnceResult> {
  checkNeeded = checkNeeded && !alreadyChecked(o.root, transpiled.inputs);
  const checkStarted = Date.now();
  let checkNote = 'type check already passed';
  const check: Promise<CheckOutcome> = checkNeeded
    ? checkSources(o, persistent, transpiled, signal, raceAfter(transpiled)).then((r) => {
        checkNote = `type check ${seconds(Date.now() - checkStarted)} ${r.via}`;
        return r;
      })
    : Promise.resolve({ ok: true, output: '', via: 'already passed' });
  let loaded: LoadedSynth | undefined;
  let apps: SynthesizedApp[] | undefined;
  let failure: unknown;
  if (!transpiled.error) {
    try {
      loaded = o.load([...transpiled.changed, ...transpiled.removed], everything);
      apps = loaded.run.produce();
    } catch (e) {
      failure = e;
    }
  }
  const result = await check;
  if (signal.aborted) return { code: 0 };
  if (result.stale) return { code: 0, stale: true, checkNote };
  const checkOk = checkNeeded ? result.ok && !transpiled.error : undefined;
  if (checkOk && transpiled.inputs) recordChecked(o.root, transpiled.inputs);
  if (!result.ok || transpiled.error) {
    const out = loaded ? `${displayPath(loaded.run.outdir)}/` : 'dist/';
    o.error(result.ok ? transpiled.error! : result.output);
    // esbuild failed on a source: a syntax error (the checker's message, with file and line, is above)
    const what = transpiled.error ? 'syntax errors' : 'type errors';
    o.error(`meshforge synth failed: ${result.ok ? 'a source could not be transpiled' : what}; ${out} was left unchanged.`);
    return { code: 1, checkOk, checkNote };
  }
  if (!loaded) {
    const stack = (failure as Error)?.stack;
    o.error(`meshforge synth failed; nothing was written: ${stack ? mapStack(stack) : String(failure)}`);
    return { code: 1, checkOk, checkNote };
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
  return { code, checkOk, checkNote };
}

/** `npm run synth [-- --watch]` after the launcher's first transpile. Resolves to the exit code. */
export async function runEditLoop(o: EditLoopOptions): Promise<number> {
  const stop = new AbortController();
  if (!o.watch) {
    const once = await synthOnce(o, o.transpiled, true, stop.signal, false);
    if (!once.stale) return once.code;
    o.error('meshforge synth failed: a source was saved while synth ran, so what was rendered is not what was type-checked; dist/ was left unchanged (run it again).');
    return 1;
  }

  const touched = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let watchers: fs.FSWatcher[] = [];
  // The compiler kept in memory; `o.check` (tests) replaces every check, this one included.
  let persistent: PersistentChecker | undefined;
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
    persistent?.close();
    process.off('SIGINT', onInt).off('SIGTERM', onTerm);
    o.stop?.removeEventListener('abort', onStop);
    o.log(`meshforge watch: stopped (${sig})`);
    done(0);
  };
  const onInt = (): void => finish('SIGINT');
  const onTerm = (): void => finish('SIGTERM');
  process.on('SIGINT', onInt).on('SIGTERM', onTerm);
  const onStop = (): void => finish('stopped');
  if (o.stop?.aborted) onStop();
  o.stop?.addEventListener('abort', onStop, { once: true });

  let started = Date.now();
  // Said once: from then on every save is checked by tsgo, slower but as strict.
  let checkerFailureReported = false;
  const reportCheckerFailure = (): void => {
    const why = persistent?.failed;
    if (checkerFailureReported || why === undefined || stop.signal.aborted) return;
    checkerFailureReported = true;
    o.log(`meshforge watch: the in-memory type check is unavailable, every save runs tsgo: ${why.split('\n')[0]}`);
  };
  const startPersistent = o.persistentCheck ?? (o.check ? undefined : () => new PersistentTypeCheck(o.root));
  if (startPersistent && !stop.signal.aborted) {
    // Started with the first synth and warmed up in the background (a full check: several seconds of
    // CPU at low priority); until it is ready, saves are checked by tsgo.
    const warming = startPersistent();
    persistent = warming;
    void warming.warmUp().then(() => {
      if (stop.signal.aborted) return;
      if (warming.failed) reportCheckerFailure();
      else o.log(`meshforge watch: type checker kept in memory, ready after ${seconds(Date.now() - started)}: saves are checked incrementally`);
    });
  }
  // What the first synth renders, as the poll below compares it: a file saved from here on, or a source
  // saved since the launcher transpiled it, starts a cycle, even when saved before the watchers exist.
  let seen = snapshotSources(o.root);
  for (const [file, stamp] of Object.entries(o.transpiled.sources ?? {})) seen.set(file, stamp);
  const first = await synthOnce(o, o.transpiled, true, stop.signal, true);
  // The source stamps of the modules loaded now (nothing is loaded after a transpile error).
  let loadedSources: Readonly<Record<string, string>> = (!o.transpiled.error && o.transpiled.sources) || {};
  if (stop.signal.aborted) return finished;
  let lastCheckOk = first.checkOk === true;
  // nothing was written; the poll sees the save and synthesizes it
  if (first.stale) o.log('meshforge watch: a source was saved again during the type check; nothing written, synthesizing again');
  o.log(`meshforge watch: first synth ${first.code === 0 ? 'done' : 'failed'} in ${seconds(Date.now() - started)}; watching ${WATCHED.map((d) => `${d}/`).join(' ')} (Ctrl-C to stop)`);

  const cycle = async (): Promise<void> => {
    if (running || stop.signal.aborted) return;
    running = true;
    // Editors' temporary files are gone by now; a deleted source or config file is still worth naming.
    const files = [...touched].filter((f) => f.endsWith('.ts') || fs.existsSync(path.join(o.root, f))).sort();
    // Only sources changed: reload just them and what requires them. Any other file that exists or
    // existed (a config file an app may read while its module loads; not a temporary file an editor
    // wrote and renamed at once, nor a folder event), or an event without a name: reload everything.
    const everything = [...touched].some((f) => !f.endsWith('.ts') && (f.endsWith('/') || seen.has(f) || fs.existsSync(path.join(o.root, f))));
    touched.clear();
    seen = snapshotSources(o.root);
    started = Date.now();
    o.log(`meshforge watch: ${files.join(', ') || 'a file'} changed`);
    let transpiled: Transpiled;
    try {
      transpiled = await o.transpile();
    } catch (e) {
      // esbuild itself failed (not a bad source, which it reports): nothing can be trusted, nothing is written
      transpiled = { changed: [], removed: [], error: (e as Error)?.stack ?? String(e) };
    }
    transpiled = withLoadedBehind(transpiled, loadedSources);
    // synthOnce loads the modules unless the transpile failed
    if (!transpiled.error && transpiled.sources) loadedSources = transpiled.sources;
    const sourcesChanged = transpiled.changed.length > 0 || transpiled.removed.length > 0 || transpiled.error !== undefined;
    // A change to a non-TypeScript file (an app's config file) needs no new check once the last one passed.
    const r = await synthOnce(o, transpiled, sourcesChanged || !lastCheckOk, stop.signal, true, persistent, everything);
    reportCheckerFailure();
    if (!stop.signal.aborted) {
      if (r.stale) {
        o.log('meshforge watch: a source was saved again during the type check; nothing written, synthesizing again');
      } else {
        lastCheckOk = r.checkOk ?? lastCheckOk;
        o.log(`meshforge watch: ${r.code === 0 ? 'synth done' : 'synth failed, dist/ untouched, still watching'} in ${seconds(Date.now() - started)} (${r.checkNote})`);
      }
    }
    running = false;
    if ((touched.size > 0 || r.stale) && !stop.signal.aborted) schedule();
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
        const stamp = stampOf(path.join(root, child));
        // undefined: removed between readdir and stat; the next poll sees it gone
        if (stamp !== undefined) out.set(child, stamp);
      }
    }
  };
  for (const d of WATCHED) walk(d);
  return out;
}
