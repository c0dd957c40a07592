// Types only: ajv and the models load on first validation, so a synth that validates nothing
// (no GitOps objects) does not pay for them at start-up.
import type Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import * as fs from 'fs';
import { createRequire } from 'module';
import * as path from 'path';
import { KnownFields } from './known-fields';
import { MeshforgeError } from './meshforge-error';

/** One schema violation inside an object, e.g. `/spec/replicas: must be integer`. */
export interface SchemaViolation {
  /** JSON pointer into the object (`/spec/template/spec/containers/0/image`); `` for the root. */
  readonly pointer: string;
  readonly message: string;
}

/** Where a kind's schema comes from; reported by `SchemaValidator.kinds()` and in docs/synth-and-checks.md. */
export type SchemaSource = 'kubernetes-1.27' | 'crd' | 'argo-cd' | 'flux';

type Check = (obj: Record<string, unknown>) => SchemaViolation[];

/** A kubernetes-models class: constructed from plain data, throws a ValidationError on `validate()`. */
interface ModelClass {
  readonly apiVersion: string;
  readonly kind: string;
  new (data: Record<string, unknown>): { validate(): void };
}

function isModelClass(x: unknown): x is ModelClass {
  return typeof x === 'function' && typeof (x as { apiVersion?: unknown }).apiVersion === 'string' && typeof (x as { kind?: unknown }).kind === 'string';
}

function fromAjv(errors: readonly ErrorObject[] | null | undefined, prefix = ''): SchemaViolation[] {
  return (errors ?? []).map((e) => {
    const pointer = prefix + e.instancePath;
    if (e.keyword === 'additionalProperties') {
      return { pointer, message: `unknown field "${(e.params as { additionalProperty: string }).additionalProperty}"` };
    }
    if (e.keyword === 'enum') {
      return { pointer, message: `${e.message}: ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}` };
    }
    return { pointer, message: e.message ?? e.keyword };
  });
}

/** Runs a kubernetes-models validator and turns its ajv errors into violations. */
function modelCheck(model: ModelClass, strict: boolean): Check {
  return (obj) => {
    // loaded on first use: the field lists are a 3 MB assembly
    const out = strict ? KnownFields.k8s127().unknownFields(obj) : [];
    try {
      new model(obj).validate();
    } catch (e) {
      const errors = (e as { errors?: ErrorObject[] }).errors;
      if (!errors) throw e;
      out.push(...fromAjv(errors));
    }
    return out;
  };
}

/** Schema keywords whose values are schemas (or maps/lists of schemas); everything else (enum, required, default, x-kubernetes-*) is data. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions']);
const SUBSCHEMAS = new Set(['items', 'additionalProperties']);

/**
 * CRD schemas are structural: the API server prunes (or, with strict field
 * validation, rejects) fields it does not know. ajv does neither unless told,
 * so every object schema that lists `properties` and neither declares
 * `additionalProperties` nor `x-kubernetes-preserve-unknown-fields` is made
 * closed. Subschemas of allOf/anyOf/oneOf/not are left as they are: closing
 * one of them would reject fields its siblings allow (today's CRDs only put
 * `required` there).
 */
function closeObjects(schema: unknown): unknown {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const s: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (SCHEMA_MAPS.has(k) && v && typeof v === 'object') s[k] = Object.fromEntries(Object.entries(v).map(([name, sub]) => [name, closeObjects(sub)]));
    else if (SUBSCHEMAS.has(k)) s[k] = closeObjects(v);
    else s[k] = v;
  }
  if (s.properties && s.additionalProperties === undefined && !s['x-kubernetes-preserve-unknown-fields']) s.additionalProperties = false;
  return s;
}

/**
 * CRD patterns are Go regular expressions; the Prometheus Operator's use the
 * inline flag `(?i)` (as in `^(?i)(abort|warn)?$`), which JavaScript lacks: it
 * becomes the `i` flag for the whole pattern (they only use it at the start).
 */
const goRegExp = Object.assign(
  (pattern: string, flags: string): RegExp => (pattern.includes('(?i)') ? new RegExp(pattern.replaceAll('(?i)', ''), flags + 'i') : new RegExp(pattern, flags)),
  { code: 'new RegExp' },
);

