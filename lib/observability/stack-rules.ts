import type { AlertRule, RuleGroup } from './alert-rules';

/**
 * Rule groups that watch the stack itself and the parts of the platform the
 * cluster rules miss. Names and expressions follow the kube-prometheus mixins
 * (prometheus-operator/kube-prometheus manifests/*PrometheusRule.yaml) where
 * an alert exists there; the others say where theirs come from.
 */

const DAY = 86_400;

/**
 * Watchdog: always firing, so a dead-man's-switch service notices when the
 * pipeline Prometheus → Alertmanager → receiver stops (kube-prometheus `general.rules`).
 */
export function watchdogGroup(): RuleGroup {
  return {
    name: 'meshforge.watchdog',
    rules: [
      {
        alert: 'Watchdog',
        expr: 'vector(1)',
        labels: { severity: 'none' },
        annotations: {
          summary: 'Always firing: proves the alerting pipeline works end to end.',
          description: 'Route it to a dead-man\'s-switch service, which pages when the notifications stop.',
        },
      },
    ],
  };
}

/** Prometheus' own health: config reloads, rule evaluation, notification delivery, TSDB (kube-prometheus `prometheus` group). */
export function prometheusGroup(): RuleGroup {
  const tsdb = (alert: string, metric: string, what: string): AlertRule => ({
    alert,
    expr: `increase(${metric}[3h]) > 0`,
    for: '4h',
    labels: { severity: 'warning' },
    annotations: {
      summary: `Prometheus has ${what} failures.`,
      description: `Prometheus {{ $labels.instance }} counted {{ $value | humanize }} ${what} failures over the last 3h.`,
    },
  });
  return {
    name: 'meshforge.prometheus',
    rules: [
      {
        alert: 'PrometheusBadConfig',
        // max_over_time: a failed scrape must not hide a failed reload.
        expr: 'max_over_time(prometheus_config_last_reload_successful[5m]) == 0',
        for: '10m',
        labels: { severity: 'critical' },
        annotations: { summary: 'Prometheus failed to reload its configuration.', description: 'Prometheus {{ $labels.instance }} keeps running the previous configuration.' },
      },
      {
        alert: 'PrometheusRuleFailures',
        expr: 'increase(prometheus_rule_evaluation_failures_total[5m]) > 0',
        for: '15m',
        labels: { severity: 'critical' },
        annotations: { summary: 'Prometheus is failing rule evaluations.', description: 'Prometheus {{ $labels.instance }} failed to evaluate {{ printf "%.0f" $value }} rules in the last 5m.' },
      },
      {
        alert: 'PrometheusNotConnectedToAlertmanagers',
        expr: 'max_over_time(prometheus_notifications_alertmanagers_discovered[5m]) < 1',
        for: '10m',
        labels: { severity: 'warning' },
        annotations: { summary: 'Prometheus is not connected to any Alertmanager.', description: 'Prometheus {{ $labels.instance }} discovered no Alertmanager: no alert leaves it.' },
      },
      {
        alert: 'PrometheusErrorSendingAlertsToAnyAlertmanager',
        expr: 'min without (alertmanager) (rate(prometheus_notifications_errors_total[5m]) / rate(prometheus_notifications_sent_total[5m])) * 100 > 3',
        for: '15m',
        labels: { severity: 'critical' },
        annotations: { summary: 'Prometheus fails to send more than 3% of alerts to every Alertmanager.', description: '{{ printf "%.1f" $value }}% of alerts from Prometheus {{ $labels.instance }} fail to reach any Alertmanager.' },
      },
      tsdb('PrometheusTSDBCompactionsFailing', 'prometheus_tsdb_compactions_failed_total', 'TSDB compaction'),
      tsdb('PrometheusTSDBReloadsFailing', 'prometheus_tsdb_reloads_failures_total', 'TSDB block reload'),
      // Not in today's mixin (older kube-prometheus had PrometheusTSDBWALCorruptions); Prometheus 2.x exports both counters.
      tsdb('PrometheusTSDBWALCorruptions', 'prometheus_tsdb_wal_corruptions_total', 'WAL corruption'),
      tsdb('PrometheusTSDBHeadTruncationsFailing', 'prometheus_tsdb_head_truncations_failed_total', 'TSDB head truncation'),
    ],
  };
}

