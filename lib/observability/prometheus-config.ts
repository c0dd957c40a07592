import { MeshforgeError } from '../validation/meshforge-error';

/**
 * The Prometheus configuration model (the subset meshforge generates) and the
 * checks promtool cannot run here: Debian's promtool 2.42 is built without
 * Kubernetes service discovery, so `kubernetes_sd_configs` blocks are
 * validated by `validateKubernetesSdConfig` instead.
 */

/** Kubernetes SD roles Prometheus 2.x supports. */
export const KUBERNETES_SD_ROLES = ['node', 'service', 'pod', 'endpoints', 'endpointslice', 'ingress'] as const;
export type KubernetesSdRole = (typeof KUBERNETES_SD_ROLES)[number];

/**
 * One `relabel_configs` entry, as in prometheus.yml. Defaults are Prometheus' own
 * (an omitted field is not written).
 */
export interface RelabelConfig {
  /** @default [] */
  readonly source_labels?: readonly string[];
  /** @default ";" */
  readonly separator?: string;
  /** @default "(.*)" */
  readonly regex?: string;
  /** @default - none (required by replace and hashmod) */
  readonly target_label?: string;
  /** @default "$1" */
  readonly replacement?: string;
  /** @default "replace" */
  readonly action?: 'replace' | 'keep' | 'drop' | 'labelmap' | 'labeldrop' | 'labelkeep' | 'hashmod';
}

export interface KubernetesSdConfig {
  readonly role: KubernetesSdRole;
  /** `names`, or `own_namespace` (default false). @default - all namespaces */
  readonly namespaces?: { readonly names?: readonly string[]; readonly own_namespace?: boolean };
  /** Label/field selectors per role; `label`/`field` unset match everything. @default [] */
  readonly selectors?: readonly { readonly role: KubernetesSdRole; readonly label?: string; readonly field?: string }[];
}

export interface ScrapeConfig {
  readonly job_name: string;
  /** @default - global.scrape_interval */
  readonly scrape_interval?: string;
  /** @default - global.scrape_timeout */
  readonly scrape_timeout?: string;
  /** @default "/metrics" */
  readonly metrics_path?: string;
  /** @default "http" */
  readonly scheme?: 'http' | 'https';
  /** @default false */
  readonly honor_labels?: boolean;
  /** `ca_file`, `insecure_skip_verify` (default false). @default - system CAs, verification on */
  readonly tls_config?: { readonly ca_file?: string; readonly insecure_skip_verify?: boolean };
  /** @default - no Authorization header */
  readonly authorization?: { readonly credentials_file: string };
  /** @default [] */
  readonly kubernetes_sd_configs?: readonly KubernetesSdConfig[];
  /** Targets with optional extra `labels` (default {}). @default [] */
  readonly static_configs?: readonly { readonly targets: readonly string[]; readonly labels?: Record<string, string> }[];
  /** @default [] */
  readonly relabel_configs?: readonly RelabelConfig[];
  /** @default [] */
  readonly metric_relabel_configs?: readonly RelabelConfig[];
}

export interface PrometheusConfigFile {
  readonly global: {
    readonly scrape_interval: string;
    readonly scrape_timeout: string;
    readonly evaluation_interval: string;
    /** @default {} */
    readonly external_labels?: Record<string, string>;
  };
  /** @default - no Alertmanager */
  readonly alerting?: { readonly alertmanagers: readonly { readonly static_configs: readonly { readonly targets: readonly string[] }[] }[] };
  /** @default [] */
  readonly rule_files?: readonly string[];
  readonly scrape_configs: readonly ScrapeConfig[];
}

const LABEL_SELECTOR = /^!?[A-Za-z0-9./_-]+((=|==|!=)[A-Za-z0-9._-]*)?$|^[A-Za-z0-9./_-]+ (in|notin) \([A-Za-z0-9._, -]*\)$/;
const FIELD_SELECTOR = /^[A-Za-z0-9._-]+(=|==|!=)[A-Za-z0-9._-]*$/;
/** Which selector roles each SD role accepts (Prometheus discovery/kubernetes/kubernetes.go). */
const SELECTOR_ROLES: Record<KubernetesSdRole, readonly KubernetesSdRole[]> = {
  node: ['node'],
  service: ['service'],
  pod: ['pod', 'node'],
  endpoints: ['endpoints', 'pod', 'service', 'node'],
  endpointslice: ['endpointslice', 'pod', 'service', 'node'],
  ingress: ['ingress'],
};
const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Validates one `kubernetes_sd_configs` entry the way Prometheus would: known
 * role, namespace names, selector roles allowed for that role, selector syntax
 * and no duplicate selector roles. Throws `MeshforgeError` (`INVALID_KUBERNETES_SD`).
 */
