import { Duration } from 'cdk8s';
import { MeshforgeError } from '../validation/meshforge-error';
import { DNS_NAME, isDns1035Label } from '../validation/names';


/**
 * Naming rules and label keys shared by the mesh constructs. Kept in one place
 * so the Service selector, pod labels and DestinationRule subsets can never
 * drift apart.
 */

/** Istio's workload label for the service name (also the Service selector). */
export const APP_LABEL = 'app';
/** Istio's workload label for the version; DestinationRule subsets select on it. */
export const VERSION_LABEL = 'version';
/** Pod-template label that opts a pod in or out of sidecar injection. */
export const INJECT_LABEL = 'sidecar.istio.io/inject';
/** Pod-template annotation carrying the hash of the mounted config files. */
export const CONFIG_HASH_ANNOTATION = 'meshforge.io/config-hash';
/** Value of `app.kubernetes.io/managed-by` on everything meshforge emits. */
export const MANAGED_BY = 'meshforge';

/**
 * The ingress gateway workload of Istio's default profile (`istioctl install`):
 * its namespace, service account and pod labels. Defaults of MeshGateway's
 * `workload` / `selector` and of MeshSecurity's `ingressGateway`; a Helm
 * `istio/gateway` install differs (e.g. namespace `istio-ingress`, service
 * account and labels named after the release), so both can be set.
 */
export const DEFAULT_INGRESS_GATEWAY = {
  namespace: 'istio-system',
  serviceAccountName: 'istio-ingressgateway-service-account',
  labels: { istio: 'ingressgateway' } as Readonly<Record<string, string>>,
} as const;
/** Istio's default SPIFFE trust domain (`meshConfig.trustDomain`). */
export const DEFAULT_TRUST_DOMAIN = 'cluster.local';

/** Istio's merged metrics endpoint on the sidecar (app + Envoy metrics, plain text). */
export const ISTIO_MERGED_METRICS_PORT = 15020;
/** Name of the port the injected istio-proxy container declares (15090, Envoy-only stats). */
export const ISTIO_ENVOY_PROM_PORT_NAME = 'http-envoy-prom';
/** Path of Istio's merged metrics endpoint. */
export const ISTIO_MERGED_METRICS_PATH = '/stats/prometheus';

/** True when `host` is a DNS name, optionally with one leading `*.` wildcard label. */
export function isValidHost(host: string, allowWildcard = false): boolean {
  const h = allowWildcard && host.startsWith('*.') ? host.slice(2) : host;
  if (allowWildcard && host === '*') return true;
  return h.length <= 253 && DNS_NAME.test(h);
}

/** True when the gateway host pattern (`*`, `*.example.com`, `shop.example.com`) covers `host`. */
export function hostCovers(pattern: string, host: string): boolean {
  if (pattern === '*' || pattern === host) return true;
  return pattern.startsWith('*.') && host.endsWith(pattern.slice(1));
}


/**
 * Throws INVALID_NAME unless `value` is a DNS-1035 label (starts with a
 * letter): the rule for Service names.
 */
export function requireServiceName(path: string, field: string, value: string): void {
  if (!isDns1035Label(value)) {
    throw new MeshforgeError('invalid Service name', {
      code: 'INVALID_NAME',
      path,
      field,
      value,
      expected: 'a DNS-1035 label of at most 63 characters: a lowercase letter, then lowercase letters, digits and "-", not ending with "-" (e.g. "cart")',
    });
  }
}

/** Throws INVALID_DURATION unless Istio accepts `d`: a whole number of milliseconds, at least 1ms. */
export function requireIstioDuration(path: string | undefined, field: string | undefined, d: Duration | undefined): void {
  if (d === undefined) return;
  const ms = d.toMilliseconds({ integral: false });
  if (ms < 1 || !Number.isInteger(ms)) {
    throw new MeshforgeError(ms < 1 ? 'duration too short for Istio' : 'duration not a whole number of milliseconds', {
      code: 'INVALID_DURATION',
      path,
      field,
      value: `${ms}ms`,
      expected: 'a whole number of milliseconds, at least 1ms (Istio rejects shorter durations)',
    });
  }
}

/** Throws INVALID_DURATION unless `d` is a whole number of seconds, at least `min` (Kubernetes' `*Seconds` fields). */
export function requireWholeSeconds(path: string, field: string, d: Duration | undefined, min: number): void {
  if (d === undefined) return;
  const seconds = d.toSeconds({ integral: false });
  if (!Number.isInteger(seconds) || seconds < min) {
    throw new MeshforgeError('duration is not whole seconds in range', {
      code: 'INVALID_DURATION',
      path,
      field,
      value: `${seconds}s`,
      expected: `a whole number of seconds, at least ${min}s (Kubernetes stores it as an integer)`,
    });
  }
}

/** Throws `code` unless `value` is a whole number in [min, max]. */
export function requireIntInRange(code: string, message: string, path: string, field: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new MeshforgeError(message, {
      code,
      path,
      field,
      value,
      expected: max === Number.MAX_SAFE_INTEGER ? `a whole number ≥ ${min}` : `a whole number from ${min} to ${max}`,
    });
  }
}

/** Throws INVALID_PORT unless `value` is a TCP port number (1–65535). */
export function requirePort(path: string, field: string, value: number | undefined): void {
  requireIntInRange('INVALID_PORT', 'port out of range', path, field, value, 1, 65535);
}

/** Throws INVALID_PERCENT unless `value` is a percentage 0–100 (fractions allowed, as in Istio's Percent). */
export function requirePercent(path: string, field: string, value: number | undefined): void {
  if (value === undefined) return;
  if (!Number.isFinite(value) || value < 0 || value > 100) {
    throw new MeshforgeError('percentage out of range', { code: 'INVALID_PERCENT', path, field, value, expected: 'a percentage from 0 to 100' });
  }
}

/**
 * Istio duration string: whole seconds as "5s", anything finer as milliseconds
 * ("250ms"). Constructs validate with `requireIstioDuration` (path and field)
 * first; the check here is the last line of defence.
 */
export function istioDuration(d: Duration): string {
  requireIstioDuration(undefined, undefined, d);
  const ms = d.toMilliseconds();
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** Entries of a record sorted by key, so emitted output never depends on insertion order. */
export function sortedEntries<T>(record: Readonly<Record<string, T>>): [string, T][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The container securityContext of Pod Security `restricted` (no escalation, every capability dropped,
 * non-root uid/gid), shared by every workload kind meshforge renders.
 */
export function restrictedContainerSecurity(user: number, group: number, readOnlyRootFilesystem: boolean) {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    privileged: false,
    readOnlyRootFilesystem,
    runAsGroup: group,
    runAsNonRoot: true,
    runAsUser: user,
  };
}

/**
 * Whether Istio routes a port of this name as HTTP, HTTP/2 or gRPC: it reads the
 * protocol from the name, `<protocol>[-<suffix>]` (what a Gateway or an HTTP
 * route can forward to).
 */
export function isHttpFamilyPortName(name: string): boolean {
  return /^(http|http2|grpc|grpc-web)(-|$)/.test(name);
}
