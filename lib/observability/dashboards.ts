import { createHash } from 'crypto';
import { IMonitoredService } from './monitored-service';
import { countsGrpcErrors, errorRequestsRate, isTcpOnly, istioSelector } from './alert-rules';

/**
 * Grafana dashboards generated from typed input. Every panel queries the
 * Prometheus data source provisioned with uid `prometheus`.
 */

/** The data-source uids the Grafana construct provisions. */
export const DATASOURCE_UIDS = { prometheus: 'prometheus', elasticsearch: 'elasticsearch', jaeger: 'jaeger' } as const;

export interface DashboardTarget {
  readonly refId: string;
  readonly expr: string;
  readonly legendFormat: string;
}

export interface DashboardPanel {
  readonly id: number;
  readonly type: 'timeseries' | 'stat';
  readonly title: string;
  readonly gridPos: { readonly h: number; readonly w: number; readonly x: number; readonly y: number };
  readonly datasource: { readonly type: 'prometheus'; readonly uid: string };
  readonly fieldConfig: { readonly defaults: { readonly unit: string }; readonly overrides: readonly unknown[] };
  readonly targets: readonly DashboardTarget[];
}

/** A Grafana dashboard (JSON model, schemaVersion 39). */
export interface GrafanaDashboard {
  readonly uid: string;
  readonly title: string;
  readonly tags: readonly string[];
  readonly schemaVersion: number;
  readonly editable: boolean;
  readonly refresh: string;
  readonly time: { readonly from: string; readonly to: string };
  readonly timezone: string;
  readonly templating: { readonly list: readonly unknown[] };
  readonly panels: readonly DashboardPanel[];
}

interface PanelSpec {
  readonly title: string;
  readonly unit: string;
  readonly queries: readonly (readonly [expr: string, legend: string])[];
  /** @default "timeseries" */
  readonly type?: 'timeseries' | 'stat';
}

function dashboard(uid: string, title: string, tags: string[], specs: readonly PanelSpec[]): GrafanaDashboard {
  return {
    uid,
    title,
    tags,
    schemaVersion: 39,
    editable: false,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    timezone: 'browser',
    templating: { list: [] },
    panels: specs.map((s, i) => ({
      id: i + 1,
      type: s.type ?? 'timeseries',
      title: s.title,
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
      datasource: { type: 'prometheus', uid: DATASOURCE_UIDS.prometheus },
      fieldConfig: { defaults: { unit: s.unit }, overrides: [] },
      targets: s.queries.map(([expr, legendFormat], k) => ({ refId: String.fromCharCode(65 + k), expr, legendFormat })),
    })),
  };
}

/** Cluster overview: targets, nodes (node-exporter), workloads (kube-state-metrics). */
export function clusterOverviewDashboard(): GrafanaDashboard {
  return dashboard('meshforge-cluster-overview', 'Cluster overview', ['meshforge', 'cluster'], [
    { title: 'Targets down', unit: 'short', type: 'stat', queries: [['count(up == 0) or vector(0)', 'down']] },
    { title: 'Scrape targets up by job', unit: 'short', queries: [['sum by (job) (up)', '{{job}}']] },
    { title: 'Node CPU utilisation', unit: 'percentunit', queries: [['1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))', '{{instance}}']] },
    { title: 'Node memory utilisation', unit: 'percentunit', queries: [['1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes', '{{instance}}']] },
    {
      title: 'Filesystem free',
      unit: 'percentunit',
      queries: [['node_filesystem_avail_bytes{fstype!~"tmpfs|overlay|squashfs|nsfs",mountpoint!=""} / node_filesystem_size_bytes{fstype!~"tmpfs|overlay|squashfs|nsfs",mountpoint!=""}', '{{instance}} {{mountpoint}}']],
    },
    { title: 'Container restarts (1h)', unit: 'short', queries: [['sum by (namespace, pod) (increase(kube_pod_container_status_restarts_total[1h])) > 0', '{{namespace}}/{{pod}}']] },
    { title: 'Unavailable deployment replicas', unit: 'short', queries: [['sum by (namespace, deployment) (kube_deployment_status_replicas_unavailable) > 0', '{{namespace}}/{{deployment}}']] },
    { title: 'Pods by phase', unit: 'short', queries: [['sum by (phase) (kube_pod_status_phase)', '{{phase}}']] },
  ]);
}