/** Alertmanager's own health (kube-prometheus `alertmanager.rules`). */
export function alertmanagerGroup(): RuleGroup {
  return {
    name: 'meshforge.alertmanager',
    rules: [
      {
        alert: 'AlertmanagerFailedReload',
        expr: 'max_over_time(alertmanager_config_last_reload_successful[5m]) == 0',
        for: '10m',
        labels: { severity: 'critical' },
        annotations: { summary: 'Alertmanager failed to reload its configuration.', description: 'Alertmanager {{ $labels.instance }} keeps running the previous configuration.' },
      },
      {
        alert: 'AlertmanagerFailedToSendAlerts',
        // `reason` exists on the failure counter only (Alertmanager >= 0.26).
        expr: '(rate(alertmanager_notifications_failed_total[15m]) / ignoring (reason) group_left rate(alertmanager_notifications_total[15m])) > 0.01',
        for: '5m',
        labels: { severity: 'warning' },
        annotations: {
          summary: 'Alertmanager fails to deliver notifications.',
          description: 'Alertmanager {{ $labels.instance }} failed to send {{ $value | humanizePercentage }} of notifications to {{ $labels.integration }}.',
        },
      },
    ],
  };
}

/** Workload families the cluster set lacks: OOM kills, HPAs at their ceiling, PDBs that block drains. */
export function kubernetesGroup(): RuleGroup {
  return {
    name: 'meshforge.kubernetes',
    rules: [
      {
        alert: 'KubeContainerOOMKilled',
        // No kube-prometheus alert; expression as awesome-prometheus-alerts' KubernetesContainerOomKiller:
        // a restart in the last 10m whose last termination reason is OOMKilled.
        expr: '(kube_pod_container_status_restarts_total - kube_pod_container_status_restarts_total offset 10m >= 1) and ignoring (reason) min_over_time(kube_pod_container_status_last_terminated_reason{reason="OOMKilled"}[10m]) == 1',
        labels: { severity: 'warning' },
        annotations: { summary: 'Container {{ $labels.namespace }}/{{ $labels.pod }}/{{ $labels.container }} was OOM-killed.', description: 'The container exceeded its memory limit and was restarted; raise the limit or fix the leak.' },
      },
      {
        alert: 'KubeHpaMaxedOut',
        expr: '(kube_horizontalpodautoscaler_status_current_replicas == kube_horizontalpodautoscaler_spec_max_replicas) and on (namespace, horizontalpodautoscaler) (kube_horizontalpodautoscaler_spec_max_replicas != kube_horizontalpodautoscaler_spec_min_replicas)',
        for: '15m',
        labels: { severity: 'warning' },
        annotations: { summary: 'HPA {{ $labels.namespace }}/{{ $labels.horizontalpodautoscaler }} runs at its maximum.', description: 'The HPA has been at max replicas for 15 minutes: it cannot absorb more load.' },
      },
      {
        alert: 'KubePdbNotEnoughHealthyPods',
        expr: '(kube_poddisruptionbudget_status_desired_healthy - kube_poddisruptionbudget_status_current_healthy) > 0',
        for: '15m',
        labels: { severity: 'warning' },
        annotations: { summary: 'PDB {{ $labels.namespace }}/{{ $labels.poddisruptionbudget }} lacks healthy pods.', description: 'The PDB expects {{ $value }} more healthy pods.' },
      },
      {
        // Not in kube-prometheus: a PDB that allows no disruption while it covers pods
        // (minAvailable = replicas) blocks every node drain.
        alert: 'KubePdbNoDisruptionsAllowed',
        expr: '(kube_poddisruptionbudget_status_pod_disruptions_allowed == 0) and on (namespace, poddisruptionbudget) (kube_poddisruptionbudget_status_expected_pods > 0)',
        for: '1h',
        labels: { severity: 'warning' },
        annotations: { summary: 'PDB {{ $labels.namespace }}/{{ $labels.poddisruptionbudget }} allows no disruption.', description: 'No pod it covers may be evicted: node drains and upgrades will block.' },
      },
    ],
  };
}

/**
 * Mesh certificate expiry from istiod's gauges `citadel_server_root_cert_expiry_timestamp`
 * and `citadel_server_cert_chain_expiry_timestamp` (unix seconds; istio/istio
 * security/pkg/server/ca/monitoring.go). Warning at 30 days, critical at 7 days,
 * one alert name at both severities like kube-prometheus' KubeClientCertificateExpiration,
 * so the default inhibit rule mutes the warning while the critical fires.
 */
export function meshCertificatesGroup(): RuleGroup {
  const rules: AlertRule[] = [];
  for (const [alert, metric, what] of [
    ['IstioRootCertExpiringSoon', 'citadel_server_root_cert_expiry_timestamp', 'root certificate'],
    ['IstioCertChainExpiringSoon', 'citadel_server_cert_chain_expiry_timestamp', 'CA certificate chain'],
  ] as const) {
    for (const [severity, days] of [['warning', 30], ['critical', 7]] as const) {
      rules.push({
        alert,
        expr: `(${metric} - time()) < ${days * DAY}`,
        for: '10m',
        labels: { severity },
        annotations: {
          summary: `The mesh ${what} expires in less than ${days} days.`,
          description: `istiod {{ $labels.namespace }}/{{ $labels.pod }}: the ${what} expires in {{ $value | humanizeDuration }}; rotate it before workloads lose mTLS.`,
        },
      });
    }
  }
  return { name: 'meshforge.mesh-certificates', rules };
}

