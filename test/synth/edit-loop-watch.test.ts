import { transformSync } from 'esbuild';
import * as fs from 'fs';
import * as path from 'path';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { modulesToReload } from '../../bin/synth-loop';
import { checkSources, EditLoopOptions, PersistentChecker, runEditLoop, sameSources, Transpiled, withLoadedBehind } from '../../lib/synth/edit-loop';
import type { IncrementalCheckResult } from '../../lib/synth/incremental-type-check';
import type { SynthCliRun } from '../../lib/synth/synth-cli';
import { mapStack } from '../../lib/synth/source-map-stack';
import { tmpDir } from '../helpers';

/*
 * The watch loop's decisions in-process, with stand-ins for the transpiler, the modules and the
 * checker (the real processes are in edit-loop.test.ts and incremental-type-check.test.ts): which
 * check answers, when a check's answer is not taken (`stale`), and which modules are loaded again.
 */

const stampOf = (file: string): string => {
  const st = fs.statSync(file);
  return `${st.mtimeMs}:${st.size}`;
};

function options(over: Partial<EditLoopOptions> = {}): EditLoopOptions {
  return {
    root: '/nowhere',
    watch: true,
    transpiled: { changed: [], removed: [] },
    transpile: () => ({ changed: [], removed: [] }),
    load: () => {
      throw new Error('not loaded in this test');
    },
    check: async () => ({ ok: true, output: 'from the one-shot check' }),
    log: () => undefined,
    error: () => undefined,
    ...over,
  };
}

function checker(result: IncrementalCheckResult | undefined, ready = true): PersistentChecker & { calls: number } {
  const c = {
    calls: 0,
    ready,
    failed: undefined,
    warmUp: async () => undefined,
    check: async () => {
      c.calls++;
      return result;
    },
    close: () => undefined,
  };
  return c;
}

const sources = { 'apps/a/index.ts': '100:10', 'lib/x.ts': '200:20' };

