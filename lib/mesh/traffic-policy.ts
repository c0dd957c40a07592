import { Duration } from 'cdk8s';
import {
  DestinationRuleSpecTrafficPolicyConnectionPool,
  DestinationRuleSpecTrafficPolicyLoadBalancer,
  DestinationRuleSpecTrafficPolicyLoadBalancerSimple,
  DestinationRuleSpecTrafficPolicyOutlierDetection,
} from '../../imports/networking.istio.io';
import { MeshforgeError } from '../validation/meshforge-error';
import { istioDuration, requireIntInRange, requireIstioDuration } from './conventions';

/**
 * How the client sidecar spreads requests over the endpoints of a service
 * (DestinationRule `trafficPolicy.loadBalancer`).
 *
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#LoadBalancerSettings
 */
export class LoadBalancer {
  /** Endpoints in turn. */
  public static roundRobin(): LoadBalancer {
    return new LoadBalancer({ simple: DestinationRuleSpecTrafficPolicyLoadBalancerSimple.ROUND_UNDERSCORE_ROBIN });
  }
  /** The endpoint with fewer outstanding requests (Istio's default). */
  public static leastRequest(): LoadBalancer {
    return new LoadBalancer({ simple: DestinationRuleSpecTrafficPolicyLoadBalancerSimple.LEAST_UNDERSCORE_REQUEST });
  }
  /** A random endpoint. */
  public static random(): LoadBalancer {
    return new LoadBalancer({ simple: DestinationRuleSpecTrafficPolicyLoadBalancerSimple.RANDOM });
  }
  /** Sticky sessions on the value of an HTTP header. */
  public static consistentHashByHeader(headerName: string): LoadBalancer {
    return new LoadBalancer({ consistentHash: { httpHeaderName: headerName } });
  }
  /**
   * Sticky sessions on a cookie; with `ttl` the proxy creates the cookie when it is missing.
   */
  public static consistentHashByCookie(name: string, ttl?: Duration, path?: string): LoadBalancer {
    // ttl is rendered late so the service validates it with its path (loadBalancer.ttl)
    return new LoadBalancer({ consistentHash: { httpCookie: { name, path } } }, ttl);
  }
  /** Sticky sessions on the client's source IP. */
  public static consistentHashBySourceIp(): LoadBalancer {
    return new LoadBalancer({ consistentHash: { useSourceIp: true } });
  }

  private constructor(
    private readonly spec: DestinationRuleSpecTrafficPolicyLoadBalancer,
    /** Cookie lifetime of `consistentHashByCookie`. */
    public readonly cookieTtl?: Duration,
  ) {}

  /** The Istio `loadBalancer` block. */
  public toIstio(): DestinationRuleSpecTrafficPolicyLoadBalancer {
    const cookie = this.spec.consistentHash?.httpCookie;
    if (!cookie || !this.cookieTtl) return this.spec;
    return { consistentHash: { ...this.spec.consistentHash, httpCookie: { ...cookie, ttl: istioDuration(this.cookieTtl) } } };
  }
}

/**
 * Connection limits per client sidecar (DestinationRule `connectionPool`):
 * with `outlierDetection` this is Istio's circuit breaker.
 */
export interface ConnectionPoolOptions {
  /** TCP: maximum connections to the service. @default - Istio's default (2^32-1) */
  readonly maxConnections?: number;
  /** TCP: connect timeout. @default - Istio's default (10s) */
  readonly connectTimeout?: Duration;
  /** HTTP/1.1: maximum queued requests waiting for a connection. @default - Istio's default (2^32-1) */
  readonly http1MaxPendingRequests?: number;
  /** HTTP/2: maximum concurrent requests. @default - Istio's default (2^32-1) */
  readonly http2MaxRequests?: number;
  /** Requests per connection before it is closed; 1 disables keep-alive. @default - unlimited */
  readonly maxRequestsPerConnection?: number;
  /** Maximum outstanding retries to the service. @default - Istio's default (2^32-1) */
  readonly maxRetries?: number;
  /** Close connections idle for this long. @default - 1h (Envoy) */
  readonly idleTimeout?: Duration;
  /**
   * TCP: turn on SO_KEEPALIVE on the connections to the service, so idle
   * connections through NATs and cloud load balancers that drop them
   * silently are detected. `{}` turns keepalive on with the OS settings.
   * @default - off (unless the mesh config sets `tcpKeepalive`)
   */
  readonly tcpKeepalive?: TcpKeepaliveOptions;
}

/**
 * TCP keepalive of a connection pool (Istio
 * `ConnectionPoolSettings.TCPSettings.TcpKeepalive`). Each field left out
 * keeps the operating system's value (Linux: 9 probes, 7200s, 75s).
 *
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#ConnectionPoolSettings-TCPSettings-TcpKeepalive
 */
export interface TcpKeepaliveOptions {
  /** Unanswered probes before the connection is dropped. @default - the OS setting */
  readonly probes?: number;
  /** Idle time before the first probe, whole seconds. @default - the OS setting */
  readonly time?: Duration;
  /** Time between probes, whole seconds. @default - the OS setting */
  readonly interval?: Duration;
}

