import { MeshforgeError } from '../validation/meshforge-error';

/**
 * Which requests and connections Envoy writes to its access log: a CEL
 * expression evaluated by the sidecar after each request (Telemetry
 * `accessLogging[].filter.expression`).
 *
 * Envoy treats an expression that fails to evaluate as `false` (istio/istio
 * issue 47533; Envoy's CEL access-log filter), e.g. `response.code` on a TCP
 * connection, which has no response code. The factories below are written so
 * that such an error only drops the entry it concerns: in CEL, `a || b` is
 * `true` as soon as one side is true, even if the other errors.
 *
 * @see https://istio.io/latest/docs/reference/config/telemetry/#AccessLogging-Filter
 * @see https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/advanced/attributes
 */
export class AccessLogFilter {
  /** Every request and connection (no filter). */
  public static all(): AccessLogFilter {
    return new AccessLogFilter(undefined);
  }

  /**
   * Failed requests and connections: HTTP status >= 400, a gRPC status other
   * than OK on gRPC requests (gRPC errors travel as HTTP 200), or any Envoy
   * response flag (upstream reset, no healthy upstream, timeout... — the only
   * failure signal TCP connections have).
   */
  public static errors(): AccessLogFilter {
    // Envoy infers `response.grpc_status` from the HTTP status when no grpc-status was sent
    // (200 → Unknown, envoy source/common/grpc/common.cc getGrpcStatus), so it is only read for gRPC requests.
    return new AccessLogFilter(
      "response.code >= 400 || (request.headers['content-type'].startsWith('application/grpc') && response.grpc_status != 0) || response.flags != 0",
    );
  }

  /**
   * A share of HTTP requests, chosen by the last two hex digits of the
   * request id (`x-request-id`, a random UUID Envoy sets at the edge and every
   * sidecar passes on): the same request is kept or dropped at every hop, so a
   * sampled request can be followed through the mesh. The Telemetry API has
   * no random sampling for access logs (istio/istio issue 50404) and CEL has
   * no random function, hence the request id.
   *
   * Granularity is 1/256 (0.390625%); `percentage` is rounded to it. TCP
   * connections have no request id and are never sampled. A client that sets
   * its own `x-request-id` (honoured at a gateway only with
   * `preserve_external_request_id`) can choose whether it is logged.
   *
   * @param percentage 0.39–100
   */
  public static sample(percentage: number): AccessLogFilter {
    const buckets = Math.round((percentage * 256) / 100);
    if (!Number.isFinite(percentage) || percentage > 100 || buckets < 1) {
      throw new MeshforgeError('invalid access log sampling percentage', {
        code: 'INVALID_ACCESS_LOG_SAMPLING',
        field: 'AccessLogFilter.sample',
        value: percentage,
        expected: 'a percentage from 0.39 to 100 (sampling keeps n/256 of the request ids, so smaller shares round to nothing)',
      });
    }
    if (buckets >= 256) return new AccessLogFilter('true');
    return new AccessLogFilter(`request.id.matches('${requestIdSuffixRegex(buckets)}')`);
  }

  /**
   * Your own CEL expression over Envoy attributes, e.g.
   * `response.code >= 500 && request.url_path.startsWith('/api')`.
   */
  public static expression(cel: string): AccessLogFilter {
    if (cel.trim() === '' || cel.includes('\n')) {
      throw new MeshforgeError('invalid access log filter', {
        code: 'INVALID_ACCESS_LOG_FILTER',
        field: 'AccessLogFilter.expression',
        value: cel,
        expected: 'a non-empty CEL expression on one line, e.g. "response.code >= 400"',
      });
    }
    return new AccessLogFilter(cel);
  }

  /**
   * @param expression the CEL expression; `undefined` keeps every entry
   */
  private constructor(public readonly expression: string | undefined) {}

  /** Entries that match this filter or `other` (e.g. `errors().or(sample(10))`: every error, 10% of the rest). */
  public or(other: AccessLogFilter): AccessLogFilter {
    if (this.expression === undefined || other.expression === undefined) return AccessLogFilter.all();
    return new AccessLogFilter(`(${this.expression}) || (${other.expression})`);
  }

  /** Entries that match this filter and `other`. */
  public and(other: AccessLogFilter): AccessLogFilter {
    if (this.expression === undefined) return other;
    if (other.expression === undefined) return this;
    return new AccessLogFilter(`(${this.expression}) && (${other.expression})`);
  }
}

const HEX = '0123456789abcdef';

/** A character class of the first `n` hex digits (1 ≤ n ≤ 16). */
function hexClass(n: number): string {
  if (n === 1) return '0';
  if (n <= 10) return `[0-${n - 1}]`;
  return n === 11 ? '[0-9a]' : `[0-9a-${HEX[n - 1]}]`;
}

