import { MeshforgeError, MeshforgeValidationError } from '../meshforge-error';
import { checkIstioObject } from './istio';
import { checkKubernetesObject } from './kubernetes';
import { FieldViolation, Violations } from './violation';

export * from './violation';
export { imageReferenceProblem } from '../images';
export { re2Problem } from './istio';
export { parseGoDurationMs } from '../go-duration';
export { CONFIG_MAP_MAX_BYTES, qualifiedNameProblem } from './kubernetes';

/**
 * Every value in `obj` that the API server, the kubelet or istiod would
 * reject, or that would silently never match (see kubernetes.ts and istio.ts
 * for the rules and their upstream sources). Empty when the object is fine.
 */
export function manifestViolations(obj: Record<string, unknown>): FieldViolation[] {
  const v = new Violations();
  checkKubernetesObject(obj, v);
  checkIstioObject(obj, v);
  return v.list;
}

/** `Kind/namespace/name` of a manifest, for messages. */
function objectName(obj: Record<string, unknown>): string {
  const meta = (obj.metadata ?? {}) as Record<string, unknown>;
  return [obj.kind, meta.namespace, meta.name].filter((x) => x !== undefined).join('/');
}

/** One violation as a MeshforgeError carrying the construct path that emitted the object. */
export function violationError(obj: Record<string, unknown>, path: string, violation: FieldViolation): MeshforgeError {
  return new MeshforgeError(`${objectName(obj)}: ${violation.message}`, {
    code: violation.code,
    path,
    field: violation.field,
    value: violation.value,
    expected: violation.expected,
  });
}

/** Several rule violations at once; `errors` holds each as a MeshforgeError. */
export class ManifestRulesError extends MeshforgeValidationError {
  public readonly errors: readonly MeshforgeError[];

  constructor(errors: readonly MeshforgeError[]) {
    super(errors.map((e) => ({ path: e.path ?? '', message: e.detail })));
    this.name = 'ManifestRulesError';
    this.errors = errors;
  }
}

/** Each rule `obj` breaks, as a MeshforgeError naming the construct path that emitted it. */
export function manifestErrors(obj: Record<string, unknown>, path: string): MeshforgeError[] {
  return manifestViolations(obj).map((violation) => violationError(obj, path, violation));
}

/** Throws the one error, or a ManifestRulesError listing each; returns when there is none. */
export function throwManifestErrors(errors: readonly MeshforgeError[]): void {
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new ManifestRulesError(errors);
}
