/**
 * Parses a duration as Istio reads VirtualService timeouts: Go duration syntax
 * (`1s`, `800ms`, `1m30s`, `1.5s`). Returns milliseconds, or undefined when the
 * value is not a duration (schema validation reports that, not the analyzer).
 */
export function parseDurationMs(value: unknown): number | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const unitMs: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let pos = 0;
  while (pos < value.length) {
    re.lastIndex = pos;
    const m = re.exec(value);
    if (!m) return undefined;
    total += Number(m[1]) * unitMs[m[2]];
    pos = re.lastIndex;
  }
  return total;
}

/** Milliseconds as a short Go-style duration: `800ms`, `3s`, `1.5s`. */
export function formatMs(ms: number): string {
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000}s`;
  if (ms >= 1000) return `${Number((ms / 1000).toFixed(3))}s`;
  return `${Number(ms.toFixed(3))}ms`;
}