/** Ejects failing endpoints from the pool (DestinationRule `outlierDetection`). */
export interface OutlierDetectionOptions {
  /** Consecutive 5xx responses before ejection. @default 5 */
  readonly consecutive5xxErrors?: number;
  /** Consecutive 502/503/504 (or connection errors) before ejection. @default - not checked separately */
  readonly consecutiveGatewayErrors?: number;
  /** How often endpoints are analysed. @default Duration.seconds(10) */
  readonly interval?: Duration;
  /** Minimum ejection time (multiplied by the number of ejections). @default Duration.seconds(30) */
  readonly baseEjectionTime?: Duration;
  /** At most this share of endpoints is ejected. @default 10 */
  readonly maxEjectionPercent?: number;
  /** Outlier detection turns off when fewer endpoints than this percentage are healthy. @default 0 */
  readonly minHealthPercent?: number;
}

/** @internal Validates the durations of a connection pool (field prefix `connectionPool`). */
export function checkConnectionPool(path: string, o: ConnectionPoolOptions | undefined): void {
  requireIstioDuration(path, 'connectionPool.connectTimeout', o?.connectTimeout);
  requireIstioDuration(path, 'connectionPool.idleTimeout', o?.idleTimeout);
  const ka = o?.tcpKeepalive;
  if (!ka) return;
  // Istio accepts any duration ≥ 1ms (pkg/config/validation: ValidateDuration) but istiod hands
  // Envoy whole seconds (pilot/pkg/networking/core/cluster.go setKeepAliveSettings:
  // uint32(Time.Seconds)), so 500ms would become 0 and 1.5s would become 1s without a word.
  for (const key of ['time', 'interval'] as const) {
    const d = ka[key];
    const seconds = d?.toSeconds({ integral: false });
    if (seconds !== undefined && (!Number.isInteger(seconds) || seconds < 1)) {
      throw new MeshforgeError('keepalive duration is not whole seconds', {
        code: 'INVALID_DURATION',
        path,
        field: `connectionPool.tcpKeepalive.${key}`,
        value: `${seconds}s`,
        expected: 'a whole number of seconds, at least 1s (Envoy takes keepalive times in seconds; istiod drops the fraction)',
      });
    }
  }
  // probes is a uint32; istiod skips 0 (the OS default then applies), so 0 is refused as a no-op.
  requireIntInRange('INVALID_KEEPALIVE', 'keepalive probes out of range', path, 'connectionPool.tcpKeepalive.probes', ka.probes, 1, 4294967295);
}

/** @internal Validates durations and percentages of outlier detection (field prefix `outlierDetection`). */
export function checkOutlierDetection(path: string, o: OutlierDetectionOptions | undefined): void {
  requireIstioDuration(path, 'outlierDetection.interval', o?.interval);
  requireIstioDuration(path, 'outlierDetection.baseEjectionTime', o?.baseEjectionTime);
  for (const key of ['maxEjectionPercent', 'minHealthPercent'] as const) {
    requireIntInRange('INVALID_PERCENT', 'percentage out of range', path, `outlierDetection.${key}`, o?.[key], 0, 100);
  }
}

/** @internal Istio `connectionPool` from meshforge options. */
export function connectionPoolToIstio(o: ConnectionPoolOptions): DestinationRuleSpecTrafficPolicyConnectionPool {
  const tcp = {
    maxConnections: o.maxConnections,
    connectTimeout: o.connectTimeout && istioDuration(o.connectTimeout),
    tcpKeepalive: o.tcpKeepalive && {
      probes: o.tcpKeepalive.probes,
      time: o.tcpKeepalive.time && istioDuration(o.tcpKeepalive.time),
      interval: o.tcpKeepalive.interval && istioDuration(o.tcpKeepalive.interval),
    },
  };
  const http = {
    http1MaxPendingRequests: o.http1MaxPendingRequests,
    http2MaxRequests: o.http2MaxRequests,
    maxRequestsPerConnection: o.maxRequestsPerConnection,
    maxRetries: o.maxRetries,
    idleTimeout: o.idleTimeout && istioDuration(o.idleTimeout),
  };
  const defined = (x: object) => Object.values(x).some((v) => v !== undefined);
  return { tcp: defined(tcp) ? tcp : undefined, http: defined(http) ? http : undefined };
}

/** @internal Istio `outlierDetection` with meshforge's defaults applied. */
export function outlierDetectionToIstio(o: OutlierDetectionOptions): DestinationRuleSpecTrafficPolicyOutlierDetection {
  return {
    consecutive5XxErrors: o.consecutive5xxErrors ?? 5,
    consecutiveGatewayErrors: o.consecutiveGatewayErrors,
    interval: istioDuration(o.interval ?? Duration.seconds(10)),
    baseEjectionTime: istioDuration(o.baseEjectionTime ?? Duration.seconds(30)),
    maxEjectionPercent: o.maxEjectionPercent ?? 10,
    minHealthPercent: o.minHealthPercent ?? 0,
  };
}
