import { describe, expect, it } from 'vitest';
import { toYaml } from '../../lib/observability/common';
import { alertmanagerGroup, kubernetesGroup, loggingGroup, meshCertificatesGroup, prometheusGroup, watchdogGroup } from '../../lib/observability/stack-rules';
import { RuleUnitTest, promtoolTestRules } from './tools';

/**
 * `promtool test rules` for the stack's own rule sets: every alert fires on a
 * bad series and stays silent on a healthy one (Watchdog, which always fires,
 * has no silent case). Expected labels and annotations are written out literally.
 */
const files = {
  'self.rules.yml': toYaml({ groups: [watchdogGroup(), prometheusGroup(), alertmanagerGroup()] }),
  'platform.rules.yml': toYaml({ groups: [kubernetesGroup(), meshCertificatesGroup()] }),
  'logging.rules.yml': toYaml({ groups: [loggingGroup()] }),
};

function expectPass(tests: readonly RuleUnitTest[]) {
  const r = promtoolTestRules(files, tests);
  expect(r.out).toContain('SUCCESS');
  expect(r.code).toBe(0);
}

/** A fire case and a silent case for one alert. */
function fireAndSilent(
  alertname: string,
  at: string,
  bad: Record<string, string>,
  good: Record<string, string>,
  expAlerts: readonly { labels: Record<string, string>; annotations: Record<string, string> }[],
): RuleUnitTest[] {
  const series = (s: Record<string, string>) => Object.entries(s).map(([series, values]) => ({ series, values }));
  return [
    { input_series: series(bad), alert_rule_test: [{ eval_time: at, alertname, exp_alerts: expAlerts.map((a) => ({ exp_labels: a.labels, exp_annotations: a.annotations })) }] },
    { input_series: series(good), alert_rule_test: [{ eval_time: at, alertname, exp_alerts: [] }] },
  ];
}

// As the kubernetes-service-endpoints job labels them: the Service's namespace and name, the target address.
const PROM = 'namespace="monitoring",service="prometheus",instance="10.1.2.3:9090"';
const promLabels = { namespace: 'monitoring', service: 'prometheus', instance: '10.1.2.3:9090' };
const AM = 'namespace="monitoring",service="alertmanager",instance="10.1.2.4:9093"';
const amLabels = { namespace: 'monitoring', service: 'alertmanager', instance: '10.1.2.4:9093' };

