import { Duration } from 'cdk8s';
import {
  VirtualServiceSpecHttp,
  VirtualServiceSpecHttpCorsPolicy,
  VirtualServiceSpecHttpFault,
  VirtualServiceSpecHttpMatch,
  VirtualServiceSpecHttpMatchUri,
  VirtualServiceSpecHttpRetries,
} from '../../imports/networking.istio.io';
import { MeshforgeError } from '../validation/meshforge-error';
import { istioDuration, requireIstioDuration, requirePercent, sortedEntries } from './conventions';

/**
 * How a string is matched (URI, header, query parameter).
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#StringMatch
 */
export class StringMatch {
  /** The whole value equals `value`. */
  public static exact(value: string): StringMatch {
    return new StringMatch({ exact: value });
  }
  /** The value starts with `value`. */
  public static prefix(value: string): StringMatch {
    return new StringMatch({ prefix: value });
  }
  /** The value matches the RE2 regular expression `pattern`. */
  public static regex(pattern: string): StringMatch {
    return new StringMatch({ regex: pattern });
  }
  private constructor(private readonly spec: VirtualServiceSpecHttpMatchUri) {}
  /** The Istio `StringMatch` object. */
  public toIstio(): VirtualServiceSpecHttpMatchUri {
    return { ...this.spec };
  }
}

/**
 * Conditions of one HTTP match; all set conditions must hold (AND). List
 * several matches on a route for OR.
 */
export interface HttpRouteMatch {
  /** Request path. @default - any path */
  readonly uri?: StringMatch;
  /** Request headers (lowercase names). @default - no header condition */
  readonly headers?: Readonly<Record<string, StringMatch>>;
  /** Query parameters. @default - no query condition */
  readonly queryParams?: Readonly<Record<string, StringMatch>>;
  /**
   * A cookie that must be present with exactly this value. Istio has no cookie
   * match: it becomes a regex on the `cookie` header, so it cannot be combined
   * with a `headers.cookie` condition.
   * @default - no cookie condition
   */
  readonly cookie?: { readonly name: string; readonly value: string };
  /** HTTP method. @default - any method */
  readonly method?: StringMatch;
}

/** Retry policy of a route. @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRetry */
export interface RetryPolicy {
  /** Number of retries (0 disables retries). */
  readonly attempts: number;
  /** Timeout per attempt. @default - the route timeout */
  readonly perTryTimeout?: Duration;
  /** Envoy retry conditions. @default "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes" (Istio's default) */
  readonly retryOn?: string;
  /**
   * Accept tries that cannot all fit in the route timeout: `(1 + attempts) ×
   * perTryTimeout` above `timeout` fails the synth (RETRY_BUDGET) unless set;
   * the timeout then cuts the last tries short.
   * @default false
   */
  readonly allowExceedingTimeout?: boolean;
}

/** Fault injection for resilience testing. Percentages are 0–100. */
export interface FaultInjection {
  /** Delay this share of requests. @default - no delay */
  readonly delay?: { readonly fixedDelay: Duration; readonly percentage: number };
  /** Abort this share of requests with an HTTP status. @default - no abort */
  readonly abort?: { readonly httpStatus: number; readonly percentage: number };
}

/** CORS policy answered by the sidecar or gateway. */
export interface CorsPolicy {
  /** Allowed origins. */
  readonly allowOrigins: readonly StringMatch[];
  /** @default - GET, POST and HEAD (browser defaults, no header sent) */
  readonly allowMethods?: readonly string[];
  /** @default - none */
  readonly allowHeaders?: readonly string[];
  /** @default - none */
  readonly exposeHeaders?: readonly string[];
  /** How long the preflight may be cached. @default - not sent */
  readonly maxAge?: Duration;
  /** @default false */
  readonly allowCredentials?: boolean;
}

/** A share of a route's traffic sent to one version (DestinationRule subset). */
export interface WeightedVersion {
  /** A version declared on the service. */
  readonly version: string;
  /** Percentage 0–100; the weights of one route must sum to 100. */
  readonly weight: number;
}

