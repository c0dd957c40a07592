import { RE2JS } from 're2js';
import { parseGoDurationMs } from '../go-duration';
import { DNS_LABEL } from '../names';
import { Violations, asList, asMap, entriesOf } from './violation';

/*
 * Rules istiod's validating webhook applies to networking and security
 * objects, beyond their CRD schemas. Source: istio/istio
 * pkg/config/validation/validation.go, virtualservice.go and
 * agent/validation.go (ValidateHTTPRetry, ValidateDuration, ValidateFQDN).
 * Rules marked "never matches" are not rejected by Istio but make a rule
 * silently useless, which is worse.
 */

/** Envoy's x-envoy-retry-on and x-envoy-retry-grpc-on values Istio accepts (agent/validation.go supportedRetryOnPolicies). */
const RETRY_ON = new Set([
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'retriable-4xx', 'refused-stream',
  'retriable-status-codes', 'retriable-headers', 'envoy-ratelimited', 'http3-post-connect-failure',
  'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
]);

/** ValidateDuration: at least 1ms and whole milliseconds. */
function checkDuration(value: unknown, field: string, v: Violations): void {
  if (value === undefined) return;
  const ms = parseGoDurationMs(value);
  if (ms === undefined || ms < 1 || !Number.isInteger(ms)) {
    v.add('ISTIO_DURATION', field, value, ms === undefined ? 'not a duration' : 'duration shorter than 1ms or not whole milliseconds', 'a whole number of milliseconds, at least 1ms, e.g. "250ms", "3s"');
  }
}

function checkPercent(value: unknown, field: string, v: Violations): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100) {
    v.add('ISTIO_PERCENT', field, value, 'percentage out of range', 'a number from 0 to 100');
  }
}

function checkNonNegativeInt(value: unknown, field: string, v: Violations): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 2147483647) {
    v.add('ISTIO_NON_NEGATIVE', field, value, 'must be a non-negative integer', 'an integer from 0 to 2147483647');
  }
}

