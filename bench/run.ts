/**
 * `npm run bench` — synth benchmark. Every measurement is a fresh
 * `node build/bench/worker.js` child process (module loading included), timed
 * from spawn to exit; peak RSS is the child's `process.resourceUsage().maxRSS`.
 *
 *   npm run bench                  N = 10, 100, 1000, 3000; 3 to 10 runs each (see runsFor) → bench/RESULTS.md + bench/results.json
 *   npm run bench -- --quick       N = 10, 100, 500; 2 runs → build/bench-quick.{md,json} (for iteration)
 *   npm run bench -- --n=1000 --runs=5 --out=/tmp/x   custom sizes / runs / output stem
 *   npm run bench -- --report-from=bench/results.json  re-render bench/RESULTS.md from saved results
 *   npm run bench -- --edit-loop [--runs=5] [--cold-runs=3]  only the edit loop section (bench/edit-loop.ts), merged into bench/results.json
 *   npm run bench -- --environments [--quick]   only the environments section: N services × 1 and 3 environments
 *                                  (N = 1000, 3000; quick: 100, 500) → bench/ENVIRONMENTS.md (quick: build/bench-environments.md)
 * The full run ends with the environments section too.
 */
/* eslint-disable no-console */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { editLoopMarkdown, EditLoopResults, editLoopTargets, measureEditLoop } from './edit-loop';
import type { Layout, Variant } from './worker';

interface Config {
  readonly variant: Variant;
  readonly layout: Layout;
}

interface Measurement {
  readonly variant: Variant;
  readonly layout: Layout;
  readonly n: number;
  readonly runs: number;
  readonly wallMs: number[];
  readonly minMs: number;
  readonly medianMs: number;
  readonly maxRssMiB: number;
  /** Minimum user + system CPU time of the process: less sensitive than wall time to other load on the machine. */
  readonly minCpuMs: number;
  readonly objects: number;
  readonly bytes: number;
  readonly files: number;
}

const CONFIGS: readonly Config[] = [
  { variant: 'meshforge', layout: 'one-chart' },
  { variant: 'meshforge', layout: 'chart-per-service' },
  { variant: 'cdk8s', layout: 'one-chart' },
  { variant: 'cdk8s', layout: 'chart-per-service' },
  { variant: 'yaml', layout: 'one-chart' },
  { variant: 'json', layout: 'one-chart' },
  { variant: 'json', layout: 'chart-per-service' },
];

const LABEL: Record<Variant, string> = {
  meshforge: 'meshforge',
  cdk8s: 'raw cdk8s (app.synth)',
  yaml: 'plain objects → yaml',
  json: 'plain objects → JSON',
};

