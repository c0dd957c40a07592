import * as fs from 'fs';
import { SourceMap } from 'module';
import * as path from 'path';
import { stampOf } from './incremental-type-check';

/*
 * Stack traces of the transpiled modules (build/synth/, issue 18) in terms of the TypeScript
 * sources, read from their `.map` files only when a stack is shown. Node's own source-map support
 * (`--enable-source-maps`) parses the map of every module as it loads: about 0.08 s of each synth.
 */

// By file, with the map file's `mtimeMs:size`: this module stays loaded for the whole watch session
// while the modules it maps are transpiled again, so a map read before a save must not answer after it.
const maps = new Map<string, { stamp: string; map: SourceMap | null }>();

function mapOf(file: string): SourceMap | null {
  // no map: cached as none until one appears
  const stamp = stampOf(`${file}.map`) ?? 'missing';
  const hit = maps.get(file);
  if (hit?.stamp === stamp) return hit.map;
  let map: SourceMap | null;
  try {
    map = new SourceMap(JSON.parse(fs.readFileSync(`${file}.map`, 'utf8')));
  } catch {
    map = null;
  }
  maps.set(file, { stamp, map });
  return map;
}

/**
 * `file:line:column` (1-based, as in stack traces) of a transpiled module mapped to its source;
 * undefined when the file has no source map or the position is not mapped.
 */
export function originalPosition(file: string, line: number, column: number): { file: string; line: number; column: number } | undefined {
  if (!file.endsWith('.js')) return undefined;
  const map = mapOf(file);
  if (!map) return undefined;
  const entry = map.findEntry(line - 1, column - 1) as Partial<{ originalSource: string; originalLine: number; originalColumn: number }>;
  if (entry.originalSource === undefined || entry.originalLine === undefined || entry.originalColumn === undefined) return undefined;
  const source = entry.originalSource.startsWith('file://') ? new URL(entry.originalSource).pathname : path.resolve(path.dirname(file), entry.originalSource);
  return { file: source, line: entry.originalLine + 1, column: entry.originalColumn + 1 };
}

/** `stack` with every frame of a transpiled module that has a source map pointing at its source instead. */
export function mapStack(stack: string): string {
  return stack
    .split('\n')
    .map((line) =>
      line.replace(/((?:file:\/\/)?\/[^()\s]+\.js):(\d+):(\d+)/, (whole, file: string, l: string, c: string) => {
        const at = originalPosition(file.replace(/^file:\/\//, ''), Number(l), Number(c));
        return at ? `${at.file}:${at.line}:${at.column}` : whole;
      }),
    )
    .join('\n');
}
