/** Go's time.ParseDuration units, in milliseconds. */
const UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;

/**
 * Milliseconds of a duration in Go syntax (`1s`, `800ms`, `1m30s`, `1.5s`), as
 * Istio reads VirtualService and DestinationRule durations; undefined when the
 * value is not one. Rounded to a nanosecond so `1.001s` is 1001 ms, not 1000.999….
 */
export function parseGoDurationMs(value: unknown): number | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  let total = 0;
  let pos = 0;
  while (pos < value.length) {
    PART.lastIndex = pos;
    const m = PART.exec(value);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]];
    pos = PART.lastIndex;
  }
  return Math.round(total * 1e6) / 1e6;
}
