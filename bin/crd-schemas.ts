/**
 * Extracts the OpenAPI v3 schema of each CRD version into one JSON object,
 * keyed `<group>/<version>/<Kind>`. `npm run import` writes it next to the
 * typed bindings as imports/crd-schemas.json, so the schema validator
 * (lib/validation/schema-validator.ts) checks objects against exactly the
 * CRDs the bindings were generated from, with no network at test time.
 */
import { parseAllDocuments } from 'yaml';

/** The CRD kinds meshforge uses; only their `v1` versions are kept. */
export const KINDS: ReadonlySet<string> = new Set([
  'VirtualService', 'DestinationRule', 'Gateway', 'ServiceEntry', 'Sidecar',
  'AuthorizationPolicy', 'PeerAuthentication', 'RequestAuthentication', 'Telemetry',
  'ServiceMonitor', 'PodMonitor', 'PrometheusRule',
]);
export const VERSION = 'v1';

export interface CrdDocument {
  kind: string;
  spec: {
    group: string;
    names: { kind: string };
    versions: { name: string; schema?: { openAPIV3Schema?: unknown } }[];
  };
}

/** Sorts object keys recursively so the file is stable whatever the source order. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

export function crdSchemas(crds: readonly CrdDocument[]): string {
  const out: Record<string, unknown> = {};
  for (const crd of crds) {
    for (const v of crd.spec.versions) {
      if (v.schema?.openAPIV3Schema) out[`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`] = v.schema.openAPIV3Schema;
    }
  }
  return JSON.stringify(sortKeys(out)) + '\n';
}

/** The CRDs of KINDS (their `v1` version only) found in YAML texts; throws when one is missing. */
export function selectCrds(texts: readonly string[]): CrdDocument[] {
  const crds: CrdDocument[] = [];
  for (const text of texts) {
    for (const doc of parseAllDocuments(text)) {
      const crd = doc.toJS() as CrdDocument | null;
      if (!crd || crd.kind !== 'CustomResourceDefinition' || !KINDS.has(crd.spec.names.kind)) continue;
      crd.spec.versions = crd.spec.versions.filter((v) => v.name === VERSION);
      if (crd.spec.versions.length > 0) crds.push(crd);
    }
  }
  const found = new Set(crds.map((c) => c.spec.names.kind));
  const missing = [...KINDS].filter((k) => !found.has(k));
  if (missing.length > 0) throw new Error(`CRDs not found in the sources: ${missing.join(', ')}`);
  return crds;
}
