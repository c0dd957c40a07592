import * as fs from 'fs';
import * as path from 'path';
import { Yaml } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { VERIFIED_YAML_VERSION, emitYaml, fastYamlEnabled, readTree, tryEmitDocument } from '../../lib';

/**
 * Differential tests: the fast writer against the `yaml` library with cdk8s's
 * options (through cdk8s's own `Yaml.stringify`), byte for byte.
 */

const DIST = path.resolve(__dirname, '..', '..', 'dist');

/** What cdk8s writes for one document. */
const reference = (doc: unknown): string => Yaml.stringify(doc);

/** Asserts identity and returns whether the fast path handled the document (vs. falling back). */
function same(doc: unknown): boolean {
  const fast = tryEmitDocument(doc);
  if (fast !== undefined) {
    const ref = reference(doc);
    if (fast !== ref) {
      // a readable failure: the input and both outputs
      expect({ input: doc, fast }).toEqual({ input: doc, fast: ref });
    }
  }
  expect(emitYaml([doc])).toBe(reference(doc));
  return fast !== undefined;
}

/** mulberry32: a tiny seeded PRNG, so every run checks the same cases. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NUMBER_LIKE = [
  '0', '1', '-1', '+1', '42', '017', '0o17', '0x1F', '0X1f', '0b101', '1_000', '1,000', '.5', '5.', '0.5', '1e3', '1E3', '1e+3', '-1.5e-3',
  '.inf', '-.inf', '+.inf', '.Inf', '.INF', '.nan', '.NaN', '.NAN', 'nan', 'inf', 'Infinity', '-0', '00', '09', '1__0', '0x', '0b', '1.2.3',
  '190:20:30', '1:20', '-1:20', '1:20.5', '12:60', '2024-01-01', '2024-1-1', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10 -5',
  '2001-12-15T02:59:43.1Z', '2024-01-01T00:00:00', '20240101', '1.0', '1.10', '3.14159', '6.8523015e+5', '685.230_15e+03', '685_230.15',
];
const BOOL_LIKE = [
  'y', 'Y', 'n', 'N', 'yes', 'Yes', 'YES', 'yEs', 'no', 'No', 'NO', 'on', 'On', 'ON', 'oN', 'off', 'Off', 'OFF', 'true', 'True', 'TRUE', 'tRue',
  'false', 'False', 'FALSE', 'null', 'Null', 'NULL', 'nULL', '~', '', '<<', '<', '=', 'yes please', 'on-call',
];
const PUNCTUATION = [
  ' ', '  ', ' lead', 'trail ', ' both ', '\tlead', 'trail\t', '#', '# comment', 'a #b', 'a#b', 'a: b', 'a:b', 'a:', ':a', ': a', '- a', '-a', '-', '--',
  '---', '--- a', '---a', '...', '... a', '%', '%TAG', '?', '? a', '?a', '@a', '`a', '&a', '*a', '!a', '!!str', '|', '|-', '>', '>-', '[a]', '{a}',
  'a,b', ',', 'a]', 'a}', "'", "it's", '"', 'say "hi"', `both ' and "`, "''", '""', '\\', 'a\\nb', 'C:\\path', '\\"', 'a\tb', 'tab\t\tx',
  'key=value', 'http://example.com/a?b=c#d', 'https://x:8080', '/etc/config', './rel', '*', 'a*', '=', '$HOME', '${VAR}', '{{ .Values }}', '<>',
];
const CONTROL = ['\x00', 'a\x01b', '\x07', '\x08', '\x0b', '\x0c', '\r', 'a\rb', '\x1b[0m', '\x7f', '\x85', '\xa0', 'nb\xa0sp', '\u2028', '\u2029', '\u2028--- a', 'a\u2029...', 'x\r---', '\ud800', 'a\udfffb', '\ufeff'];
const MULTILINE = [
  'a\nb', 'a\nb\n', 'a\nb\n\n', 'a\nb\n\n\n', '\na', '\n\na', '\n', '\n\n', 'a\n', 'a\n\n', ' a\nb', '  a\n  b\n', 'a\n b', 'a \nb', 'a\n\tb', 'a\n ',
  'a\n\t', 'a\n  \n', 'a\n\nb', 'a\n\n\nb\n', 'line1\nline2\n  indented\nline4\n', '#!/bin/sh\necho hi\n', '- a\n- b\n', 'a: 1\nb: 2\n', '---\na: 1\n',
  'x\n---\ny\n', '...\n', '%YAML 1.1\n', 'a\r\nb\r\n', 'tab\there\nx', 'ends with space \nx', '"quoted"\nline', "it's\nmulti", 'both \' "\nx',
  'server {\n  listen 80;\n  location / {\n    return 200;\n  }\n}\n', '{\n  "json": true\n}', 'a\x01\nb', 'a\n\x01', 'emoji 😀\nline',
  `${'long line '.repeat(30)}\nnext`, ' \n', '\n ', '\t\n', 'x\n\n ', '\n\nx\n\n', 'a \n b \n',
];
const UNICODE = ['😀', 'ünïcödé', '日本語', 'Ελληνικά', 'ümlaut: x', 'é#', '\u0301', '👩‍👩‍👧', 'ℕ', 'ｆｕｌｌ', 'a\u00a0', 'zero\u200bwidth'];
const LONG = ['x'.repeat(81), 'word '.repeat(40).trim(), 'a'.repeat(2000), 'key'.repeat(400), `${'y '.repeat(100)}z`, 'a: b '.repeat(50)];
const ALL_STRINGS = [...NUMBER_LIKE, ...BOOL_LIKE, ...PUNCTUATION, ...CONTROL, ...MULTILINE, ...UNICODE, ...LONG];
const NUMBERS = [0, -0, 1, -1, 42, 1.5, -2.25, 0.1, 1e21, 1e-7, 123456789012, Number.MAX_SAFE_INTEGER, Number.MAX_VALUE, Number.MIN_VALUE, NaN, Infinity, -Infinity, 2 ** 53 + 2];
const OTHERS = [true, false, null, undefined, {}, [], [[]], [{}], { a: {} }, { a: [] }, { a: [[], {}] }, [[[]]], { a: { b: { c: {} } } }];

describe('fast YAML writer', () => {
  it('is active for the yaml version cdk8s bundles', () => {
    expect(fastYamlEnabled()).toBe(true);
    const cdk8sYaml = path.dirname(require.resolve('yaml/package.json', { paths: [path.dirname(require.resolve('cdk8s/package.json'))] }));
    expect(JSON.parse(fs.readFileSync(path.join(cdk8sYaml, 'package.json'), 'utf8')).version).toBe(VERIFIED_YAML_VERSION);
  });

  it('renders every committed dist/ document exactly like the yaml library, without falling back', () => {
    const files = [...readTree(DIST)].filter(([f]) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(0);
    let docs = 0;
    for (const [file, text] of files) {
      const objects = parseAllDocuments(text, { version: '1.1' }).map((d) => d.toJS());
      for (const o of objects) {
        expect(tryEmitDocument(o), file).toBe(reference(o));
        docs++;
      }
      const body = text.replace(/^(#[^\n]*\n)+/, ''); // kustomization.yaml starts with a comment
      expect(emitYaml(objects), file).toBe(body);
    }
    expect(docs).toBeGreaterThan(0);
  });

  it.each([
    ['map value', (s: unknown) => ({ k: s })],
    ['map key', (s: unknown) => ({ [String(s)]: 'v' })],
    ['key and value', (s: unknown) => ({ [String(s)]: s })],
    ['sequence item', (s: unknown) => [s]],
    ['nested map value', (s: unknown) => ({ a: { b: { c: s } } })],
    ['nested key', (s: unknown) => ({ a: { [String(s)]: 1 } })],
    ['map in sequence', (s: unknown) => ({ list: [{ name: s, other: s }] })],
    ['sequence in sequence', (s: unknown) => [[s, [s]]]],
    ['top-level sequence of maps', (s: unknown) => [{ [String(s)]: s }]],
  ])('renders edge-case strings as a %s exactly like the yaml library', (_where, wrap) => {
    for (const s of ALL_STRINGS) same(wrap(s));
  });

  it('renders numbers, booleans, null, undefined and empty collections exactly like the yaml library', () => {
    for (const v of [...NUMBERS, ...OTHERS]) {
      expect(same({ v })).toBe(true);
      expect(same([v])).toBe(true);
      expect(same({ a: [{ v }] })).toBe(true);
    }
    expect(same({})).toBe(true);
    expect(same([])).toBe(true);
    expect(tryEmitDocument({ a: undefined, b: [undefined, null] })).toBe('a: null\nb:\n  - null\n  - null\n');
    // JSON-shaped but unusual: null-prototype maps, sparse arrays, integer-like keys (ordered first by JS)
    expect(same(Object.assign(Object.create(null) as object, { b: 1, a: { c: [] } }))).toBe(true);
    expect(same({ sparse: [1, , 3] })).toBe(true);
    expect(same({ z: 1, '10': 2, '2': 3, '-1': 4, '01': 5 })).toBe(true);
  });

  it('handles the common strings on the fast path, not by fallback', () => {
    for (const s of ALL_STRINGS.filter((x) => x.length < 1000)) {
      expect(same({ [s]: s, l: [s] }), JSON.stringify(s)).toBe(true);
    }
  });

  it('falls back to the library where it cannot guarantee identical output, still byte-identical', () => {
    const shared = { a: 1 };
    const cases: unknown[] = [
      { x: shared, y: shared }, // the library writes anchors and aliases
      { ['k'.repeat(1100)]: 1 }, // keys over 1024 characters become explicit `? key`
      { d: new Date(0) },
      { m: new Map([['a', 1]]) },
      { s: new Set([1]) },
      { b: Buffer.from('hi') },
      { j: { toJSON: () => 'x' } },
      { n: BigInt(5) },
      'a top-level string',
      42,
      null,
    ];
    for (const c of cases) {
      expect(tryEmitDocument(c)).toBeUndefined();
      expect(emitYaml([c])).toBe(reference(c));
    }
  });

  it('joins documents with --- and writes undefined documents as an empty line, like cdk8s', () => {
    const docs = [{ a: 1 }, undefined, [], { b: 'x\ny\n' }];
    expect(emitYaml(docs)).toBe(Yaml.stringify(...docs));
    expect(emitYaml([])).toBe(Yaml.stringify());
  });

  it.each([20261123, 7, 424242])('renders 4000 random documents (seed %i) exactly like the yaml library', (seed) => {
    const rnd = prng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
    const fragments = [...ALL_STRINGS.filter((s) => s.length < 100), 'a', 'b', 'name', 'app.kubernetes.io/name', '-', ':', ' ', '\n', '#', "'", '"', '\t'];
    const randomString = (): string => {
      const n = Math.floor(rnd() * 4);
      let s = pick(fragments);
      for (let i = 0; i < n; i++) s += pick(fragments);
      return s;
    };
    const randomScalar = (): unknown => {
      const r = rnd();
      if (r < 0.6) return randomString();
      if (r < 0.75) return pick(NUMBERS);
      if (r < 0.8) return Math.round((rnd() - 0.5) * 1e6) / (rnd() < 0.5 ? 1 : 100);
      if (r < 0.9) return rnd() < 0.5;
      return rnd() < 0.5 ? null : undefined;
    };
    const randomValue = (depth: number): unknown => {
      const r = rnd();
      if (depth > 4 || r < 0.5) return randomScalar();
      const size = Math.floor(rnd() * 5);
      if (r < 0.75) {
        const o: Record<string, unknown> = {};
        for (let i = 0; i < size; i++) o[randomString()] = randomValue(depth + 1);
        return o;
      }
      return Array.from({ length: size }, () => randomValue(depth + 1));
    };
    let fast = 0;
    for (let i = 0; i < 4000; i++) {
      const doc = rnd() < 0.8 ? { root: randomValue(0), [randomString()]: randomValue(1) } : [randomValue(1), randomValue(2)];
      if (same(doc)) fast++;
    }
    expect(fast).toBe(4000);
  });
});
