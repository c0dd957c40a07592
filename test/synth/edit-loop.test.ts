import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTree } from '../../lib/synth/dist-writer';
import { tmpDir } from '../helpers';
import { cleanEnv, ROOT, run } from './child-process';

/*
 * `npm run synth` (bin/edit-loop.mjs) in a copy of the project: the sources, the committed dist/ and a
 * link to node_modules. Real processes: esbuild transpiles into the copy's build/synth/, tsgo checks.
 * No timing is asserted here (performance lives in `npm run bench -- --edit-loop`).
 */

const SANDBOX = 'apps/sandbox/index.ts';
const LABELS = "labels: { 'app.kubernetes.io/managed-by': 'meshforge' }";
const TYPE_ERROR = "\nexport const typo: number = 'forty-two';\n";
const TS_MESSAGE = "error TS2322: Type 'string' is not assignable to type 'number'.";

let project = '';
let original = '';

beforeAll(() => {
  project = tmpDir('meshforge-edit-loop-');
  for (const d of ['apps', 'bin', 'imports', 'lib', 'dist']) fs.cpSync(path.join(ROOT, d), path.join(project, d), { recursive: true });
  for (const f of ['package.json', 'tsconfig.json', 'tsconfig.synth.json']) fs.copyFileSync(path.join(ROOT, f), path.join(project, f));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(project, 'node_modules'));
  original = fs.readFileSync(path.join(project, SANDBOX), 'utf8');
  expect(original).toContain(LABELS);
});

afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

const launcher = (): string => path.join(project, 'bin', 'edit-loop.mjs');
const dist = (): ReadonlyMap<string, string> => readTree(path.join(project, 'dist'));
const edit = (text: string): void => fs.writeFileSync(path.join(project, SANDBOX), text);
const synth = (...args: string[]): ReturnType<typeof run> => run(process.execPath, [launcher(), ...args], { cwd: project, env: cleanEnv() });