export function validateKubernetesSdConfig(path: string, field: string, sd: unknown): void {
  const fail = (what: string, value: unknown, expected: string): never => {
    throw new MeshforgeError(`invalid kubernetes_sd_configs entry: ${what}`, { code: 'INVALID_KUBERNETES_SD', path, field, value, expected });
  };
  if (typeof sd !== 'object' || sd === null || Array.isArray(sd)) fail('not a mapping', sd, 'a mapping with a "role"');
  const block = sd as Record<string, unknown>;
  const allowedKeys = ['role', 'namespaces', 'selectors'];
  for (const k of Object.keys(block)) if (!allowedKeys.includes(k)) fail('unknown field', k, `one of ${allowedKeys.join(', ')}`);
  const role = block.role as KubernetesSdRole;
  if (!KUBERNETES_SD_ROLES.includes(role)) fail('unknown role', block.role, `one of ${KUBERNETES_SD_ROLES.join(', ')}`);
  if (block.namespaces !== undefined) {
    const ns = block.namespaces as Record<string, unknown>;
    for (const k of Object.keys(ns)) if (k !== 'names' && k !== 'own_namespace') fail('unknown namespaces field', k, 'names or own_namespace');
    const names = ns.names ?? [];
    if (!Array.isArray(names)) fail('namespaces.names is not a list', names, 'a list of namespace names');
    for (const n of names as unknown[]) {
      if (typeof n !== 'string' || !NAMESPACE.test(n)) fail('invalid namespace name', n, 'a DNS label');
    }
  }
  if (block.selectors !== undefined) {
    if (!Array.isArray(block.selectors)) fail('selectors is not a list', block.selectors, 'a list of {role, label, field}');
    const seen = new Set<string>();
    for (const s of block.selectors as Record<string, unknown>[]) {
      const sRole = s.role as KubernetesSdRole;
      if (!SELECTOR_ROLES[role].includes(sRole)) fail(`selector role not allowed for role ${role}`, s.role, `one of ${SELECTOR_ROLES[role].join(', ')}`);
      if (seen.has(sRole)) fail('duplicate selector role', sRole, 'each selector role at most once');
      seen.add(sRole);
      for (const part of typeof s.label === 'string' ? s.label.split(',') : []) {
        if (!LABEL_SELECTOR.test(part.trim())) fail('invalid label selector', s.label, 'a Kubernetes label selector such as "app=web,tier!=db"');
      }
      for (const part of typeof s.field === 'string' ? s.field.split(',') : []) {
        if (!FIELD_SELECTOR.test(part.trim())) fail('invalid field selector', s.field, 'a Kubernetes field selector such as "metadata.name=web"');
      }
    }
  }
}

