import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as cdk8s from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as constructs from 'constructs';
import * as ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { environments } from '../../apps';
import { main } from '../../bin/synth';
import * as lib from '../../lib';
import * as observability from '../../lib/observability';
import { SchemaValidator } from '../../lib/validation/schema-validator';
import { ROOT, codeBlocks, readDoc } from './markdown';

/**
 * The README's worked example is real: the block that starts with
 * `// apps/<name>/index.ts` is compiled (by examples.test.ts) and run here
 * through meshforge's synth; the table after it must list exactly the files
 * and objects synth writes, the YAML shown after it must be one of the
 * written documents byte for byte, and the output passes the schema
 * validation and the policy check that `npm test` applies to dist/.
 */

const README = 'README.md';
const text = readDoc(README);
const lines = text.split('\n');
const FILE_COMMENT = /^\/\/ (apps\/([a-z0-9-]+)\/index\.ts)\s*$/;

const examples = codeBlocks(README, text).filter((b) => b.lang === 'ts' && FILE_COMMENT.test(b.code.split('\n')[0]));

/** Runs the block as the module apps/<name>/index.ts would be, resolving its imports to the library loaded here. */
function loadApp(code: string, file: string): lib.AppDefinition {
  const dir = path.join(ROOT, path.dirname(file));
  const modules: Record<string, unknown> = {
    [path.join(ROOT, 'lib')]: lib,
    [path.join(ROOT, 'lib/observability')]: observability,
    cdk8s,
    'cdk8s-plus-27': kplus,
    constructs,
    path,
  };
  const requireFn = (id: string): unknown => {
    const key = id.startsWith('.') ? path.resolve(dir, id) : id;
    if (!(key in modules)) throw new Error(`the worked example imports ${id}; add it to the module map of ${__filename}`);
    return modules[key];
  };
  const js = ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText;
  const module = { exports: {} as Record<string, unknown> };
  new Function('exports', 'require', 'module', '__filename', '__dirname', js)(module.exports, requireFn, module, path.join(ROOT, file), dir);
  return module.exports.default as lib.AppDefinition;
}

/** The first Markdown table after `fromLine` (1-based) whose header row is `| file | objects |`: file → "Kind name" entries. */
function objectTable(fromLine: number): { line: number; rows: Map<string, string[]> } {
  const start = lines.findIndex((l, i) => i >= fromLine && /^\|\s*file\s*\|\s*objects\s*\|\s*$/.test(l));
  if (start < 0) throw new Error(`no "| file | objects |" table after ${README}:${fromLine}`);
  const rows = new Map<string, string[]>();
  for (let i = start + 2; i < lines.length && lines[i].startsWith('|'); i++) {
    const [fileCell, objectsCell] = lines[i].split('|').slice(1, 3);
    const file = /`([^`]+)`/.exec(fileCell)?.[1] ?? fileCell.trim();
    // "Kind `a`, `b`, Other `c`": a capitalised word sets the kind of the code spans after it.
    let kind = '';
    const entries: string[] = [];
    for (const m of objectsCell.matchAll(/`([^`]+)`|([A-Z][A-Za-z]+)/g)) {
      if (m[2]) kind = m[2];
      else entries.push(`${kind} ${m[1]}`);
    }
    rows.set(file, entries);
  }
  return { line: start + 1, rows };
}

describe('the README worked example', () => {
  it('exists once, as a full app module', () => {
    expect(examples).toHaveLength(1);
    expect(examples[0].code).toMatch(/export default defineApp\(/);
  });

  const example = examples[0];
  const [, file, name] = FILE_COMMENT.exec(example.code.split('\n')[0]) ?? [];
  const definition = loadApp(example.code, file);
  const synthesized = lib.synthesizeApp(definition);
  const documents = [...synthesized.files]
    .filter(([f]) => f !== 'kustomization.yaml')
    .flatMap(([f, yamlText]) => parseAllDocuments(yamlText).map((d, index) => ({ file: f, index, manifest: d.toJS() as Record<string, unknown> })));

  it('is the app its file comment names', () => {
    expect(definition.name).toBe(name);
  });

  it('the table after it lists exactly the files and objects synth writes', () => {
    const table = objectTable(example.line + example.code.split('\n').length);
    const written = new Map<string, string[]>();
    for (const f of synthesized.files.keys()) written.set(f, []);
    for (const o of synthesized.objects) written.get(o.file)?.push(`${o.kind} ${o.name}`);
    expect(Object.fromEntries(table.rows), `table at ${README}:${table.line}`).toEqual(Object.fromEntries(written));
  });

  it('the YAML shown after it is a written document, byte for byte', () => {
    const after = codeBlocks(README, text).find((b) => b.line > example.line && b.lang === 'yaml');
    expect(after, 'a ```yaml block after the worked example').toBeDefined();
    const shown = `${after!.code.trimEnd()}\n`;
    const docs = [...synthesized.files.values()].flatMap((t) => t.split(/^---\n/m).map((d) => (d.endsWith('\n') ? d : `${d}\n`)));
    expect(docs).toContain(shown);
  });

  it('passes schema validation and the policy check', () => {
    expect(documents.length).toBeGreaterThan(0);
    expect(documents.flatMap((d) => SchemaValidator.default().validate(d.manifest).map((v) => `${d.file}#${d.index} ${v.pointer} ${v.message}`))).toEqual([]);
    const report = lib.checkObjects(documents.map((d) => ({ manifest: d.manifest as never, file: `dist/${name}/${d.file}`, index: d.index })));
    expect(report.violations.length === 0 ? '' : lib.renderReport(report)).toBe('');
  });
});

describe('the README worked example, with the mistake the README shows', () => {
  const example = examples[0];
  const [, file] = FILE_COMMENT.exec(example.code.split('\n')[0]) ?? [];
  const CANARY = 'api.canary({ v1: 90, v2: 10 });';

  it('fails with exactly the error text shown after it, as `npm run synth` prints it', () => {
    expect(example.code).toContain(CANARY);
    const shown = codeBlocks(README, text).find((b) => b.line > example.line && b.lang === 'text' && b.code.includes('failed to synthesize'));
    expect(shown, 'a ```text block with the error after the worked example').toBeDefined();
    expect(text).toContain('`api.canary({ v1: 90, v2: 20 })`');
    const broken = loadApp(example.code.replace(CANARY, 'api.canary({ v1: 90, v2: 20 });'), file);
    // The real CLI, writing to a scratch folder (nothing is written: the synth fails); its path is shown as dist/.
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshforge-docs-'));
    const printed: string[] = [];
    // gitops and the Istio API level given, so the CLI does not load apps/ (the app under test is not registered there).
    const exitCode = main({
      apps: [broken],
      environments,
      outdir,
      gitops: { repoURL: 'https://github.com/acme/platform.git' },
      istioApiLevel: 'v1',
      log: () => undefined,
      error: (l) => printed.push(l),
    });
    const rel = path.relative(process.cwd(), outdir);
    expect(exitCode).toBe(1);
    expect(printed.join('\n').split(`${rel}/`).join('dist/')).toBe(shown!.code.trimEnd());
    expect(fs.readdirSync(outdir)).toEqual([]);
  });
});
