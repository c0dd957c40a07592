import { Yaml } from 'cdk8s';

/**
 * Serializes manifests to a multi-document YAML string exactly as cdk8s does
 * (`yaml` library, YAML 1.1 schema, no line folding). Kept behind one function
 * so the emitter can be replaced without touching the rest of the pipeline.
 */
export function emitYaml(docs: readonly unknown[]): string {
  return Yaml.stringify(...docs);
}