/** Why `re` would be rejected by istiod (Go regexp, which is RE2 syntax), or undefined. */
export function re2Problem(re: string): string | undefined {
  if (re.length > 1024) return 'regex is too large, max length allowed is 1024';
  try {
    RE2JS.compile(re);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** validateStringMatch: no empty prefix or regex; regexes are RE2. */
function checkStringMatch(sm: unknown, field: string, v: Violations): void {
  const m = asMap(sm);
  if (!m) return;
  if (m.prefix === '') v.add('ISTIO_MATCH', `${field}.prefix`, '', 'empty prefix match', 'a non-empty prefix such as "/" (or drop the match)');
  if (m.regex !== undefined) {
    const re = String(m.regex);
    const problem = re === '' ? 'regex string match should not be empty' : re2Problem(re);
    if (problem) {
      v.add('ISTIO_REGEX', `${field}.regex`, re, `not an RE2 regex Istio accepts (${problem})`, 'RE2 syntax (https://github.com/google/re2/wiki/Syntax): no look-around or back-references');
    }
  }
}

function checkHttpRoute(route: Record<string, unknown>, at: string, v: Violations): void {
  asList(route.match).forEach((match, j) => {
    const m = asMap(match) ?? {};
    for (const key of ['uri', 'scheme', 'method', 'authority'] as const) checkStringMatch(m[key], `${at}.match[${j}].${key}`, v);
    for (const key of ['headers', 'queryParams', 'withoutHeaders'] as const) {
      for (const [name, sm] of entriesOf(m[key])) checkStringMatch(sm, `${at}.match[${j}].${key}.${name}`, v);
    }
  });
  checkDuration(route.timeout, `${at}.timeout`, v);
  const retries = asMap(route.retries);
  if (retries) {
    const attempts = retries.attempts;
    if (attempts !== undefined && (typeof attempts !== 'number' || !Number.isInteger(attempts) || attempts < 0)) {
      v.add('ISTIO_RETRIES', `${at}.retries.attempts`, attempts, 'attempts cannot be negative', 'an integer ≥ 0 (0 disables retries)');
    } else if (attempts === 0 && (retries.perTryTimeout !== undefined || retries.retryOn !== undefined)) {
      v.add('ISTIO_RETRIES', `${at}.retries.attempts`, 0, 'http retry policy configured when attempts are set to 0 (disabled)', 'attempts ≥ 1, or no perTryTimeout/retryOn');
    }
    checkDuration(retries.perTryTimeout, `${at}.retries.perTryTimeout`, v);
    if (typeof retries.retryOn === 'string') {
      for (const policy of retries.retryOn.split(',')) {
        // Go's net/http StatusText knows the codes 100–511; Istio accepts a code it knows or a policy name.
        const code = /^\d+$/.test(policy) ? Number(policy) : NaN;
        if (!RETRY_ON.has(policy) && !(code >= 100 && code <= 511)) {
          v.add('ISTIO_RETRIES', `${at}.retries.retryOn`, retries.retryOn, `"${policy}" is not a valid retryOn policy`, `a comma-separated list of ${[...RETRY_ON].join(', ')} or HTTP status codes, without spaces`);
        }
      }
    }
  }
  const fault = asMap(route.fault);
  if (fault) {
    const delay = asMap(fault.delay);
    if (delay) {
      checkPercent(asMap(delay.percentage)?.value, `${at}.fault.delay.percentage.value`, v);
      checkDuration(delay.fixedDelay, `${at}.fault.delay.fixedDelay`, v);
    }
    const abort = asMap(fault.abort);
    if (abort) {
      checkPercent(asMap(abort.percentage)?.value, `${at}.fault.abort.percentage.value`, v);
      const status = abort.httpStatus;
      if (status !== undefined && (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599)) {
        v.add('ISTIO_FAULT', `${at}.fault.abort.httpStatus`, status, 'HTTP status not in range 200-599', 'a status code from 200 to 599, e.g. 503');
      }
    }
  }
  asList(route.route).forEach((d, k) => {
    const dest = asMap(d) ?? {};
    const w = dest.weight;
    if (w !== undefined && (typeof w !== 'number' || !Number.isInteger(w) || w < 0)) {
      v.add('ISTIO_WEIGHT', `${at}.route[${k}].weight`, w, 'negative or fractional weight', 'an integer from 0 to 100');
    }
    const subset = asMap(dest.destination)?.subset;
    if (subset !== undefined && (typeof subset !== 'string' || !DNS_LABEL.test(subset))) {
      v.add('ISTIO_SUBSET', `${at}.route[${k}].destination.subset`, subset, 'invalid subset name', 'a DNS-1123 label');
    }
  });
}

function checkTrafficPolicy(tp: unknown, at: string, v: Violations): void {
  const policy = asMap(tp);
  if (!policy) return;
  const pool = asMap(policy.connectionPool);
  if (pool) {
    const http = asMap(pool.http) ?? {};
    for (const key of ['http1MaxPendingRequests', 'http2MaxRequests', 'maxRequestsPerConnection', 'maxRetries', 'maxConcurrentStreams'] as const) {
      checkNonNegativeInt(http[key], `${at}.connectionPool.http.${key}`, v);
    }
    checkDuration(http.idleTimeout, `${at}.connectionPool.http.idleTimeout`, v);
    const tcp = asMap(pool.tcp) ?? {};
    checkNonNegativeInt(tcp.maxConnections, `${at}.connectionPool.tcp.maxConnections`, v);
    checkDuration(tcp.connectTimeout, `${at}.connectionPool.tcp.connectTimeout`, v);
    const ka = asMap(tcp.tcpKeepalive) ?? {};
    checkDuration(ka.time, `${at}.connectionPool.tcp.tcpKeepalive.time`, v);
    checkDuration(ka.interval, `${at}.connectionPool.tcp.tcpKeepalive.interval`, v);
  }
  checkLocalityLb(asMap(asMap(policy.loadBalancer)?.localityLbSetting), policy.outlierDetection !== undefined, `${at}.loadBalancer.localityLbSetting`, v);
  const outlier = asMap(policy.outlierDetection);
  if (outlier) {
    checkDuration(outlier.interval, `${at}.outlierDetection.interval`, v);
    checkDuration(outlier.baseEjectionTime, `${at}.outlierDetection.baseEjectionTime`, v);
    for (const key of ['consecutive5xxErrors', 'consecutiveGatewayErrors'] as const) checkNonNegativeInt(outlier[key], `${at}.outlierDetection.${key}`, v);
    for (const key of ['maxEjectionPercent', 'minHealthPercent'] as const) {
      const p = outlier[key];
      if (p !== undefined && (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > 100)) {
        v.add('ISTIO_PERCENT', `${at}.outlierDetection.${key}`, p, 'percentage out of range', 'an integer from 0 to 100');
      }
    }
  }
}

/**
 * istio/istio pkg/config/validation/agent/validation.go ValidateLocalityLbSetting:
 * distribute and failover exclusive, weights 1–100 summing to 100, failover
 * between two different plain regions; failover without outlier detection is
 * only a warning there, but never fails over (Envoy moves traffic away from
 * ejected endpoints only), so it is refused here.
 */
function checkLocalityLb(lb: Record<string, unknown> | undefined, hasOutlier: boolean, at: string, v: Violations): void {
  if (!lb) return;
  const distribute = asList(lb.distribute);
  const failover = asList(lb.failover);
  if (distribute.length > 0 && failover.length > 0) {
    v.add('ISTIO_LOCALITY_LB', `${at}.failover`, failover, "can not simultaneously specify 'distribute' and 'failover'", 'either distribute or failover');
  }
  distribute.forEach((d, i) => {
    const weights = entriesOf(asMap(d)?.to);
    for (const [loc, w] of weights) {
      if (typeof w !== 'number' || !Number.isInteger(w) || w < 1 || w > 100) v.add('ISTIO_LOCALITY_LB', `${at}.distribute[${i}].to.${loc}`, w, 'locality weight must be in range [1, 100]', 'a whole number from 1 to 100');
    }
    const total = weights.reduce((sum, [, w]) => sum + (typeof w === 'number' ? w : 0), 0);
    if (total !== 100) v.add('ISTIO_LOCALITY_LB', `${at}.distribute[${i}].to`, total, `total locality weight ${total} != 100`, 'weights summing to 100');
  });
  failover.forEach((f, i) => {
    const { from, to } = asMap(f) ?? {};
    for (const [key, region] of [['from', from], ['to', to]] as const) {
      if (typeof region !== 'string' || region === '' || region.includes('/') || region.includes('*')) {
        v.add('ISTIO_LOCALITY_LB', `${at}.failover[${i}].${key}`, region, 'locality lb failover only specify region', 'a region name without "/" or "*"');
      }
    }
    if (from === to) v.add('ISTIO_LOCALITY_LB', `${at}.failover[${i}].to`, to, 'locality lb failover settings must specify different regions', `a region other than ${String(from)}`);
  });
  if ((failover.length > 0 || asList(lb.failoverPriority).length > 0) && !hasOutlier) {
    v.add('ISTIO_LOCALITY_LB', at, 'failover', 'outlier detection policy must be provided for failover', 'outlierDetection in the same traffic policy (nothing fails over without it)');
  }
}

function checkServiceEntry(spec: Record<string, unknown>, v: Violations): void {
  const resolution = spec.resolution ?? 'NONE';
  const dns = resolution === 'DNS' || resolution === 'DNS_ROUND_ROBIN';
  const endpoints = asList(spec.endpoints);
  asList(spec.hosts).forEach((h, i) => {
    const host = String(h);
    if (host === '*') v.add('ISTIO_HOST', `spec.hosts[${i}]`, host, 'full wildcard host', 'a host name (a "*." prefix is allowed)');
    // ValidateFQDN / ValidateDNS1123Labels: an all-numeric top-level label (an IPv4 address) is not a host name.
    const labels = host.replace(/^\*\./, '').split('.');
    const badLabel = labels.find((l, k) => !(k === labels.length - 1 && l === '') && !DNS_LABEL.test(l));
    if (host !== '*' && (badLabel !== undefined || /^\d+$/.test(labels[labels.length - 1]))) {
      v.add('ISTIO_HOST', `spec.hosts[${i}]`, host, dns && endpoints.length === 0 ? `with resolution ${String(resolution)} and no endpoints a host must be a DNS name` : 'invalid host', 'a DNS name such as "db.example.com"; put IP addresses in spec.addresses (resolution STATIC or NONE)');
    }
  });
  const seen = new Set<number>();
  asList(spec.ports).forEach((p, i) => {
    const port = asMap(p) ?? {};
    if (typeof port.number !== 'number' || !Number.isInteger(port.number) || port.number < 1 || port.number > 65535) {
      v.add('ISTIO_PORT', `spec.ports[${i}].number`, port.number, 'port number out of range', 'an integer from 1 to 65535');
    } else if (seen.has(port.number)) {
      v.add('ISTIO_PORT', `spec.ports[${i}].number`, port.number, 'port already defined', 'each port number once');
    } else seen.add(port.number);
  });
}

/** An HTTP method token (RFC 9110); Envoy compares `:method` case-sensitively. */
const METHOD = /^[A-Z][A-Z-]*$/;

function checkAuthorizationPolicy(spec: Record<string, unknown>, v: Violations): void {
  asList(spec.rules).forEach((r, i) => {
    const rule = asMap(r) ?? {};
    asList(rule.from).forEach((f, j) => {
      const source = asMap(asMap(f)?.source) ?? {};
      for (const key of ['principals', 'notPrincipals'] as const) {
        asList(source[key]).forEach((p, k) => {
          if (typeof p !== 'string' || p === '' || /\s/.test(p)) {
            v.add('ISTIO_AUTHZ', `spec.rules[${i}].from[${j}].source.${key}[${k}]`, p, 'principal never matches (empty or white space)', 'a SPIFFE identity without spaces, e.g. "cluster.local/ns/shop/sa/frontend"');
          }
        });
      }
    });
    asList(rule.to).forEach((t, j) => {
      const op = asMap(asMap(t)?.operation) ?? {};
      for (const key of ['methods', 'notMethods'] as const) {
        asList(op[key]).forEach((m, k) => {
          if (typeof m !== 'string' || !METHOD.test(m)) {
            v.add('ISTIO_AUTHZ', `spec.rules[${i}].to[${j}].operation.${key}[${k}]`, m, 'method never matches (HTTP methods are case-sensitive upper-case tokens)', `an upper-case method such as "GET" or "POST"${typeof m === 'string' ? ` (did you mean "${m.toUpperCase()}"?)` : ''}`);
          }
        });
      }
      for (const key of ['paths', 'notPaths'] as const) {
        asList(op[key]).forEach((p, k) => {
          const path = String(p);
          // Istio matches exact, "prefix*", "*suffix" and "*"; a "*" elsewhere is matched literally
          // (templates use "{*}"/"{**}" segments instead, security/authz/matcher in istio/istio).
          const bare = path.replace(/\{\*\*?\}/g, '');
          const inner = bare.length > 1 ? bare.slice(1, -1) : '';
          if (path === '' || inner.includes('*') || (bare.length > 1 && bare.startsWith('*') && bare.endsWith('*'))) {
            v.add('ISTIO_AUTHZ', `spec.rules[${i}].to[${j}].operation.${key}[${k}]`, path, 'path never matches as intended ("*" is a wildcard only at the start or the end)', 'an exact path, "/prefix/*", "*/suffix", or a template with "{*}" segments (Istio ≥ 1.22)');
          }
        });
      }
    });
  });
}

/** Checks one Istio networking/security object; other kinds are left alone. */
export function checkIstioObject(obj: Record<string, unknown>, v: Violations): void {
  const group = String(obj.apiVersion ?? '').split('/')[0];
  const spec = asMap(obj.spec) ?? {};
  if (group === 'networking.istio.io') {
    switch (obj.kind) {
      case 'VirtualService':
        asList(spec.http).forEach((r, i) => checkHttpRoute(asMap(r) ?? {}, `spec.http[${i}]`, v));
        break;
      case 'DestinationRule':
        checkTrafficPolicy(spec.trafficPolicy, 'spec.trafficPolicy', v);
        asList(spec.subsets).forEach((s, i) => {
          const subset = asMap(s) ?? {};
          if (typeof subset.name !== 'string' || !DNS_LABEL.test(subset.name)) {
            v.add('ISTIO_SUBSET', `spec.subsets[${i}].name`, subset.name, 'invalid subset name', 'a DNS-1123 label');
          }
          checkTrafficPolicy(subset.trafficPolicy, `spec.subsets[${i}].trafficPolicy`, v);
        });
        break;
      case 'ServiceEntry':
        checkServiceEntry(spec, v);
        break;
      default:
    }
  } else if (group === 'security.istio.io' && obj.kind === 'AuthorizationPolicy') {
    checkAuthorizationPolicy(spec, v);
  }
}
