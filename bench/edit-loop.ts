/**
 * `npm run bench -- --edit-loop` — the edit loop of issue 18, in a copy of the project (sources, dist/,
 * a link to node_modules): how long `npm run synth` takes cold (no build/), warm (nothing changed) and
 * after a one-file edit of an app, before (`npm run synth:tsc`: tsc, then render) and after (the edit
 * loop: esbuild + tsgo ∥ render), and how long `npm run synth -- --watch` takes from a save to the new
 * file in dist/. The edit changes the output (a label of apps/sandbox), so every timed run writes dist/.
 */
/* eslint-disable no-console */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export type EditLoopCase = 'cold' | 'warm' | 'edit' | 'watch save → dist' | 'watch save → dist, warm-up' | 'watch save → synth done, lib/ signature edit';
export type EditLoopPath = 'before' | 'after';

export interface EditLoopMeasurement {
  readonly case: EditLoopCase;
  readonly path: EditLoopPath;
  readonly command: string;
  readonly runs: number;
  readonly wallMs: number[];
  readonly minMs: number;
  readonly medianMs: number;
  /** User + system CPU time of the command and its children (not measured for watch). */
  readonly minCpuMs?: number;
}

export interface EditLoopTarget {
  readonly name: string;
  readonly limit: string;
  readonly medianMs?: number;
  readonly pass?: boolean;
}

export interface EditLoopResults {
  readonly environment: Record<string, string>;
  readonly results: EditLoopMeasurement[];
  readonly targets: EditLoopTarget[];
}

const COMMAND: Record<EditLoopPath, string[]> = {
  before: ['npm', 'run', '--silent', 'synth:tsc'],
  after: ['npm', 'run', '--silent', 'synth'],
};
const SANDBOX = 'apps/sandbox/index.ts';
/** A module most of lib/ imports (lib/mesh/conventions.ts): an export added there is seen by every importer. */
const LIB_EDITED = 'lib/mesh/conventions.ts';
const LABELS = "labels: { 'app.kubernetes.io/managed-by': 'meshforge' }";

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A copy of what synth reads and builds (bench/ too: `npm run build` compiles it) next to the real node_modules. */
function copyProject(root: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshforge-edit-loop-bench-'));
  for (const d of ['apps', 'bench', 'bin', 'imports', 'lib', 'dist']) fs.cpSync(path.join(root, d), path.join(dir, d), { recursive: true });
  for (const f of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'tsconfig.synth.json']) fs.copyFileSync(path.join(root, f), path.join(dir, f));
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

/** Rewrites the sandbox app with label `team: <value>` (a new value every time: the output changes). */
function editApp(dir: string, original: string, value: string): string {
  fs.writeFileSync(path.join(dir, SANDBOX), original.replace(LABELS, `labels: { 'app.kubernetes.io/managed-by': 'meshforge', team: '${value}' }`));
  return `team: ${value}`;
}