/**
 * The log pipeline: Fluent Bit (HTTP server :2020, /api/v2/metrics/prometheus),
 * Fluentd (fluent-plugin-prometheus) and Elasticsearch (elasticsearch-exporter).
 */
export function loggingGroup(): RuleGroup {
  const used = '100 * (1 - elasticsearch_filesystem_data_available_bytes / elasticsearch_filesystem_data_size_bytes)';
  return {
    name: 'meshforge.logging',
    rules: [
      {
        alert: 'FluentBitOutputRetriesFailed',
        // A failed retry is a chunk Fluent Bit gave up on: those log lines are lost.
        expr: 'increase(fluentbit_output_retries_failed_total[10m]) > 0',
        labels: { severity: 'critical' },
        annotations: { summary: 'Fluent Bit on {{ $labels.pod }} drops logs (output {{ $labels.name }}).', description: '{{ printf "%.0f" $value }} chunks exhausted their retries in the last 10m.' },
      },
      {
        alert: 'FluentBitOutputErrors',
        expr: 'rate(fluentbit_output_errors_total[5m]) > 0',
        for: '15m',
        labels: { severity: 'warning' },
        annotations: { summary: 'Fluent Bit on {{ $labels.pod }} has output errors (output {{ $labels.name }}).', description: 'Fluent Bit keeps failing to flush to Fluentd; it retries and its buffer grows.' },
      },
      {
        alert: 'FluentdOutputErrors',
        expr: 'increase(fluentd_output_status_num_errors[10m]) > 0',
        for: '15m',
        labels: { severity: 'warning' },
        annotations: { summary: 'Fluentd {{ $labels.pod }} fails to write to {{ $labels.type }} ({{ $labels.plugin_id }}).', description: '{{ printf "%.0f" $value }} write errors in the last 10m; Fluentd retries from its file buffer.' },
      },
      {
        alert: 'FluentdOutputRetrying',
        expr: 'max_over_time(fluentd_output_status_retry_count[5m]) > 0',
        for: '30m',
        labels: { severity: 'warning' },
        annotations: { summary: 'Fluentd {{ $labels.pod }} has been retrying {{ $labels.plugin_id }} for 30 minutes.', description: 'Elasticsearch does not accept the logs; the buffer fills until back-pressure reaches Fluent Bit.' },
      },
      {
        alert: 'FluentdBufferAlmostFull',
        expr: 'fluentd_output_status_buffer_available_space_ratio < 10',
        for: '10m',
        labels: { severity: 'warning' },
        annotations: { summary: 'Fluentd {{ $labels.pod }} buffer of {{ $labels.plugin_id }} is more than 90% full.', description: 'Only {{ printf "%.1f" $value }}% of the buffer is free; when it is full Fluentd blocks its inputs.' },
      },
      {
        alert: 'ElasticsearchClusterRed',
        expr: 'elasticsearch_cluster_health_status{color="red"} == 1',
        for: '5m',
        labels: { severity: 'critical' },
        annotations: { summary: 'Elasticsearch cluster {{ $labels.cluster }} is red.', description: 'A primary shard is unassigned: some indices reject writes and searches miss data.' },
      },
      {
        alert: 'ElasticsearchClusterYellow',
        expr: 'elasticsearch_cluster_health_status{color="yellow"} == 1',
        for: '15m',
        labels: { severity: 'warning' },
        annotations: { summary: 'Elasticsearch cluster {{ $labels.cluster }} is yellow.', description: 'A replica shard is unassigned (on one node: an index with number_of_replicas > 0).' },
      },
      // Elasticsearch's disk watermarks: low 85% (no new shards on the node), high 90%
      // (shards move away), flood stage 95% (indices become read-only).
      // https://www.elastic.co/guide/en/elasticsearch/reference/8.15/modules-cluster.html#disk-based-shard-allocation
      ...([['warning', 85, 'low'], ['critical', 90, 'high']] as const).map(([severity, percent, mark]) => ({
        alert: 'ElasticsearchDiskSpaceLow',
        expr: `${used} > ${percent}`,
        for: '10m',
        labels: { severity },
        annotations: {
          summary: `Elasticsearch node {{ $labels.name }} passed the ${mark} disk watermark (${percent}%).`,
          description: 'Data disk {{ printf "%.1f" $value }}% used; at 95% (flood stage) Elasticsearch makes its indices read-only.',
        },
      })),
    ],
  };
}
