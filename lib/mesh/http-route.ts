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
import { DNS_NAME, isDnsLabel } from '../validation/names';
import { isHttpFamilyPortName, istioDuration, requireIstioDuration, requirePercent, requirePort, sortedEntries } from './conventions';
import { ExternalService } from './external-service';
import { MeshGateway } from './mesh-gateway';

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

/** What a route needs of another MeshService (a MeshService is one). */
export interface RoutableService {
  readonly name: string;
  readonly namespace: string;
  /** `<name>.<namespace>.svc.cluster.local`. */
  readonly host: string;
  readonly ports: readonly { readonly port: number; readonly name: string }[];
}

/**
 * A host a route sends traffic to other than the service itself: another
 * MeshService, an ExternalService (its ServiceEntry host) or an explicit
 * fully qualified host. Its subsets are not this service's: a destination to
 * it names no version, and its own VirtualService (canary split, routes) does
 * not apply — Istio routes once, on the host the client called.
 */
export class RouteTarget {
  /** Another MeshService (any namespace): the route reaches all of its pods. */
  public static service(service: RoutableService): RouteTarget {
    // an HTTP route can only use the ports Istio routes as HTTP
    const nonHttp = service.ports.filter((p) => !isHttpFamilyPortName(p.name)).map((p) => p.port);
    return new RouteTarget('service', service.host, service, service.ports.map((p) => p.port), service.namespace, undefined, undefined, undefined, nonHttp);
  }
  /**
   * An ExternalService: its ServiceEntry host, which must be visible where
   * the route runs (`exportTo`), on a plain HTTP (or gRPC) port: the route
   * forwards plain HTTP, and meshforge emits no TLS origination.
   */
  public static external(service: ExternalService): RouteTarget {
    // ports on which Envoy would have to originate TLS: an HTTP route sends plain HTTP, and meshforge emits no TLS origination
    const tlsPorts = service.ports.filter((p) => p.protocol === 'HTTPS' || p.protocol === 'TLS').map((p) => p.number);
    return new RouteTarget('external', service.host, service, service.ports.map((p) => p.number), service.namespace, service.exportTo, service.serviceEntry !== undefined, tlsPorts);
  }
  /**
   * A fully qualified host, e.g. `reviews.bookinfo.svc.cluster.local` or a
   * ServiceEntry host defined elsewhere. Nothing can check it exists.
   */
  public static host(host: string): RouteTarget {
    return new RouteTarget('host', host);
  }
  private constructor(
    /** How the target was named. */
    public readonly kind: 'service' | 'external' | 'host',
    /** The `destination.host` Istio gets. */
    public readonly host: string,
    /** The MeshService or ExternalService object, when one was given. */
    public readonly target?: object,
    /** Its ports, when known. */
    public readonly ports?: readonly number[],
    /** Its namespace, when known. */
    public readonly namespace?: string,
    /** The ServiceEntry's `exportTo` (ExternalService). */
    public readonly exportTo?: readonly string[],
    /** Whether an ExternalService emits a ServiceEntry. */
    public readonly hasServiceEntry?: boolean,
    /** Ports of an ExternalService that speak TLS (HTTPS, TLS). */
    public readonly tlsPorts?: readonly number[],
    /** Ports of another service that are not HTTP, HTTP/2 or gRPC (TCP, TLS, databases): no HTTP route can use them. */
    public readonly nonHttpPorts?: readonly number[],
  ) {}
}

