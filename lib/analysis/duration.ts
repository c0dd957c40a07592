// One Go-duration parser for synth's rules and the analyzer.
export { parseGoDurationMs as parseDurationMs } from '../validation/go-duration';

/** Milliseconds as a short Go-style duration: `800ms`, `3s`, `1.5s`. */
export function formatMs(ms: number): string {
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000}s`;
  if (ms >= 1000) return `${Number((ms / 1000).toFixed(3))}s`;
  return `${Number(ms.toFixed(3))}ms`;
}