function parseArgs(argv: readonly string[]): { ns: number[]; runs: number; adaptive: boolean; quick: boolean; out?: string } {
  const quick = argv.includes('--quick');
  const get = (name: string): string | undefined => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const ns = get('n')?.split(',').map(Number) ?? (quick ? [10, 100, 500] : [10, 100, 1000, 3000]);
  const runs = Number(get('runs') ?? (quick ? 2 : 3));
  if (ns.some((n) => !Number.isInteger(n) || n < 1) || !Number.isInteger(runs) || runs < 1) {
    throw new Error(`usage: run.js [--quick] [--n=10,100] [--runs=3] [--out=path/stem]; got ${argv.join(' ')}`);
  }
  return { ns, runs, adaptive: !quick && get('runs') === undefined, quick, out: get('out') };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Every file under `dir` with its size. */
function walk(dir: string): { file: string; size: number }[] {
  const out: { file: string; size: number }[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else out.push({ file: p, size: fs.statSync(p).size });
  }
  return out;
}

/** Objects, bytes and files a finished run wrote (counted outside the timed region). */
function countOutput(dir: string): { objects: number; bytes: number; files: number } {
  let objects = 0;
  let bytes = 0;
  const files = walk(dir).filter((f) => !f.file.endsWith('kustomization.yaml'));
  for (const { file, size } of files) {
    bytes += size;
    const text = fs.readFileSync(file, 'utf8');
    objects += file.endsWith('.json') ? (JSON.parse(text) as unknown[]).length : text.split(/^---$/m).length;
  }
  return { objects, bytes, files: files.length };
}

function runOnce(config: Config, n: number, environments?: number): { ms: number; rssKiB: number; cpuMs: number; outdir: string } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshforge-bench-'));
  const target = path.join(outdir, 'dist');
  const start = process.hrtime.bigint();
  const extra = environments === undefined ? [] : [String(environments)];
  const res = spawnSync(process.execPath, [path.join(__dirname, 'worker.js'), config.variant, config.layout, String(n), target, ...extra], {
    encoding: 'utf8',
    timeout: 900_000,
    maxBuffer: 1 << 20,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (res.status !== 0) {
    throw new Error(`${config.variant}/${config.layout} N=${n} failed (${res.status ?? res.signal}): ${res.stderr}`);
  }
  const { maxRssKiB, cpuMs } = JSON.parse(res.stdout.trim().split('\n').pop()!) as { maxRssKiB: number; cpuMs: number };
  return { ms, rssKiB: maxRssKiB, cpuMs, outdir };
}

/**
 * Runs of configuration `c` at size `n`: at least `runs`, more where a run is
 * cheap. A run of a few seconds or less moves by ±30 % with other load on a
 * shared machine, so three of them can put a chart-per-service / one-chart
 * ratio anywhere between 0.8 and 1.25; the minimum of more is steadier. Raw
 * cdk8s chart per service above N=1000 keeps `runs` (minutes a run, quadratic).
 * Only for the default full run; `--quick` and an explicit `--runs` are taken as given.
 */
function runsFor(n: number, c: Config, runs: number): number {
  if (n <= 100) return Math.max(runs, 10);
  if (c.variant === 'cdk8s' && c.layout === 'chart-per-service' && n > 1000) return runs;
  return Math.max(runs, 5);
}

function measure(ns: readonly number[], runsAt: (n: number, c: Config) => number): Measurement[] {
  const results: Measurement[] = [];
  for (const n of ns) {
    const samples = new Map<Config, { ms: number[]; rss: number[]; cpu: number[]; count?: ReturnType<typeof countOutput> }>();
    for (const c of CONFIGS) samples.set(c, { ms: [], rss: [], cpu: [] });
    // interleave configurations so a noisy neighbour affects all of them alike
    const rounds = Math.max(...CONFIGS.map((c) => runsAt(n, c)));
    for (let r = 0; r < rounds; r++) {
      for (const c of CONFIGS) {
        if (r >= runsAt(n, c)) continue;
        const s = samples.get(c)!;
        const { ms, rssKiB, cpuMs, outdir } = runOnce(c, n);
        try {
          s.ms.push(ms);
          s.rss.push(rssKiB);
          s.cpu.push(cpuMs);
          if (!s.count) s.count = countOutput(path.join(outdir, 'dist'));
        } finally {
          fs.rmSync(outdir, { recursive: true, force: true });
        }
        console.log(`  N=${n} ${c.variant}/${c.layout} run ${r + 1}: ${(ms / 1000).toFixed(2)} s, ${(rssKiB / 1024).toFixed(0)} MiB`);
      }
    }
    // every variant must have written the same number of manifests (test/bench checks they are identical)
    const counts = new Set(CONFIGS.map((c) => samples.get(c)!.count!.objects));
    if (counts.size !== 1) {
      throw new Error(`N=${n}: variants wrote different numbers of objects: ${CONFIGS.map((c) => `${c.variant}/${c.layout}=${samples.get(c)!.count!.objects}`).join(', ')}`);
    }
    for (const c of CONFIGS) {
      const s = samples.get(c)!;
      results.push({
        variant: c.variant,
        layout: c.layout,
        n,
        runs: s.ms.length,
        wallMs: s.ms.map((x) => Math.round(x)),
        minMs: Math.round(Math.min(...s.ms)),
        medianMs: Math.round(median(s.ms)),
        maxRssMiB: Math.round(Math.max(...s.rss) / 1024),
        minCpuMs: Math.min(...s.cpu),
        ...s.count!,
      });
    }
  }
  return results;
}

interface Target {
  readonly name: string;
  readonly limit: string;
  /** Ratio computed from minimum wall times (and from medians and minimum CPU times, for reference). */
  readonly min?: number;
  readonly median?: number;
  readonly cpu?: number;
  readonly pass?: boolean;
}

function targets(results: readonly Measurement[]): Target[] {
  const get = (variant: Variant, layout: Layout, n: number): Measurement | undefined =>
    results.find((r) => r.variant === variant && r.layout === layout && r.n === n);
  const ratio = (name: string, limit: number, a?: Measurement, b?: Measurement, key: 'time' | 'rss' = 'time'): Target => {
    if (!a || !b) return { name, limit: `≤ ${limit}` };
    if (key === 'rss') {
      const r = a.maxRssMiB / b.maxRssMiB;
      return { name, limit: `≤ ${limit}`, min: r, median: r, cpu: r, pass: r <= limit };
    }
    const min = a.minMs / b.minMs;
    return { name, limit: `≤ ${limit}`, min, median: a.medianMs / b.medianMs, cpu: a.minCpuMs / b.minCpuMs, pass: min <= limit };
  };
  const out: Target[] = [ratio('N=1000: meshforge one-chart / raw cdk8s one-chart', 0.33, get('meshforge', 'one-chart', 1000), get('cdk8s', 'one-chart', 1000))];
  for (const n of [...new Set(results.map((r) => r.n))]) {
    out.push(ratio(`N=${n}: meshforge chart-per-service / one-chart`, 1.2, get('meshforge', 'chart-per-service', n), get('meshforge', 'one-chart', n)));
  }
  for (const layout of ['one-chart', 'chart-per-service'] as const) {
    out.push(ratio(`meshforge ${layout}: N=3000 / N=1000`, 3.3, get('meshforge', layout, 3000), get('meshforge', layout, 1000)));
  }
  for (const layout of ['one-chart', 'chart-per-service'] as const) {
    out.push(ratio(`N=3000: meshforge ${layout} / JSON.stringify floor (${layout})`, 8, get('meshforge', layout, 3000), get('json', layout, 3000)));
  }
  for (const layout of ['one-chart', 'chart-per-service'] as const) {
    out.push(ratio(`N=3000: peak RSS meshforge / raw cdk8s (${layout})`, 1, get('meshforge', layout, 3000), get('cdk8s', layout, 3000), 'rss'));
  }
  return out;
}

function environment(): Record<string, string> {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    // uncommitted changes to what is measured (anything but the report itself) make the commit an approximation
    const changed = execFileSync('git', ['status', '--porcelain', '--', '.', ':!bench/RESULTS.md', ':!bench/results.json'], { encoding: 'utf8' }).trim();
    if (changed) commit += ` + uncommitted changes (${changed.split('\n').length} files)`;
  } catch {
    // not a git checkout
  }
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}`,
    loadavg: os.loadavg().map((x) => x.toFixed(2)).join(' '),
    commit,
  };
}

const s = (ms: number): string => (ms / 1000).toFixed(2);
const x = (r?: number): string => (r === undefined ? '–' : `${r.toFixed(2)}×`);

function markdown(results: readonly Measurement[], checks: readonly Target[], env: Record<string, string>, args: string[]): string {
  const ns = [...new Set(results.map((r) => r.n))];
  const lines: string[] = [
    '# Synth benchmark results',
    '',
    `Generated by \`npm run bench${args.length ? ' -- ' + args.join(' ') : ''}\` (bench/run.ts); do not edit by hand.`,
    `${env.date}, Node ${env.node}, ${env.cpus}, load average at the end ${env.loadavg}, commit ${env.commit}.`,
    '',
    'Each service: ServiceAccount, ConfigMap (mounted config file), Service, 2 Deployments (v1, v2), VirtualService (90/10',
    'canary), DestinationRule (subsets, mTLS, connection pool, outlier detection) = 7 objects. Every cell is a fresh Node',
    'process (module loading included): wall time min / median of the runs, user + system CPU time (min), peak RSS (max over runs).',
    'Cheap configurations are repeated more (a default run: 10 at N ≤ 100, else 5; raw cdk8s chart-per-service above N=1000: 3):',
    'runs of a few seconds or less move by ±30 % with other load on this shared machine, and the minimum of more is steadier.',
    '',
    '- **meshforge**: one `MeshService` per service (`bench/services.ts`: mesh mode, 2 versions, `canary({ v1: 90, v2: 10 })`,',
    '  connection pool + outlier detection, a config file) synthesized by meshforge (`synthToDist`, fast YAML writer),',
    '  including `kustomization.yaml`.',
    '- **raw cdk8s**: the same manifests hand-built with cdk8s-plus-27 + the Istio imports (`bench/k8s-service.ts`),',
    '  `new App({ outdir }).synth()`.',
    '- **plain objects → yaml / JSON**: the identical objects (`bench/plain-objects.ts`) as plain JS, serialized per chart file',
    '  with `yaml` (cdk8s\'s options) or `JSON.stringify`; no cdk8s loaded. test/bench/plain-objects.test.ts proves all',
    '  variants write the same documents byte for byte (meshforge splits them into sync-order files, hence more files).',
    '',
    '| N | variant | layout | wall min / median (s) | CPU min (s) | runs | peak RSS (MiB) | objects | bytes | files | vs raw cdk8s (min) | vs JSON floor (min) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const n of ns) {
    for (const r of results.filter((m) => m.n === n)) {
      const raw = results.find((m) => m.n === n && m.variant === 'cdk8s' && m.layout === r.layout);
      const json = results.find((m) => m.n === n && m.variant === 'json' && m.layout === r.layout);
      lines.push(
        `| ${n} | ${LABEL[r.variant]} | ${r.layout} | ${s(r.minMs)} / ${s(r.medianMs)} | ${s(r.minCpuMs)} | ${r.runs} | ${r.maxRssMiB} | ${r.objects} | ${r.bytes} | ${r.files} | ` +
          `${raw && r.variant !== 'cdk8s' ? x(r.minMs / raw.minMs) : '–'} | ${json && r.variant !== 'json' ? x(r.minMs / json.minMs) : '–'} |`,
      );
    }
  }
  lines.push(
    '',
    '## Targets (issue 6)',
    '',
    'Judged on minimum wall times (least disturbed by other processes on this shared 2-core machine); the ratios of',
    'median wall times and of minimum CPU times are given because background load makes single ratios move by ±30 %.',
    '',
  );
  lines.push('| target | limit | ratio (min wall) | ratio (median wall) | ratio (min CPU) | result |', '|---|---|---|---|---|---|');
  for (const t of checks) {
    lines.push(
      `| ${t.name} | ${t.limit} | ${x(t.min)} | ${x(t.median)} | ${x(t.cpu)} | ${t.pass === undefined ? 'not measured' : t.pass ? 'pass' : '**FAIL**'} |`,
    );
  }
  lines.push(
    '',
    'Raw cdk8s chart-per-service is quadratic (each chart\'s `toJson` re-resolves dependencies and re-validates the whole app):',
    'at N=3000 its runs take most of the benchmark\'s time.',
    '',
  );
  return lines.join('\n');
}

