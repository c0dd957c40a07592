import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { readTree } from '../lib';
import { SchemaValidator } from '../lib/validation/schema-validator';

const DIST = path.resolve(__dirname, '..', 'dist');

/**
 * Every YAML document of every manifest under dist/ (kustomization.yaml files are kustomize's input, and side
 * files such as istio/mesh-config.*.yaml configure the Istio install; neither is an object anyone applies).
 */
const documents = [...readTree(DIST)]
  .filter(([file]) => file.endsWith('.k8s.yaml'))
  .flatMap(([file, text]) => parseAllDocuments(text).map((doc, i) => ({ where: `dist/${file}#${i}`, obj: doc.toJS() as unknown })));

describe('every object in dist/ validates against its schema', () => {
  it('dist/ has objects to check', () => {
    expect(documents.length).toBeGreaterThan(0);
  });

  it.each(documents.map((d) => [d.where, d.obj]))('%s', (_where, obj) => {
    expect(SchemaValidator.default().validate(obj)).toEqual([]);
  });
});