describe('checkSources: which check answers a save', () => {
  const signal = new AbortController().signal;
  const transpiled: Transpiled = { changed: ['apps/a/index.ts'], removed: [], sources };

  it('takes the in-memory answer only when it read exactly the transpiled sources', async () => {
    const same = checker({ ok: false, output: 'x.ts(1,1): error TS1', versions: { 'apps/a/index.ts': '100:10', 'node/other.d.ts': '1:1' }, ms: 5 });
    expect(await checkSources(options(), same, transpiled, signal)).toEqual({ ok: false, output: 'x.ts(1,1): error TS1', via: 'in memory' });

    const newer = checker({ ok: true, output: '', versions: { 'apps/a/index.ts': '150:12' }, ms: 5 });
    expect(await checkSources(options(), newer, transpiled, signal)).toEqual({ ok: false, output: '', stale: true, via: 'in memory' });
  });

  it('uses the one-shot check before the warm-up is done, when the process failed, and without source stamps', async () => {
    // the sources' stamps as the launcher took them, unchanged since (the one-shot check's stale rule is tested below)
    const dir = tmpDir('meshforge-oneshot-');
    for (const file of Object.keys(sources)) {
      fs.mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), 'export {};\n');
    }
    const transpiled: Transpiled = { changed: [], removed: [], sources: Object.fromEntries(Object.keys(sources).map((f) => [f, stampOf(path.join(dir, f))])) };
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    const o = options({ root: dir });
    const cold = checker({ ok: true, output: '', versions: {}, ms: 1 }, false);
    expect(await checkSources(o, cold, transpiled, signal)).toEqual({ ok: true, output: 'from the one-shot check', via: 'check' });
    expect(cold.calls).toBe(0);
    expect(await checkSources(o, checker(undefined), transpiled, signal)).toMatchObject({ output: 'from the one-shot check' });
    const unused = checker({ ok: true, output: '', versions: {}, ms: 1 });
    expect(await checkSources(o, unused, { changed: [], removed: [] }, signal)).toMatchObject({ output: 'from the one-shot check' });
    expect(unused.calls).toBe(0);
    expect(await checkSources(o, undefined, transpiled, signal)).toMatchObject({ output: 'from the one-shot check' });
  });

  it('in watch mode, takes no one-shot answer once a source was saved after its transpile (tsgo may have read the new contents)', async () => {
    const dir = tmpDir('meshforge-oneshot-stale-');
    try {
      const file = path.join(dir, 'apps', 'a.ts');
      fs.mkdirSync(path.dirname(file));
      fs.writeFileSync(file, "export const n: number = 'rendered with a type error';\n");
      const rendered: Transpiled = { changed: ['apps/a.ts'], removed: [], sources: { 'apps/a.ts': stampOf(file) } };
      const untouched = options({ root: dir, check: async () => ({ ok: false, output: 'apps/a.ts(1,14): error TS2322' }) });
      expect(await checkSources(untouched, undefined, rendered, signal)).toEqual({ ok: false, output: 'apps/a.ts(1,14): error TS2322', via: 'check' });
      // the fix is saved before the checker reads the file: it passes, but it did not check what was rendered
      const savedMeanwhile = options({
        root: dir,
        check: async () => {
          fs.writeFileSync(file, 'export const n: number = 42;\n');
          return { ok: true, output: '' };
        },
      });
      expect(await checkSources(savedMeanwhile, checker(undefined, false), rendered, signal)).toEqual({ ok: false, output: '', stale: true, via: 'check' });
      // a deleted source counts as saved
      fs.rmSync(file);
      expect(await checkSources(options({ root: dir }), undefined, rendered, signal)).toMatchObject({ stale: true });
      // the same for a one-shot synth (it then fails and writes nothing: runEditLoop below)
      expect(await checkSources(options({ root: dir, watch: false }), undefined, rendered, signal)).toMatchObject({ stale: true });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('races a slow in-memory check with the one-shot one, and takes the first answer', async () => {
    const dir = tmpDir('meshforge-race-');
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.writeFileSync(path.join(dir, 'a.ts'), 'export {};\n');
    const rendered: Transpiled = { changed: ['a.ts'], removed: [], sources: { 'a.ts': stampOf(path.join(dir, 'a.ts')) } };
    let oneShots = 0;
    const o = options({
      root: dir,
      check: async () => {
        oneShots++;
        return { ok: true, output: 'from the one-shot check' };
      },
    });
    const slow = (ms: number, output: string): PersistentChecker => ({
      ...checker(undefined),
      check: () => new Promise((resolve) => setTimeout(() => resolve({ ok: false, output, versions: rendered.sources!, ms }), ms)),
    });
    // answers within the time: the one-shot check never starts
    expect(await checkSources(o, slow(10, 'from memory'), rendered, signal, 200)).toEqual({ ok: false, output: 'from memory', via: 'in memory' });
    expect(oneShots).toBe(0);
    // too slow: the one-shot check starts and answers first
    const started = Date.now();
    expect(await checkSources(o, slow(3_000, 'from memory'), rendered, signal, 50)).toEqual({ ok: true, output: 'from the one-shot check', via: 'check, faster than the in-memory check' });
    expect(oneShots).toBe(1);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a one-shot synth whose source is saved during its type check fails and writes nothing', async () => {
    const dir = tmpDir('meshforge-oneshot-saved-');
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'apps', 'a.ts');
    fs.mkdirSync(path.dirname(file));
    fs.writeFileSync(file, "export const n: number = 'rendered with a type error';\n");
    const errors: string[] = [];
    let written = false;
    const code = await runEditLoop(
      options({
        root: dir,
        watch: false,
        transpiled: { changed: ['apps/a.ts'], removed: [], sources: { 'apps/a.ts': stampOf(file) } },
        check: async () => {
          fs.writeFileSync(file, 'export const n: number = 42;\n');
          return { ok: true, output: '' };
        },
        load: () => ({
          run: { outdir: path.join(dir, 'dist'), root: dir, produce: () => [], log: () => undefined, error: () => undefined },
          runSynthCli: () => {
            written = true;
            return 0;
          },
        }),
        error: (l) => errors.push(l),
      }),
    );
    expect(code).toBe(1);
    expect(written).toBe(false);
    expect(errors).toEqual(['meshforge synth failed: a source was saved while synth ran, so what was rendered is not what was type-checked; dist/ was left unchanged (run it again).']);
  });

  it('sameSources ignores files only one side knows (node_modules, files not transpiled)', () => {
    expect(sameSources({ 'lib/x.ts': '200:20', 'other.ts': '9:9' }, sources)).toBe(true);
    expect(sameSources({ 'lib/x.ts': '200:21' }, sources)).toBe(false);
    expect(sameSources({}, sources)).toBe(true);
  });
});