/** Wall time, and user + system CPU time of the command and all its children (bash's `times`, on fd 3). */
function timed(dir: string, p: EditLoopPath): { ms: number; cpuMs: number } {
  const start = process.hrtime.bigint();
  const r = spawnSync('bash', ['-c', '"$@"; s=$?; times >&3; exit $s', 'bash', ...COMMAND[p]], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 300_000,
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${COMMAND[p].join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
  // second line: the children's user and system time, e.g. "0m1.234s 0m0.567s"
  const children = String(r.output[3]).trim().split('\n')[1] ?? '';
  const cpuMs = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce((sum, m) => sum + (Number(m[1]) * 60 + Number(m[2])) * 1000, 0);
  return { ms, cpuMs };
}

async function waitFor(what: string, test: () => boolean, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`edit-loop bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Save → the new file in dist/ with `npm run synth -- --watch` running: `warmUpRuns` saves right
 * after its first build, while the type checker it keeps in memory warms up (those saves are
 * checked by tsgo), then `runs` saves once it says the checker is ready, then `libRuns` edits of
 * a lib/ module many files import that change what it exports (the widest incremental check;
 * dist/ does not change, so they are timed to the end of the cycle).
 */
async function watchRuns(dir: string, original: string, runs: number, warmUpRuns: number, libRuns: number): Promise<{ warmUp: number[]; ready: number[]; lib: number[] }> {
  const child: ChildProcess = spawn('npm', ['run', '--silent', 'synth', '--', '--watch'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  const done = (): number => out.split('\n').filter((l) => /^meshforge watch: (first )?synth (done|failed)/.test(l)).length;
  const ready = (): boolean => /^meshforge watch: type checker kept in memory, ready after/m.test(out);
  const times = { warmUp: [] as number[], ready: [] as number[], lib: [] as number[] };
  let saves = 0;
  const save = async (into: number[], what: string): Promise<void> => {
    const target = path.join(dir, 'dist', 'dev', 'sandbox', '00-namespaces.k8s.yaml');
    const before = done();
    const start = process.hrtime.bigint();
    const expected = editApp(dir, original, `watch-${saves++}`);
    await waitFor(`dist/ after save ${saves}`, () => fs.readFileSync(target, 'utf8').includes(expected));
    into.push(Number(process.hrtime.bigint() - start) / 1e6);
    await waitFor(`the end of watch cycle ${saves}`, () => done() > before);
    console.log(`  watch save → dist (${what}) run ${into.length}: ${(into[into.length - 1] / 1000).toFixed(2)} s`);
  };
  try {
    await waitFor('the first watch synth', () => done() >= 1);
    for (let i = 0; i < warmUpRuns && !ready(); i++) await save(times.warmUp, 'warm-up');
    await waitFor('the type checker in memory', ready);
    for (let i = 0; i < runs; i++) {
      await new Promise((r) => setTimeout(r, 300));
      await save(times.ready, 'checker ready');
    }
    const lib = path.join(dir, LIB_EDITED);
    const libOriginal = fs.readFileSync(lib, 'utf8');
    for (let i = 0; i < libRuns; i++) {
      await new Promise((r) => setTimeout(r, 300));
      const before = done();
      const start = process.hrtime.bigint();
      fs.writeFileSync(lib, `${libOriginal}\nexport const benchEdit${i} = ${i};\n`);
      await waitFor(`the end of lib/ edit ${i + 1}`, () => done() > before);
      times.lib.push(Number(process.hrtime.bigint() - start) / 1e6);
      console.log(`  watch save → synth done (lib/ signature edit) run ${i + 1}: ${(times.lib[i] / 1000).toFixed(2)} s`);
    }
  } finally {
    process.kill(-child.pid!, 'SIGTERM');
    await new Promise((r) => child.on('close', r));
  }
  if (/synth failed/.test(out)) throw new Error(`edit-loop bench: a watch synth failed:\n${out}`);
  return times;
}

/** Runs every case; `runs` timed runs each, `coldRuns` of the cold case (a cold tsc build takes 10-20 s here). */
export async function measureEditLoop(root: string, runs: number, coldRuns = Math.min(runs, 3)): Promise<EditLoopMeasurement[]> {
  const dir = copyProject(root);
  const original = fs.readFileSync(path.join(dir, SANDBOX), 'utf8');
  const samples = new Map<string, number[]>();
  const cpu = new Map<string, number[]>();
  const add = (c: EditLoopCase, p: EditLoopPath, t: { ms: number; cpuMs: number }): void => {
    samples.set(`${c}|${p}`, [...(samples.get(`${c}|${p}`) ?? []), t.ms]);
    cpu.set(`${c}|${p}`, [...(cpu.get(`${c}|${p}`) ?? []), t.cpuMs]);
    console.log(`  ${c} ${p} run ${samples.get(`${c}|${p}`)!.length}: ${(t.ms / 1000).toFixed(2)} s, CPU ${(t.cpuMs / 1000).toFixed(2)} s`);
  };
  let edits = 0;
  try {
    // interleaved, so that other load on the machine affects both paths alike
    for (let r = 0; r < coldRuns; r++) {
      for (const p of ['before', 'after'] as const) {
        fs.rmSync(path.join(dir, 'build'), { recursive: true, force: true });
        add('cold', p, timed(dir, p));
      }
    }
    // the last cold run left only build/synth/: one untimed run each builds what the warm runs reuse
    for (const p of ['before', 'after'] as const) timed(dir, p);
    for (let r = 0; r < runs; r++) for (const p of ['before', 'after'] as const) add('warm', p, timed(dir, p));
    for (let r = 0; r < runs; r++) {
      for (const p of ['before', 'after'] as const) {
        const expected = editApp(dir, original, `edit-${edits++}`);
        add('edit', p, timed(dir, p));
        if (!fs.readFileSync(path.join(dir, 'dist', 'dev', 'sandbox', '00-namespaces.k8s.yaml'), 'utf8').includes(expected)) {
          throw new Error(`edit-loop bench: ${p} did not write the edit to dist/`);
        }
      }
    }
    const watch = await watchRuns(dir, original, runs, Math.min(runs, 2), Math.min(runs, 3));
    samples.set('watch save → dist|after', watch.ready);
    if (watch.warmUp.length > 0) samples.set('watch save → dist, warm-up|after', watch.warmUp);
    samples.set('watch save → synth done, lib/ signature edit|after', watch.lib);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return [...samples].map(([key, ms]) => {
    const [c, p] = key.split('|') as [EditLoopCase, EditLoopPath];
    const command = c.startsWith('watch') ? 'npm run synth -- --watch' : COMMAND[p].filter((a) => a !== '--silent').join(' ');
    const cpuMs = cpu.get(key);
    return {
      case: c,
      path: p,
      command,
      runs: ms.length,
      wallMs: ms.map(Math.round),
      minMs: Math.round(Math.min(...ms)),
      medianMs: Math.round(median(ms)),
      ...(cpuMs ? { minCpuMs: Math.round(Math.min(...cpuMs)) } : {}),
    };
  });
}

/** The targets of issue 18, judged on median wall times of the new path. */
export function editLoopTargets(results: readonly EditLoopMeasurement[]): EditLoopTarget[] {
  const get = (c: EditLoopCase): EditLoopMeasurement | undefined => results.find((r) => r.case === c && r.path === 'after');
  const target = (name: string, c: EditLoopCase, limitMs: number, key: 'medianMs' | 'minMs' = 'medianMs'): EditLoopTarget => {
    const m = get(c);
    return { name, limit: `≤ ${(limitMs / 1000).toFixed(1)} s`, medianMs: m?.[key], pass: m ? m[key] <= limitMs : undefined };
  };
  return [
    target('npm run synth after a one-file edit (median)', 'edit', 2500),
    target('npm run synth -- --watch: save → dist/ once its checker is ready (median)', 'watch save → dist', 1000),
    target('cold first npm run synth, no build/ (median)', 'cold', 6000),
  ];
}

const s = (ms: number): string => (ms / 1000).toFixed(2);

/** The "Edit loop" section of bench/RESULTS.md. */
export function editLoopMarkdown(e: EditLoopResults): string {
  const lines = [
    '## Edit loop (issue 18)',
    '',
    'Generated by `npm run bench -- --edit-loop` (bench/edit-loop.ts) in a copy of the project;',
    `${e.environment.date}, Node ${e.environment.node}, ${e.environment.cpus}, load average at the start ${e.environment.loadavgStart}, at the end ${e.environment.loadavg}, commit ${e.environment.commit}.`,
    'Wall time of the whole command (npm included), min / median of the runs, and the least user + system CPU time of the',
    'command with all its processes (steadier than wall time when other jobs load the machine). **before**: `npm run synth:tsc` (the old',
    '`npm run synth`: `tsc -p tsconfig.build.json`, incremental, then render); **after**: `npm run synth` (esbuild',
    'transpiles the changed files, tsgo type-checks in parallel with rendering, dist/ is written once the check passed).',
    'cold: no build/ folder (no tsbuildinfo); warm: nothing changed; edit: one app file changed (a label of',
    'apps/sandbox, so dist/ changes); watch: from the save to the new file in dist/ with `npm run synth -- --watch` running,',
    'once it says its type checker kept in memory is ready (it warms up in the background after start, at low priority: a full',
    'check, several seconds); "warm-up": saves made right after the first build, before that (checked by a tsgo run each);',
    '"lib/ signature edit": an export added to lib/mesh/conventions.ts, which most of lib/ imports (the widest incremental check;',
    'the in-memory check and tsgo race), timed to the end of the cycle since dist/ does not change.',
    '',
    '| case | path | command | wall min / median (s) | CPU min (s) | runs |',
    '|---|---|---|---|---|---|',
    ...e.results.map((r) => `| ${r.case} | ${r.path} | \`${r.command}\` | ${s(r.minMs)} / ${s(r.medianMs)} | ${r.minCpuMs === undefined ? '–' : s(r.minCpuMs)} | ${r.runs} |`),
    '',
    '| target | limit | measured | result |',
    '|---|---|---|---|',
    ...e.targets.map((t) => `| ${t.name} | ${t.limit} | ${t.medianMs === undefined ? '–' : `${s(t.medianMs)} s`} | ${t.pass === undefined ? 'not measured' : t.pass ? 'pass' : '**FAIL**'} |`),
    '',
  ];
  return lines.join('\n');
}
