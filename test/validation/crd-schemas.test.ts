import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { KINDS, crdSchemas, selectCrds } from '../../bin/crd-schemas';

const ROOT = path.resolve(__dirname, '..', '..');
// CI clones the repo with shared/ beside it; the CRD files there are the ones imports/ was generated from
const CRD_DIR = path.resolve(ROOT, '..', 'shared', 'crds');

describe('imports/crd-schemas.json', () => {
  const committed = fs.readFileSync(path.join(ROOT, 'imports', 'crd-schemas.json'), 'utf8');

  it('has the v1 schema of every CRD kind meshforge uses', () => {
    const kinds = Object.keys(JSON.parse(committed) as object).map((k) => k.split('/'));
    expect(kinds.map(([, version]) => version)).toEqual(kinds.map(() => 'v1'));
    expect(kinds.map(([, , kind]) => kind).sort()).toEqual([...KINDS].sort());
  });

  it.skipIf(!fs.existsSync(CRD_DIR))('is what `CRD_DIR=../shared/crds npm run import` writes', () => {
    const texts = fs.readdirSync(CRD_DIR).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => fs.readFileSync(path.join(CRD_DIR, f), 'utf8'));
    expect(crdSchemas(selectCrds(texts))).toBe(committed);
  });
});