describe('modulesToReload', () => {
  const build = path.join(path.sep, 'p', 'build', 'synth');
  const id = (rel: string): string => path.join(build, rel);
  // bin/synth → apps/index → apps/a, apps/b → lib/index → lib/x; apps/a also → imports/k8s; cdk8s outside
  const graph: Record<string, string[]> = {
    'bin/synth.js': ['apps/index.js', 'lib/index.js'],
    'apps/index.js': ['apps/a/index.js', 'apps/b/index.js'],
    'apps/a/index.js': ['lib/index.js', 'imports/k8s.js'],
    'apps/b/index.js': ['lib/index.js'],
    'lib/index.js': ['lib/x.js', '/p/node_modules/cdk8s/lib/index.js'],
    'lib/x.js': [],
    'imports/k8s.js': [],
  };
  const cache = Object.fromEntries(
    Object.entries(graph).map(([rel, children]) => [id(rel), { id: id(rel), children: children.map((c) => ({ id: c.startsWith('/') ? c : id(c) })) }]),
  ) as unknown as NodeJS.Require['cache'];
  (cache as Record<string, unknown>)['/p/node_modules/cdk8s/lib/index.js'] = { id: '/p/node_modules/cdk8s/lib/index.js', children: [] };
  const rel = (ids: string[]): string[] => ids.map((i) => path.relative(build, i)).sort();

  it('drops an app and what requires it, keeping lib/, the other apps and the dependencies', () => {
    expect(rel(modulesToReload(build, ['apps/a/index.ts'], false, cache))).toEqual(['apps/a/index.js', 'apps/index.js', 'bin/synth.js']);
  });

  it('drops everything that requires a library module, transitively', () => {
    expect(rel(modulesToReload(build, ['lib/x.ts'], false, cache))).toEqual(['apps/a/index.js', 'apps/b/index.js', 'apps/index.js', 'bin/synth.js', 'lib/index.js', 'lib/x.js']);
  });

  it('ignores a source that was never loaded, and drops all of build/synth/ but imports/ (never node_modules) when told to', () => {
    expect(modulesToReload(build, ['lib/new.ts'], false, cache)).toEqual([]);
    const all = Object.keys(graph).filter((m) => !m.startsWith('imports/'));
    expect(rel(modulesToReload(build, [], true, cache))).toEqual(rel(all.map(id)));
    // a changed import is dropped with what requires it, everything or not
    expect(rel(modulesToReload(build, ['imports/k8s.ts'], true, cache))).toEqual(rel([...all, 'imports/k8s.js'].map(id)));
    expect(rel(modulesToReload(build, ['imports/k8s.ts'], false, cache))).toEqual(['apps/a/index.js', 'apps/index.js', 'bin/synth.js', 'imports/k8s.js']);
  });
});

