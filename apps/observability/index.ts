import { App, Chart } from 'cdk8s';
import { AppDefinition, MeshService, MeshStatefulService, defineApp } from '../../lib';
import { AccessLogFilter, ObservabilityStack, Receiver, ServiceThresholds } from '../../lib/observability';
import shopApp from '../shop';

/**
 * The MeshServices (and MeshStatefulServices) an app declares, read by building it in a scratch cdk8s
 * App (nothing of it is written). Monitoring them this way means a service
 * added to the shop gets its alerts and dashboard without touching this file.
 */
function meshServicesOf(definition: AppDefinition): (MeshService | MeshStatefulService)[] {
  const scratch = new App({ outdir: '/nonexistent-meshforge-outdir' });
  definition.build(scratch, { appName: definition.name });
  return scratch.node.findAll().filter((c): c is MeshService | MeshStatefulService => c instanceof MeshService || c instanceof MeshStatefulService);
}

/** Per-service alert thresholds where the defaults do not fit. */
const thresholds: Readonly<Record<string, ServiceThresholds>> = {
  storefront: { p99LatencyMs: 800 },
  cart: { errorRatio: 0.01, p99LatencyMs: 1500 },
};

export default defineApp({
  name: 'observability',
  description: 'Prometheus, Alertmanager, Grafana, exporters, logging (Fluent Bit → Fluentd → Elasticsearch → Kibana) and tracing (Jaeger v2 + Istio Telemetry).',
  // The setup Jobs retry for up to 15 minutes while Elasticsearch starts: Flux's health wait must outlast them.
  gitops: { argocd: true, flux: { timeout: '20m' } },
  build(app) {
    const chart = new Chart(app, 'stack');
    const stack = new ObservabilityStack(chart, 'observability', {
      prometheus: { retentionTime: '15d', retentionSize: '45GB', storageSize: '50Gi', externalLabels: { cluster: 'prod' } },
      alertmanager: {
        receivers: [
          Receiver.email('oncall-mail', {
            to: 'oncall@example.com',
            from: 'alertmanager@example.com',
            smarthost: 'smtp.example.com:587',
            authUsername: 'alertmanager@example.com',
            authPasswordSecret: { name: 'alertmanager-smtp', key: 'password' },
          }),
          Receiver.wechat('oncall-wechat', { corpId: 'ww0123456789abcdef', agentId: '1000002', toParty: '2', apiSecret: { name: 'alertmanager-wechat', key: 'api-secret' } }),
          // Deploys the WeChat Work robot adapter (PrometheusAlert) next to Alertmanager.
          Receiver.wechatRobot('team-robot', { robotKeySecret: { name: 'alertmanager-wechat-robot', key: 'robot-key' } }),
        ],
        // Everything that no route claims goes to the on-call mailbox.
        defaultReceiver: 'oncall-mail',
        // The always-firing Watchdog checks in with an external heartbeat service every minute;
        // it pages when the check-ins stop (Prometheus, Alertmanager or the network is down).
        deadMansSwitch: {
          receiver: Receiver.webhook('deadmansswitch', { url: 'https://heartbeat.example.com/ping/meshforge-prod', bearerTokenSecret: { name: 'alertmanager-heartbeat', key: 'token' } }),
        },
        routes: [
          { receiver: 'oncall-wechat', matchers: ['severity="critical"'], continue: true },
          { receiver: 'oncall-mail', matchers: ['severity="critical"'], continue: true },
          { receiver: 'team-robot', matchers: ['namespace="shop"'] },
        ],
      },
      tracing: { istio: { samplingPercentage: 1 } },
      // Envoy access logs of every sidecar: each failed request, and 10% of the others.
      meshTelemetry: { accessLogging: { filter: AccessLogFilter.errors().or(AccessLogFilter.sample(10)) } },
    });
    for (const service of meshServicesOf(shopApp)) stack.monitor(service, thresholds[service.name]);
  },
});
