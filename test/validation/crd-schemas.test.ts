import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
// Freshness against the CRD sources is by construction: `npm run import` writes this file and
// the bindings together (tests must not read ../shared).
import { KINDS } from '../../bin/crd-schemas';

const ROOT = path.resolve(__dirname, '..', '..');

describe('imports/crd-schemas.json', () => {
  const committed = fs.readFileSync(path.join(ROOT, 'imports', 'crd-schemas.json'), 'utf8');

  it('has the v1 schema of every CRD kind meshforge uses', () => {
    const kinds = Object.keys(JSON.parse(committed) as object).map((k) => k.split('/'));
    expect(kinds.map(([, version]) => version)).toEqual(kinds.map(() => 'v1'));
    expect(kinds.map(([, , kind]) => kind).sort()).toEqual([...KINDS].sort());
  });
});