/** apiVersion → where its kubernetes-models classes live (loaded lazily, see `loadGroup`). */
const MODEL_MODULES: Record<string, [SchemaSource, string]> = {
  v1: ['kubernetes-1.27', 'kubernetes-models/v1'],
  'apps/v1': ['kubernetes-1.27', 'kubernetes-models/apps/v1'],
  'batch/v1': ['kubernetes-1.27', 'kubernetes-models/batch/v1'],
  'autoscaling/v1': ['kubernetes-1.27', 'kubernetes-models/autoscaling/v1'],
  'autoscaling/v2': ['kubernetes-1.27', 'kubernetes-models/autoscaling/v2'],
  'policy/v1': ['kubernetes-1.27', 'kubernetes-models/policy/v1'],
  'rbac.authorization.k8s.io/v1': ['kubernetes-1.27', 'kubernetes-models/rbac.authorization.k8s.io/v1'],
  'networking.k8s.io/v1': ['kubernetes-1.27', 'kubernetes-models/networking.k8s.io/v1'],
  'scheduling.k8s.io/v1': ['kubernetes-1.27', 'kubernetes-models/scheduling.k8s.io/v1'],
  'storage.k8s.io/v1': ['kubernetes-1.27', 'kubernetes-models/storage.k8s.io/v1'],
  'argoproj.io/v1alpha1': ['argo-cd', '@kubernetes-models/argo-cd/argoproj.io/v1alpha1'],
  'kustomize.toolkit.fluxcd.io/v1': ['flux', '@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1'],
  'source.toolkit.fluxcd.io/v1': ['flux', '@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1'],
};
const loadModule = createRequire(__filename);

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
// types of metadata fields; unknown metadata fields are found with KnownFields (OBJECT_META)
let metadataCheckCache: Check | undefined;
function metadataCheck(): Check {
  if (!metadataCheckCache) {
    const { ObjectMeta } = loadModule('@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta') as { ObjectMeta: unknown };
    metadataCheckCache = modelCheck(ObjectMeta as ModelClass, false);
  }
  return metadataCheckCache;
}

/**
 * Validates one manifest object against the schema of its apiVersion/kind:
 *
 * - Kubernetes 1.27 built-in kinds (core, apps, batch, autoscaling, policy,
 *   rbac, networking, scheduling, storage) with the `kubernetes-models@4.4.2`
 *   validators (generated from the Kubernetes 1.27 OpenAPI spec);
 * - Istio `networking|security|telemetry.istio.io/v1` and
 *   `monitoring.coreos.com/v1` with ajv over the CRD schemas in
 *   `imports/crd-schemas.json` (the same CRDs `imports/*.ts` come from),
 *   unknown fields rejected, object metadata checked as ObjectMeta;
 * - Argo CD `argoproj.io/v1alpha1` and Flux `kustomize|source.toolkit.fluxcd.io/v1`
 *   with `@kubernetes-models/argo-cd` / `@kubernetes-models/flux-cd`.
 *
 * An apiVersion/kind it has no schema for is a violation, never a pass.
 */
export class SchemaValidator {
  private static instance?: SchemaValidator;

  /** The shared validator (schemas compile lazily, once per kind). */
  public static default(): SchemaValidator {
    return (SchemaValidator.instance ??= new SchemaValidator());
  }

  private readonly checks = new Map<string, { source: SchemaSource; check?: Check }>();
  private readonly loaded = new Set<string>();
  private ajvInstance?: Ajv;
  private get ajv(): Ajv {
    if (!this.ajvInstance) {
      const AjvClass = (loadModule('ajv') as { default: typeof Ajv }).default;
      this.ajvInstance = new AjvClass({ allErrors: true, strict: false, validateFormats: false, code: { regExp: goRegExp } });
    }
    return this.ajvInstance;
  }
  private readonly crdSchemas = loadCrdSchemas();

  private constructor() {
    for (const key of Object.keys(this.crdSchemas)) this.checks.set(key, { source: 'crd' });
  }

  /**
   * Registers the kinds of one kubernetes-models module on first use of its
   * apiVersion: loading them all costs ~0.5 s (the pod validators are large),
   * which a synth that only validates GitOps objects should not pay.
   */
  private loadGroup(apiVersion: string): void {
    const group = MODEL_MODULES[apiVersion];
    if (!group || this.loaded.has(apiVersion)) return;
    this.loaded.add(apiVersion);
    const [source, id] = group;
    for (const value of Object.values(loadModule(id) as Record<string, unknown>)) {
      // kinds only: list types (`DeploymentList`) are never emitted
      if (!isModelClass(value) || value.kind.endsWith('List') || value.apiVersion !== apiVersion) continue;
      // Kubernetes kinds also get strict field validation (see KnownFields); Argo CD / Flux only in metadata.
      this.checks.set(`${value.apiVersion}/${value.kind}`, { source, check: modelCheck(value, source === 'kubernetes-1.27') });
    }
  }

