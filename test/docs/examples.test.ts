import * as path from 'path';
import * as ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { CodeBlock, ROOT, codeBlocks, docFiles } from './markdown';

/**
 * Every ```ts / ```typescript block in README.md and docs/ is type-checked
 * against the library, so an example that no longer compiles fails the tests.
 *
 * Examples are written as an app module would be: a file under apps/<name>/
 * importing the library with `from '../../lib'` (observability from
 * `'../../lib/observability'`), as apps/ does, so a block can be copied into
 * apps/<name>/index.ts as it is. Each block is compiled as its own virtual
 * module at apps/docs-examples/<doc>-L<line>.ts (same depth, so the relative
 * imports resolve to lib/), or at the path its first line names
 * (`// apps/gitops.ts`), all in one strict program.
 *
 * A block that truly cannot stand alone starts with `// fragment: <why>` and is
 * not compiled; keep those rare.
 */

const FRAGMENT = /^\s*\/\/\s*fragment:(.*)$/m;
const FILE_COMMENT = /^\/\/ (apps\/[\w./-]+\.ts)\s*$/;

export interface ExampleBlock extends CodeBlock {
  /** Absolute path of the virtual module the block is compiled as. */
  readonly virtualPath: string;
}

export function typescriptBlocks(): ExampleBlock[] {
  return docFiles()
    .flatMap((file) => codeBlocks(file))
    .filter((b) => b.lang === 'ts' || b.lang === 'typescript')
    .map((b) => {
      // A block that names its file (`// apps/gitops.ts`) is compiled there, so its relative imports are the real ones.
      const named = FILE_COMMENT.exec(b.code.split('\n')[0])?.[1];
      return { ...b, virtualPath: path.join(ROOT, named ?? `apps/docs-examples/${b.file.replace(/[/.]/g, '_')}-L${b.line}.ts`) };
    });
}

function isFragment(block: CodeBlock): boolean {
  const first = block.code.split('\n').find((l) => l.trim() !== '') ?? '';
  return FRAGMENT.test(first);
}

function compilerOptions(): ts.CompilerOptions {
  const configFile = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), (f) => ts.sys.readFile(f));
  const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, ROOT);
  return {
    ...parsed.options,
    strict: true,
    noEmit: true,
    incremental: false,
    tsBuildInfoFile: undefined,
    // An example may name a value only to show it; unused names are not rot.
    noUnusedLocals: false,
    noUnusedParameters: false,
  };
}

/** Type-checks the blocks in one program; returns one message per diagnostic, located in the Markdown file. */
export function typeCheck(blocks: readonly ExampleBlock[]): string[] {
  const messages: string[] = [];
  const seen = new Map<string, ExampleBlock>();
  for (const b of blocks) {
    const other = seen.get(b.virtualPath);
    if (other) messages.push(`${b.file}:${b.line}: names the same file as ${other.file}:${other.line}; give it another name`);
    seen.set(b.virtualPath, b);
  }
  const options = compilerOptions();
  // `export {}` makes every block a module, so top-level names of different blocks never clash.
  const sources = new Map(blocks.map((b) => [b.virtualPath, `${b.code}\nexport {};\n`]));
  const host = ts.createCompilerHost(options, true);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (f) => sources.has(f) || fileExists.call(host, f);
  host.readFile = (f) => sources.get(f) ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, onError, shouldCreate) => {
    const text = sources.get(f);
    return text !== undefined ? ts.createSourceFile(f, text, lang, true) : getSourceFile.call(host, f, lang, onError, shouldCreate);
  };
  const program = ts.createProgram([...sources.keys()], options, host);
  for (const block of blocks) {
    const sf = program.getSourceFile(block.virtualPath);
    if (!sf) {
      messages.push(`${block.file}:${block.line}: not compiled`);
      continue;
    }
    for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
      const { line } = sf.getLineAndCharacterOfPosition(d.start ?? 0);
      messages.push(`${block.file}:${block.line + line}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    }
  }
  return messages;
}

describe('TypeScript examples in README.md and docs/', () => {
  const blocks = typescriptBlocks();
  const compiled = blocks.filter((b) => !isFragment(b));
  // A deliberately broken block goes into the same program (one compile for all): it must be
  // reported, at its line in its Markdown file, and must not disturb the others.
  const broken: ExampleBlock = {
    file: 'docs/broken.md',
    lang: 'ts',
    line: 10,
    code: "import { MeshService } from '../../lib';\nexport const s: MeshService = 42;\n",
    virtualPath: path.join(ROOT, 'apps', 'docs-examples', 'broken-L10.ts'),
  };
  let messages: string[] = [];
  // One program type-checks the library as far as the examples reach: tens of seconds on a loaded 2-core machine.
  beforeAll(() => {
    messages = typeCheck([...compiled, broken]);
  }, 180_000);

  it('finds the examples (the extraction itself works)', () => {
    expect(blocks.filter((b) => b.file === 'README.md').length).toBeGreaterThan(0);
    expect(new Set(blocks.map((b) => b.file)).size).toBeGreaterThanOrEqual(5);
  });

  it('every example compiles against the library (strict)', () => {
    expect(messages.filter((m) => !m.startsWith(`${broken.file}:`))).toEqual([]);
  });

  it('a broken example is reported at its line in the Markdown file', () => {
    expect(messages.filter((m) => m.startsWith(`${broken.file}:`))).toEqual([
      "docs/broken.md:11: TS2322 Type 'number' is not assignable to type 'MeshService'.",
    ]);
  });

  it('fragments are rare and say why', () => {
    const fragments = blocks.filter(isFragment);
    for (const f of fragments) expect(FRAGMENT.exec(f.code)?.[1].trim(), `${f.file}:${f.line}`).not.toBe('');
    expect(fragments.length).toBeLessThanOrEqual(Math.max(1, Math.floor(blocks.length / 10)));
  });

  it('examples import the library the way apps/ do (relative imports of lib/, no package name)', () => {
    expect(compiled.filter((b) => /from\s+['"]meshforge/.test(b.code)).map((b) => `${b.file}:${b.line}`)).toEqual([]);
    // Relative imports are ours and must reach the barrel lib/ or one of its folders (lib/observability).
    const bad = compiled.flatMap((b) =>
      [...b.code.matchAll(/from\s+['"](\.[^'"]*)['"]/g)]
        .map((m) => m[1])
        .filter((spec) => !/^lib(\/[a-z-]+)?$/.test(path.relative(ROOT, path.resolve(path.dirname(b.virtualPath), spec)).split(path.sep).join('/')))
        .map((spec) => `${b.file}:${b.line}: ${spec}`),
    );
    expect(bad).toEqual([]);
  });
});