/** The edit loop section (issue 18) kept in bench/results.json, measured separately by `--edit-loop`. */
function savedEditLoop(file: string): EditLoopResults | undefined {
  try {
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { editLoop?: EditLoopResults }).editLoop;
  } catch {
    return undefined;
  }
}

const withEditLoop = (md: string, e?: EditLoopResults): string => (e ? `${md}\n${editLoopMarkdown(e)}` : md);

/** `--edit-loop`: measures the edit loop and merges it into bench/results.json and bench/RESULTS.md. */
async function editLoopMain(root: string, argv: readonly string[]): Promise<void> {
  const runs = Number(argv.find((a) => a.startsWith('--runs='))?.split('=')[1] ?? 5);
  const coldRuns = Number(argv.find((a) => a.startsWith('--cold-runs='))?.split('=')[1] ?? Math.min(runs, 3));
  const loadavgStart = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`edit-loop benchmark: ${runs} runs per case (cold: ${coldRuns}), load average ${loadavgStart}`);
  const results = await measureEditLoop(root, runs, coldRuns);
  const editLoop: EditLoopResults = { environment: { ...environment(), loadavgStart }, results, targets: editLoopTargets(results) };
  const jsonFile = path.join(root, 'bench', 'results.json');
  const saved = JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as { environment: Record<string, string>; args: string[]; results: Measurement[]; targets: Target[] };
  fs.writeFileSync(jsonFile, JSON.stringify({ ...saved, editLoop }, null, 2) + '\n');
  fs.writeFileSync(path.join(root, 'bench', 'RESULTS.md'), withEditLoop(markdown(saved.results, saved.targets, saved.environment, saved.args), editLoop));
  console.log('\n' + editLoopMarkdown(editLoop));
  console.log('wrote bench/RESULTS.md and bench/results.json (edit loop section)');
}

