import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { generatedValidators, goPatternToJs } from '../../bin/schema-validators';

const ROOT = path.resolve(__dirname, '..', '..');
const DIR = path.join(ROOT, 'imports', 'validators');

describe('imports/validators/ (precompiled schema validators)', () => {
  it('is what `npm run import` generates from imports/crd-schemas.json and cdk8s-plus-27 (regenerated in memory)', () => {
    const expected = generatedValidators(fs.readFileSync(path.join(ROOT, 'imports', 'crd-schemas.json'), 'utf8'));
    const committed = new Map(fs.readdirSync(DIR).sort().map((f) => [f, fs.readFileSync(path.join(DIR, f), 'utf8')]));
    expect([...committed.keys()]).toEqual([...expected.keys()]);
    // compared file by file so that a stale one is named, without printing 400 kB of code
    for (const [file, text] of expected) expect(committed.get(file) === text, `${file} is stale: run \`npm run import\``).toBe(true);
  }, 180_000);

  it('translates the Go inline flag (?i) and refuses what it cannot translate', () => {
    expect(goPatternToJs('^(?i)(abort|warn)?$')).toBe('^([aA][bB][oO][rR][tT]|[wW][aA][rR][nN])?$');
    expect(new RegExp(goPatternToJs('^(?i)(abort|warn)?$'), 'u').test('Abort')).toBe(true);
    expect(goPatternToJs('^[a-z]+$')).toBe('^[a-z]+$');
    expect(() => goPatternToJs('^(?i)[a-z]+$')).toThrowError('cannot translate Go pattern "^(?i)[a-z]+$" to JavaScript');
  });
});