describe('promtool test rules: Watchdog, Prometheus and Alertmanager', () => {
  it('Watchdog always fires', () => {
    expectPass([
      {
        input_series: [],
        alert_rule_test: [
          {
            eval_time: '1m',
            alertname: 'Watchdog',
            exp_alerts: [
              {
                exp_labels: { severity: 'none' },
                exp_annotations: {
                  summary: 'Always firing: proves the alerting pipeline works end to end.',
                  description: "Route it to a dead-man's-switch service, which pages when the notifications stop.",
                },
              },
            ],
          },
        ],
      },
    ]);
  });

  it('PrometheusBadConfig, PrometheusRuleFailures, PrometheusNotConnectedToAlertmanagers, PrometheusErrorSendingAlertsToAnyAlertmanager', () => {
    expectPass([
      ...fireAndSilent('PrometheusBadConfig', '15m', { [`prometheus_config_last_reload_successful{${PROM}}`]: '0x30' }, { [`prometheus_config_last_reload_successful{${PROM}}`]: '1x30' }, [
        {
          labels: { severity: 'critical', ...promLabels },
          annotations: { summary: 'Prometheus failed to reload its configuration.', description: 'Prometheus 10.1.2.3:9090 keeps running the previous configuration.' },
        },
      ]),
      ...fireAndSilent(
        'PrometheusRuleFailures',
        '20m',
        { [`prometheus_rule_evaluation_failures_total{${PROM},rule_group="g"}`]: '0+1x40' },
        { [`prometheus_rule_evaluation_failures_total{${PROM},rule_group="g"}`]: '0x40' },
        [
          {
            labels: { severity: 'critical', ...promLabels, rule_group: 'g' },
            annotations: { summary: 'Prometheus is failing rule evaluations.', description: 'Prometheus 10.1.2.3:9090 failed to evaluate 5 rules in the last 5m.' },
          },
        ],
      ),
      ...fireAndSilent(
        'PrometheusNotConnectedToAlertmanagers',
        '15m',
        { [`prometheus_notifications_alertmanagers_discovered{${PROM}}`]: '0x30' },
        { [`prometheus_notifications_alertmanagers_discovered{${PROM}}`]: '1x30' },
        [
          {
            labels: { severity: 'warning', ...promLabels },
            annotations: { summary: 'Prometheus is not connected to any Alertmanager.', description: 'Prometheus 10.1.2.3:9090 discovered no Alertmanager: no alert leaves it.' },
          },
        ],
      ),
      ...fireAndSilent(
        'PrometheusErrorSendingAlertsToAnyAlertmanager',
        '20m',
        {
          [`prometheus_notifications_errors_total{${PROM},alertmanager="http://alertmanager:9093/api/v2/alerts"}`]: '0+1x40',
          [`prometheus_notifications_sent_total{${PROM},alertmanager="http://alertmanager:9093/api/v2/alerts"}`]: '0+10x40',
        },
        {
          [`prometheus_notifications_errors_total{${PROM},alertmanager="http://alertmanager:9093/api/v2/alerts"}`]: '0x40',
          [`prometheus_notifications_sent_total{${PROM},alertmanager="http://alertmanager:9093/api/v2/alerts"}`]: '0+10x40',
        },
        [
          {
            labels: { severity: 'critical', ...promLabels },
            annotations: {
              summary: 'Prometheus fails to send more than 3% of alerts to every Alertmanager.',
              description: '10.0% of alerts from Prometheus 10.1.2.3:9090 fail to reach any Alertmanager.',
            },
          },
        ],
      ),
    ]);
  });

  it('the TSDB alerts fire after 4h of failures and stay silent without', () => {
    const tsdb = [
      ['PrometheusTSDBCompactionsFailing', 'prometheus_tsdb_compactions_failed_total', 'TSDB compaction'],
      ['PrometheusTSDBReloadsFailing', 'prometheus_tsdb_reloads_failures_total', 'TSDB block reload'],
      ['PrometheusTSDBWALCorruptions', 'prometheus_tsdb_wal_corruptions_total', 'WAL corruption'],
      ['PrometheusTSDBHeadTruncationsFailing', 'prometheus_tsdb_head_truncations_failed_total', 'TSDB head truncation'],
    ];
    expectPass(
      tsdb.flatMap(([alert, metric, what]) =>
        fireAndSilent(alert, '270m', { [`${metric}{${PROM}}`]: '0+1x300' }, { [`${metric}{${PROM}}`]: '0x300' }, [
          {
            labels: { severity: 'warning', ...promLabels },
            annotations: { summary: `Prometheus has ${what} failures.`, description: `Prometheus 10.1.2.3:9090 counted 180 ${what} failures over the last 3h.` },
          },
        ]),
      ),
    );
  });

  it('AlertmanagerFailedReload and AlertmanagerFailedToSendAlerts', () => {
    expectPass([
      ...fireAndSilent('AlertmanagerFailedReload', '15m', { [`alertmanager_config_last_reload_successful{${AM}}`]: '0x30' }, { [`alertmanager_config_last_reload_successful{${AM}}`]: '1x30' }, [
        {
          labels: { severity: 'critical', ...amLabels },
          annotations: { summary: 'Alertmanager failed to reload its configuration.', description: 'Alertmanager 10.1.2.4:9093 keeps running the previous configuration.' },
        },
      ]),
      ...fireAndSilent(
        'AlertmanagerFailedToSendAlerts',
        '25m',
        {
          [`alertmanager_notifications_failed_total{${AM},integration="webhook",reason="serverError"}`]: '0+1x40',
          [`alertmanager_notifications_total{${AM},integration="webhook"}`]: '0+10x40',
        },
        {
          [`alertmanager_notifications_failed_total{${AM},integration="webhook",reason="serverError"}`]: '0x40',
          [`alertmanager_notifications_total{${AM},integration="webhook"}`]: '0+10x40',
        },
        [
          {
            labels: { severity: 'warning', ...amLabels, integration: 'webhook', reason: 'serverError' },
            annotations: { summary: 'Alertmanager fails to deliver notifications.', description: 'Alertmanager 10.1.2.4:9093 failed to send 10% of notifications to webhook.' },
          },
        ],
      ),
    ]);
  });
});