/** Copy of live traffic sent to another version; responses are discarded. */
export interface MirrorPolicy {
  /** A version declared on the service. */
  readonly version: string;
  /** Share of requests mirrored, 0–100. @default 100 */
  readonly percentage?: number;
}

/** One HTTP route of a MeshService's VirtualService. */
export interface HttpRouteOptions {
  /** Route name (shows in Envoy stats and access logs). @default - `route-<index>` */
  readonly name?: string;
  /** Matches, ORed. @default - every request (a catch-all route) */
  readonly match?: readonly HttpRouteMatch[];
  /**
   * Where the traffic goes. Weights must sum to 100.
   * @default - the service's default split (see `canary` / `blueGreen`; the first version otherwise)
   */
  readonly destinations?: readonly WeightedVersion[];
  /** @default - the service's `retries` */
  readonly retries?: RetryPolicy;
  /** @default - the service's `timeout` */
  readonly timeout?: Duration;
  /** @default - none */
  readonly fault?: FaultInjection;
  /** @default - none */
  readonly mirror?: MirrorPolicy;
  /** @default - none */
  readonly cors?: CorsPolicy;
  /**
   * Restrict the route to these gateways: `"mesh"` (sidecars) or a gateway the
   * service is exposed through, as `<namespace>/<name>`.
   * @default - every gateway of the VirtualService
   */
  readonly gateways?: readonly string[];
}

const percentage = (value: number) => ({ value });

/** @internal The Istio `match` list of a route. */
export function matchesToIstio(matches: readonly HttpRouteMatch[], gateways?: readonly string[]): VirtualServiceSpecHttpMatch[] | undefined {
  if (matches.length === 0) return gateways ? [{ gateways: [...gateways] }] : undefined;
  return matches.map((m) => {
    const headers: Record<string, VirtualServiceSpecHttpMatchUri> = {};
    for (const [k, v] of sortedEntries(m.headers ?? {})) headers[k] = v.toIstio();
    if (m.cookie) headers.cookie = { regex: `^(.*?;\\s*)?(${escapeRegex(m.cookie.name)}=${escapeRegex(m.cookie.value)})(;.*)?$` };
    const queryParams: Record<string, VirtualServiceSpecHttpMatchUri> = {};
    for (const [k, v] of sortedEntries(m.queryParams ?? {})) queryParams[k] = v.toIstio();
    return {
      uri: m.uri?.toIstio(),
      method: m.method?.toIstio(),
      headers: Object.keys(headers).length > 0 ? headers : undefined,
      queryParams: Object.keys(queryParams).length > 0 ? queryParams : undefined,
      gateways: gateways ? [...gateways] : undefined,
    };
  });
}

/** RFC 6265 section 4.1.1: a cookie name is an RFC 7230 token, its value cookie-octets. */
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const COOKIE_VALUE = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;

