/**
 * A purpose-built YAML writer for the JSON-shaped documents synth produces
 * (plain objects, arrays, strings, finite and non-finite numbers, booleans,
 * null, undefined). It writes exactly the bytes that the `yaml` library
 * (version {@link VERIFIED_YAML_VERSION}) writes with cdk8s's options
 * `{ keepUndefined: true, lineWidth: 0, version: '1.1' }`, about an order of
 * magnitude faster, because it skips building a YAML node tree.
 *
 * The rules below are a transcription of `yaml`'s `stringifyString`,
 * `stringifyPair`, `stringifyCollection` and `stringifyNumber` for exactly
 * those options; the tag tests that decide whether a string must be quoted
 * (YAML 1.1 booleans, numbers, timestamps, null, `<<`) are taken from the
 * library's own schema object at load time. A document this writer cannot
 * prove it renders identically returns `undefined` and the caller falls back
 * to the library (see {@link tryEmitDocument}).
 *
 * Identity is checked by test/synth/fast-yaml.test.ts: every committed dist/
 * document and many thousands of generated edge cases, compared with the
 * library byte for byte.
 */

/** The `yaml` version whose output this writer reproduces; any other disables the fast path. */
export const VERIFIED_YAML_VERSION = '2.9.1';

/** Thrown internally when a value needs the library; never escapes this module. */
class Unsupported {}
const UNSUPPORTED = new Unsupported();

/**
 * The `yaml` module cdk8s itself uses (cdk8s bundles its own copy), its
 * version, and the YAML 1.1 tag tests. Resolved lazily so importing meshforge
 * stays cheap.
 */
interface YamlLib {
  readonly version: string;
  readonly tagTests: readonly RegExp[];
}
let lib: YamlLib | undefined;

function yamlLib(): YamlLib {
  if (lib) return lib;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const path = require('path') as typeof import('path');
  const cdk8sDir = path.dirname(require.resolve('cdk8s/package.json'));
  const yamlMain = require.resolve('yaml', { paths: [cdk8sDir] });
  const yamlPkg = require.resolve('yaml/package.json', { paths: [cdk8sDir] });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const version = (require(yamlPkg) as { version: string }).version;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const YAML = require(yamlMain) as typeof import('yaml');
  const schema = new YAML.Document(null, { version: '1.1' }).schema as unknown as {
    tags: { default?: unknown; tag: string; test?: RegExp }[];
    compat?: { default?: unknown; tag: string; test?: RegExp }[] | null;
  };
  // plainString quotes a string when any default, non-string tag's test matches it
  const tagTests = [...schema.tags, ...(schema.compat ?? [])]
    .filter((t): t is { default: unknown; tag: string; test: RegExp } => !!t.default && t.tag !== 'tag:yaml.org,2002:str' && !!t.test)
    .map((t) => t.test);
  lib = { version, tagTests };
  return lib;
}

/** Whether the fast path is active: only for the verified `yaml` version. */
export function fastYamlEnabled(): boolean {
  return yamlLib().version === VERIFIED_YAML_VERSION;
}

// ---------------------------------------------------------------------------
// Scalars (transcribed from yaml/dist/stringify/stringifyString.js, with
// lineWidth 0 — so no folding —, singleQuote null, blockQuote true,
// defaultStringType PLAIN, doubleQuotedAsJSON false, minMultiLineLength 40).

const DOC_MARKER = /^(%|---|\.\.\.)/m;
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u;
const PLAIN_FORBIDDEN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
const WS_AROUND_NL = /[ \t]\n|\n[ \t]/;
const TRAILING_WS_LINE = /\n[\t ]+$/;
const BLOCK_END_NEWLINES = /(^|(?<!\n))\n+(?!\n|$)/g;
const INDENT_STEP = '  ';

function doubleQuoted(value: string, implicitKey: boolean, ctxIndent: string): string {
  const json = JSON.stringify(value);
  const indent = ctxIndent || (DOC_MARKER.test(value) ? '  ' : '');
  let str = '';
  let start = 0;
  for (let i = 0, ch = json[i]; ch; ch = json[++i]) {
    if (ch === ' ' && json[i + 1] === '\\' && json[i + 2] === 'n') {
      // space before newline needs to be escaped to not be folded
      str += json.slice(start, i) + '\\ ';
      i += 1;
      start = i;
      ch = '\\';
    }
    if (ch === '\\') {
      switch (json[i + 1]) {
        case 'u': {
          str += json.slice(start, i);
          const code = json.substr(i + 2, 4);
          switch (code) {
            case '0000':
              str += '\\0';
              break;
            case '0007':
              str += '\\a';
              break;
            case '000b':
              str += '\\v';
              break;
            case '001b':
              str += '\\e';
              break;
            case '0085':
              str += '\\N';
              break;
            case '00a0':
              str += '\\_';
              break;
            case '2028':
              str += '\\L';
              break;
            case '2029':
              str += '\\P';
              break;
            default:
              if (code.substr(0, 2) === '00') str += '\\x' + code.substr(2);
              else str += json.substr(i, 6);
          }
          i += 5;
          start = i + 1;
          break;
        }
        case 'n':
          if (implicitKey || json[i + 2] === '"' || json.length < 40) {
            i += 1;
          } else {
            // folding will eat first newline
            str += json.slice(start, i) + '\n\n';
            while (json[i + 2] === '\\' && json[i + 3] === 'n' && json[i + 4] !== '"') {
              str += '\n';
              i += 2;
            }
            str += indent;
            // space after newline needs to be escaped to not be folded
            if (json[i + 2] === ' ') str += '\\';
            i += 1;
            start = i + 1;
          }
          break;
        default:
          i += 1;
      }
    }
  }
  return start ? str + json.slice(start) : json;
}