describe('promtool test rules: OOM kills, HPAs, PDBs', () => {
  const C = 'namespace="shop",pod="cart-0",container="app"';
  it('KubeContainerOOMKilled fires on a restart whose last termination was OOMKilled, not on other restarts', () => {
    // kube-state-metrics exports last_terminated_reason only once a container has terminated ("_" = no sample).
    expectPass(
      fireAndSilent(
        'KubeContainerOOMKilled',
        '15m',
        { [`kube_pod_container_status_restarts_total{${C}}`]: '0x10 1x20', [`kube_pod_container_status_last_terminated_reason{${C},reason="OOMKilled"}`]: '_x10 1x20' },
        { [`kube_pod_container_status_restarts_total{${C}}`]: '0x10 1x20', [`kube_pod_container_status_last_terminated_reason{${C},reason="Error"}`]: '_x10 1x20' },
        [
          {
            labels: { severity: 'warning', namespace: 'shop', pod: 'cart-0', container: 'app' },
            annotations: { summary: 'Container shop/cart-0/app was OOM-killed.', description: 'The container exceeded its memory limit and was restarted; raise the limit or fix the leak.' },
          },
        ],
      ),
    );
  });

  it('KubeHpaMaxedOut, KubePdbNotEnoughHealthyPods, KubePdbNoDisruptionsAllowed', () => {
    const H = 'namespace="shop",horizontalpodautoscaler="cart"';
    const P = 'namespace="shop",poddisruptionbudget="cart"';
    expectPass([
      ...fireAndSilent(
        'KubeHpaMaxedOut',
        '20m',
        { [`kube_horizontalpodautoscaler_status_current_replicas{${H}}`]: '5x30', [`kube_horizontalpodautoscaler_spec_max_replicas{${H}}`]: '5x30', [`kube_horizontalpodautoscaler_spec_min_replicas{${H}}`]: '2x30' },
        { [`kube_horizontalpodautoscaler_status_current_replicas{${H}}`]: '3x30', [`kube_horizontalpodautoscaler_spec_max_replicas{${H}}`]: '5x30', [`kube_horizontalpodautoscaler_spec_min_replicas{${H}}`]: '2x30' },
        [
          {
            labels: { severity: 'warning', namespace: 'shop', horizontalpodautoscaler: 'cart' },
            annotations: { summary: 'HPA shop/cart runs at its maximum.', description: 'The HPA has been at max replicas for 15 minutes: it cannot absorb more load.' },
          },
        ],
      ),
      ...fireAndSilent(
        'KubePdbNotEnoughHealthyPods',
        '20m',
        { [`kube_poddisruptionbudget_status_desired_healthy{${P}}`]: '3x30', [`kube_poddisruptionbudget_status_current_healthy{${P}}`]: '2x30' },
        { [`kube_poddisruptionbudget_status_desired_healthy{${P}}`]: '3x30', [`kube_poddisruptionbudget_status_current_healthy{${P}}`]: '3x30' },
        [
          {
            labels: { severity: 'warning', namespace: 'shop', poddisruptionbudget: 'cart' },
            annotations: { summary: 'PDB shop/cart lacks healthy pods.', description: 'The PDB expects 1 more healthy pods.' },
          },
        ],
      ),
      ...fireAndSilent(
        'KubePdbNoDisruptionsAllowed',
        '70m',
        { [`kube_poddisruptionbudget_status_pod_disruptions_allowed{${P}}`]: '0x90', [`kube_poddisruptionbudget_status_expected_pods{${P}}`]: '2x90' },
        // A PDB that selects no pod allows no disruption either, but blocks nothing.
        { [`kube_poddisruptionbudget_status_pod_disruptions_allowed{${P}}`]: '0x90', [`kube_poddisruptionbudget_status_expected_pods{${P}}`]: '0x90' },
        [
          {
            labels: { severity: 'warning', namespace: 'shop', poddisruptionbudget: 'cart' },
            annotations: { summary: 'PDB shop/cart allows no disruption.', description: 'No pod it covers may be evicted: node drains and upgrades will block.' },
          },
        ],
      ),
    ]);
  });
});

