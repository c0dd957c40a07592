import { ApiObjectMetadata, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/monitoring.coreos.com';
import { MeshforgeError } from '../validation/meshforge-error';
import { configChecksum, standardLabels, toYaml } from './common';
import { IMonitoredService, ServiceThresholds } from './monitored-service';
import { alertmanagerGroup, kubernetesGroup, meshCertificatesGroup, prometheusGroup, watchdogGroup } from './stack-rules';
import { checkDnsLabel, checkDuration, checkRange } from './validators';

/** Thresholds of the cluster rule set. */
export interface ClusterRuleThresholds {
  /**
   * Free space (percent) under which `NodeFilesystemAlmostFull` fires.
   * @default 10
   */
  readonly filesystemFreePercent?: number;
  /**
   * Memory utilisation (percent) above which `NodeMemoryHighUtilization` fires.
   * @default 90
   */
  readonly memoryUtilizationPercent?: number;
  /**
   * How long a condition must hold before a cluster alert fires.
   * @default "15m"
   */
  readonly for?: string;
}

/** How rules reach Prometheus. */
export type RulesDelivery = 'configmap' | 'prometheus-operator';

export interface AlertRulesProps {
  /**
   * Namespace of the rule objects (the Prometheus namespace).
   * @default "monitoring"
   */
  readonly namespace?: string;
  /**
   * `configmap`: rule files in a ConfigMap that the `Prometheus` construct mounts.
   * `prometheus-operator`: `PrometheusRule` objects for an operator-managed Prometheus.
   * @default "configmap"
   */
  readonly delivery?: RulesDelivery;
  /**
   * Name of the ConfigMap (configmap delivery) or prefix of the PrometheusRule objects.
   * @default "prometheus-rules"
   */
  readonly name?: string;
  /**
   * Labels on every PrometheusRule, to match the operator's `ruleSelector`.
   * @default {}
   */
  readonly ruleSelectorLabels?: Record<string, string>;
  /**
   * Emit the cluster rule set (targets, nodes, pods, deployments).
   * @default true
   */
  readonly clusterRules?: boolean;
  /**
   * Emit the self-monitoring rule set (`self-monitoring.rules.yml`): the always-firing
   * `Watchdog`, and Prometheus and Alertmanager health (config reloads, rule
   * evaluation, notification delivery, TSDB).
   * @default true
   */
  readonly selfMonitoring?: boolean;
  /** Thresholds of the cluster rule set. @default - see ClusterRuleThresholds */
  readonly clusterThresholds?: ClusterRuleThresholds;
  /** Defaults for every monitored service; `monitor()` overrides per service. @default - see ServiceThresholds */
  readonly serviceDefaults?: ServiceThresholds;
}

/** One Prometheus rule (alerting). */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  /** @default - fires on the first evaluation that matches */
  readonly for?: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

/** A named rule group. */
export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

/** A source of rule files mounted by the `Prometheus` construct. */
export interface IRuleFileSource {
  /** ConfigMap that holds the files (one key per file). */
  readonly configMapName: string;
  /** File names (ConfigMap keys), resolved at synth time. */
  ruleFileNames(): string[];
  /**
   * sha256 over every rule file (sorted by name, name and content), resolved at
   * synth time. Prometheus puts it in its pod-template checksum, so any change to
   * a rule rolls the pod: nothing else makes Prometheus re-read its rules.
   */
  ruleFilesHash(): string;
}

type ResolvedThresholds = Required<ServiceThresholds>;

/** Label matchers selecting one service in Istio's standard metrics (server side). */
export function istioSelector(service: IMonitoredService, extra = ''): string {
  return `reporter="destination",destination_service_name="${service.name}",destination_workload_namespace="${service.namespace}"${extra}`;
}

/**
 * Whether a service's errors include gRPC statuses: it declares a `grpc` port,
 * or declares no ports at all (unknown, so both kinds count).
 */
export function countsGrpcErrors(service: IMonitoredService): boolean {
  return service.ports === undefined || service.ports.some((p) => p.protocol === 'grpc');
}

/**
 * Whether a service speaks only TCP or TLS (a database, a queue): Istio
 * reports it in `istio_tcp_*` (connections, bytes), never in
 * `istio_requests_total`, so request-based alerts would see no traffic.
 */
export function isTcpOnly(service: IMonitoredService): boolean {
  return service.ports !== undefined && service.ports.length > 0 && service.ports.every((p) => p.protocol === 'tcp' || p.protocol === 'tls');
}

/**
 * Per-series rate of failed requests: 5xx, and for gRPC services also every
 * request whose `grpc_response_status` is set and not "0" (gRPC errors travel as
 * HTTP 200 with the status in trailers). `or` keeps one copy of a series that
 * matches both. Labels: https://istio.io/latest/docs/reference/config/metrics/
 */
export function errorRequestsRate(service: IMonitoredService, window: string, grpc = countsGrpcErrors(service)): string {
  const http5xx = `rate(istio_requests_total{${istioSelector(service, ',response_code=~"5.."')}}[${window}])`;
  if (!grpc) return http5xx;
  return `(${http5xx} or rate(istio_requests_total{${istioSelector(service, ',grpc_response_status!~"0|"')}}[${window}]))`;
}

/**
 * Alerting rules: a cluster rule set from kube-state-metrics, node-exporter
 * and `up`, plus golden-signal rules (5xx ratio, p99 latency, no traffic) for
 * every service passed to `monitor()`.
 *
 * @see https://istio.io/latest/docs/reference/config/metrics/
 */
export class AlertRules extends Construct implements IRuleFileSource {
  public readonly namespace: string;
  public readonly configMapName: string;
  public readonly delivery: RulesDelivery;
  private readonly services: { service: IMonitoredService; grpc: boolean; tcp: boolean; thresholds: ResolvedThresholds }[] = [];
  private readonly extraFiles: { file: string; groups: RuleGroup[] }[] = [];
  private readonly props: AlertRulesProps;
  private readonly cluster: Required<ClusterRuleThresholds>;
  private readonly serviceDefaults: ResolvedThresholds;

  constructor(scope: Construct, id: string, props: AlertRulesProps = {}) {
    super(scope, id);
    this.props = props;
    this.namespace = props.namespace ?? 'monitoring';
    this.configMapName = props.name ?? 'prometheus-rules';
    this.delivery = props.delivery ?? 'configmap';
    const path = this.node.path;
    const c = props.clusterThresholds ?? {};
    this.cluster = {
      filesystemFreePercent: checkRange(path, 'clusterThresholds.filesystemFreePercent', c.filesystemFreePercent ?? 10, 0, 100, 'INVALID_THRESHOLD'),
      memoryUtilizationPercent: checkRange(path, 'clusterThresholds.memoryUtilizationPercent', c.memoryUtilizationPercent ?? 90, 0, 100, 'INVALID_THRESHOLD'),
      for: checkDuration(path, 'clusterThresholds.for', c.for ?? '15m'),
    };
    this.serviceDefaults = this.resolve('serviceDefaults', props.serviceDefaults ?? {}, {
      errorRatio: 0.05,
      p99LatencyMs: 1000,
      for: '5m',
      rateWindow: '5m',
      alertOnNoTraffic: true,
      noTrafficFor: '15m',
      severity: 'critical',
    });

    const labels = standardLabels('prometheus', 'alert-rules');
    if (this.delivery === 'configmap') {
      new k8s.KubeConfigMap(this, 'Resource', {
        metadata: { name: this.configMapName, namespace: this.namespace, labels },
        data: Lazy.any({ produce: () => this.ruleFiles() }),
      });
    } else {
      if (props.clusterRules ?? true) {
        new PrometheusRule(this, 'Cluster', { metadata: this.operatorMeta('cluster'), spec: { groups: this.toOperatorGroups(this.clusterGroups()) } });
      }
      if (props.selfMonitoring ?? true) {
        new PrometheusRule(this, 'SelfMonitoring', { metadata: this.operatorMeta('self-monitoring'), spec: { groups: this.toOperatorGroups(this.selfMonitoringGroups()) } });
      }
    }
  }

  private operatorMeta(suffix: string): ApiObjectMetadata {
    return {
      name: `${this.configMapName}-${suffix}`,
      namespace: this.namespace,
      labels: { ...standardLabels('prometheus', 'alert-rules'), ...(this.props.ruleSelectorLabels ?? {}) },
    };
  }

  /**
   * Adds golden-signal alerts for `service`. `thresholds` override the
   * service's own `alertThresholds`, which override `serviceDefaults`.
   */
  public monitor(service: IMonitoredService, thresholds: ServiceThresholds = {}): this {
    checkDnsLabel(this.node.path, 'service.name', service.name);
    checkDnsLabel(this.node.path, 'service.namespace', service.namespace);
    const key = `${service.namespace}/${service.name}`;
    if (this.services.some((s) => `${s.service.namespace}/${s.service.name}` === key)) {
      throw new MeshforgeError('service is already monitored', {
        code: 'DUPLICATE_MONITORED_SERVICE',
        path: this.node.path,
        field: 'service',
        value: key,
        expected: 'each service passed to monitor() once',
      });
    }
    // Precedence: the thresholds argument, then the service's own alertThresholds, then serviceDefaults.
    const resolved = this.resolve(`thresholds[${key}]`, { ...service.alertThresholds, ...thresholds }, this.serviceDefaults);
    this.services.push({ service: { name: service.name, namespace: service.namespace }, grpc: countsGrpcErrors(service), tcp: isTcpOnly(service), thresholds: resolved });
    if (this.delivery === 'prometheus-operator') {
      const groups = this.serviceGroups().slice(-1);
      new PrometheusRule(this, `Service-${service.namespace}-${service.name}`, {
        metadata: this.operatorMeta(`${service.namespace}-${service.name}`),
        spec: { groups: this.toOperatorGroups(groups) },
      });
    }
    return this;
  }

  /**
   * Adds a rule file `<name>.rules.yml` (a `PrometheusRule` named `<prefix>-<name>`
   * in operator mode), e.g. the log-pipeline rules the stack adds with logging on.
   */
  public addRuleGroups(name: string, groups: readonly RuleGroup[]): this {
    checkDnsLabel(this.node.path, 'ruleFile', name);
    const reserved = ['cluster', 'self-monitoring', 'mesh-services'];
    if (reserved.includes(name) || this.extraFiles.some((f) => f.file === name)) {
      throw new MeshforgeError('rule file name is already used', {
        code: 'DUPLICATE_RULE_FILE',
        path: this.node.path,
        field: 'ruleFile',
        value: name,
        expected: `a name other than ${[...reserved, ...this.extraFiles.map((f) => f.file)].map((n) => JSON.stringify(n)).join(', ')}`,
      });
    }
    this.extraFiles.push({ file: name, groups: [...groups] });
    if (this.delivery === 'prometheus-operator') {
      new PrometheusRule(this, `Rules-${name}`, { metadata: this.operatorMeta(name), spec: { groups: this.toOperatorGroups([...groups]) } });
    }
    return this;
  }

  /** Services passed to `monitor()`, in call order. */
  public get monitoredServices(): readonly IMonitoredService[] {
    return this.services.map((s) => s.service);
  }

  /** Thresholds in effect for a monitored service. */
  public thresholdsFor(service: IMonitoredService): ResolvedThresholds | undefined {
    return this.services.find((s) => s.service.name === service.name && s.service.namespace === service.namespace)?.thresholds;
  }

  /** Rule file names (ConfigMap keys) in deterministic order. */
  public ruleFileNames(): string[] {
    return Object.keys(this.ruleFiles());
  }

  public ruleFilesHash(): string {
    return configChecksum(this.ruleFiles());
  }

  /** Rule files as file name → YAML text (the exact content Prometheus loads). */
  public ruleFiles(): Record<string, string> {
    const files: Record<string, string> = {};
    if (this.props.clusterRules ?? true) files['cluster.rules.yml'] = toYaml({ groups: this.clusterGroups() });
    if (this.props.selfMonitoring ?? true) files['self-monitoring.rules.yml'] = toYaml({ groups: this.selfMonitoringGroups() });
    for (const f of this.extraFiles) files[`${f.file}.rules.yml`] = toYaml({ groups: f.groups });
    if (this.services.length > 0) files['mesh-services.rules.yml'] = toYaml({ groups: this.serviceGroups() });
    return files;
  }

  /** Self-monitoring rule groups: Watchdog, Prometheus, Alertmanager. */
  public selfMonitoringGroups(): RuleGroup[] {
    return [watchdogGroup(), prometheusGroup(), alertmanagerGroup()];
  }

  /** Cluster rule groups: nodes and workloads, OOM kills, HPAs, PDBs, mesh certificates. */
  public clusterGroups(): RuleGroup[] {
    const t = this.cluster;
    const fs = 'fstype!~"tmpfs|overlay|squashfs|nsfs",mountpoint!=""';
    return [
      {
        name: 'meshforge.cluster',
        rules: [
          {
            alert: 'TargetDown',
            expr: 'up == 0',
            for: '5m',
            labels: { severity: 'warning' },
            annotations: { summary: 'Target {{ $labels.job }}/{{ $labels.instance }} is down', description: 'Prometheus could not scrape {{ $labels.instance }} (job {{ $labels.job }}) for 5 minutes.' },
          },
          {
            alert: 'NodeFilesystemAlmostFull',
            expr: `(node_filesystem_avail_bytes{${fs}} / node_filesystem_size_bytes{${fs}}) * 100 < ${t.filesystemFreePercent} and node_filesystem_readonly{${fs}} == 0`,
            for: t.for,
            labels: { severity: 'warning' },
            annotations: { summary: 'Filesystem {{ $labels.mountpoint }} on {{ $labels.instance }} has less than ' + `${t.filesystemFreePercent}% free`, description: 'Only {{ printf "%.1f" $value }}% space left.' },
          },
          {
            alert: 'NodeMemoryHighUtilization',
            expr: `(1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes) * 100 > ${t.memoryUtilizationPercent}`,
            for: t.for,
            labels: { severity: 'warning' },
            annotations: { summary: `Memory on {{ $labels.instance }} is more than ${t.memoryUtilizationPercent}% used`, description: 'Memory utilisation is {{ printf "%.1f" $value }}%.' },
          },
          {
            alert: 'NodeMemoryPressure',
            expr: 'kube_node_status_condition{condition="MemoryPressure",status="true"} == 1',
            for: '5m',
            labels: { severity: 'critical' },
            annotations: { summary: 'Node {{ $labels.node }} reports MemoryPressure', description: 'The kubelet on {{ $labels.node }} is evicting pods for lack of memory.' },
          },
          {
            alert: 'NodeDiskPressure',
            expr: 'kube_node_status_condition{condition="DiskPressure",status="true"} == 1',
            for: '5m',
            labels: { severity: 'critical' },
            annotations: { summary: 'Node {{ $labels.node }} reports DiskPressure', description: 'The kubelet on {{ $labels.node }} is short of disk space.' },
          },
          {
            // kube-prometheus's KubeStatefulSetReplicasMismatch: not ready and no rollout moving
            alert: 'KubeStatefulSetReplicasNotReady',
            expr: '(kube_statefulset_status_replicas_ready != kube_statefulset_status_replicas) and (changes(kube_statefulset_status_replicas_updated[10m]) == 0)',
            for: t.for,
            labels: { severity: 'warning' },
            annotations: { summary: 'StatefulSet {{ $labels.namespace }}/{{ $labels.statefulset }} has pods that are not ready', description: '{{ $value }} replica(s) ready, and no rollout in progress.' },
          },
          {
            // kube-state-metrics keeps a failed Job (a CronJob's failedJobsHistoryLimit) until it is deleted or replaced
            alert: 'KubeJobFailed',
            expr: 'kube_job_failed{condition="true"} > 0',
            for: '1m',
            labels: { severity: 'warning' },
            annotations: { summary: 'Job {{ $labels.namespace }}/{{ $labels.job_name }} failed', description: 'It used up its backoffLimit or activeDeadlineSeconds; see kubectl describe job and its pods\' logs.' },
          },
          {
            alert: 'KubePodCrashLooping',
            expr: 'max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}[5m]) >= 1',
            for: t.for,
            labels: { severity: 'warning' },
            annotations: { summary: 'Pod {{ $labels.namespace }}/{{ $labels.pod }} is crash-looping', description: 'Container {{ $labels.container }} is in CrashLoopBackOff.' },
          },
          {
            alert: 'KubeDeploymentReplicasUnavailable',
            expr: 'kube_deployment_status_replicas_unavailable > 0',
            for: t.for,
            labels: { severity: 'warning' },
            annotations: { summary: 'Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has unavailable replicas', description: '{{ $value }} replica(s) unavailable.' },
          },
        ],
      },
      kubernetesGroup(),
      meshCertificatesGroup(),
    ];
  }

  /** One rule group per monitored service, in `monitor()` order. */
  public serviceGroups(): RuleGroup[] {
    return this.services.map(({ service, grpc, tcp, thresholds: t }) => {
      const sel = istioSelector(service);
      const labels = { severity: t.severity, namespace: service.namespace, service: service.name };
      if (tcp) {
        // No requests, no 5xx, no latency histogram for TCP: only whether clients send anything. Bytes,
        // not connections opened: clients of Redis or a database keep a pool of long-lived connections
        // and open new ones only at start-up, so a busy service would look idle. The sidecar reports
        // the bytes of open connections periodically, not only when they close.
        const received = `sum(rate(istio_tcp_received_bytes_total{${sel}}[${t.rateWindow}]))`;
        const tcpRules: AlertRule[] = !t.alertOnNoTraffic ? [] : [{
          alert: 'MeshServiceNoTraffic',
          expr: `(${received} or vector(0)) == 0`,
          for: t.noTrafficFor,
          labels: { ...labels, severity: 'warning' },
          annotations: { summary: `${service.namespace}/${service.name} receives no traffic`, description: `No TCP client sent ${service.name} a byte for ${t.noTrafficFor}.` },
        }];
        return { name: `meshforge.service.${service.namespace}.${service.name}`, rules: tcpRules };
      }
      const total = `sum(rate(istio_requests_total{${sel}}[${t.rateWindow}]))`;
      const errors = `sum(${errorRequestsRate(service, t.rateWindow, grpc)})`;
      const failing = grpc ? 'fail (5xx or gRPC status other than OK)' : 'fail with 5xx';
      const rules: AlertRule[] = [
        {
          alert: 'MeshServiceHighErrorRate',
          expr: `(${errors} / ${total}) > ${t.errorRatio}`,
          for: t.for,
          labels,
          annotations: {
            summary: `${service.namespace}/${service.name}: more than ${formatPercent(t.errorRatio)} of requests ${failing}`,
            description: `${grpc ? 'Error' : '5xx'} ratio is {{ printf "%.3f" $value }} over ${t.rateWindow}.`,
          },
        },
        {
          alert: 'MeshServiceHighLatencyP99',
          expr: `histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket{${sel}}[${t.rateWindow}]))) > ${t.p99LatencyMs}`,
          for: t.for,
          labels,
          annotations: {
            summary: `${service.namespace}/${service.name}: p99 latency above ${t.p99LatencyMs}ms`,
            description: 'p99 latency is {{ printf "%.0f" $value }}ms over ' + t.rateWindow + '.',
          },
        },
      ];
      if (t.alertOnNoTraffic) {
        rules.push({
          alert: 'MeshServiceNoTraffic',
          // `or vector(0)`: the series vanishes entirely when nothing calls the service.
          expr: `(${total} or vector(0)) == 0`,
          for: t.noTrafficFor,
          labels: { ...labels, severity: 'warning' },
          annotations: {
            summary: `${service.namespace}/${service.name} receives no traffic`,
            description: `No request reached ${service.name} for ${t.noTrafficFor}.`,
          },
        });
      }
      return { name: `meshforge.service.${service.namespace}.${service.name}`, rules };
    });
  }

  private toOperatorGroups(groups: RuleGroup[]) {
    return groups.map((g) => ({
      name: g.name,
      rules: g.rules.map((r) => ({ alert: r.alert, expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr), for: r.for, labels: r.labels, annotations: r.annotations })),
    }));
  }

  private resolve(field: string, t: ServiceThresholds, d: ResolvedThresholds): ResolvedThresholds {
    const path = this.node.path;
    return {
      errorRatio: checkRange(path, `${field}.errorRatio`, t.errorRatio ?? d.errorRatio, 0, 1, 'INVALID_THRESHOLD'),
      p99LatencyMs: checkRange(path, `${field}.p99LatencyMs`, t.p99LatencyMs ?? d.p99LatencyMs, 1, 3_600_000, 'INVALID_THRESHOLD'),
      for: checkDuration(path, `${field}.for`, t.for ?? d.for),
      rateWindow: checkDuration(path, `${field}.rateWindow`, t.rateWindow ?? d.rateWindow),
      alertOnNoTraffic: t.alertOnNoTraffic ?? d.alertOnNoTraffic,
      noTrafficFor: checkDuration(path, `${field}.noTrafficFor`, t.noTrafficFor ?? d.noTrafficFor),
      severity: t.severity ?? d.severity,
    };
  }
}

function formatPercent(ratio: number): string {
  return `${Math.round(ratio * 10000) / 100}%`;
}