/** One size of the environments section: N services rendered for E environments. */
interface EnvironmentsMeasurement {
  readonly n: number;
  readonly environments: number;
  readonly runs: number;
  readonly minMs: number;
  readonly minCpuMs: number;
  readonly maxRssMiB: number;
  readonly objects: number;
  readonly files: number;
  /** Minimum CPU time per rendered service (N × E): flat when synth is linear in both. */
  readonly cpuUsPerServiceEnv: number;
}

/**
 * The environments section (issue 15): the meshforge one-chart app at each N,
 * rendered for 1 and 3 environments. Linear means the CPU time per
 * service × environment stays flat as N and E grow.
 */
function measureEnvironments(ns: readonly number[], runs: number): EnvironmentsMeasurement[] {
  const config: Config = { variant: 'meshforge', layout: 'one-chart' };
  const out: EnvironmentsMeasurement[] = [];
  for (const n of ns) {
    for (const environments of [1, 3]) {
      const samples = Array.from({ length: runs }, () => {
        const r = runOnce(config, n, environments);
        const count = countOutput(path.join(r.outdir, 'dist'));
        fs.rmSync(r.outdir, { recursive: true, force: true });
        return { ...r, count };
      });
      const minCpuMs = Math.min(...samples.map((s) => s.cpuMs));
      const m: EnvironmentsMeasurement = {
        n,
        environments,
        runs,
        minMs: Math.round(Math.min(...samples.map((s) => s.ms))),
        minCpuMs,
        maxRssMiB: Math.round(Math.max(...samples.map((s) => s.rssKiB)) / 1024),
        objects: samples[0].count.objects,
        files: samples[0].count.files,
        cpuUsPerServiceEnv: Math.round((minCpuMs * 1000) / (n * environments)),
      };
      console.log(`  environments: N=${n} × ${environments} env: ${m.minMs} ms wall, ${m.minCpuMs} ms CPU, ${m.cpuUsPerServiceEnv} µs CPU per service × environment, ${m.maxRssMiB} MiB`);
      out.push(m);
    }
  }
  return out;
}