/** RED dashboard of one service from Istio standard metrics (server-side reporter). */
export function serviceRedDashboard(service: IMonitoredService, rateWindow = '5m'): GrafanaDashboard {
  const sel = istioSelector(service);
  const grpc = countsGrpcErrors(service);
  const bucket = `sum by (le) (rate(istio_request_duration_milliseconds_bucket{${sel}}[${rateWindow}]))`;
  // Grafana uids are at most 40 characters; a hash keeps long names unique.
  const uid = `mf-red-${createHash('sha256').update(`${service.namespace}/${service.name}`).digest('hex').slice(0, 16)}`;
  if (isTcpOnly(service)) {
    // Istio reports TCP services in istio_tcp_* only (connections and bytes, no requests or latency).
    return dashboard(uid, `TCP: ${service.namespace}/${service.name}`, ['meshforge', 'red', service.namespace], [
      { title: 'Connections opened per second', unit: 'cps', queries: [[`sum(rate(istio_tcp_connections_opened_total{${sel}}[${rateWindow}]))`, 'opened']] },
      {
        title: 'Bytes per second',
        unit: 'Bps',
        queries: [
          [`sum(rate(istio_tcp_received_bytes_total{${sel}}[${rateWindow}]))`, 'received'],
          [`sum(rate(istio_tcp_sent_bytes_total{${sel}}[${rateWindow}]))`, 'sent'],
        ],
      },
      { title: 'Connections by caller', unit: 'cps', queries: [[`sum by (source_workload, source_workload_namespace) (rate(istio_tcp_connections_opened_total{${sel}}[${rateWindow}]))`, '{{source_workload_namespace}}/{{source_workload}}']] },
    ]);
  }
  return dashboard(uid, `RED: ${service.namespace}/${service.name}`, ['meshforge', 'red', service.namespace], [
    { title: 'Requests per second', unit: 'reqps', queries: [[`sum by (response_code) (rate(istio_requests_total{${sel}}[${rateWindow}]))`, '{{response_code}}']] },
    {
      // Same definition as MeshServiceHighErrorRate: gRPC failures answer HTTP 200.
      title: grpc ? 'Error ratio (5xx or gRPC status ≠ OK)' : '5xx error ratio',
      unit: 'percentunit',
      queries: [[`sum(${errorRequestsRate(service, rateWindow, grpc)}) / sum(rate(istio_requests_total{${sel}}[${rateWindow}]))`, grpc ? 'error ratio' : '5xx ratio']],
    },
    {
      title: 'Latency (p50 / p90 / p99)',
      unit: 'ms',
      queries: [
        [`histogram_quantile(0.5, ${bucket})`, 'p50'],
        [`histogram_quantile(0.9, ${bucket})`, 'p90'],
        [`histogram_quantile(0.99, ${bucket})`, 'p99'],
      ],
    },
    ...(grpc
      ? [{ title: 'gRPC requests by status', unit: 'reqps', queries: [[`sum by (grpc_response_status) (rate(istio_requests_total{${istioSelector(service, ',grpc_response_status!=""')}}[${rateWindow}]))`, '{{grpc_response_status}}']] } as const]
      : []),
    { title: 'Requests by caller', unit: 'reqps', queries: [[`sum by (source_workload, source_workload_namespace) (rate(istio_requests_total{${sel}}[${rateWindow}]))`, '{{source_workload_namespace}}/{{source_workload}}']] },
  ]);
}
