import { Yaml } from 'cdk8s';
import { tryEmitDocument } from './fast-yaml';

/**
 * Serializes manifests to a multi-document YAML string exactly as cdk8s's
 * `Yaml.stringify` does (`yaml` library, YAML 1.1 schema, no line folding,
 * `undefined` kept as `null`, documents joined by `---`). Each document goes
 * through the fast writer (`fast-yaml.ts`); a document it cannot prove it
 * renders identically is handed to cdk8s's `Yaml.stringify` instead. `docs`
 * may be lazy (a generator): each document is serialized as soon as it is produced.
 */
export function emitYaml(docs: Iterable<unknown>): string {
  const out: string[] = [];
  for (const doc of docs) out.push(emitYamlDocument(doc));
  return joinYamlDocuments(out);
}

/** One document of {@link emitYaml}: the fast writer, or cdk8s's `Yaml.stringify` when it cannot vouch for the bytes. */
export function emitYamlDocument(doc: unknown): string {
  return doc === undefined ? '\n' : (tryEmitDocument(doc) ?? Yaml.stringify(doc));
}

/** Documents written by {@link emitYamlDocument}, as one multi-document file (what {@link emitYaml} returns). */
export function joinYamlDocuments(docs: readonly string[]): string {
  return docs.join('---\n');
}
