import { isPinnedImage } from '../validation/images';
import { MeshforgeError } from '../validation/meshforge-error';
import { requireDnsLabel } from '../validation/names';

/**
 * Input checks shared by the observability components. Each throws a
 * `MeshforgeError` naming the construct path, the field and what would be valid,
 * so bad input fails at synth time and never reaches a cluster.
 */

/** Prometheus duration: units y, w, d, h, m, s, ms in that order, e.g. `15d`, `1h30m`. */
const PROM_DURATION = /^((\d+)y)?((\d+)w)?((\d+)d)?((\d+)h)?((\d+)m)?((\d+)s)?((\d+)ms)?$/;
/** Prometheus size: integer with a unit B, KB, MB, GB, TB, PB, EB. */
const PROM_SIZE = /^\d+(B|KB|MB|GB|TB|PB|EB)$/;

/** Validates a Prometheus/Alertmanager duration and returns it unchanged. */
export function checkDuration(path: string, field: string, value: string): string {
  if (value === '' || !PROM_DURATION.test(value) || /^0+(ms|[ywdhms])?$/.test(value)) {
    throw new MeshforgeError('invalid duration', {
      code: 'INVALID_DURATION',
      path,
      field,
      value,
      expected: 'a positive Prometheus duration such as "30s", "5m", "1h30m" or "15d" (units ms, s, m, h, d, w, y; no spaces)',
    });
  }
  return value;
}

/** Validates a Prometheus retention size such as `50GB`. */
export function checkRetentionSize(path: string, field: string, value: string): string {
  if (!PROM_SIZE.test(value) || /^0+[A-Z]/.test(value)) {
    throw new MeshforgeError('invalid retention size', {
      code: 'INVALID_RETENTION_SIZE',
      path,
      field,
      value,
      expected: 'a positive integer with a unit B, KB, MB, GB, TB, PB or EB, e.g. "50GB"',
    });
  }
  return value;
}

/** Validates a Kubernetes object name (DNS label). */
export function checkDnsLabel(path: string, field: string, value: string): string {
  return requireDnsLabel(path, field, value);
}

/** Validates a number within [min, max]. */
export function checkRange(path: string, field: string, value: number, min: number, max: number, code = 'OUT_OF_RANGE'): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new MeshforgeError('value out of range', {
      code,
      path,
      field,
      value,
      expected: `a number from ${min} to ${max}`,
    });
  }
  return value;
}

/** Validates an absolute http(s) URL. */
export function checkUrl(path: string, field: string, value: string | undefined): string {
  let ok = false;
  if (value !== undefined && value !== '') {
    try {
      const u = new URL(value);
      ok = (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
    } catch {
      ok = false;
    }
  }
  if (!ok) {
    throw new MeshforgeError(value === undefined || value === '' ? 'receiver has no URL' : 'invalid URL', {
      code: value === undefined || value === '' ? 'RECEIVER_URL_MISSING' : 'INVALID_URL',
      path,
      field,
      value,
      expected: 'an absolute http:// or https:// URL, e.g. "http://alert-adapter.monitoring.svc:8080/alerts"',
    });
  }
  return value as string;
}

/** Validates an image reference that is pinned to a version tag or digest, never `latest`. */
export function checkImage(path: string, field: string, value: string): string {
  if (!isPinnedImage(value)) {
    throw new MeshforgeError('image is not pinned', {
      code: 'UNPINNED_IMAGE',
      path,
      field,
      value,
      expected: 'an image with a version tag or digest, e.g. "quay.io/prometheus/prometheus:v2.53.2" (never "latest")',
    });
  }
  return value;
}