describe('promtool test rules: mesh certificates (both severities)', () => {
  const I = 'namespace="istio-system",pod="istiod-1"';
  const day = 86_400;
  it.each([
    ['IstioRootCertExpiringSoon', 'citadel_server_root_cert_expiry_timestamp', 'root certificate'],
    ['IstioCertChainExpiringSoon', 'citadel_server_cert_chain_expiry_timestamp', 'CA certificate chain'],
  ])('%s: warning under 30 days, warning and critical under 7 days, silent at 90 days', (alert, metric, what) => {
    const exp = (severity: string, days: number, left: string) => ({
      labels: { severity, namespace: 'istio-system', pod: 'istiod-1' },
      annotations: {
        summary: `The mesh ${what} expires in less than ${days} days.`,
        description: `istiod istio-system/istiod-1: the ${what} expires in ${left}; rotate it before workloads lose mTLS.`,
      },
    });
    expectPass([
      // At 15m, time() is 900.
      ...fireAndSilent(alert, '15m', { [`${metric}{${I}}`]: `${20 * day}x30` }, { [`${metric}{${I}}`]: `${90 * day}x30` }, [exp('warning', 30, '19d 23h 45m 0s')]),
      ...fireAndSilent(alert, '15m', { [`${metric}{${I}}`]: `${3 * day}x30` }, { [`${metric}{${I}}`]: `${90 * day}x30` }, [exp('warning', 30, '2d 23h 45m 0s'), exp('critical', 7, '2d 23h 45m 0s')]),
    ]);
  });
});