describe('runEditLoop --watch with stand-ins', () => {
  let dir = '';
  let running: AbortController | undefined;
  afterEach(() => {
    running?.abort();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A project whose one app renders apps/app/value.ts's text; records every load and every write. */
  function fixture(persistent: PersistentChecker) {
    dir = tmpDir('meshforge-watch-loop-');
    const source = path.join(dir, 'apps', 'app', 'value.ts');
    fs.mkdirSync(path.dirname(source), { recursive: true });
    fs.writeFileSync(source, 'one');
    const out = path.join(dir, 'dist');
    let last = '';
    const transpile = (): Transpiled => {
      const stamp = stampOf(source);
      const changed = stamp === last ? [] : ['apps/app/value.ts'];
      last = stamp;
      return { changed, removed: [], sources: { 'apps/app/value.ts': stamp }, inputs: stamp };
    };
    const loads: { changed: readonly string[]; everything: boolean }[] = [];
    const written: string[] = [];
    const lines: string[] = [];
    const stop = new AbortController();
    running = stop;
    const o = options({
      root: dir,
      transpiled: transpile(),
      transpile,
      persistentCheck: () => persistent,
      stop: stop.signal,
      log: (l) => lines.push(l),
      error: (l) => lines.push(`ERROR ${l}`),
      load: (changed, everything) => {
        loads.push({ changed, everything });
        const text = fs.readFileSync(source, 'utf8');
        const run: SynthCliRun = {
          outdir: out,
          root: dir,
          produce: () => [{ name: 'app', files: new Map([['value.yaml', text]]), objects: [], sideFiles: new Map(), notices: [] }],
          log: (l) => lines.push(l),
          error: (l) => lines.push(`ERROR ${l}`),
        };
        return {
          run,
          runSynthCli: (r) => {
            const [app] = r.produce();
            fs.mkdirSync(path.join(out, 'app'), { recursive: true });
            fs.writeFileSync(path.join(out, 'app', 'value.yaml'), app.files.get('value.yaml')!);
            written.push(app.files.get('value.yaml')!);
            return 0;
          },
        };
      },
    });
    return { source, o, loads, written, lines, stop };
  }

  async function until(what: string, test: () => boolean, lines: string[]): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (!test()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${lines.join('\n')}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  it('writes nothing from a check of other contents than the rendered ones, and synthesizes again', async () => {
    let checks = 0;
    const source = { file: '' };
    const persistent: PersistentChecker = {
      ready: true,
      failed: undefined,
      warmUp: async () => undefined,
      close: () => undefined,
      check: async () => {
        checks++;
        // the check of the first save (the first synth's is the one-shot one): the user saves again before it reads the file
        if (checks === 1) {
          await new Promise((r) => setTimeout(r, 20));
          fs.writeFileSync(source.file, 'three, saved during the check');
        }
        return { ok: true, output: '', versions: { 'apps/app/value.ts': stampOf(source.file) }, ms: 1 };
      },
    };
    const f = fixture(persistent);
    source.file = f.source;
    const finished = runEditLoop(f.o);
    await until('the first synth', () => f.lines.some((l) => l.startsWith('meshforge watch: first synth done')), f.lines);
    expect(f.written).toEqual(['one']);

    fs.writeFileSync(f.source, 'two');
    await until('the second write', () => f.written.length === 2, f.lines);
    // "two" was rendered, but its check read "three": not written; "three" was, after a check of its own
    expect(f.written).toEqual(['one', 'three, saved during the check']);
    expect(f.lines).toContain('meshforge watch: a source was saved again during the type check; nothing written, synthesizing again');
    expect(f.lines.filter((l) => /^meshforge watch: synth done in [\d.]+ s \(type check [\d.]+ s in memory\)$/.test(l))).toHaveLength(1);
    // a source edit reloads only what changed
    expect(f.loads.slice(1).map((l) => l.everything)).toEqual([false, false]);

    f.stop.abort();
    expect(await finished).toBe(0);
    expect(f.lines.at(-1)).toBe('meshforge watch: stopped (stopped)');
  }, 60_000);

  it('synthesizes a save made during the first synth, before the watchers exist', async () => {
    const f = fixture(checker({ ok: true, output: '', versions: {}, ms: 1 }));
    let checks = 0;
    const o: EditLoopOptions = {
      ...f.o,
      check: async () => {
        if (checks++ === 0) {
          // after the first synth rendered "one"
          await new Promise((r) => setTimeout(r, 20));
          fs.writeFileSync(f.source, 'two, saved during the first synth');
        }
        return { ok: true, output: '' };
      },
    };
    const finished = runEditLoop(o);
    await until('the save to be written', () => f.written.at(-1) === 'two, saved during the first synth', f.lines);
    expect(f.loads.length).toBe(2);
    f.stop.abort();
    expect(await finished).toBe(0);
  }, 60_000);

  it('says once when the in-memory checker dies, and checks every later save with the one-shot check', async () => {
    const state: { failed?: string } = {};
    const dying: PersistentChecker = {
      get ready() {
        return state.failed === undefined;
      },
      get failed() {
        return state.failed;
      },
      warmUp: async () => undefined,
      close: () => undefined,
      check: async () => {
        state.failed = 'the type-check process exited (SIGKILL)';
        return undefined;
      },
    };
    const f = fixture(dying);
    const finished = runEditLoop(f.o);
    await until('the first synth', () => f.lines.some((l) => l.startsWith('meshforge watch: first synth done')), f.lines);
    for (const [n, text] of [[2, 'two'], [3, 'three']] as const) {
      fs.writeFileSync(f.source, text);
      await until(`write ${n}`, () => f.written.length === n, f.lines);
      await until(`the end of cycle ${n}`, () => f.lines.filter((l) => l.startsWith('meshforge watch: synth done')).length === n - 1, f.lines);
    }
    expect(f.written).toEqual(['one', 'two', 'three']);
    expect(f.lines.filter((l) => l.includes('in-memory type check is unavailable'))).toEqual([
      'meshforge watch: the in-memory type check is unavailable, every save runs tsgo: the type-check process exited (SIGKILL)',
    ]);
    expect(f.lines.filter((l) => l.startsWith('meshforge watch: synth done')).every((l) => l.endsWith(' check)'))).toBe(true);
    f.stop.abort();
    expect(await finished).toBe(0);
  }, 60_000);

  it('reloads and checks a save that another synth of the checkout transpiled first (the shared manifest lists it as unchanged)', async () => {
    const f = fixture(checker({ ok: true, output: '', versions: {}, ms: 1 }));
    const finished = runEditLoop({
      ...f.o,
      // a one-shot `npm run synth` transpiled the save and recorded its stamp before this cycle's transpile ran
      transpile: () => ({ ...(f.o.transpile() as Transpiled), changed: [] }),
    });
    await until('the first synth', () => f.lines.some((l) => l.startsWith('meshforge watch: first synth done')), f.lines);
    fs.writeFileSync(f.source, 'two');
    await until('the end of the cycle', () => f.lines.some((l) => l.startsWith('meshforge watch: synth done')), f.lines);
    expect(f.loads[1]).toEqual({ changed: ['apps/app/value.ts'], everything: false });
    expect(f.lines.find((l) => l.startsWith('meshforge watch: synth done'))).toMatch(/\(type check [\d.]+ s in memory\)$/);
    f.stop.abort();
    expect(await finished).toBe(0);
  }, 60_000);

  it('withLoadedBehind adds the sources loaded from other contents, or loaded and gone', () => {
    const t: Transpiled = { changed: ['lib/x.ts'], removed: [], sources: { 'apps/a/index.ts': '150:12', 'lib/x.ts': '300:30' } };
    expect(withLoadedBehind(t, { 'apps/a/index.ts': '100:10', 'lib/x.ts': '200:20', 'lib/gone.ts': '1:1' })).toEqual({
      ...t,
      changed: ['lib/x.ts', 'apps/a/index.ts'],
      removed: ['lib/gone.ts'],
    });
    expect(withLoadedBehind(t, { 'apps/a/index.ts': '150:12', 'lib/x.ts': '200:20' })).toBe(t);
    expect(withLoadedBehind({ changed: [], removed: [], error: 'esbuild failed' }, { 'lib/x.ts': '1:1' })).toEqual({ changed: [], removed: [], error: 'esbuild failed' });
  });

  it('reloads every module when a file other than a source changes (a config file an app may read while it loads)', async () => {
    const f = fixture(checker({ ok: true, output: '', versions: {}, ms: 1 }));
    const finished = runEditLoop(f.o);
    await until('the first synth', () => f.lines.some((l) => l.startsWith('meshforge watch: first synth done')), f.lines);
    fs.writeFileSync(path.join(dir, 'apps', 'app', 'settings.yaml'), 'replicas: 2\n');
    await until('a synth for the config file', () => f.loads.length === 2, f.lines);
    expect(f.loads[1]).toEqual({ changed: [], everything: true });
    await until('the end of the cycle', () => f.lines.some((l) => l.startsWith('meshforge watch: synth done')), f.lines);
    f.stop.abort();
    expect(await finished).toBe(0);
  }, 60_000);
});

describe('mapStack', () => {
  it('maps with the current source map after the module was transpiled again (watch mode keeps this module loaded)', () => {
    const d = tmpDir('meshforge-map-stack-');
    try {
      const js = path.join(d, 'app.js');
      const transpile = (ts: string): void => {
        const r = transformSync(ts, { loader: 'ts', sourcefile: 'app.ts', sourcemap: 'external' });
        fs.writeFileSync(js, r.code);
        fs.writeFileSync(`${js}.map`, r.map);
      };
      const thrown = (): string => {
        const lines = fs.readFileSync(js, 'utf8').split('\n');
        const line = lines.findIndex((l) => l.includes('throw')) + 1;
        return mapStack(`Error: boom\n    at build (${js}:${line}:${lines[line - 1].indexOf('throw') + 1})`);
      };
      transpile('const a: number = 1;\nthrow new Error(String(a));\n');
      expect(thrown()).toBe(`Error: boom\n    at build (${path.join(d, 'app.ts')}:2:1)`);
      // the same file saved with three lines above the throw
      transpile('// one\n// two\n// three\nconst a: number = 1;\nthrow new Error(String(a));\n');
      expect(thrown()).toBe(`Error: boom\n    at build (${path.join(d, 'app.ts')}:5:1)`);
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  });

  it('leaves frames without a source map as they are', () => {
    const stack = 'Error: x\n    at build (/nowhere/apps/a.js:3:9)\n    at node:internal/main:1:1\n    at /work/lib/b.ts:4:2';
    expect(mapStack(stack)).toBe(stack);
  });
});
