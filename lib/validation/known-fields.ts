import * as fs from 'fs';
import * as path from 'path';
import type { SchemaViolation } from './schema-validator';

/** The parts of a jsii type reference that matter here. */
interface TypeRef {
  readonly fqn?: string;
  readonly primitive?: string;
  readonly collection?: { readonly kind: 'array' | 'map'; readonly elementtype: TypeRef };
}

interface JsiiType {
  readonly datatype?: boolean;
  readonly namespace?: string;
  readonly docs?: { readonly custom?: { readonly schema?: string } };
  readonly properties?: readonly { readonly name: string; readonly type: TypeRef; readonly docs?: { readonly custom?: { readonly schema?: string } } }[];
}

type Fields = ReadonlyMap<string, TypeRef>;

/**
 * Strict field validation for Kubernetes 1.27 built-in kinds, as the API
 * server does with `--validate=strict`: every field of an object must exist
 * in its type. The kubernetes-models validators accept unknown fields, so the
 * field lists come from cdk8s-plus-27's jsii assembly, which describes every
 * `io.k8s.*` type of Kubernetes 1.27 with the JSON name of each field (in
 * `docs.custom.schema`, e.g. `io.k8s.api.apps.v1.DeploymentSpec#replicas`).
 * Only field names are checked here; types and required fields are the
 * kubernetes-models validators' job.
 */
export class KnownFields {
  private static instance?: KnownFields;

  /** Lazily loaded (the assembly is ~3 MB of JSON). */
  public static k8s127(): KnownFields {
    return (KnownFields.instance ??= new KnownFields());
  }

  private readonly types: Record<string, JsiiType>;
  private readonly bySchema = new Map<string, string>();
  private readonly fields = new Map<string, Fields>();

  private constructor() {
    const dir = path.dirname(require.resolve('cdk8s-plus-27/package.json'));
    this.types = (JSON.parse(fs.readFileSync(path.join(dir, '.jsii'), 'utf8')) as { types: Record<string, JsiiType> }).types;
    for (const [fqn, t] of Object.entries(this.types)) {
      const schema = t.docs?.custom?.schema;
      if (t.namespace === 'k8s' && t.datatype && schema) this.bySchema.set(schema, fqn);
    }
  }

  /** `apps/v1` + `Deployment` → `io.k8s.api.apps.v1.Deployment`. */
  private static schemaId(apiVersion: string, kind: string): string {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['core', apiVersion];
    return `io.k8s.api.${group.split('.')[0]}.${version}.${kind}`;
  }

  /** Whether the field lists cover this apiVersion/kind. */
  public covers(apiVersion: string, kind: string): boolean {
    return this.bySchema.has(KnownFields.schemaId(apiVersion, kind));
  }

  /** One violation per unknown field in `obj`; empty when every field is known (or the kind is not covered). */
  public unknownFields(obj: Record<string, unknown>): SchemaViolation[] {
    const fqn = this.bySchema.get(KnownFields.schemaId(String(obj.apiVersion), String(obj.kind)));
    if (!fqn) return [];
    const out: SchemaViolation[] = [];
    // apiVersion and kind are not fields of the Kube*Props structs
    const rest = Object.fromEntries(Object.entries(obj).filter(([k]) => k !== 'apiVersion' && k !== 'kind'));
    this.walk(rest, { fqn }, '', out);
    return out;
  }

  /** Unknown fields of `value` read as the Kubernetes type `schemaId` (e.g. ObjectMeta of a custom resource). */
  public unknownFieldsAs(schemaId: string, value: unknown, pointer: string): SchemaViolation[] {
    const fqn = this.bySchema.get(schemaId);
    if (!fqn) throw new Error(`no Kubernetes 1.27 type ${schemaId}`);
    const out: SchemaViolation[] = [];
    this.walk(value, { fqn }, pointer, out);
    return out;
  }

  private fieldsOf(fqn: string): Fields {
    let f = this.fields.get(fqn);
    if (!f) {
      f = new Map((this.types[fqn].properties ?? []).map((p) => [p.docs?.custom?.schema?.split('#')[1] ?? p.name, p.type]));
      this.fields.set(fqn, f);
    }
    return f;
  }

  private walk(value: unknown, type: TypeRef, pointer: string, out: SchemaViolation[]): void {
    if (value === null || typeof value !== 'object') return; // type errors are reported by the schema validator
    if (type.collection) {
      const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
      for (const [k, v] of entries) this.walk(v, type.collection.elementtype, `${pointer}/${k}`, out);
      return;
    }
    // classes (IntOrString, Quantity), enums and primitives are leaves
    if (!type.fqn || !this.types[type.fqn]?.datatype || Array.isArray(value)) return;
    const fields = this.fieldsOf(type.fqn);
    for (const [key, v] of Object.entries(value)) {
      const t = fields.get(key);
      if (!t) out.push({ pointer, message: `unknown field "${key}"` });
      else this.walk(v, t, `${pointer}/${key}`, out);
    }
  }
}