  /** Every `apiVersion/Kind` this validator has a schema for, sorted. */
  public kinds(): { readonly kind: string; readonly source: SchemaSource }[] {
    for (const apiVersion of Object.keys(MODEL_MODULES)) this.loadGroup(apiVersion);
    return [...this.checks]
      .map(([kind, { source }]) => ({ kind, source }))
      .sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
  }

  /** Whether `apiVersion`/`kind` has a schema here. */
  public supports(apiVersion: string, kind: string): boolean {
    this.loadGroup(apiVersion);
    return this.checks.has(`${apiVersion}/${kind}`);
  }

  /** The violations of one object; empty when it is valid. */
  public validate(obj: unknown): SchemaViolation[] {
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return [{ pointer: '', message: 'must be an object' }];
    const o = obj as Record<string, unknown>;
    if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') {
      return [{ pointer: '', message: 'must have string fields "apiVersion" and "kind"' }];
    }
    const key = `${o.apiVersion}/${o.kind}`;
    this.loadGroup(o.apiVersion);
    const entry = this.checks.get(key);
    if (!entry) return [{ pointer: '/kind', message: `no schema for ${key}: unknown apiVersion/kind` }];
    entry.check ??= this.crdCheck(key);
    const out = entry.check(o);
    if (entry.source !== 'kubernetes-1.27') out.unshift(...KnownFields.k8s127().unknownFieldsAs(OBJECT_META, o.metadata, '/metadata'));
    // GitOps tools cannot track generateName objects; every emitted object needs a fixed name.
    const name = (o.metadata as { name?: unknown } | undefined)?.name;
    if (typeof name !== 'string' || name.length === 0) out.unshift({ pointer: '/metadata/name', message: 'must be a non-empty string' });
    return out;
  }

  /**
   * Throws a `MeshforgeError` (code `SCHEMA_INVALID`) listing every violation
   * of `obj`, naming it by kind and name and, when given, by where it comes from.
   */
  public assertValid(obj: unknown, where?: string): void {
    const violations = this.validate(obj);
    if (violations.length === 0) return;
    throw new MeshforgeError(`${describeObject(obj)} does not match its schema`, {
      code: 'SCHEMA_INVALID',
      path: where,
      field: violations.map((v) => v.pointer || '/').join(', '),
      value: violations.map((v) => `${v.pointer || '/'}: ${v.message}`),
      expected: 'an object valid for its apiVersion/kind (Kubernetes 1.27, the Istio / Prometheus Operator CRDs in imports/, Argo CD, Flux)',
    });
  }

  private crdCheck(key: string): Check {
    const schema = this.crdSchemas[key] as { properties?: Record<string, unknown> };
    const [group, version, kind] = key.split('/');
    // CRD schemas leave apiVersion/kind/metadata to the API server; pin them here instead.
    const root = {
      ...schema,
      required: ['apiVersion', 'kind', 'metadata'],
      properties: {
        ...schema.properties,
        apiVersion: { type: 'string', enum: [`${group}/${version}`] },
        kind: { type: 'string', enum: [kind] },
        metadata: { type: 'object' },
      },
    };
    const validateSpec: ValidateFunction = this.ajv.compile(closeObjects(root) as object);
    return (obj) => {
      const out: SchemaViolation[] = [];
      if (obj.metadata && typeof obj.metadata === 'object') out.push(...metadataCheck()(obj.metadata as Record<string, unknown>).map((v) => ({ ...v, pointer: `/metadata${v.pointer}` })));
      if (!validateSpec(obj)) out.push(...fromAjv(validateSpec.errors));
      return out;
    };
  }
}

/**
 * Reads imports/crd-schemas.json from the project root (found upwards, so it
 * works from lib/ under vitest and from build/lib/ after `tsc`). Read, not
 * imported: a type-inferred 200 kB JSON module would slow every `tsc` run.
 */
function loadCrdSchemas(): Record<string, unknown> {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'imports', 'crd-schemas.json');
    if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    if (path.dirname(dir) === dir) throw new Error(`imports/crd-schemas.json not found above ${__dirname}; run \`npm run import\``);
  }
}

/** `apps/v1 Deployment shop/frontend` for messages. */
export function describeObject(obj: unknown): string {
  const o = (obj ?? {}) as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
  const name = [o.metadata?.namespace, o.metadata?.name].filter((x) => typeof x === 'string').join('/');
  return `${String(o.apiVersion)} ${String(o.kind)} ${name || '(unnamed)'}`;
}
