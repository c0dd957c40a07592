import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT, docFiles, readDoc } from './markdown';

/**
 * The options tables in docs/ are derived from the props interfaces in lib/:
 * a table preceded by `<!-- options: Name -->` (or `<!-- options: folder/Name -->`
 * when two folders of lib/ declare an interface of that name) lists in its
 * first column, as code spans, exactly the members of that interface
 * (inherited members included; a member whose type is an inline object may be
 * listed as `member.field` rows instead). A new prop without a row, or a row
 * for a prop that no longer exists, fails here. Every public `*Props`
 * interface (exported through the lib/ or lib/observability/ barrel) has such
 * a table somewhere.
 */

interface Declared {
  readonly name: string;
  readonly folder: string;
  readonly where: string;
  readonly node: ts.InterfaceDeclaration;
  readonly source: ts.SourceFile;
  readonly exported: boolean;
}

function libInterfaces(): Declared[] {
  const out: Declared[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        const source = ts.createSourceFile(full, fs.readFileSync(full, 'utf8'), ts.ScriptTarget.ES2022, true);
        source.forEachChild((node) => {
          if (!ts.isInterfaceDeclaration(node)) return;
          out.push({
            name: node.name.text,
            folder: path.relative(path.join(ROOT, 'lib'), path.dirname(full)).split(path.sep)[0],
            where: path.relative(ROOT, full),
            node,
            source,
            exported: node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) ?? false,
          });
        });
      }
    }
  };
  walk(path.join(ROOT, 'lib'));
  return out;
}

const INTERFACES = libInterfaces();

/** Names a module exports, following `export *` and `export { a as b } from` through the barrels. */
function exportedNames(file: string, seen = new Set<string>()): Set<string> {
  const names = new Set<string>();
  if (seen.has(file)) return names;
  seen.add(file);
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const resolve = (spec: string): string => {
    const base = path.resolve(path.dirname(file), spec);
    return fs.existsSync(`${base}.ts`) ? `${base}.ts` : path.join(base, 'index.ts');
  };
  source.forEachChild((node) => {
    if (ts.isExportDeclaration(node)) {
      const from = node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier) ? node.moduleSpecifier.text : undefined;
      if (!node.exportClause && from?.startsWith('.')) exportedNames(resolve(from), seen).forEach((n) => names.add(n));
      else if (node.exportClause && ts.isNamedExports(node.exportClause)) node.exportClause.elements.forEach((e) => names.add(e.name.text));
    } else if ((ts.getCombinedModifierFlags(node as ts.Declaration) & ts.ModifierFlags.Export) !== 0) {
      const name = (node as ts.DeclarationStatement).name;
      if (name && ts.isIdentifier(name)) names.add(name.text);
    }
  });
  return names;
}

/** What users can import: the lib barrel and the observability barrel (which lib does not re-export). */
const PUBLIC = new Set([...exportedNames(path.join(ROOT, 'lib/index.ts')), ...exportedNames(path.join(ROOT, 'lib/observability/index.ts'))]);

function lookup(ref: string): Declared {
  const [folder, name] = ref.includes('/') ? ref.split('/') : [undefined, ref];
  const found = INTERFACES.filter((d) => d.name === name && (folder === undefined || d.folder === folder));
  if (found.length !== 1) throw new Error(`options table for ${ref}: ${found.length} interfaces of that name in lib/ (${found.map((d) => d.where).join(', ')})`);
  return found[0];
}

/** Member names of an interface and its lib/ base interfaces; inline object members also as `member.field`. */
function members(decl: Declared): { names: Set<string>; nested: Map<string, Set<string>> } {
  const names = new Set<string>();
  const nested = new Map<string, Set<string>>();
  for (const clause of decl.node.heritageClauses ?? []) {
    for (const type of clause.types) {
      const base = INTERFACES.find((d) => d.name === type.expression.getText(decl.source));
      if (!base) continue;
      const inherited = members(base);
      inherited.names.forEach((n) => names.add(n));
      inherited.nested.forEach((v, k) => nested.set(k, v));
    }
  }
  for (const m of decl.node.members) {
    if (!ts.isPropertySignature(m) && !ts.isMethodSignature(m)) continue;
    if (!m.name) continue;
    const name = m.name.getText(decl.source);
    names.add(name);
    if (ts.isPropertySignature(m) && m.type && ts.isTypeLiteralNode(m.type)) {
      nested.set(name, new Set(m.type.members.filter((c) => c.name).map((c) => `${name}.${c.name!.getText(decl.source)}`)));
    }
  }
  return { names, nested };
}

