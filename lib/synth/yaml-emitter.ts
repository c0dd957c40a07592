import { Yaml } from 'cdk8s';
import { tryEmitDocument } from './fast-yaml';

/**
 * Serializes manifests to a multi-document YAML string exactly as cdk8s's
 * `Yaml.stringify` does (`yaml` library, YAML 1.1 schema, no line folding,
 * `undefined` kept as `null`, documents joined by `---`). Each document goes
 * through the fast writer (`fast-yaml.ts`); a document it cannot prove it
 * renders identically is handed to cdk8s's `Yaml.stringify` instead.
 */
export function emitYaml(docs: readonly unknown[]): string {
  let out = '';
  for (let i = 0; i < docs.length; i++) {
    if (i > 0) out += '---\n';
    const doc = docs[i];
    out += doc === undefined ? '\n' : (tryEmitDocument(doc) ?? Yaml.stringify(doc));
  }
  return out;
}
