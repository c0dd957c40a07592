import { IConstruct } from 'constructs';
import { MeshforgeError } from './meshforge-error';
import { violationError } from './rules';
import { SchemaCache } from './schema-cache';
import { SchemaValidator, SchemaViolation } from './schema-validator';

/**
 * Istio's older API versions (synth's `istioApiLevel: 'v1beta1'`) are checked
 * against the v1 schemas: Istio promoted these kinds to v1 without schema
 * changes (istio.io blog, "Introducing Istio v1 APIs", 2024), and the CRDs
 * serve every version from one schema.
 */
const ISTIO_V1_OF: Readonly<Record<string, string>> = {
  'networking.istio.io/v1beta1': 'networking.istio.io/v1',
  'security.istio.io/v1beta1': 'security.istio.io/v1',
  'telemetry.istio.io/v1alpha1': 'telemetry.istio.io/v1',
};

const WITHOUT_SCHEMA = 'meshforge:kind-without-schema';

/**
 * Lets synth write `obj` although meshforge has no schema for its kind (a CRD
 * that is not in imports/, e.g. a Gateway API or cert-manager object made with
 * `new ApiObject(...)`); `reason` says why that is acceptable and stays in the
 * construct tree. Without it such an object fails synth with
 * SCHEMA_UNKNOWN_KIND. The manifest rules still apply; nothing else is checked.
 * The better fix is to add the CRD to bin/crd-schemas.ts and run `npm run import`.
 */
export function allowKindWithoutSchema(obj: IConstruct, reason: string): void {
  if (reason.trim() === '') {
    throw new MeshforgeError('an object without a schema needs a reason', { code: 'SCHEMA_UNKNOWN_KIND', path: obj.node.path, field: 'reason', value: reason, expected: 'a non-empty reason' });
  }
  obj.node.addMetadata(WITHOUT_SCHEMA, reason);
}

/** The reason given with allowKindWithoutSchema for `obj`, if any. */
export function kindWithoutSchemaReason(obj: IConstruct): string | undefined {
  return obj.node.metadata.find((m) => m.type === WITHOUT_SCHEMA)?.data as string | undefined;
}

function asSchemaVersion(obj: Record<string, unknown>): Record<string, unknown> {
  const v1 = typeof obj.apiVersion === 'string' ? ISTIO_V1_OF[obj.apiVersion] : undefined;
  return v1 && SchemaValidator.default().supports(v1, String(obj.kind)) ? { ...obj, apiVersion: v1 } : obj;
}

/**
 * A JSON pointer into `obj` as the field path the manifest rules' errors use:
 * `/spec/template/spec/containers/0/image` → `spec.template.spec.containers[0].image`,
 * `/metadata/annotations/example.com~1tier` → `metadata.annotations.example.com/tier`.
 * The value at the pointer comes along (undefined past a missing field).
 */
export function pointerToField(obj: unknown, pointer: string): { field: string; value: unknown } {
  let field = '';
  let value: unknown = obj;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    field += Array.isArray(value) ? `[${key}]` : field === '' ? key : `.${key}`;
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  }
  return { field, value };
}

/** What would be valid for a violation whose schema message says nothing more. */
function expectedOf(v: SchemaViolation, obj: Record<string, unknown>): string {
  if (v.expected) return v.expected;
  if (v.message.startsWith('unknown field')) return `only fields of the ${String(obj.apiVersion)} ${String(obj.kind)} schema (check the spelling, or remove it)`;
  if (v.message.startsWith('no schema for')) {
    return 'a kind meshforge has a schema for (Kubernetes 1.27 built-in kinds, the CRDs of imports/ from bin/crd-schemas.ts, Argo CD, Flux), or allowKindWithoutSchema(object, reason)';
  }
  return `a value the ${String(obj.apiVersion)} ${String(obj.kind)} schema accepts`;
}

/**
 * Every schema violation of one rendered object (SchemaValidator: the
 * Kubernetes 1.27 OpenAPI schema with strict fields, the CRD schemas, Argo CD
 * and Flux), each a MeshforgeError (code `SCHEMA_INVALID`, or
 * `SCHEMA_UNKNOWN_KIND` for a kind without a schema) naming the construct
 * path, the field, the bad value and what the schema accepts; aggregated with
 * the manifest rules' errors by synthesizeApp. `source` is the construct
 * that emitted the object (or its path). With `document` (the object's
 * YAML text, exactly as written) a document that passed before is not
 * validated again (see SchemaCache). A field one of the `reported` (rule)
 * errors already names is not reported twice: the rule's message is the more
 * specific one (`replicas` beyond int32 is K8S_REPLICAS, not "must match format").
 */
export function schemaErrors(obj: Record<string, unknown>, source: string | IConstruct, document?: string, reported: readonly MeshforgeError[] = []): MeshforgeError[] {
  const path = typeof source === 'string' ? source : source.node.path;
  const cache = document === undefined ? undefined : SchemaCache.shared();
  const key = cache && SchemaCache.key(document!);
  if (key !== undefined && cache!.has(key)) return [];
  const violations = SchemaValidator.default().validate(asSchemaVersion(obj));
  if (violations.length === 0) {
    if (key !== undefined) cache!.add(key);
    return [];
  }
  if (typeof source !== 'string' && violations[0].message.startsWith('no schema for') && kindWithoutSchemaReason(source) !== undefined) return [];
  const seen = new Set(reported.map((e) => e.field));
  return violations.flatMap((v) => {
    const unknownField = /^unknown field "(.*)"$/.exec(v.message);
    const at = pointerToField(obj, unknownField ? `${v.pointer}/${unknownField[1].replaceAll('~', '~0').replaceAll('/', '~1')}` : v.pointer);
    if (seen.has(at.field)) return [];
    return violationError(obj, path, {
      code: v.message.startsWith('no schema for') ? 'SCHEMA_UNKNOWN_KIND' : 'SCHEMA_INVALID',
      field: at.field || '(object)',
      value: at.value,
      message: `schema violation: ${v.message}`,
      expected: expectedOf(v, obj),
    });
  });
}