interface OptionsTable {
  readonly file: string;
  readonly line: number;
  readonly ref: string;
  readonly listed: readonly string[];
}

function optionsTables(): OptionsTable[] {
  const out: OptionsTable[] = [];
  for (const file of docFiles()) {
    const lines = readDoc(file).split('\n');
    lines.forEach((line, i) => {
      const marker = /^<!--\s*options:\s*([\w/]+)\s*-->\s*$/.exec(line);
      if (!marker) return;
      let j = i + 1;
      while (j < lines.length && lines[j].trim() === '') j++;
      const listed: string[] = [];
      // header row, delimiter row, then the body rows
      for (let k = j + 2; k < lines.length && lines[k].startsWith('|'); k++) {
        const firstCell = lines[k].split('|')[1] ?? '';
        for (const m of firstCell.matchAll(/`([^`]+)`/g)) listed.push(m[1]);
      }
      out.push({ file, line: i + 1, ref: marker[1], listed: j < lines.length && lines[j].startsWith('|') ? listed : [] });
    });
  }
  return out;
}

/** What is wrong with one table: members without a row, rows that are not members. */
export function tableProblems(table: OptionsTable): string[] {
  const decl = lookup(table.ref);
  const { names, nested } = members(decl);
  const listed = new Set(table.listed);
  const problems: string[] = [];
  for (const name of names) {
    const children = nested.get(name);
    const covered = listed.has(name) || (children !== undefined && [...children].every((c) => listed.has(c)));
    if (!covered) problems.push(`${table.file}:${table.line}: ${table.ref}.${name} (${decl.where}) has no row`);
  }
  for (const name of listed) {
    const parent = name.split('.')[0];
    const known = names.has(name) || (nested.get(parent)?.has(name) ?? false);
    if (!known) problems.push(`${table.file}:${table.line}: row \`${name}\` is not a member of ${table.ref} (${decl.where})`);
  }
  return problems;
}

describe('options tables in docs/ follow the props interfaces in lib/', () => {
  const tables = optionsTables();

  it('finds the tables (the extraction itself works)', () => {
    expect(tables.length).toBeGreaterThanOrEqual(30);
    expect(tables.find((t) => t.ref === 'MeshServiceProps')?.listed).toContain('image');
  });

  it('every table lists exactly the members of its interface', () => {
    expect(tables.flatMap(tableProblems)).toEqual([]);
  });

  it('every public *Props interface of lib/ has a table', () => {
    expect(PUBLIC.has('MeshServiceProps') && PUBLIC.has('PrometheusProps')).toBe(true);
    const documented = new Set(tables.map((t) => lookup(t.ref)));
    const missing = INTERFACES.filter((d) => d.exported && PUBLIC.has(d.name) && d.name.endsWith('Props') && !documented.has(d)).map((d) => `${d.where}: ${d.name}`);
    expect(missing).toEqual([]);
  });

  it('a missing and a stale row are both reported', () => {
    const listed = [...members(lookup('MeshNamespaceProps')).names].filter((n) => n !== 'cni');
    expect(tableProblems({ file: 'docs/x.md', line: 3, ref: 'MeshNamespaceProps', listed: [...listed, 'sidecarInjection'] })).toEqual([
      expect.stringMatching(/^docs\/x\.md:3: MeshNamespaceProps\.cni \(lib\/mesh\/.*\) has no row$/),
      expect.stringMatching(/^docs\/x\.md:3: row `sidecarInjection` is not a member of MeshNamespaceProps/),
    ]);
  });
});
