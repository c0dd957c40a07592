import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { describe, expect, it } from 'vitest';

/*
 * The shape of the code base, enforced: file size and which folder may import
 * which (the layers apps → constructs → synth → dist; imports/ is generated).
 */

const ROOT = path.resolve(__dirname, '..');
const MAX_LINES = 600;

function tsFiles(dir: string): string[] {
  if (!fs.existsSync(path.join(ROOT, dir))) return [];
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(rel);
    return e.name.endsWith('.ts') ? [rel] : [];
  });
}

/**
 * The layer of a repository path: `lib/<folder>` inside lib (`lib` for
 * lib/index.ts), else the top-level folder.
 */
function layerOf(file: string): string {
  const parts = file.split('/');
  if (parts[0] === 'lib') return parts.length > 2 || !parts[1].endsWith('.ts') ? `lib/${parts[1].replace(/\.ts$/, '')}` : 'lib';
  return parts[0];
}

/**
 * What each layer may import besides itself (relative imports of our own
 * code; npm packages are not ours). lib/mesh works without security and
 * observability; they may read the mesh. lib/synth writes dist/ and knows
 * nothing of the constructs (of Istio only API groups and versions). lib/common and lib/validation are
 * the base every construct folder uses. Only apps/ knows concrete services.
 */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  imports: [],
  'lib/common': ['lib/validation'],
  'lib/validation': ['lib/common'],
  // Environments, their settings and releases are data that synth renders per environment.
  'lib/environments': ['lib/common', 'lib/validation'],
  'lib/synth': ['lib/common', 'lib/validation', 'lib/environments'],
  'lib/mesh': ['imports', 'lib/common', 'lib/validation'],
  'lib/security': ['imports', 'lib/common', 'lib/validation', 'lib/mesh'],
  'lib/observability': ['imports', 'lib/common', 'lib/validation', 'lib/mesh'],
  // The environment rules read the EnvironmentPolicy contract (types shared with environments).
  'lib/policy': ['imports', 'lib/common', 'lib/validation', 'lib/mesh', 'lib/environments'],
  // The mesh analyzer of `npm run check` reads manifests with the policy check's loader and readers.
  'lib/analysis': ['lib/common', 'lib/validation', 'lib/policy'],
  // The report and diff read YAML only (like the policy check), never the constructs.
  'lib/report': ['lib/common', 'lib/validation', 'lib/policy'],
  lib: ['lib/common', 'lib/validation', 'lib/environments', 'lib/synth', 'lib/mesh', 'lib/security', 'lib/observability', 'lib/policy', 'lib/analysis'],
  apps: ['imports', 'lib', 'lib/*'],
  bin: ['imports', 'lib', 'lib/*', 'apps'],
  bench: ['imports', 'lib', 'lib/*'],
};

function allowed(from: string, to: string): boolean {
  if (from === to) return true;
  const list = ALLOWED[from];
  if (!list) return false;
  return list.includes(to) || (to.startsWith('lib/') && list.includes('lib/*'));
}

/** Our own modules `file` imports (import/export from, import(), require), as repository paths. */
function ownImports(file: string): string[] {
  const info = ts.preProcessFile(fs.readFileSync(path.join(ROOT, file), 'utf8'), true, true);
  return info.importedFiles
    .map((f) => f.fileName)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
      return fs.existsSync(path.join(ROOT, target)) && fs.statSync(path.join(ROOT, target)).isDirectory() ? `${target}/index.ts` : `${target}.ts`;
    });
}

/** Every import that breaks the layer rules, as "from -> to". */
function layerViolations(files: readonly string[]): string[] {
  const bad: string[] = [];
  for (const file of files) {
    for (const target of ownImports(file)) {
      const from = layerOf(file);
      const to = layerOf(target);
      if (!allowed(from, to)) bad.push(`${file} (${from}) imports ${target} (${to})`);
    }
  }
  return bad;
}

const SOURCES = ['imports', 'lib', 'apps', 'bin', 'bench'].flatMap(tsFiles).filter((f) => !f.endsWith('.test.ts'));

describe('architecture', () => {
  it(`no lib/ file is longer than ${MAX_LINES} lines`, () => {
    const files = tsFiles('lib');
    expect(files.length).toBeGreaterThan(50);
    const long = files
      .map((f) => ({ f, lines: fs.readFileSync(path.join(ROOT, f), 'utf8').split('\n').length - 1 }))
      .filter(({ lines }) => lines > MAX_LINES)
      .map(({ f, lines }) => `${f}: ${lines} lines`);
    expect(long).toEqual([]);
  });

  it('every import follows the layer rules', () => {
    expect(SOURCES.length).toBeGreaterThan(100);
    // the rules are checked on something: every layer of the table has files
    for (const layer of Object.keys(ALLOWED)) expect(SOURCES.some((f) => layerOf(f) === layer), layer).toBe(true);
    expect(layerViolations(SOURCES)).toEqual([]);
  });

  it('finds a forbidden import (the check itself can fail)', () => {
    // lib/synth importing lib/mesh, and imports/ importing lib: both refused
    expect(allowed('lib/synth', 'lib/mesh')).toBe(false);
    expect(allowed('imports', 'lib/validation')).toBe(false);
    expect(allowed('lib/mesh', 'lib/security')).toBe(false);
    expect(allowed('lib/mesh', 'apps')).toBe(false);
    expect(allowed('apps', 'lib/mesh')).toBe(true);
    expect(layerOf('lib/index.ts')).toBe('lib');
    expect(layerOf('lib/mesh/workload.ts')).toBe('lib/mesh');
    // ownImports resolves a folder import to its index and a file import to the .ts file
    expect(ownImports('lib/index.ts')).toContain('lib/mesh/index.ts');
    expect(ownImports('lib/mesh/mesh-service.ts')).toContain('lib/mesh/workload.ts');
  });
});