function environmentsMarkdown(results: readonly EnvironmentsMeasurement[], env: Record<string, string>): string {
  const rows = results.map((r) => `| ${r.n} | ${r.environments} | ${r.runs} | ${r.minMs} | ${r.minCpuMs} | ${r.cpuUsPerServiceEnv} | ${r.maxRssMiB} | ${r.objects} | ${r.files} |`);
  const largest = Math.max(...results.map((r) => r.n));
  const at = (n: number, e: number) => results.find((r) => r.n === n && r.environments === e)!;
  const smallest = Math.min(...results.map((r) => r.n));
  const ratioEnvs = at(largest, 3).minCpuMs / at(largest, 1).minCpuMs;
  const ratioSize = at(largest, 3).cpuUsPerServiceEnv / at(smallest, 3).cpuUsPerServiceEnv;
  return [
    '## Environments: N services × E environments',
    '',
    `meshforge, one chart, \`synthToDist\` with E environments (\`dist/<env>/bench/\`); minimum of each size's runs; commit ${env.commit ?? '?'}.`,
    '',
    '| N | environments | runs | min wall ms | min CPU ms | CPU µs per service × env | peak RSS MiB | objects | files |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `- 3 environments cost ${ratioEnvs.toFixed(2)}× one at N=${largest} (linear: ≤ 3; module loading is paid once).`,
    `- CPU per service × environment at N=${largest} is ${ratioSize.toFixed(2)}× that at N=${smallest} (linear: ≤ 1.3; fixed costs make small N dearer).`,
    '',
  ].join('\n');
}

