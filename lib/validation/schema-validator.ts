import type { ErrorObject } from 'ajv';
import * as fs from 'fs';
import { createRequire } from 'module';
import { GeneratedValidator, generatedValidatorsDir, loadGeneratedValidator, validatorFile } from './generated-validators';
import { KnownFields } from './known-fields';
import { MeshforgeError } from './meshforge-error';

/** One schema violation inside an object, e.g. `/spec/replicas: must be integer`. */
export interface SchemaViolation {
  /** JSON pointer into the object (`/spec/template/spec/containers/0/image`); `` for the root. */
  readonly pointer: string;
  readonly message: string;
  /** What would be valid, when the schema says more than the message (enum values, a type, the missing field). */
  readonly expected?: string;
}

/** Where a kind's schema comes from; reported by `SchemaValidator.kinds()` and in docs/synth-and-checks.md. */
export type SchemaSource = 'kubernetes-1.27' | 'crd' | 'argo-cd' | 'flux';

type Check = (obj: Record<string, unknown>) => SchemaViolation[];

/** A kubernetes-models class: its prototype's `validate()` runs the kind's precompiled validator on `this`. */
interface ModelClass {
  readonly apiVersion: string;
  readonly kind: string;
  readonly prototype: { validate(this: unknown): void };
}

function isModelClass(x: unknown): x is ModelClass {
  return typeof x === 'function' && typeof (x as { apiVersion?: unknown }).apiVersion === 'string' && typeof (x as { kind?: unknown }).kind === 'string';
}

function fromAjv(errors: readonly ErrorObject[] | null | undefined, prefix = ''): SchemaViolation[] {
  return (errors ?? []).map((e) => {
    const pointer = prefix + e.instancePath;
    const message = e.message ?? e.keyword;
    switch (e.keyword) {
      case 'additionalProperties':
        return { pointer, message: `unknown field "${(e.params as { additionalProperty: string }).additionalProperty}"` };
      case 'enum': {
        const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ');
        return { pointer, message: `${message}: ${allowed}`, expected: `one of ${allowed}` };
      }
      case 'type':
        return { pointer, message, expected: `a value of type ${String((e.params as { type: unknown }).type)}` };
      case 'required':
        return { pointer, message, expected: `the required field "${(e.params as { missingProperty: string }).missingProperty}"` };
      default:
        return { pointer, message };
    }
  });
}

/**
 * Runs a kubernetes-models validator (ajv code precompiled from the
 * Kubernetes OpenAPI spec) and turns its ajv errors into violations. It runs
 * on the object itself (`prototype.validate.call(obj)`): `new Model(obj)`
 * would first deep-copy the object, which costs as much as the check.
 */
function modelCheck(model: ModelClass, strict: boolean): Check {
  const validate = model.prototype.validate;
  return (obj) => {
    const out = strict ? KnownFields.k8s127().unknownFields(obj) : [];
    try {
      validate.call(obj);
    } catch (e) {
      const errors = (e as { errors?: ErrorObject[] }).errors;
      if (!errors) throw e;
      out.push(...fromAjv(errors));
    }
    return out;
  };
}

/** apiVersion → where its kubernetes-models classes live; each kind is also its own module (`<module>/<Kind>`), loaded on first use. */
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

/** The model class of one kind, or undefined when kubernetes-models has none (no module, or a `*List`). */
function loadModel(apiVersion: string, kind: string): ModelClass | undefined {
  const group = MODEL_MODULES[apiVersion];
  // kinds only: list types (`DeploymentList`) are never emitted; the name check keeps `kind` a plain module name
  if (!group || kind.endsWith('List') || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) return undefined;
  let exports: Record<string, unknown>;
  try {
    exports = loadModule(`${group[1]}/${kind}`) as Record<string, unknown>;
  } catch (e) {
    if ((e as { code?: string }).code === 'MODULE_NOT_FOUND') return undefined;
    throw e;
  }
  const model = exports[kind];
  return isModelClass(model) && model.apiVersion === apiVersion && model.kind === kind ? model : undefined;
}

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

/** A CRD kind's check: metadata as ObjectMeta, the rest with its generated ajv validator. */
function crdCheck(validateSpec: GeneratedValidator): Check {
  return (obj) => {
    const out: SchemaViolation[] = [];
    if (obj.metadata && typeof obj.metadata === 'object') out.push(...metadataCheck()(obj.metadata as Record<string, unknown>).map((v) => ({ ...v, pointer: `/metadata${v.pointer}` })));
    if (!validateSpec(obj)) out.push(...fromAjv(validateSpec.errors));
    return out;
  };
}

