/**
 * One benchmark measurement, run as a fresh child process by bench/run.ts so
 * that module loading counts and nothing is shared between measurements.
 *
 *   node build/bench/worker.js <variant> <layout> <n> <outdir> [<environments>]
 *
 * `<environments>` (meshforge only, default none): render the app for that many
 * environments (`dist/env-<i>/bench/`), as a project with apps/environments.ts does.
 *
 * Prints one JSON line: { maxRssKiB, cpuMs } (peak RSS, user + system CPU time). Modules are required lazily so each
 * variant loads only what it needs (the floors never load cdk8s).
 */
/* eslint-disable @typescript-eslint/no-require-imports */
import * as fs from 'fs';
import * as path from 'path';
import type { App } from 'cdk8s';
import type { BenchServiceSpec } from './spec';

export type Variant = 'meshforge' | 'cdk8s' | 'yaml' | 'json';
export type Layout = 'one-chart' | 'chart-per-service';

/** The chart id a service lands in: one shared chart, or one per service. */
export function chartIdFor(layout: Layout, spec: BenchServiceSpec): string {
  return layout === 'one-chart' ? 'services' : spec.name;
}

function specs(n: number): BenchServiceSpec[] {
  const { benchServiceSpec } = require('./spec') as typeof import('./spec');
  return Array.from({ length: n }, (_, i) => benchServiceSpec(i));
}

/** Adds one chart per distinct chart id, in order of first use. */
function chartsFor(app: App, layout: Layout, all: readonly BenchServiceSpec[], add: (chart: import('cdk8s').Chart, s: BenchServiceSpec) => void): void {
  const { Chart } = require('cdk8s') as typeof import('cdk8s');
  const charts = new Map<string, import('cdk8s').Chart>();
  for (const s of all) {
    const id = chartIdFor(layout, s);
    let chart = charts.get(id);
    if (!chart) {
      chart = new Chart(app, id);
      charts.set(id, chart);
    }
    add(chart, s);
  }
}

function runMeshforge(layout: Layout, n: number, outdir: string, environmentCount?: number): void {
  const { defineApp, synthToDist } = require('../lib') as typeof import('../lib');
  const { addMeshforgeService } = require('./services') as typeof import('./services');
  const all = specs(n);
  const app = defineApp({
    name: 'bench',
    description: 'benchmark services',
    build: (a) => chartsFor(a, layout, all, addMeshforgeService),
  });
  const environments =
    environmentCount === undefined
      ? undefined
      : Array.from({ length: environmentCount }, (_, i) => ({ name: `env-${i}`, cluster: { name: `env-${i}`, server: `https://env-${i}.example.com` }, settings: {} }));
  synthToDist([app], outdir, { environments });
}

function runCdk8s(layout: Layout, n: number, outdir: string): void {
  const { App } = require('cdk8s') as typeof import('cdk8s');
  const { addK8sService } = require('./k8s-service') as typeof import('./k8s-service');
  const app = new App({ outdir });
  chartsFor(app, layout, specs(n), addK8sService);
  app.synth();
}

/** Plain objects grouped per file, as the other variants lay them out. */
function plainFiles(layout: Layout, n: number): Map<string, Record<string, unknown>[]> {
  const { plainServiceObjects } = require('./plain-objects') as typeof import('./plain-objects');
  const files = new Map<string, Record<string, unknown>[]>();
  for (const s of specs(n)) {
    const id = chartIdFor(layout, s);
    const objects = plainServiceObjects(s);
    const list = files.get(id);
    if (list) list.push(...objects);
    else files.set(id, objects);
  }
  return files;
}

function runYaml(layout: Layout, n: number, outdir: string): void {
  // the library cdk8s bundles, with cdk8s's options and document separator
  const YAML = require(require.resolve('yaml', { paths: [path.dirname(require.resolve('cdk8s/package.json'))] })) as typeof import('yaml');
  fs.mkdirSync(outdir, { recursive: true });
  for (const [id, objects] of plainFiles(layout, n)) {
    const text = objects.map((o) => YAML.stringify(o, { keepUndefined: true, lineWidth: 0, version: '1.1' })).join('---\n');
    fs.writeFileSync(path.join(outdir, `${id}.k8s.yaml`), text);
  }
}

function runJson(layout: Layout, n: number, outdir: string): void {
  fs.mkdirSync(outdir, { recursive: true });
  for (const [id, objects] of plainFiles(layout, n)) fs.writeFileSync(path.join(outdir, `${id}.json`), JSON.stringify(objects));
}

const RUNNERS: Record<Variant, (layout: Layout, n: number, outdir: string, environments?: number) => void> = {
  meshforge: runMeshforge,
  cdk8s: runCdk8s,
  yaml: runYaml,
  json: runJson,
};

if (require.main === module) {
  const [variant, layout, n, outdir, environments] = process.argv.slice(2);
  RUNNERS[variant as Variant](layout as Layout, Number(n), outdir, environments === undefined ? undefined : Number(environments));
  const usage = process.resourceUsage();
  process.stdout.write(JSON.stringify({ maxRssKiB: usage.maxRSS, cpuMs: Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000) }) + '\n');
}
