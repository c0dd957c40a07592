import { App, Chart } from 'cdk8s';
import { AppDefinition, Environment, MeshService, MeshStatefulService, defineApp, scratchContext } from '../../lib';
import { AccessLogFilter, ObservabilityStack, Receiver, ServiceThresholds } from '../../lib/observability';
import type { Settings } from '../environments';
import shopApp from '../shop';

/**
 * The MeshServices (and MeshStatefulServices) an app declares, read by building it in a scratch cdk8s
 * App (nothing of it is written). Monitoring them this way means a service
 * added to the shop gets its alerts and dashboard without touching this file.
 */
function meshServicesOf<S>(definition: AppDefinition<S>, environment: Environment<S>): (MeshService | MeshStatefulService)[] {
  const scratch = new App({ outdir: '/nonexistent-meshforge-outdir' });
  definition.build(scratch, scratchContext(definition, environment));
  return scratch.node.findAll().filter((c): c is MeshService | MeshStatefulService => c instanceof MeshService || c instanceof MeshStatefulService);
}

/** Per-service alert thresholds where the defaults do not fit. */
const thresholds: Readonly<Record<string, ServiceThresholds>> = {
  storefront: { p99LatencyMs: 800 },
  cart: { errorRatio: 0.01, p99LatencyMs: 1500 },
};

export default defineApp<Settings>({
  name: 'observability',
  description: 'Prometheus, Alertmanager, Grafana, exporters, logging (Fluent Bit → Fluentd → Elasticsearch → Kibana) and tracing (Jaeger v2 + Istio Telemetry).',
  // The setup Jobs retry for up to 15 minutes while Elasticsearch starts: Flux's health wait must outlast them.
  gitops: { argocd: true, flux: { timeout: '20m' } },
  build(app, { environment }) {
    const env = environment.settings;
    const chart = new Chart(app, 'stack');
    // The on-call rotation is paged only from prod; dev and test alert the team's chat robot alone.
    const page = env.alerts === 'page-oncall';
    const stack = new ObservabilityStack(chart, 'observability', {
      prometheus: {
        retentionTime: env.metricsRetention.time,
        retentionSize: env.metricsRetention.size,
        storageSize: env.metricsRetention.volume,
        externalLabels: { cluster: environment.cluster.name, environment: environment.name },
      },
      alertmanager: page ? {
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
      } : {
        receivers: [Receiver.wechatRobot('team-robot', { robotKeySecret: { name: 'alertmanager-wechat-robot', key: 'robot-key' } })],
        defaultReceiver: 'team-robot',
      },
      // every request traced in dev, a sample elsewhere (settings.tracingPercent)
      tracing: { istio: { samplingPercentage: env.tracingPercent } },
      // Envoy access logs of every sidecar: each failed request, and 10% of the others.
      meshTelemetry: { accessLogging: { filter: AccessLogFilter.errors().or(AccessLogFilter.sample(10)) } },
    });
    for (const service of meshServicesOf(shopApp, environment)) stack.monitor(service, thresholds[service.name]);
  },
});