function main(): void {
  const argv = process.argv.slice(2);
  const root = path.resolve(__dirname, '..', '..');
  if (argv.includes('--edit-loop')) {
    editLoopMain(root, argv).catch((e: Error) => {
      console.error(e.stack);
      process.exitCode = 1;
    });
    return;
  }
  if (argv.includes('--environments')) {
    const quick = argv.includes('--quick');
    const runs = Number(argv.find((a) => a.startsWith('--runs='))?.split('=')[1] ?? (quick ? 2 : 3));
    const ns = argv.find((a) => a.startsWith('--n='))?.split('=')[1].split(',').map(Number) ?? (quick ? [100, 500] : [1000, 3000]);
    console.log(`environments benchmark: N = ${ns.join(', ')} × 1 and 3 environments, ${runs} run(s) each`);
    const md = environmentsMarkdown(measureEnvironments(ns, runs), environment());
    const stem = quick ? path.join(root, 'build', 'bench-environments') : path.join(root, 'bench', 'ENVIRONMENTS');
    fs.mkdirSync(path.dirname(stem), { recursive: true });
    fs.writeFileSync(`${stem}.md`, md);
    console.log('\n' + md);
    console.log(`wrote ${path.relative(process.cwd(), `${stem}.md`)}`);
    return;
  }
  const from = argv.find((a) => a.startsWith('--report-from='))?.split('=')[1];
  if (from) {
    // re-render a results file (e.g. after a change to the report format) without measuring again
    const saved = JSON.parse(fs.readFileSync(from, 'utf8')) as { environment: Record<string, string>; args: string[]; results: Measurement[]; editLoop?: EditLoopResults };
    const stem = from.replace(/(results)?\.json$/, (_m, r: string | undefined) => (r ? 'RESULTS' : ''));
    const checks = targets(saved.results);
    fs.writeFileSync(`${stem}.md`, withEditLoop(markdown(saved.results, checks, saved.environment, saved.args), saved.editLoop));
    fs.writeFileSync(from, JSON.stringify({ ...saved, targets: checks }, null, 2) + '\n');
    console.log(`wrote ${stem}.md and ${from}`);
    return;
  }
  const { ns, runs, adaptive, quick, out } = parseArgs(argv);
  const runsAt = (n: number, c: Config): number => (adaptive ? runsFor(n, c, runs) : runs);
  const stem = out ?? (quick ? path.join(root, 'build', 'bench-quick') : path.join(root, 'bench', 'RESULTS'));
  console.log(`synth benchmark: N = ${ns.join(', ')}, ${runs} run(s) each${adaptive ? ' at least (more for cheap configurations)' : ''}`);
  const results = measure(ns, runsAt);
  const checks = targets(results);
  const env = environment();
  const md = markdown(results, checks, env, argv);
  fs.mkdirSync(path.dirname(stem), { recursive: true });
  const jsonFile = out || quick ? `${stem}.json` : path.join(root, 'bench', 'results.json');
  // the edit loop section is measured by `--edit-loop` alone: a full run keeps the last one
  const editLoop = out || quick ? undefined : savedEditLoop(jsonFile);
  fs.writeFileSync(`${stem}.md`, withEditLoop(md, editLoop));
  fs.writeFileSync(jsonFile, JSON.stringify({ environment: env, args: argv, results, targets: checks, editLoop }, null, 2) + '\n');
  console.log('\n' + md);
  console.log(`wrote ${path.relative(process.cwd(), `${stem}.md`)} and ${path.relative(process.cwd(), jsonFile)}`);
  // the environments section, in its own file so RESULTS.md and results.json keep their format
  const envStem = out ? `${out}-environments` : quick ? path.join(root, 'build', 'bench-environments') : path.join(root, 'bench', 'ENVIRONMENTS');
  const envMd = environmentsMarkdown(measureEnvironments(quick ? [100, 500] : [1000, 3000], quick ? 2 : runs), env);
  fs.writeFileSync(`${envStem}.md`, envMd);
  console.log('\n' + envMd);
  console.log(`wrote ${path.relative(process.cwd(), `${envStem}.md`)}`);
}

main();