function singleQuoted(value: string, implicitKey: boolean, ctxIndent: string): string {
  if ((implicitKey && value.includes('\n')) || WS_AROUND_NL.test(value)) return doubleQuoted(value, implicitKey, ctxIndent);
  const indent = ctxIndent || (DOC_MARKER.test(value) ? '  ' : '');
  return "'" + value.replace(/'/g, "''").replace(/\n+/g, `$&\n${indent}`) + "'";
}

function quoted(value: string, implicitKey: boolean, indent: string): string {
  const hasDouble = value.includes('"');
  const hasSingle = value.includes("'");
  return hasDouble && !hasSingle ? singleQuoted(value, implicitKey, indent) : doubleQuoted(value, implicitKey, indent);
}

/** Literal block scalar (lineWidth 0 never prefers folded style). Only called with ctx.indent non-empty. */
function blockString(original: string, indent: string): string {
  if (TRAILING_WS_LINE.test(original)) return quoted(original, false, indent);
  let value = original;
  if (!value) return '|\n';
  let endStart: number;
  for (endStart = value.length; endStart > 0; --endStart) {
    const ch = value[endStart - 1];
    if (ch !== '\n' && ch !== '\t' && ch !== ' ') break;
  }
  let end = value.substring(endStart);
  const endNlPos = end.indexOf('\n');
  let chomp: string;
  if (endNlPos === -1) chomp = '-';
  else if (value === end || endNlPos !== end.length - 1) chomp = '+';
  else chomp = '';
  if (end) {
    value = value.slice(0, -end.length);
    if (end[end.length - 1] === '\n') end = end.slice(0, -1);
    end = end.replace(BLOCK_END_NEWLINES, `$&${indent}`);
  }
  let startWithSpace = false;
  let startEnd: number;
  let startNlPos = -1;
  for (startEnd = 0; startEnd < value.length; ++startEnd) {
    const ch = value[startEnd];
    if (ch === ' ') startWithSpace = true;
    else if (ch === '\n') startNlPos = startEnd;
    else break;
  }
  let start = value.substring(0, startNlPos < startEnd ? startNlPos + 1 : startEnd);
  if (start) {
    value = value.substring(start.length);
    start = start.replace(/\n+/g, `$&${indent}`);
  }
  const header = (startWithSpace ? '2' : '') + chomp;
  value = value.replace(/\n+/g, `$&${indent}`);
  return `|${header}\n${indent}${start}${value}${end}`;
}

/**
 * A string scalar as `yaml` writes it. `indent` is the context indent (the
 * indent of continuation lines), never empty here: documents are collections.
 */
function str(value: string, implicitKey: boolean, indent: string, tagTests: readonly RegExp[]): string {
  // the library resolves the string "<<" to its YAML 1.1 merge tag, which always writes it plain
  if (value === '<<') return value;
  if (CONTROL.test(value)) return doubleQuoted(value, implicitKey, indent);
  // plainString
  if (implicitKey && value.includes('\n')) return quoted(value, implicitKey, indent);
  if (PLAIN_FORBIDDEN.test(value)) {
    return implicitKey || !value.includes('\n') ? quoted(value, implicitKey, indent) : blockString(value, indent);
  }
  if (!implicitKey && value.includes('\n')) return blockString(value, indent);
  if (implicitKey && indent === INDENT_STEP && DOC_MARKER.test(value)) return quoted(value, implicitKey, indent);
  for (const t of tagTests) if (t.test(value)) return quoted(value, implicitKey, indent);
  return value;
}

/**
 * Cache of strings whose rendering does not depend on context (whether key
 * or value, the indent): those without a newline or a document marker at a
 * line start. Most strings in manifests repeat (label keys, API versions, images).
 */
const cache = new Map<string, string>();
const CACHE_LIMIT = 50_000;

function scalarString(value: string, implicitKey: boolean, indent: string, tagTests: readonly RegExp[]): string {
  const hit = cache.get(value);
  if (hit !== undefined) return hit;
  const out = str(value, implicitKey, indent, tagTests);
  // DOC_MARKER is multi-line: it also matches after \r, \u2028 and \u2029
  if (!value.includes('\n') && !DOC_MARKER.test(value)) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(value, out);
  }
  return out;
}

