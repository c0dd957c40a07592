/**
 * One value in a rendered manifest that the API server, the kubelet or Istio
 * would reject (or silently never match). `field` is a path into the object
 * (`spec.template.spec.containers[0].env[1].name`).
 */
export interface FieldViolation {
  /** Stable code, e.g. `K8S_ENV_NAME` or `ISTIO_REGEX`. */
  readonly code: string;
  readonly field: string;
  readonly value: unknown;
  /** What is wrong, in a few words. */
  readonly message: string;
  /** What would be valid, phrased so the user can act on it. */
  readonly expected: string;
}

/** Collects violations while walking one object. */
export class Violations {
  public readonly list: FieldViolation[] = [];

  public add(code: string, field: string, value: unknown, message: string, expected: string): void {
    this.list.push({ code, field, value, message, expected });
  }
}

/** Plain JSON map or undefined. */
export function asMap(x: unknown): Record<string, unknown> | undefined {
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined;
}

/** Plain JSON list, or an empty one. */
export function asList(x: unknown): unknown[] {
  return Array.isArray(x) ? x : [];
}

/** Entries of a map-valued field (empty when absent). */
export function entriesOf(x: unknown): [string, unknown][] {
  const m = asMap(x);
  return m ? Object.entries(m) : [];
}
