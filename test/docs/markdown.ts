import * as fs from 'fs';
import * as path from 'path';

/** The repository root. */
export const ROOT = path.resolve(__dirname, '../..');

/** README.md and every Markdown file under docs/, as paths relative to the root, sorted. */
export function docFiles(): string[] {
  const out = ['README.md'];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.md')) out.push(rel);
    }
  };
  if (fs.existsSync(path.join(ROOT, 'docs'))) walk('docs');
  return out;
}

export function readDoc(file: string): string {
  return fs.readFileSync(path.join(ROOT, file), 'utf8');
}

/** A fenced code block: its language, its text, and the 1-based line of its first code line. */
export interface CodeBlock {
  readonly file: string;
  readonly lang: string;
  readonly code: string;
  readonly line: number;
}

/**
 * Fenced code blocks of a CommonMark document (``` or ~~~, at most three
 * spaces of indent; the closing fence is at least as long as the opening one).
 * Indented content inside list items (as in README steps) is de-indented by the
 * fence's own indent.
 */
export function codeBlocks(file: string, text = readDoc(file)): CodeBlock[] {
  const lines = text.split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^`\s]*)/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, lang] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = /^(\s*)(`{3,}|~{3,})\s*$/.exec(lines[j]);
      if (close && close[2][0] === fence[0] && close[2].length >= fence.length) break;
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j].trimStart());
    }
    blocks.push({ file, lang: lang.toLowerCase(), code: body.join('\n'), line: i + 2 });
    i = j;
  }
  return blocks;
}

/** The document with fenced code blocks and inline code spans blanked out (line numbers kept). */
export function proseOf(text: string): string {
  const lines = text.split('\n');
  let fence: string | undefined;
  const out = lines.map((line) => {
    const m = /^\s*(`{3,}|~{3,})/.exec(line);
    if (fence) {
      if (m && m[1][0] === fence[0] && m[1].length >= fence.length && /^\s*(`{3,}|~{3,})\s*$/.test(line)) fence = undefined;
      return '';
    }
    if (m) {
      fence = m[1];
      return '';
    }
    return line;
  });
  return out.join('\n').replace(/(`+)[\s\S]*?\1/g, (span) => span.replace(/[^\n]/g, ' '));
}

/**
 * GitHub's anchor for a heading: the rendered text lower-cased, then every
 * character removed except letters (and other alphabetic code points), marks,
 * decimal and letter numbers, connector punctuation (`_`), space and `-`;
 * spaces become `-`. A repeated slug gets `-1`, `-2`, ... in document order.
 * Same categories as github-slugger (Flet/github-slugger,
 * script/generate-regex.mjs: removes Other_Number, all punctuation but `-`
 * and connectors, symbols, controls, format, unassigned, separators but ` `).
 */
export function slug(headingText: string): string {
  const rendered = headingText
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images keep their text
    .replace(/`([^`]*)`/g, '$1') // code spans keep their content
    .replace(/<[^>]+>/g, '') // inline HTML tags render as nothing
    .replace(/(\*\*|__|\*|~~)/g, ''); // emphasis markers (a lone `_` inside a word is text)
  return rendered
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{Alphabetic}\p{M}\p{Nd}\p{Nl}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a document defines: heading slugs (with GitHub's -1, -2 suffixes) and explicit `<a id>`/`<a name>`. */
export function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const original = text.split('\n');
  // headings are found in the prose (not inside code blocks); their text is read from the original line
  const prose = proseOf(text).split('\n');
  prose.forEach((line, i) => {
    if (!/^ {0,3}#{1,6}\s/.test(line)) return;
    const headingText = original[i].replace(/^ {0,3}#{1,6}\s+/, '').replace(/\s+#+\s*$/, '');
    const base = slug(headingText);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  });
  for (const m of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(m[1]);
  return anchors;
}

/** A Markdown link target found in prose (inline links and reference definitions). */
export interface Link {
  readonly file: string;
  readonly line: number;
  readonly target: string;
}

export function linksOf(file: string, text = readDoc(file)): Link[] {
  const out: Link[] = [];
  proseOf(text)
    .split('\n')
    .forEach((line, i) => {
      for (const m of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ file, line: i + 1, target: m[1] });
      const def = /^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$/.exec(line);
      if (def) out.push({ file, line: i + 1, target: def[1] });
    });
  return out;
}
