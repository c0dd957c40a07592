/**
 * Every error meshforge raises on bad input is a `MeshforgeError`, so callers
 * (the synth CLI, tests, editors) can rely on one shape: a stable code, the
 * construct path, the offending field and value, and what would be valid.
 */
export interface MeshforgeErrorDetails {
  /** Stable machine-readable code, e.g. `ROUTE_WEIGHTS` or `INVALID_HOST`. */
  readonly code: string;
  /** Construct path of the object that holds the bad value (e.g. `shop/frontend`). */
  readonly path?: string;
  /** The prop or field that is wrong (e.g. `routes[0].weights`). */
  readonly field?: string;
  /** The offending value as the user wrote it. */
  readonly value?: unknown;
  /** What would be valid, phrased so that a user can act on it. */
  readonly expected?: string;
}

/** Renders a value for an error message: strings quoted, objects as JSON. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

export class MeshforgeError extends Error {
  public readonly code: string;
  public readonly path?: string;
  public readonly field?: string;
  public readonly value?: unknown;
  public readonly expected?: string;
  /** The message without the path prefix (used when errors are aggregated). */
  public readonly detail: string;

  constructor(message: string, details: MeshforgeErrorDetails) {
    const parts = [message];
    if (details.field !== undefined) parts.push(`field: ${details.field}`);
    if ('value' in details) parts.push(`value: ${formatValue(details.value)}`);
    if (details.expected !== undefined) parts.push(`expected: ${details.expected}`);
    const detail = parts.join('; ');
    super(details.path ? `[${details.path}] ${detail}` : detail);
    this.name = 'MeshforgeError';
    this.code = details.code;
    this.path = details.path;
    this.field = details.field;
    this.value = details.value;
    this.expected = details.expected;
    this.detail = detail;
  }
}

/**
 * Raised when construct validations (`node.addValidation`) fail at synth time.
 * Carries every failure at once so the user fixes them in one pass.
 */
export class MeshforgeValidationError extends MeshforgeError {
  public readonly failures: readonly { readonly path: string; readonly message: string }[];

  constructor(failures: readonly { readonly path: string; readonly message: string }[]) {
    super(
      `validation failed with ${failures.length} error(s):\n` +
        failures.map((f) => `  [${f.path}] ${f.message}`).join('\n'),
      { code: 'VALIDATION_FAILED' },
    );
    this.name = 'MeshforgeValidationError';
    this.failures = failures;
  }
}
