import { getEventListeners } from 'events';
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIncrementalTypeCheck } from '../../lib/synth/incremental-type-check';
import type { PersistentTypeCheck } from '../../lib/synth/persistent-type-check';
import { tmpDir } from '../helpers';
import { ROOT, transpile } from './child-process';

/*
 * The watch mode's type check kept in memory (issue 18): the checker itself in-process on a small
 * project, and the child process that holds it (PersistentTypeCheck, transpiled and forked for real).
 */

const TSCONFIG = JSON.stringify({
  compilerOptions: { target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', lib: ['ES2022'], types: [], strict: true, noEmit: true, skipLibCheck: true },
  include: ['src/**/*.ts'],
});
const LIB = 'export function port(name: string): number {\n  return name.length;\n}\n';
const APP = "import { port } from './lib';\nexport const web = port('http-web');\n";

function project(): string {
  const dir = tmpDir('meshforge-incremental-check-');
  fs.mkdirSync(path.join(dir, 'src'));
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), TSCONFIG);
  fs.writeFileSync(path.join(dir, 'src', 'lib.ts'), LIB);
  fs.writeFileSync(path.join(dir, 'src', 'app.ts'), APP);
  return dir;
}

const stamp = (file: string): string => {
  const st = fs.statSync(file);
  return `${st.mtimeMs}:${st.size}`;
};

describe('createIncrementalTypeCheck', () => {
  it('reports errors in tsc\'s format, including those a changed signature causes in files that did not change', () => {
    const dir = project();
    try {
      const checker = createIncrementalTypeCheck(dir, 'tsconfig.json', ts);
      const clean = checker.check();
      expect(clean).toMatchObject({ ok: true, output: '' });
      // what it read, with the stamps bin/edit-loop.mjs records, relative to the project
      expect(clean.versions).toEqual({ 'src/app.ts': stamp(path.join(dir, 'src', 'app.ts')), 'src/lib.ts': stamp(path.join(dir, 'src', 'lib.ts')) });

      fs.writeFileSync(path.join(dir, 'src', 'app.ts'), `${APP}export const typo: number = 'forty-two';\n`);
      const typo = checker.check();
      expect(typo.ok).toBe(false);
      expect(typo.output).toBe("src/app.ts(3,14): error TS2322: Type 'string' is not assignable to type 'number'.");

      // app.ts is untouched now, but lib.ts's new signature breaks it: it is checked again
      fs.writeFileSync(path.join(dir, 'src', 'app.ts'), APP);
      fs.writeFileSync(path.join(dir, 'src', 'lib.ts'), LIB.replace('name: string', 'name: number'));
      const broken = checker.check();
      expect(broken.ok).toBe(false);
      expect(broken.output).toContain("src/app.ts(2,25): error TS2345: Argument of type 'string' is not assignable to parameter of type 'number'.");
      expect(broken.output).toContain('src/lib.ts(2,15): error TS2339');

      fs.writeFileSync(path.join(dir, 'src', 'lib.ts'), LIB);
      expect(checker.check()).toMatchObject({ ok: true, output: '' });

      // a new file under `include` is checked at once; a syntax error is an error too
      fs.writeFileSync(path.join(dir, 'src', 'new.ts'), 'export const broken = ;\n');
      const syntax = checker.check();
      expect(syntax.output).toBe('src/new.ts(1,23): error TS1109: Expression expected.');
      expect(syntax.versions['src/new.ts']).toBe(stamp(path.join(dir, 'src', 'new.ts')));
      fs.rmSync(path.join(dir, 'src', 'new.ts'));
      const removed = checker.check();
      expect(removed.ok).toBe(true);
      expect(Object.keys(removed.versions).sort()).toEqual(['src/app.ts', 'src/lib.ts']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says why when the project cannot be read', () => {
    const dir = project();
    try {
      const r = createIncrementalTypeCheck(dir, 'tsconfig.missing.json', ts).check();
      expect(r.ok).toBe(false);
      expect(r.output).toContain("error TS5083: Cannot read file '");
      expect(r.output).toContain('tsconfig.missing.json');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('PersistentTypeCheck (a forked child process)', () => {
  let build = '';
  let Persistent: typeof PersistentTypeCheck;
  let dir = '';
  beforeAll(() => {
    build = transpile('persistent-check', ['lib/synth/persistent-type-check.ts', 'lib/synth/type-check-worker.ts']);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    Persistent = (require(path.join(build, 'lib', 'synth', 'persistent-type-check.js')) as typeof import('../../lib/synth/persistent-type-check')).PersistentTypeCheck;
    dir = project();
    // the child loads the project's own typescript, as in a real project
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  });
  afterAll(() => {
    fs.rmSync(build, { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is ready after its warm-up, answers every check from memory, and stops when closed', async () => {
    const checker = new Persistent(dir, 'tsconfig.json');
    expect(checker.ready).toBe(false);
    await checker.warmUp();
    expect(checker.failed).toBeUndefined();
    expect(checker.ready).toBe(true);

    fs.writeFileSync(path.join(dir, 'src', 'app.ts'), `${APP}export const typo: number = 'forty-two';\n`);
    const typo = await checker.check();
    expect(typo).toMatchObject({ ok: false, output: "src/app.ts(3,14): error TS2322: Type 'string' is not assignable to type 'number'." });
    fs.writeFileSync(path.join(dir, 'src', 'app.ts'), APP);
    expect(await checker.check()).toMatchObject({ ok: true, output: '' });

    // the watch passes one signal for its whole session: an answered check leaves no listener on it
    const session = new AbortController();
    for (let i = 0; i < 3; i++) expect(await checker.check(session.signal)).toMatchObject({ ok: true });
    expect(getEventListeners(session.signal, 'abort')).toHaveLength(0);

    // a stopped wait resolves at once, without an answer
    const stop = new AbortController();
    stop.abort();
    expect(await checker.check(stop.signal)).toBeUndefined();

    checker.close();
    expect(checker.ready).toBe(false);
    expect(await checker.check()).toBeUndefined();
  }, 60_000);

  it('is never ready when its process cannot run, and says why', async () => {
    const checker = new Persistent(dir, 'tsconfig.json', path.join(dir, 'no-such-worker.js'));
    await checker.warmUp();
    expect(checker.ready).toBe(false);
    expect(checker.failed).toMatch(/the type-check process exited \(1\): .*Cannot find module/s);
    expect(await checker.check()).toBeUndefined();
  }, 60_000);
});