/** Where a share of a route's traffic goes: a version of this service, or another host. */
export interface RouteDestination {
  /**
   * A version declared on this service (its DestinationRule subset). Only
   * this service's versions have subsets here: with `to` another host, leave
   * it out (`FOREIGN_SUBSET`).
   * @default - required unless `to` names another host
   */
  readonly version?: string;
  /** Percentage 0–100; the weights of one route must sum to 100. */
  readonly weight: number;
  /**
   * Service port of the destination (`destination.port.number`). Required
   * when the destination host has several ports.
   * @default - the destination's only port
   */
  readonly port?: number;
  /**
   * Another host: `RouteTarget.service(other)`, `.external(db)`, `.host(fqdn)`.
   * @default - this service
   */
  readonly to?: RouteTarget;
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
   * Where the traffic goes: versions of this service, or other hosts (`to`). Weights must sum to 100.
   * @default - the service's default split (see `canary` / `blueGreen`; the first version otherwise)
   */
  readonly destinations?: readonly RouteDestination[];
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
   * Where the route applies: `"mesh"` (the sidecars of in-mesh callers) and/or
   * gateways the service is exposed through, each as the MeshGateway object, its
   * name (the service's namespace, as in Istio) or `"<namespace>/<name>"`. A
   * gateway serves only the routes that list it (plus the default route with
   * `exposeVia(gateway, { exposeAll: true })`).
   * @default ["mesh"]
   */
  readonly gateways?: readonly (string | MeshGateway)[];
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
  (route.gateways ?? []).forEach((g, i) => {
    if (typeof g === 'string') checkGatewayRef(path, `${field}.gateways[${i}]`, g);
  });
  (route.destinations ?? []).forEach((d, i) => {
    requirePort(path, `${field}.destinations[${i}].port`, d.port);
    if (d.to?.kind === 'host' && (!DNS_NAME.test(d.to.host) || !d.to.host.includes('.') || d.to.host.length > 253)) {
      throw new MeshforgeError('route destination host is not a fully qualified DNS name', {
        code: 'INVALID_HOST',
        path,
        field: `${field}.destinations[${i}].to`,
        value: d.to.host,
        expected: 'a lowercase DNS name with a dot, e.g. "reviews.bookinfo.svc.cluster.local" (a short name would mean the VirtualService\'s namespace; for a MeshService or ExternalService pass the object)',
      });
    }
  });
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

/** `"mesh"`, `"<name>"` or `"<namespace>/<name>"` with DNS labels (Istio's gateway reference syntax). */
function checkGatewayRef(path: string, field: string, ref: string): void {
  const parts = ref.split('/');
  if (ref === 'mesh' || (parts.length <= 2 && parts.every((p) => isDnsLabel(p)))) return;
  throw new MeshforgeError('invalid gateway reference', {
    code: 'INVALID_GATEWAY_REF',
    path,
    field,
    value: ref,
    expected: '"mesh", a MeshGateway object, a gateway name in the service\'s namespace ("public") or "<namespace>/<name>" ("istio-system/public"), made of DNS labels',
  });
}

/**
 * @internal `"mesh"` or `"<namespace>/<name>"` for a route's gateway: a name
 * without namespace is in the VirtualService's namespace, as Istio reads it
 * (VirtualService reference, `gateways`).
 */
export function resolveGatewayRef(ref: string | MeshGateway, namespace: string): string {
  if (typeof ref !== 'string') return ref.ref;
  return ref === 'mesh' || ref.includes('/') ? ref : `${namespace}/${ref}`;
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

/**
 * @internal Renders one route; `host` is the service's FQDN, `gateways` the
 * resolved gateways of its matches (none: the VirtualService's).
 */
export function routeToIstio(
  host: string,
  name: string,
  route: HttpRouteOptions,
  destinations: readonly RouteDestination[],
  defaults: { retries?: RetryPolicy; timeout?: Duration },
  gateways?: readonly string[],
): VirtualServiceSpecHttp {
  const retries = route.retries ?? defaults.retries;
  const timeout = route.timeout ?? defaults.timeout;
  return {
    name,
    match: matchesToIstio(route.match ?? [], gateways),
    route: destinations.map((d) => ({
      // a subset exists only on this service's own host (FOREIGN_SUBSET)
      destination: { host: d.to?.host ?? host, subset: d.version, port: d.port === undefined ? undefined : { number: d.port } },
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