/** A cookie match whose name or value no browser sends would silently never match. */
function checkCookie(path: string, field: string, cookie: HttpRouteMatch['cookie']): void {
  if (!cookie) return;
  if (!COOKIE_NAME.test(cookie.name)) {
    throw new MeshforgeError('invalid cookie name', {
      code: 'INVALID_COOKIE',
      path,
      field: `${field}.name`,
      value: cookie.name,
      expected: 'a non-empty token: letters, digits and !#$%&\'*+-.^_`|~ (RFC 6265), e.g. "session"',
    });
  }
  if (!COOKIE_VALUE.test(cookie.value)) {
    throw new MeshforgeError('invalid cookie value', {
      code: 'INVALID_COOKIE',
      path,
      field: `${field}.value`,
      value: cookie.value,
      expected: 'printable ASCII without spaces, double quotes, commas, semicolons or backslashes (RFC 6265 cookie-octets)',
    });
  }
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** @internal Validates the durations of a retry policy; `field` names it in errors. */
export function checkRetries(path: string, field: string, r: RetryPolicy | undefined): void {
  requireIstioDuration(path, `${field}.perTryTimeout`, r?.perTryTimeout);
}

/**
 * @internal Validates every value of a route Istio would reject (durations,
 * percentages, abort status), so errors name the route's field.
 */
export function checkRoute(path: string, field: string, route: HttpRouteOptions): void {
  (route.match ?? []).forEach((m, i) => checkCookie(path, `${field}.match[${i}].cookie`, m.cookie));
  requireIstioDuration(path, `${field}.timeout`, route.timeout);
  checkRetries(path, `${field}.retries`, route.retries);
  const { delay, abort } = route.fault ?? {};
  if (delay) {
    requireIstioDuration(path, `${field}.fault.delay.fixedDelay`, delay.fixedDelay);
    requirePercent(path, `${field}.fault.delay.percentage`, delay.percentage);
  }
  if (abort) {
    requirePercent(path, `${field}.fault.abort.percentage`, abort.percentage);
    if (!Number.isInteger(abort.httpStatus) || abort.httpStatus < 200 || abort.httpStatus > 599) {
      throw new MeshforgeError('abort status is not an HTTP status', {
        code: 'INVALID_HTTP_STATUS',
        path,
        field: `${field}.fault.abort.httpStatus`,
        value: abort.httpStatus,
        expected: 'a status code from 200 to 599 (e.g. 503)',
      });
    }
  }
  requirePercent(path, `${field}.mirror.percentage`, route.mirror?.percentage);
  requireIstioDuration(path, `${field}.cors.maxAge`, route.cors?.maxAge);
}

/** @internal */
export function retriesToIstio(r: RetryPolicy): VirtualServiceSpecHttpRetries {
  return { attempts: r.attempts, perTryTimeout: r.perTryTimeout && istioDuration(r.perTryTimeout), retryOn: r.retryOn };
}

/** @internal */
export function faultToIstio(f: FaultInjection): VirtualServiceSpecHttpFault {
  return {
    delay: f.delay && { fixedDelay: istioDuration(f.delay.fixedDelay), percentage: percentage(f.delay.percentage) },
    abort: f.abort && { httpStatus: f.abort.httpStatus, percentage: percentage(f.abort.percentage) },
  };
}

/** @internal */
export function corsToIstio(c: CorsPolicy): VirtualServiceSpecHttpCorsPolicy {
  return {
    allowOrigins: c.allowOrigins.map((o) => o.toIstio()),
    allowMethods: c.allowMethods && [...c.allowMethods],
    allowHeaders: c.allowHeaders && [...c.allowHeaders],
    exposeHeaders: c.exposeHeaders && [...c.exposeHeaders],
    maxAge: c.maxAge && istioDuration(c.maxAge),
    allowCredentials: c.allowCredentials,
  };
}

/** @internal Renders one route; `host` is the service's FQDN. */
export function routeToIstio(
  host: string,
  name: string,
  route: HttpRouteOptions,
  destinations: readonly WeightedVersion[],
  defaults: { retries?: RetryPolicy; timeout?: Duration },
): VirtualServiceSpecHttp {
  const retries = route.retries ?? defaults.retries;
  const timeout = route.timeout ?? defaults.timeout;
  return {
    name,
    match: matchesToIstio(route.match ?? [], route.gateways),
    route: destinations.map((d) => ({
      destination: { host, subset: d.version },
      // a single destination takes all traffic; Istio requires no weight then
      weight: destinations.length > 1 ? d.weight : undefined,
    })),
    retries: retries && retriesToIstio(retries),
    timeout: timeout && istioDuration(timeout),
    fault: route.fault && faultToIstio(route.fault),
    mirror: route.mirror && { host, subset: route.mirror.version },
    mirrorPercentage: route.mirror && percentage(route.mirror.percentage ?? 100),
    corsPolicy: route.cors && corsToIstio(route.cors),
  };
}
