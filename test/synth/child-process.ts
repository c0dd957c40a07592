import { ChildProcess, spawn, SpawnOptions } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import type { SynthesizedApp } from '../../lib/synth/synthesize-app';

/** The worktree root: transpiled modules live under it so that `require('cdk8s')` finds node_modules. */
export const ROOT = path.resolve(__dirname, '..', '..');

/**
 * Transpiles `entries` and every module they import relatively into
 * build/.test-<name>/ (type-checking is `npm run lint`'s job), so that tests
 * can run meshforge code in real child processes without `npm run build`.
 * Returns the folder, which mirrors the worktree layout (`<dir>/lib/...`).
 */
export function transpile(name: string, entries: readonly string[]): string {
  const out = path.join(ROOT, 'build', `.test-${name}-${process.pid}`);
  const done = new Set<string>();
  const queue = entries.map((e) => path.resolve(ROOT, e));
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (done.has(file)) continue;
    done.add(file);
    const rel = path.relative(ROOT, file);
    fs.mkdirSync(path.join(out, path.dirname(rel)), { recursive: true });
    if (file.endsWith('.json')) {
      fs.copyFileSync(file, path.join(out, rel));
      continue;
    }
    const js = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, resolveJsonModule: true },
    }).outputText;
    fs.writeFileSync(path.join(out, rel.replace(/\.ts$/, '.js')), js);
    for (const m of js.matchAll(/require\("(\.{1,2}\/[^"]*)"\)/g)) {
      const base = path.resolve(path.dirname(file), m[1]);
      const found = [`${base}.ts`, path.join(base, 'index.ts'), base].find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
      if (!found) throw new Error(`transpile: cannot resolve ${m[1]} from ${rel}`);
      if (found !== base || base.endsWith('.json')) queue.push(found);
    }
  }
  return out;
}

export interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command; resolves when it exits (whatever the exit code or signal). */
export function run(cmd: string, args: readonly string[], options: SpawnOptions = {}, onStart?: (child: ChildProcess) => void): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += String(d)));
    child.stderr!.on('data', (d) => (stderr += String(d)));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    onStart?.(child);
  });
}

/** The environment of a child without the test hooks and cdk8s variables of this process. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('MESHFORGE_') || k.startsWith('CDK8S_')) delete env[k];
  return { ...env, ...extra };
}

export type Tree = ReadonlyMap<string, string>;

/** Apps as the writer receives them, from a tree `app/file → content`. */
export function appsOf(tree: Tree): SynthesizedApp[] {
  const apps = new Map<string, Map<string, string>>();
  for (const [p, content] of tree) {
    const [app, ...rest] = p.split('/');
    if (!apps.has(app)) apps.set(app, new Map());
    apps.get(app)!.set(rest.join('/'), content);
  }
  return [...apps].map(([name, files]) => ({ name, files, objects: [], sideFiles: new Map(), notices: [] }));
}

/** Writes trees for the driver (it synthesizes them in turn, one per run) to a JSON file in `dir`. */
export function treeFile(dir: string, ...trees: Tree[]): string {
  const f = path.join(dir, `trees-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(f, JSON.stringify(trees.map((t) => appsOf(t).map((a) => [a.name, [...a.files]]))));
  return f;
}

/*
 * `node driver.js <outdir> <trees.json>`: the synth entry of bin/synth.ts (runSynthCli, with its lock,
 * repair, cdk8s output handling and messages) with apps read from a file instead of synthesized, so
 * that a child starts in milliseconds. DRIVER_LOOPS=n synthesizes n times (trees in turn);
 * DRIVER_FAIL=1 makes the synthesis fail like a broken app; all output goes to stderr.
 */
const DRIVER = `
const fs = require('fs');
const path = require('path');
const { runSynthCli } = require('./lib/synth/synth-cli.js');
const [outdir, treeFile] = process.argv.slice(2);
const trees = JSON.parse(fs.readFileSync(treeFile, 'utf8'));
const loops = Number(process.env.DRIVER_LOOPS || 1);
let code = 0;
for (let i = 0; i < loops && code === 0; i++) {
  const apps = trees[i % trees.length].map(([name, files]) => ({ name, files: new Map(files), objects: [], sideFiles: new Map(), notices: [] }));
  code = runSynthCli({
    outdir: path.resolve(outdir),
    root: process.env.DRIVER_ROOT || path.dirname(path.resolve(outdir)),
    produce: () => { if (process.env.DRIVER_FAIL) throw new Error('app "bad" failed to synthesize: boom'); return apps; },
    log: (l) => process.stderr.write(l + '\\n'),
    error: (l) => process.stderr.write(l + '\\n'),
  });
}
process.exitCode = code;
`;

/** Transpiles the synth entry and writes the driver next to it; `dispose` removes both. */
export function buildSynthDriver(name: string): { driver: string; dispose: () => void } {
  const dir = transpile(name, ['lib/synth/synth-cli.ts']);
  const driver = path.join(dir, 'driver.js');
  fs.writeFileSync(driver, DRIVER);
  fs.chmodSync(dir, 0o755);
  return { driver, dispose: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
