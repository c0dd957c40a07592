import { Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { AlertRules } from '../../lib/observability/alert-rules';
import { RuleUnitTest, promtoolTestRules } from './tools';

/**
 * `promtool test rules` on synthetic series: every MeshService and cluster
 * alert must fire on a bad series and stay silent on a healthy one. Expected
 * labels and annotations are written out literally, not derived from the rules.
 */
const CHECKOUT = 'reporter="destination",destination_service_name="checkout",destination_workload_namespace="shop"';
const CATALOG = 'reporter="destination",destination_service_name="catalog",destination_workload_namespace="shop"';
const svcLabels = { severity: 'critical', namespace: 'shop', service: 'checkout' };

function rulesFor(): AlertRules {
  const rules = new AlertRules(new Chart(Testing.app(), 'test'), 'rules');
  // checkout: HTTP only (5xx); catalog: a gRPC port (5xx or grpc-status != 0).
  rules.monitor({ name: 'checkout', namespace: 'shop', ports: [{ protocol: 'http' }] }, { errorRatio: 0.1, p99LatencyMs: 500 });
  rules.monitor({ name: 'catalog', namespace: 'shop', ports: [{ protocol: 'grpc' }] }, { errorRatio: 0.1, alertOnNoTraffic: false });
  return rules;
}

type UnitTest = RuleUnitTest;

function promtoolTest(tests: readonly UnitTest[]): { code: number; out: string } {
  return promtoolTestRules(rulesFor().ruleFiles(), tests);
}

function expectPass(tests: readonly UnitTest[]) {
  const r = promtoolTest(tests);
  expect(r.out).toContain('SUCCESS');
  expect(r.code).toBe(0);
}

describe('promtool test rules: MeshService golden signals', () => {
  it('MeshServiceHighErrorRate fires above the ratio and stays silent below it', () => {
    expectPass([
      {
        input_series: [
          { series: `istio_requests_total{${CHECKOUT},response_code="200"}`, values: '0+100x30' },
          { series: `istio_requests_total{${CHECKOUT},response_code="503"}`, values: '0+20x30' },
        ],
        alert_rule_test: [
          { eval_time: '3m', alertname: 'MeshServiceHighErrorRate', exp_alerts: [] },
          {
            eval_time: '15m',
            alertname: 'MeshServiceHighErrorRate',
            exp_alerts: [
              {
                exp_labels: svcLabels,
                exp_annotations: { summary: 'shop/checkout: more than 10% of requests fail with 5xx', description: '5xx ratio is 0.167 over 5m.' },
              },
            ],
          },
        ],
      },
      {
        input_series: [
          { series: `istio_requests_total{${CHECKOUT},response_code="200"}`, values: '0+100x30' },
          { series: `istio_requests_total{${CHECKOUT},response_code="503"}`, values: '0+5x30' },
          // Errors of another service must not count.
          { series: 'istio_requests_total{reporter="destination",destination_service_name="payments",destination_workload_namespace="shop",response_code="500"}', values: '0+100x30' },
        ],
        alert_rule_test: [{ eval_time: '20m', alertname: 'MeshServiceHighErrorRate', exp_alerts: [] }],
      },
    ]);
  });

  it('MeshServiceHighErrorRate counts gRPC failures (HTTP 200, grpc_response_status != 0) for a gRPC service', () => {
    const catalog = { severity: 'critical', namespace: 'shop', service: 'catalog' };
    expectPass([
      {
        input_series: [
          { series: `istio_requests_total{${CATALOG},response_code="200",grpc_response_status="0"}`, values: '0+100x30' },
          // UNAVAILABLE answered with HTTP 200: invisible to a 5xx-only ratio.
          { series: `istio_requests_total{${CATALOG},response_code="200",grpc_response_status="14"}`, values: '0+20x30' },
          // A 503 that also carries a gRPC status counts once.
          { series: `istio_requests_total{${CATALOG},response_code="503",grpc_response_status="14"}`, values: '0+5x30' },
        ],
        alert_rule_test: [
          {
            eval_time: '15m',
            alertname: 'MeshServiceHighErrorRate',
            exp_alerts: [
              {
                exp_labels: catalog,
                exp_annotations: { summary: 'shop/catalog: more than 10% of requests fail (5xx or gRPC status other than OK)', description: 'Error ratio is 0.200 over 5m.' },
              },
            ],
          },
        ],
      },
      {
        input_series: [
          { series: `istio_requests_total{${CATALOG},response_code="200",grpc_response_status="0"}`, values: '0+100x30' },
          { series: `istio_requests_total{${CATALOG},response_code="200",grpc_response_status="5"}`, values: '0+5x30' },
        ],
        alert_rule_test: [{ eval_time: '15m', alertname: 'MeshServiceHighErrorRate', exp_alerts: [] }],
      },
      {
        // The HTTP service ignores grpc_response_status (its ports declare no gRPC).
        input_series: [
          { series: `istio_requests_total{${CHECKOUT},response_code="200"}`, values: '0+100x30' },
          { series: `istio_requests_total{${CHECKOUT},response_code="200",grpc_response_status="14"}`, values: '0+50x30' },
        ],
        alert_rule_test: [{ eval_time: '15m', alertname: 'MeshServiceHighErrorRate', exp_alerts: [] }],
      },
    ]);
  });

  it('MeshServiceHighLatencyP99 fires above the threshold and stays silent below it', () => {
    const buckets = (counts: Record<string, string>) =>
      Object.entries(counts).map(([le, values]) => ({ series: `istio_request_duration_milliseconds_bucket{${CHECKOUT},le="${le}"}`, values }));
    expectPass([
      {
        input_series: buckets({ '100': '0x30', '500': '0x30', '1000': '0x30', '+Inf': '0+10x30' }),
        alert_rule_test: [
          {
            eval_time: '15m',
            alertname: 'MeshServiceHighLatencyP99',
            exp_alerts: [{ exp_labels: svcLabels, exp_annotations: { summary: 'shop/checkout: p99 latency above 500ms', description: 'p99 latency is 1000ms over 5m.' } }],
          },
        ],
      },
      {
        input_series: buckets({ '100': '0+10x30', '500': '0+10x30', '1000': '0+10x30', '+Inf': '0+10x30' }),
        alert_rule_test: [{ eval_time: '15m', alertname: 'MeshServiceHighLatencyP99', exp_alerts: [] }],
      },
    ]);
  });

  it('MeshServiceNoTraffic fires when the series is absent and stays silent with traffic', () => {
    expectPass([
      {
        input_series: [{ series: 'up{job="x",instance="a:1"}', values: '1x30' }],
        alert_rule_test: [
          { eval_time: '10m', alertname: 'MeshServiceNoTraffic', exp_alerts: [] },
          {
            eval_time: '16m',
            alertname: 'MeshServiceNoTraffic',
            exp_alerts: [
              {
                exp_labels: { ...svcLabels, severity: 'warning' },
                exp_annotations: { summary: 'shop/checkout receives no traffic', description: 'No request reached checkout for 15m.' },
              },
            ],
          },
        ],
      },
      {
        input_series: [{ series: `istio_requests_total{${CHECKOUT},response_code="200"}`, values: '0+1x30' }],
        alert_rule_test: [{ eval_time: '25m', alertname: 'MeshServiceNoTraffic', exp_alerts: [] }],
      },
    ]);
  });
});

describe('promtool test rules: cluster', () => {
  it('fires each cluster alert on a bad series', () => {
    const node = 'instance="node-1:9100",job="node-exporter"';
    const fs_ = `${node},device="/dev/sda1",fstype="ext4",mountpoint="/"`;
    expectPass([
      {
        input_series: [
          { series: 'up{job="kube-state-metrics",instance="10.0.0.1:8080"}', values: '0x30' },
          { series: `node_filesystem_avail_bytes{${fs_}}`, values: '5x30' },
          { series: `node_filesystem_size_bytes{${fs_}}`, values: '100x30' },
          { series: `node_filesystem_readonly{${fs_}}`, values: '0x30' },
          { series: `node_memory_MemAvailable_bytes{${node}}`, values: '5x30' },
          { series: `node_memory_MemTotal_bytes{${node}}`, values: '100x30' },
          { series: 'kube_node_status_condition{node="node-1",condition="MemoryPressure",status="true"}', values: '1x30' },
          { series: 'kube_node_status_condition{node="node-1",condition="DiskPressure",status="true"}', values: '1x30' },
          { series: 'kube_pod_container_status_waiting_reason{namespace="shop",pod="checkout-0",container="app",reason="CrashLoopBackOff"}', values: '1x30' },
          { series: 'kube_deployment_status_replicas_unavailable{namespace="shop",deployment="checkout"}', values: '2x30' },
        ],
        alert_rule_test: [
          {
            eval_time: '6m',
            alertname: 'TargetDown',
            exp_alerts: [
              {
                exp_labels: { severity: 'warning', job: 'kube-state-metrics', instance: '10.0.0.1:8080' },
                exp_annotations: { summary: 'Target kube-state-metrics/10.0.0.1:8080 is down', description: 'Prometheus could not scrape 10.0.0.1:8080 (job kube-state-metrics) for 5 minutes.' },
              },
            ],
          },
          {
            eval_time: '16m',
            alertname: 'NodeFilesystemAlmostFull',
            exp_alerts: [
              {
                exp_labels: { severity: 'warning', instance: 'node-1:9100', job: 'node-exporter', device: '/dev/sda1', fstype: 'ext4', mountpoint: '/' },
                exp_annotations: { summary: 'Filesystem / on node-1:9100 has less than 10% free', description: 'Only 5.0% space left.' },
              },
            ],
          },
          {
            eval_time: '16m',
            alertname: 'NodeMemoryHighUtilization',
            exp_alerts: [
              {
                exp_labels: { severity: 'warning', instance: 'node-1:9100', job: 'node-exporter' },
                exp_annotations: { summary: 'Memory on node-1:9100 is more than 90% used', description: 'Memory utilisation is 95.0%.' },
              },
            ],
          },
          {
            eval_time: '6m',
            alertname: 'NodeMemoryPressure',
            exp_alerts: [
              {
                exp_labels: { severity: 'critical', node: 'node-1', condition: 'MemoryPressure', status: 'true' },
                exp_annotations: { summary: 'Node node-1 reports MemoryPressure', description: 'The kubelet on node-1 is evicting pods for lack of memory.' },
              },
            ],
          },
          {
            eval_time: '6m',
            alertname: 'NodeDiskPressure',
            exp_alerts: [
              {
                exp_labels: { severity: 'critical', node: 'node-1', condition: 'DiskPressure', status: 'true' },
                exp_annotations: { summary: 'Node node-1 reports DiskPressure', description: 'The kubelet on node-1 is short of disk space.' },
              },
            ],
          },
          {
            eval_time: '16m',
            alertname: 'KubePodCrashLooping',
            exp_alerts: [
              {
                exp_labels: { severity: 'warning', namespace: 'shop', pod: 'checkout-0', container: 'app', reason: 'CrashLoopBackOff' },
                exp_annotations: { summary: 'Pod shop/checkout-0 is crash-looping', description: 'Container app is in CrashLoopBackOff.' },
              },
            ],
          },
          {
            eval_time: '16m',
            alertname: 'KubeDeploymentReplicasUnavailable',
            exp_alerts: [
              {
                exp_labels: { severity: 'warning', namespace: 'shop', deployment: 'checkout' },
                exp_annotations: { summary: 'Deployment shop/checkout has unavailable replicas', description: '2 replica(s) unavailable.' },
              },
            ],
          },
        ],
      },
    ]);
  });

  it('stays silent on healthy series', () => {
    const node = 'instance="node-1:9100",job="node-exporter"';
    const fs_ = `${node},device="/dev/sda1",fstype="ext4",mountpoint="/"`;
    const silent = ['TargetDown', 'NodeFilesystemAlmostFull', 'NodeMemoryHighUtilization', 'NodeMemoryPressure', 'NodeDiskPressure', 'KubePodCrashLooping', 'KubeDeploymentReplicasUnavailable'];
    expectPass([
      {
        input_series: [
          { series: 'up{job="kube-state-metrics",instance="10.0.0.1:8080"}', values: '1x30' },
          { series: `node_filesystem_avail_bytes{${fs_}}`, values: '50x30' },
          { series: `node_filesystem_size_bytes{${fs_}}`, values: '100x30' },
          { series: `node_filesystem_readonly{${fs_}}`, values: '0x30' },
          { series: `node_memory_MemAvailable_bytes{${node}}`, values: '50x30' },
          { series: `node_memory_MemTotal_bytes{${node}}`, values: '100x30' },
          { series: 'kube_node_status_condition{node="node-1",condition="MemoryPressure",status="true"}', values: '0x30' },
          { series: 'kube_node_status_condition{node="node-1",condition="DiskPressure",status="true"}', values: '0x30' },
          { series: 'kube_pod_container_status_waiting_reason{namespace="shop",pod="checkout-0",container="app",reason="CrashLoopBackOff"}', values: '0x30' },
          { series: 'kube_deployment_status_replicas_unavailable{namespace="shop",deployment="checkout"}', values: '0x30' },
        ],
        alert_rule_test: silent.map((alertname) => ({ eval_time: '25m', alertname, exp_alerts: [] })),
      },
    ]);
  });

  it('fails when an expectation is wrong (the harness can fail)', () => {
    const r = promtoolTest([
      {
        input_series: [{ series: 'up{job="x",instance="a:1"}', values: '1x30' }],
        alert_rule_test: [{ eval_time: '10m', alertname: 'TargetDown', exp_alerts: [{ exp_labels: { severity: 'warning', job: 'x', instance: 'a:1' } }] }],
      },
    ]);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('FAILED');
  });
});

describe('promtool test rules: stateful services and jobs', () => {
  const QUEUE = 'reporter="destination",destination_service_name="queue",destination_workload_namespace="shop"';
  const rules = (): AlertRules => {
    const r = new AlertRules(new Chart(Testing.app(), 'test'), 'rules');
    // a TCP-only service (Redis): Istio reports it in istio_tcp_*, never in istio_requests_total
    r.monitor({ name: 'queue', namespace: 'shop', ports: [{ protocol: 'tcp' }] });
    return r;
  };
  const run = (tests: readonly UnitTest[]) => {
    const r = promtoolTestRules(rules().ruleFiles(), tests);
    expect(r.out).toContain('SUCCESS');
    expect(r.code).toBe(0);
  };

  it('a TCP-only service gets no request-based alerts', () => {
    const group = rules().serviceGroups()[0];
    expect(group.rules.map((x) => x.alert)).toEqual(['MeshServiceNoTraffic']);
    expect(group.rules[0].expr).toContain('istio_tcp_received_bytes_total');
  });

  it('MeshServiceNoTraffic of a TCP service counts bytes, not new connections (clients keep a pool open)', () => {
    run([
      {
        // one pooled connection opened at start-up and never again, busy all along: no alert
        input_series: [
          { series: `istio_tcp_connections_opened_total{${QUEUE}}`, values: '4x40' },
          { series: `istio_tcp_received_bytes_total{${QUEUE}}`, values: '0+5000x40' },
        ],
        alert_rule_test: [{ eval_time: '30m', alertname: 'MeshServiceNoTraffic', exp_alerts: [] }],
      },
      {
        input_series: [
          { series: `istio_tcp_connections_opened_total{${QUEUE}}`, values: '4x40' },
          { series: `istio_tcp_received_bytes_total{${QUEUE}}`, values: '120000x40' },
        ],
        alert_rule_test: [
          {
            eval_time: '30m',
            alertname: 'MeshServiceNoTraffic',
            exp_alerts: [
              {
                exp_labels: { severity: 'warning', namespace: 'shop', service: 'queue' },
                exp_annotations: { summary: 'shop/queue receives no traffic', description: 'No TCP client sent queue a byte for 15m.' },
              },
            ],
          },
        ],
      },
    ]);
  });

  it('KubeStatefulSetReplicasNotReady and KubeJobFailed fire on bad series and stay silent on healthy ones', () => {
    const sts = 'namespace="shop",statefulset="queue"';
    run([
      {
        input_series: [
          { series: `istio_tcp_received_bytes_total{${QUEUE}}`, values: '0+5000x30' },
          { series: `kube_statefulset_status_replicas_ready{${sts}}`, values: '2x30' },
          { series: `kube_statefulset_status_replicas{${sts}}`, values: '3x30' },
          { series: `kube_statefulset_status_replicas_updated{${sts}}`, values: '3x30' },
          { series: 'kube_job_failed{namespace="shop",job_name="nightly-report-29000000",condition="true"}', values: '1x30' },
        ],
        alert_rule_test: [
          {
            eval_time: '20m',
            alertname: 'KubeStatefulSetReplicasNotReady',
            exp_alerts: [
              {
                exp_labels: { severity: 'warning', namespace: 'shop', statefulset: 'queue' },
                exp_annotations: { summary: 'StatefulSet shop/queue has pods that are not ready', description: '2 replica(s) ready, and no rollout in progress.' },
              },
            ],
          },
          {
            eval_time: '5m',
            alertname: 'KubeJobFailed',
            exp_alerts: [
              {
                exp_labels: { severity: 'warning', namespace: 'shop', job_name: 'nightly-report-29000000', condition: 'true' },
                exp_annotations: { summary: 'Job shop/nightly-report-29000000 failed', description: "It used up its backoffLimit or activeDeadlineSeconds; see kubectl describe job and its pods' logs." },
              },
            ],
          },
        ],
      },
      {
        input_series: [
          { series: `kube_statefulset_status_replicas_ready{${sts}}`, values: '3x30' },
          { series: `kube_statefulset_status_replicas{${sts}}`, values: '3x30' },
          { series: `kube_statefulset_status_replicas_updated{${sts}}`, values: '3x30' },
          { series: 'kube_job_failed{namespace="shop",job_name="nightly-report-29000000",condition="true"}', values: '0x30' },
        ],
        alert_rule_test: [
          { eval_time: '25m', alertname: 'KubeStatefulSetReplicasNotReady', exp_alerts: [] },
          { eval_time: '25m', alertname: 'KubeJobFailed', exp_alerts: [] },
        ],
      },
    ]);
  });
});
