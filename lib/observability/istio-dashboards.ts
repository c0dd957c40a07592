import { DATASOURCE_UIDS, DashboardPanel, GrafanaDashboard } from './dashboards';

/**
 * Istio mesh, service and workload dashboards written for this stack: every
 * query reads the Istio standard metrics (istio_requests_total,
 * istio_request_duration_milliseconds_bucket, istio_tcp_*) that the stack's
 * `envoy-stats` job scrapes from the sidecars, through the Prometheus data
 * source the Grafana construct provisions (uid `prometheus`).
 *
 * Errors are gRPC-aware: a request failed if its HTTP status is 5xx or, for
 * gRPC, its `grpc_response_status` is neither empty (not gRPC) nor 0 (OK);
 * gRPC failures travel as HTTP 200. `or` unions the two sets of series, so a
 * request in both is counted once.
 *
 * @see https://istio.io/latest/docs/reference/config/metrics/
 */

const RATE = '$__rate_interval';
const DS = { type: 'prometheus' as const, uid: DATASOURCE_UIDS.prometheus };

/** `rate(istio_requests_total{sel}[RATE])` restricted to failed requests (5xx or gRPC status not OK). */
function failed(sel: string): string {
  return `(rate(istio_requests_total{${sel},response_code=~"5.."}[${RATE}]) or rate(istio_requests_total{${sel},grpc_response_status!~"0|"}[${RATE}]))`;
}

/** Ratio of failed requests, by `by` (or overall). */
function errorRatio(sel: string, by = ''): string {
  const group = by ? ` by (${by})` : '';
  return `sum${group} (${failed(sel)}) / sum${group} (rate(istio_requests_total{${sel}}[${RATE}]))`;
}

function latency(sel: string, q: number, by = ''): string {
  return `histogram_quantile(${q}, sum by (le${by ? `, ${by}` : ''}) (rate(istio_request_duration_milliseconds_bucket{${sel}}[${RATE}])))`;
}

/** p50 / p90 / p99 of the requests `sel` selects. */
function latencyPanel(title: string, sel: string): Panel {
  return { title, unit: 'ms', queries: [[latency(sel, 0.5), 'p50'], [latency(sel, 0.9), 'p90'], [latency(sel, 0.99), 'p99']] };
}

interface Panel {
  readonly title: string;
  readonly unit: string;
  readonly queries: readonly (readonly [expr: string, legend: string])[];
  /** @default "timeseries" */
  readonly type?: 'timeseries' | 'stat';
  /** Grid width (24 = full row). @default 12 */
  readonly w?: number;
}