function num(value: number): string {
  if (!isFinite(value)) return isNaN(value) ? '.nan' : value < 0 ? '-.inf' : '.inf';
  return Object.is(value, -0) ? '-0' : JSON.stringify(value);
}

// ---------------------------------------------------------------------------
// Collections (block style; empty collections are flow `{}` / `[]`).

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return (proto === Object.prototype || proto === null) && typeof (v as { toJSON?: unknown }).toJSON !== 'function';
}

/**
 * Writes into an array of parts joined once per document: building the text
 * with `+=` would leave a rope of millions of tiny cons-strings that costs
 * far more memory than the text itself.
 */
class Writer {
  private readonly out: string[] = [];
  private readonly seen = new Set<object>();
  constructor(private readonly tagTests: readonly RegExp[]) {}

  /** The whole document: a collection at the root, then a final newline. */
  document(doc: object): string {
    this.collection(doc, '');
    this.out.push('\n');
    return this.out.join('');
  }

  /** Any non-collection value in value position (map value or sequence item). */
  private scalar(v: unknown, indent: string): string {
    switch (typeof v) {
      case 'string':
        return scalarString(v, false, indent, this.tagTests);
      case 'number':
        return num(v);
      case 'boolean':
        return v ? 'true' : 'false';
      case 'undefined':
        return 'null';
      default:
        if (v === null) return 'null';
        throw UNSUPPORTED;
    }
  }

  /** Tracks object identity: `yaml` writes anchors and aliases for repeated references. */
  private enter(o: object): void {
    if (this.seen.has(o)) throw UNSUPPORTED;
    this.seen.add(o);
  }

  /** A map or sequence at context indent `indent`; empty ones are flow `{}` / `[]`. */
  private collection(v: object, indent: string): void {
    this.enter(v);
    if (Array.isArray(v)) {
      if (Object.getPrototypeOf(v) !== Array.prototype) throw UNSUPPORTED;
      this.seq(v, indent);
    } else {
      if (!isPlainObject(v)) throw UNSUPPORTED;
      this.map(v as Record<string, unknown>, Object.keys(v), indent);
    }
  }

  /** Pairs joined with newline + indent. */
  private map(o: Record<string, unknown>, keys: readonly string[], indent: string): void {
    const out = this.out;
    if (keys.length === 0) {
      out.push('{}');
      return;
    }
    const inner = indent + INDENT_STEP;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const k = scalarString(key, true, inner, this.tagTests);
      // longer keys become explicit `? key` entries
      if (k.length > 1024) throw UNSUPPORTED;
      if (i > 0) out.push('\n', indent);
      out.push(k, ':');
      const v = o[key];
      if (v !== null && typeof v === 'object') {
        // a block collection starts on the next line, an empty (flow) one after a space
        const empty = Array.isArray(v) ? v.length === 0 : isEmptyObject(v);
        out.push(empty ? ' ' : '\n' + inner);
        this.collection(v, inner);
      } else {
        out.push(' ', this.scalar(v, inner));
      }
    }
  }

  /** Items `- ` joined with newline + indent; their content is indented one step more. */
  private seq(a: readonly unknown[], indent: string): void {
    const out = this.out;
    if (a.length === 0) {
      out.push('[]');
      return;
    }
    const item = indent + INDENT_STEP;
    for (let i = 0; i < a.length; i++) {
      if (i > 0) out.push('\n', indent);
      out.push('- ');
      const v = a[i];
      if (v !== null && typeof v === 'object') this.collection(v, item);
      else out.push(this.scalar(v, item));
    }
  }
}

function isEmptyObject(o: object): boolean {
  for (const k in o) if (Object.prototype.hasOwnProperty.call(o, k)) return false;
  return true;
}

/**
 * Renders one document the way `yaml.stringify(doc, { keepUndefined: true,
 * lineWidth: 0, version: '1.1' })` does, or returns `undefined` when the fast
 * path cannot guarantee identical output (a non-collection document, class
 * instances, repeated object references, keys over 1024 characters, bigint,
 * symbols or functions, or an unverified `yaml` version).
 */
export function tryEmitDocument(doc: unknown): string | undefined {
  const { tagTests, version } = yamlLib();
  if (version !== VERIFIED_YAML_VERSION) return undefined;
  if (doc === null || typeof doc !== 'object') return undefined;
  try {
    return new Writer(tagTests).document(doc);
  } catch (e) {
    if (e === UNSUPPORTED) return undefined;
    throw e;
  }
}