/** RE2 matching ids whose last two hex digits, read as a number, are below `buckets` (1–255). */
export function requestIdSuffixRegex(buckets: number): string {
  const high = Math.floor(buckets / 16);
  const rest = buckets % 16;
  const parts: string[] = [];
  if (high > 0) parts.push(`${hexClass(high)}[0-9a-f]`);
  if (rest > 0) parts.push(`${HEX[high]}${hexClass(rest)}`);
  return `(?i)(${parts.join('|')})$`;
}

/** Where Envoy writes access log entries: an extension provider of the mesh config. */
export class AccessLogProvider {
  /**
   * Istio's built-in `envoy` provider: text lines on the sidecar's stdout,
   * which Fluent Bit collects with every container log. Needs no mesh config:
   * Istio keeps its default providers when the install adds its own
   * (istio/istio pkg/config/mesh/mesh.go, ApplyMeshConfig merges by name).
   */
  public static envoy(): AccessLogProvider {
    return new AccessLogProvider('envoy');
  }

  /**
   * One JSON object per line on the sidecar's stdout (a custom
   * `envoyFileAccessLog` provider), so the log store gets fields instead of
   * a text line to parse. Declared in the mesh config file synth writes.
   * @param name provider name in `meshConfig.extensionProviders` @default "meshforge-json-stdout"
   */
  public static jsonToStdout(name = 'meshforge-json-stdout'): AccessLogProvider {
    return new AccessLogProvider(name, {
      name,
      envoyFileAccessLog: { path: '/dev/stdout', logFormat: { labels: JSON_ACCESS_LOG_FIELDS } },
    });
  }

  /**
   * @param name provider name the Telemetry object references
   * @param extensionProvider its `meshConfig.extensionProviders` entry; undefined for Istio's built-in providers
   */
  private constructor(
    public readonly name: string,
    public readonly extensionProvider?: Readonly<Record<string, unknown>>,
  ) {}
}

/**
 * Fields of the JSON access log: Envoy command operators, the same names as
 * Istio's default text format so both read alike.
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage#command-operators
 */
const JSON_ACCESS_LOG_FIELDS: Readonly<Record<string, string>> = {
  start_time: '%START_TIME%',
  method: '%REQ(:METHOD)%',
  path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%',
  protocol: '%PROTOCOL%',
  response_code: '%RESPONSE_CODE%',
  grpc_status: '%GRPC_STATUS%',
  response_flags: '%RESPONSE_FLAGS%',
  response_code_details: '%RESPONSE_CODE_DETAILS%',
  connection_termination_details: '%CONNECTION_TERMINATION_DETAILS%',
  upstream_transport_failure_reason: '%UPSTREAM_TRANSPORT_FAILURE_REASON%',
  bytes_received: '%BYTES_RECEIVED%',
  bytes_sent: '%BYTES_SENT%',
  duration: '%DURATION%',
  upstream_service_time: '%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%',
  x_forwarded_for: '%REQ(X-FORWARDED-FOR)%',
  user_agent: '%REQ(USER-AGENT)%',
  request_id: '%REQ(X-REQUEST-ID)%',
  authority: '%REQ(:AUTHORITY)%',
  upstream_host: '%UPSTREAM_HOST%',
  upstream_cluster: '%UPSTREAM_CLUSTER%',
  upstream_local_address: '%UPSTREAM_LOCAL_ADDRESS%',
  downstream_local_address: '%DOWNSTREAM_LOCAL_ADDRESS%',
  downstream_remote_address: '%DOWNSTREAM_REMOTE_ADDRESS%',
  requested_server_name: '%REQUESTED_SERVER_NAME%',
  route_name: '%ROUTE_NAME%',
  traceparent: '%REQ(TRACEPARENT)%',
};

/** Which side of a connection logs: both (one entry per hop and side), the caller's sidecar, or the callee's. */
export type AccessLogMode = 'CLIENT_AND_SERVER' | 'CLIENT' | 'SERVER';

/** Envoy access logs for the whole mesh (see MeshTelemetry). */
export interface AccessLoggingOptions {
  /** @default AccessLogProvider.envoy() (built-in, text on stdout, no mesh config needed) */
  readonly provider?: AccessLogProvider;
  /** Which entries are written. @default AccessLogFilter.all() */
  readonly filter?: AccessLogFilter;
  /**
   * `SERVER` halves the volume but loses calls to destinations without a
   * sidecar (external services, the API server).
   * @default "CLIENT_AND_SERVER"
   */
  readonly mode?: AccessLogMode;
}