describe('npm run synth (one-shot)', () => {
  it('builds from nothing, writes the same dist/ as the committed one, and refuses a type error with tsc\'s message', async () => {
    const committed = dist();
    const first = await synth();
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('  dist/dev/sandbox/ (2 files)');
    expect(fs.existsSync(path.join(project, 'build', 'synth', 'bin', 'synth-loop.js'))).toBe(true);
    expect(dist()).toEqual(committed);

    // a type error that would still render: the output must not change
    edit(original.replace(LABELS, "labels: { 'app.kubernetes.io/managed-by': 'meshforge', team: 'x' }") + TYPE_ERROR);
    const bad = await synth();
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${SANDBOX}(`);
    expect(bad.stderr).toContain(TS_MESSAGE);
    expect(bad.stderr).toContain('meshforge synth failed: type errors; dist/ was left unchanged.');
    expect(dist()).toEqual(committed);

    // a syntax error: esbuild cannot transpile it either; still tsc's message and nothing written
    edit(original + '\nexport const broken = ;\n');
    const syntax = await synth();
    expect(syntax.code).toBe(1);
    expect(syntax.stderr).toMatch(/apps\/sandbox\/index\.ts\(\d+,\d+\): error TS1109: Expression expected\./);
    expect(syntax.stderr).toContain('meshforge synth failed: syntax errors; dist/ was left unchanged.');
    expect(dist()).toEqual(committed);

    // an app that throws: the call site is shown in the TypeScript source, mapped from build/synth/ when shown
    const throwing = original.replace("    new kplus.Namespace(", "    if (Date.now() > 0) throw new Error('replicas missing');\n    new kplus.Namespace(");
    expect(throwing).not.toBe(original);
    const line = throwing.split('\n').findIndex((l) => l.includes('replicas missing')) + 1;
    const column = throwing.split('\n')[line - 1].indexOf('new Error') + 1;
    edit(throwing);
    const thrown = await synth();
    expect(thrown.code).toBe(1);
    expect(thrown.stderr).toContain(`app "sandbox" failed to synthesize for environment "dev": replicas missing (at ${SANDBOX}:${line}:${column})`);
    expect(dist()).toEqual(committed);

    edit(original);
    const fixed = await synth();
    expect(fixed.code).toBe(0);
    expect(dist()).toEqual(committed);
  }, 300_000);

  it('rejects an unknown argument', async () => {
    const r = await synth('--wacth');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('usage: npm run synth [-- --watch]; unknown argument(s): --wacth');
  }, 120_000);
});

/** A running `npm run synth -- --watch` whose output can be awaited. */
class Watcher {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor() {
    this.child = spawn(process.execPath, [launcher(), '--watch'], { cwd: project, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d) => (this.stdout += String(d)));
    this.child.stderr!.on('data', (d) => (this.stderr += String(d)));
    this.exited = new Promise((resolve) => this.child.on('close', (code, signal) => resolve({ code, signal })));
  }

  /** Waits until stdout has `count` lines matching `pattern`. */
  async until(pattern: RegExp, count = 1, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const matches = (): number => this.stdout.split('\n').filter((l) => pattern.test(l)).length;
    while (matches() < count) {
      if (Date.now() > deadline || this.child.exitCode !== null) {
        throw new Error(`no ${count}× ${pattern} in:\n${this.stdout}\nstderr:\n${this.stderr}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe('npm run synth -- --watch', () => {
  it('re-synthesizes on save, says what changed, survives a type error and stops cleanly on SIGTERM', async () => {
    edit(original);
    const committed = dist();
    const w = new Watcher();
    try {
      await w.until(/^meshforge watch: first synth done in .*; watching apps\/ bin\/ imports\/ lib\/ \(Ctrl-C to stop\)$/);
      // from here on every check is answered by the compiler kept in memory
      // (at nice 19 it waits for the other test files' CPU: up to a few minutes on a busy CI machine)
      await w.until(/^meshforge watch: type checker kept in memory, ready after [\d.]+ s: saves are checked incrementally$/, 1, 400_000);

      edit(original.replace(LABELS, "labels: { 'app.kubernetes.io/managed-by': 'meshforge', team: 'payments' }"));
      await w.until(/^meshforge watch: synth done in /);
      expect(w.stdout).toMatch(/^meshforge watch: synth done in [\d.]+ s \(type check [\d.]+ s in memory\)$/m);
      expect(w.stdout).toContain(`meshforge watch: ${SANDBOX} changed`);
      // only the edited app's file, though every app was rendered again from freshly loaded modules
      expect(w.stdout).toContain('meshforge: dist/ updated:\n  dist/dev/sandbox/: 00-namespaces.k8s.yaml (changed)\n');
      const updated = dist();
      expect(updated.get('dev/sandbox/00-namespaces.k8s.yaml')).toContain('team: payments');
      expect([...updated].filter(([f, text]) => committed.get(f) !== text).map(([f]) => f)).toEqual(['dev/sandbox/00-namespaces.k8s.yaml']);

      edit(original.replace(LABELS, "labels: { 'app.kubernetes.io/managed-by': 'meshforge', team: 'search' }") + TYPE_ERROR);
      await w.until(/^meshforge watch: synth failed, dist\/ untouched, still watching in [\d.]+ s \(type check [\d.]+ s in memory\)$/);
      expect(w.stderr).toContain(`${SANDBOX}(`);
      expect(w.stderr).toContain(TS_MESSAGE);
      expect(w.stderr).toContain('meshforge synth failed: type errors; dist/ was left unchanged.');
      expect(dist()).toEqual(updated);

      edit(original);
      await w.until(/^meshforge watch: synth done in /, 2);
      expect(dist()).toEqual(committed);

      // saved by rename, as sed -i, mv and git checkout do: still seen (fs.watch may miss it; the poll does not)
      for (const [n, team] of [[3, 'rename-1'], [4, 'rename-2']] as const) {
        const tmp = path.join(project, 'apps', 'sandbox', `.index.ts.${team}`);
        fs.writeFileSync(tmp, original.replace(LABELS, `labels: { 'app.kubernetes.io/managed-by': 'meshforge', team: '${team}' }`));
        fs.renameSync(tmp, path.join(project, SANDBOX));
        await w.until(/^meshforge watch: synth done in /, n);
        expect(dist().get('dev/sandbox/00-namespaces.k8s.yaml')).toContain(`team: ${team}`);
      }
      edit(original);
      await w.until(/^meshforge watch: synth done in /, 5);
      expect(dist()).toEqual(committed);

      w.child.kill('SIGTERM');
      expect(await w.exited).toEqual({ code: 0, signal: null });
      expect(w.stdout).toMatch(/meshforge watch: stopped \(SIGTERM\)\n$/);
      expect(fs.readdirSync(project).filter((f) => f.startsWith('.dist.') && f !== '.dist.backup')).toEqual([]);
    } finally {
      w.child.kill('SIGKILL');
      edit(original);
    }
  }, 600_000);
});