/**
 * Validates one manifest object against the schema of its apiVersion/kind:
 *
 * - Kubernetes 1.27 built-in kinds (core, apps, batch, autoscaling, policy,
 *   rbac, networking, scheduling, storage) with the `kubernetes-models@4.4.2`
 *   validators (generated from the Kubernetes 1.27 OpenAPI spec), plus strict
 *   field validation (KnownFields);
 * - Istio `networking|security|telemetry.istio.io/v1` and
 *   `monitoring.coreos.com/v1` with ajv validators precompiled from the CRD
 *   schemas in `imports/crd-schemas.json` (the same CRDs `imports/*.ts` come
 *   from) into imports/validators/ by `npm run import`, unknown fields
 *   rejected, object metadata checked as ObjectMeta;
 * - Argo CD `argoproj.io/v1alpha1` and Flux `kustomize|source.toolkit.fluxcd.io/v1`
 *   with `@kubernetes-models/argo-cd` / `@kubernetes-models/flux-cd`.
 *
 * Each kind's validator loads on first use, so a run pays only for the kinds
 * it emits. An apiVersion/kind it has no schema for is a violation, never a pass.
 */
export class SchemaValidator {
  private static instance?: SchemaValidator;

  /** The shared validator (each kind's validator loads once, on first use). */
  public static default(): SchemaValidator {
    return (SchemaValidator.instance ??= new SchemaValidator());
  }

  /** `apiVersion/Kind` → its source and check; `null`: known to have no schema. */
  private readonly checks = new Map<string, { source: SchemaSource; check: Check } | null>();
  /** CRD keys (`networking.istio.io/v1/VirtualService`) that have a generated validator. */
  private readonly crdKinds: ReadonlySet<string>;

  private constructor() {
    this.crdKinds = new Set(
      fs
        .readdirSync(generatedValidatorsDir())
        .filter((f) => f.endsWith('.js'))
        .map((f) => f.slice(0, -3).replaceAll('_', '/')),
    );
  }

  private entry(apiVersion: string, kind: string): { source: SchemaSource; check: Check } | null {
    const key = `${apiVersion}/${kind}`;
    let entry = this.checks.get(key);
    if (entry !== undefined) return entry;
    if (this.crdKinds.has(key)) {
      entry = { source: 'crd', check: crdCheck(loadGeneratedValidator(validatorFile(key))) };
    } else {
      const model = loadModel(apiVersion, kind);
      const source = MODEL_MODULES[apiVersion]?.[0];
      // Kubernetes kinds also get strict field validation (see KnownFields); Argo CD / Flux only in metadata.
      entry = model && source ? { source, check: modelCheck(model, source === 'kubernetes-1.27') } : null;
    }
    this.checks.set(key, entry);
    return entry;
  }

  /** Every `apiVersion/Kind` this validator has a schema for, sorted (loads every module: for tests and docs). */
  public kinds(): { readonly kind: string; readonly source: SchemaSource }[] {
    const out = new Map([...this.crdKinds].map((kind) => [kind, 'crd' as SchemaSource]));
    for (const [apiVersion, [source, id]] of Object.entries(MODEL_MODULES)) {
      // each class is exported twice (`Event`, `IoK8sApiCoreV1Event`)
      for (const value of Object.values(loadModule(id) as Record<string, unknown>)) {
        if (isModelClass(value) && !value.kind.endsWith('List') && value.apiVersion === apiVersion) out.set(`${apiVersion}/${value.kind}`, source);
      }
    }
    return [...out].map(([kind, source]) => ({ kind, source })).sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
  }

  /** Whether `apiVersion`/`kind` has a schema here. */
  public supports(apiVersion: string, kind: string): boolean {
    return this.entry(apiVersion, kind) !== null;
  }

  /** The violations of one object; empty when it is valid. */
  public validate(obj: unknown): SchemaViolation[] {
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return [{ pointer: '', message: 'must be an object' }];
    const o = obj as Record<string, unknown>;
    if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') {
      return [{ pointer: '', message: 'must have string fields "apiVersion" and "kind"' }];
    }
    const entry = this.entry(o.apiVersion, o.kind);
    if (!entry) return [{ pointer: '/kind', message: `no schema for ${o.apiVersion}/${o.kind}: unknown apiVersion/kind` }];
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
}

/** `apps/v1 Deployment shop/frontend` for messages. */
export function describeObject(obj: unknown): string {
  const o = (obj ?? {}) as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
  const name = [o.metadata?.namespace, o.metadata?.name].filter((x) => typeof x === 'string').join('/');
  return `${String(o.apiVersion)} ${String(o.kind)} ${name || '(unnamed)'}`;
}