/** A Grafana query variable over a label of istio_requests_total. */
function variable(name: string, label: string, selector: string, labelName: string): Record<string, unknown> {
  const query = `label_values(istio_requests_total{${selector}}, ${labelName})`;
  return {
    name,
    label,
    type: 'query',
    datasource: DS,
    definition: query,
    query: { query, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
    refresh: 2, // on time-range change: new workloads appear without a reload
    includeAll: false,
    multi: false,
    sort: 1,
    current: {},
    options: [],
  };
}

function dashboard(uid: string, title: string, tags: string[], variables: Record<string, unknown>[], panels: readonly Panel[]): GrafanaDashboard {
  let x = 0;
  let y = 0;
  const laid: DashboardPanel[] = panels.map((p, i) => {
    const w = p.w ?? 12;
    if (x + w > 24) {
      x = 0;
      y += 8;
    }
    const gridPos = { h: 8, w, x, y };
    x += w;
    return {
      id: i + 1,
      type: p.type ?? 'timeseries',
      title: p.title,
      gridPos,
      datasource: DS,
      fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
      targets: p.queries.map(([expr, legendFormat], k) => ({ refId: String.fromCharCode(65 + k), expr, legendFormat })),
    };
  });
  return { uid, title, tags, schemaVersion: 39, editable: false, refresh: '30s', time: { from: 'now-1h', to: 'now' }, timezone: 'browser', templating: { list: variables }, panels: laid };
}

/** Mesh overview: traffic, errors, latency and mTLS across every service (server-side reporter). */
export function istioMeshDashboard(): GrafanaDashboard {
  const sel = 'reporter="destination"';
  return dashboard('meshforge-istio-mesh', 'Istio mesh', ['meshforge', 'istio'], [], [
    { title: 'Requests per second', unit: 'reqps', type: 'stat', w: 6, queries: [[`sum(rate(istio_requests_total{${sel}}[${RATE}]))`, 'rps']] },
    { title: 'Error ratio (5xx + gRPC)', unit: 'percentunit', type: 'stat', w: 6, queries: [[errorRatio(sel), 'errors']] },
    { title: '4xx ratio', unit: 'percentunit', type: 'stat', w: 6, queries: [[`sum(rate(istio_requests_total{${sel},response_code=~"4.."}[${RATE}])) / sum(rate(istio_requests_total{${sel}}[${RATE}]))`, '4xx']] },
    { title: 'mTLS share of requests', unit: 'percentunit', type: 'stat', w: 6, queries: [[`sum(rate(istio_requests_total{${sel},connection_security_policy="mutual_tls"}[${RATE}])) / sum(rate(istio_requests_total{${sel}}[${RATE}]))`, 'mTLS']] },
    { title: 'Requests per second by service', unit: 'reqps', queries: [[`sum by (destination_service_namespace, destination_service_name) (rate(istio_requests_total{${sel}}[${RATE}]))`, '{{destination_service_namespace}}/{{destination_service_name}}']] },
    { title: 'Error ratio by service', unit: 'percentunit', queries: [[errorRatio(sel, 'destination_service_namespace, destination_service_name'), '{{destination_service_namespace}}/{{destination_service_name}}']] },
    { title: 'p99 latency by service', unit: 'ms', queries: [[latency(sel, 0.99, 'destination_service_namespace, destination_service_name'), '{{destination_service_namespace}}/{{destination_service_name}}']] },
    latencyPanel('Mesh latency (p50 / p90 / p99)', sel),
    {
      title: 'TCP bytes by service',
      unit: 'Bps',
      queries: [
        [`sum by (destination_service_namespace, destination_service_name) (rate(istio_tcp_received_bytes_total{${sel}}[${RATE}]))`, 'in {{destination_service_namespace}}/{{destination_service_name}}'],
        [`sum by (destination_service_namespace, destination_service_name) (rate(istio_tcp_sent_bytes_total{${sel}}[${RATE}]))`, 'out {{destination_service_namespace}}/{{destination_service_name}}'],
      ],
    },
    { title: 'TCP connections opened by service', unit: 'cps', queries: [[`sum by (destination_service_namespace, destination_service_name) (rate(istio_tcp_connections_opened_total{${sel}}[${RATE}]))`, '{{destination_service_namespace}}/{{destination_service_name}}']] },
  ]);
}

/** One service (chosen with the namespace and service variables), as its server-side proxies see it. */
export function istioServiceDashboard(): GrafanaDashboard {
  const sel = 'reporter="destination",destination_service_namespace="$namespace",destination_service_name="$service"';
  return dashboard(
    'meshforge-istio-service',
    'Istio service',
    ['meshforge', 'istio'],
    [
      variable('namespace', 'Namespace', 'reporter="destination"', 'destination_service_namespace'),
      variable('service', 'Service', 'reporter="destination",destination_service_namespace="$namespace"', 'destination_service_name'),
    ],
    [
      { title: 'Requests per second by response code', unit: 'reqps', queries: [[`sum by (response_code) (rate(istio_requests_total{${sel}}[${RATE}]))`, '{{response_code}}']] },
      { title: 'Error ratio (5xx + gRPC)', unit: 'percentunit', queries: [[errorRatio(sel), 'errors']] },
        latencyPanel('Latency (p50 / p90 / p99)', sel),
      { title: 'gRPC requests by status', unit: 'reqps', queries: [[`sum by (grpc_response_status) (rate(istio_requests_total{${sel},grpc_response_status!=""}[${RATE}]))`, '{{grpc_response_status}}']] },
      { title: 'Requests per second by caller', unit: 'reqps', queries: [[`sum by (source_workload_namespace, source_workload) (rate(istio_requests_total{${sel}}[${RATE}]))`, '{{source_workload_namespace}}/{{source_workload}}']] },
      { title: 'Error ratio by caller', unit: 'percentunit', queries: [[errorRatio(sel, 'source_workload_namespace, source_workload'), '{{source_workload_namespace}}/{{source_workload}}']] },
      {
        title: 'TCP bytes',
        unit: 'Bps',
        queries: [
          [`sum(rate(istio_tcp_received_bytes_total{${sel}}[${RATE}]))`, 'received'],
          [`sum(rate(istio_tcp_sent_bytes_total{${sel}}[${RATE}]))`, 'sent'],
        ],
      },
      {
        title: 'TCP connections',
        unit: 'cps',
        queries: [
          [`sum(rate(istio_tcp_connections_opened_total{${sel}}[${RATE}]))`, 'opened'],
          [`sum(rate(istio_tcp_connections_closed_total{${sel}}[${RATE}]))`, 'closed'],
        ],
      },
    ],
  );
}

/** One workload (namespace and workload variables): inbound as its proxy serves, outbound as its proxy calls. */
export function istioWorkloadDashboard(): GrafanaDashboard {
  const inbound = 'reporter="destination",destination_workload_namespace="$namespace",destination_workload="$workload"';
  const outbound = 'reporter="source",source_workload_namespace="$namespace",source_workload="$workload"';
  return dashboard(
    'meshforge-istio-workload',
    'Istio workload',
    ['meshforge', 'istio'],
    [
      variable('namespace', 'Namespace', 'reporter="destination"', 'destination_workload_namespace'),
      variable('workload', 'Workload', 'reporter="destination",destination_workload_namespace="$namespace"', 'destination_workload'),
    ],
    [
      { title: 'Inbound requests per second by response code', unit: 'reqps', queries: [[`sum by (response_code) (rate(istio_requests_total{${inbound}}[${RATE}]))`, '{{response_code}}']] },
      { title: 'Inbound error ratio (5xx + gRPC)', unit: 'percentunit', queries: [[errorRatio(inbound), 'errors']] },
        latencyPanel('Inbound latency (p50 / p90 / p99)', inbound),
      { title: 'Inbound TCP bytes received', unit: 'Bps', queries: [[`sum by (source_workload_namespace, source_workload) (rate(istio_tcp_received_bytes_total{${inbound}}[${RATE}]))`, '{{source_workload_namespace}}/{{source_workload}}']] },
      { title: 'Outbound requests per second by destination', unit: 'reqps', queries: [[`sum by (destination_service) (rate(istio_requests_total{${outbound}}[${RATE}]))`, '{{destination_service}}']] },
      { title: 'Outbound error ratio by destination', unit: 'percentunit', queries: [[errorRatio(outbound, 'destination_service'), '{{destination_service}}']] },
      { title: 'Outbound p99 latency by destination', unit: 'ms', queries: [[latency(outbound, 0.99, 'destination_service'), '{{destination_service}}']] },
      { title: 'Outbound TCP bytes sent by destination', unit: 'Bps', queries: [[`sum by (destination_service) (rate(istio_tcp_sent_bytes_total{${outbound}}[${RATE}]))`, '{{destination_service}}']] },
    ],
  );
}