/** Relabelling shared by annotation-driven jobs (`prometheus.io/scrape|path|port|scheme`). */
function annotationRelabels(kind: 'service' | 'pod'): RelabelConfig[] {
  return [
    { source_labels: [`__meta_kubernetes_${kind}_annotation_prometheus_io_scrape`], action: 'keep', regex: 'true' },
    { source_labels: [`__meta_kubernetes_${kind}_annotation_prometheus_io_scheme`], action: 'replace', target_label: '__scheme__', regex: '(https?)' },
    { source_labels: [`__meta_kubernetes_${kind}_annotation_prometheus_io_path`], action: 'replace', target_label: '__metrics_path__', regex: '(.+)' },
    {
      source_labels: ['__address__', `__meta_kubernetes_${kind}_annotation_prometheus_io_port`],
      action: 'replace',
      regex: '([^:]+)(?::\\d+)?;(\\d+)',
      replacement: '$1:$2',
      target_label: '__address__',
    },
    { action: 'labelmap', regex: `__meta_kubernetes_${kind}_label_(.+)` },
    { source_labels: ['__meta_kubernetes_namespace'], action: 'replace', target_label: 'namespace' },
    { source_labels: [`__meta_kubernetes_${kind}_name`], action: 'replace', target_label: kind },
  ];
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The Kubernetes discovery jobs every meshforge Prometheus runs. */
export function kubernetesJobs(istio: boolean): ScrapeConfig[] {
  const kubeletAuth = {
    scheme: 'https' as const,
    tls_config: { ca_file: `${SA_DIR}/ca.crt`, insecure_skip_verify: true },
    authorization: { credentials_file: `${SA_DIR}/token` },
  };
  // Istio's merged endpoint (15020) repeats the Envoy series that envoy-stats scrapes on
  // 15090; keep them from one job only, or every sum() over istio_requests_total doubles.
  const dropMeshDuplicates = istio ? { metric_relabel_configs: [{ source_labels: ['__name__'], action: 'drop' as const, regex: 'istio_.*|envoy_.*' }] } : {};
  const jobs: ScrapeConfig[] = [
    {
      job_name: 'kubernetes-apiservers',
      scheme: 'https',
      tls_config: { ca_file: `${SA_DIR}/ca.crt` },
      authorization: { credentials_file: `${SA_DIR}/token` },
      kubernetes_sd_configs: [{ role: 'endpoints', namespaces: { names: ['default'] } }],
      relabel_configs: [
        {
          source_labels: ['__meta_kubernetes_namespace', '__meta_kubernetes_service_name', '__meta_kubernetes_endpoint_port_name'],
          action: 'keep',
          regex: 'default;kubernetes;https',
        },
      ],
    },
    {
      // Kubelet metrics straight from each node (nodes/metrics RBAC); the
      // kubelet serves a self-signed certificate on most distributions.
      job_name: 'kubernetes-nodes',
      ...kubeletAuth,
      kubernetes_sd_configs: [{ role: 'node' }],
      relabel_configs: [{ action: 'labelmap', regex: '__meta_kubernetes_node_label_(.+)' }],
    },
    {
      job_name: 'kubernetes-cadvisor',
      ...kubeletAuth,
      metrics_path: '/metrics/cadvisor',
      kubernetes_sd_configs: [{ role: 'node' }],
      relabel_configs: [{ action: 'labelmap', regex: '__meta_kubernetes_node_label_(.+)' }],
    },
    {
      job_name: 'kubernetes-service-endpoints',
      honor_labels: true,
      kubernetes_sd_configs: [{ role: 'endpoints' }],
      relabel_configs: [
        ...annotationRelabels('service'),
        { source_labels: ['__meta_kubernetes_pod_node_name'], action: 'replace', target_label: 'node' },
      ],

      ...dropMeshDuplicates,
    },
    {
      // With Istio metrics merging, injected pods' prometheus.io/* annotations
      // point at the sidecar's plain-text port 15020, so this works under STRICT mTLS.
      job_name: 'kubernetes-pods',
      honor_labels: true,
      kubernetes_sd_configs: [{ role: 'pod' }],
      relabel_configs: [
        ...annotationRelabels('pod'),
        { source_labels: ['__meta_kubernetes_pod_phase'], action: 'drop', regex: 'Pending|Succeeded|Failed|Completed' },
      ],

      ...dropMeshDuplicates,
    },
  ];
  if (istio) {
    jobs.push({
      // Envoy-only stats on the sidecar port named *-envoy-prom (15090), the
      // source of istio_requests_total and istio_request_duration_milliseconds.
      job_name: 'envoy-stats',
      metrics_path: '/stats/prometheus',
      kubernetes_sd_configs: [{ role: 'pod' }],
      relabel_configs: [
        { source_labels: ['__meta_kubernetes_pod_container_port_name'], action: 'keep', regex: '.*-envoy-prom' },
        { action: 'labelmap', regex: '__meta_kubernetes_pod_label_(.+)' },
        { source_labels: ['__meta_kubernetes_namespace'], action: 'replace', target_label: 'namespace' },
        { source_labels: ['__meta_kubernetes_pod_name'], action: 'replace', target_label: 'pod' },
      ],
    });
  }
  return jobs;
}