describe('promtool test rules: log pipeline', () => {
  const FB = 'namespace="monitoring-node",pod="fluent-bit-x7k2p",name="forward.0"';
  const FD = 'namespace="logging",pod="fluentd-0",plugin_id="es",type="elasticsearch"';
  const fbLabels = { namespace: 'monitoring-node', pod: 'fluent-bit-x7k2p', name: 'forward.0' };
  const fdLabels = { namespace: 'logging', pod: 'fluentd-0', plugin_id: 'es', type: 'elasticsearch' };

  it('Fluent Bit: dropped chunks and output errors', () => {
    expectPass([
      ...fireAndSilent('FluentBitOutputRetriesFailed', '15m', { [`fluentbit_output_retries_failed_total{${FB}}`]: '0x5 1+1x25' }, { [`fluentbit_output_retries_failed_total{${FB}}`]: '0x30' }, [
        {
          labels: { severity: 'critical', ...fbLabels },
          annotations: { summary: 'Fluent Bit on fluent-bit-x7k2p drops logs (output forward.0).', description: '10 chunks exhausted their retries in the last 10m.' },
        },
      ]),
      ...fireAndSilent('FluentBitOutputErrors', '20m', { [`fluentbit_output_errors_total{${FB}}`]: '0+1x40' }, { [`fluentbit_output_errors_total{${FB}}`]: '0x40' }, [
        {
          labels: { severity: 'warning', ...fbLabels },
          annotations: { summary: 'Fluent Bit on fluent-bit-x7k2p has output errors (output forward.0).', description: 'Fluent Bit keeps failing to flush to Fluentd; it retries and its buffer grows.' },
        },
      ]),
    ]);
  });

  it('Fluentd: write errors, endless retries, a full buffer', () => {
    expectPass([
      ...fireAndSilent('FluentdOutputErrors', '25m', { [`fluentd_output_status_num_errors{${FD}}`]: '0+1x40' }, { [`fluentd_output_status_num_errors{${FD}}`]: '0x40' }, [
        {
          labels: { severity: 'warning', ...fdLabels },
          annotations: { summary: 'Fluentd fluentd-0 fails to write to elasticsearch (es).', description: '10 write errors in the last 10m; Fluentd retries from its file buffer.' },
        },
      ]),
      ...fireAndSilent('FluentdOutputRetrying', '40m', { [`fluentd_output_status_retry_count{${FD}}`]: '3x50' }, { [`fluentd_output_status_retry_count{${FD}}`]: '0x50' }, [
        {
          labels: { severity: 'warning', ...fdLabels },
          annotations: { summary: 'Fluentd fluentd-0 has been retrying es for 30 minutes.', description: 'Elasticsearch does not accept the logs; the buffer fills until back-pressure reaches Fluent Bit.' },
        },
      ]),
      ...fireAndSilent('FluentdBufferAlmostFull', '15m', { [`fluentd_output_status_buffer_available_space_ratio{${FD}}`]: '5x30' }, { [`fluentd_output_status_buffer_available_space_ratio{${FD}}`]: '50x30' }, [
        {
          labels: { severity: 'warning', ...fdLabels },
          annotations: { summary: 'Fluentd fluentd-0 buffer of es is more than 90% full.', description: 'Only 5.0% of the buffer is free; when it is full Fluentd blocks its inputs.' },
        },
      ]),
    ]);
  });

  it('Elasticsearch: red and yellow health, disk watermarks at both severities', () => {
    const health = (color: string, v: string) => ({ [`elasticsearch_cluster_health_status{cluster="logs",color="${color}"}`]: v });
    const disk = (avail: number) => ({
      'elasticsearch_filesystem_data_available_bytes{cluster="logs",name="elasticsearch-0"}': `${avail}x30`,
      'elasticsearch_filesystem_data_size_bytes{cluster="logs",name="elasticsearch-0"}': '100x30',
    });
    const diskAlert = (severity: string, mark: string, percent: number, used: string) => ({
      labels: { severity, cluster: 'logs', name: 'elasticsearch-0' },
      annotations: {
        summary: `Elasticsearch node elasticsearch-0 passed the ${mark} disk watermark (${percent}%).`,
        description: `Data disk ${used}% used; at 95% (flood stage) Elasticsearch makes its indices read-only.`,
      },
    });
    expectPass([
      ...fireAndSilent('ElasticsearchClusterRed', '10m', health('red', '1x30'), health('red', '0x30'), [
        {
          labels: { severity: 'critical', cluster: 'logs', color: 'red' },
          annotations: { summary: 'Elasticsearch cluster logs is red.', description: 'A primary shard is unassigned: some indices reject writes and searches miss data.' },
        },
      ]),
      ...fireAndSilent('ElasticsearchClusterYellow', '20m', health('yellow', '1x30'), health('yellow', '0x30'), [
        {
          labels: { severity: 'warning', cluster: 'logs', color: 'yellow' },
          annotations: { summary: 'Elasticsearch cluster logs is yellow.', description: 'A replica shard is unassigned (on one node: an index with number_of_replicas > 0).' },
        },
      ]),
      ...fireAndSilent('ElasticsearchDiskSpaceLow', '15m', disk(12), disk(50), [diskAlert('warning', 'low', 85, '88.0')]),
      ...fireAndSilent('ElasticsearchDiskSpaceLow', '15m', disk(7), disk(50), [diskAlert('warning', 'low', 85, '93.0'), diskAlert('critical', 'high', 90, '93.0')]),
    ]);
  });
});
