import { Chart } from 'cdk8s';
import { defineApp } from '../../lib';
import { IMonitoredService, ObservabilityStack, Receiver } from '../../lib/observability';

/**
 * The services of the shop app (apps/shop: storefront, catalog, cart in
 * namespace `shop`), declared through the structural contract the stack reads
 * (`name`, `namespace`, optional `alertThresholds`). The shop's MeshService
 * objects satisfy it and can be passed here instead once the two apps share them.
 */
const shop: readonly IMonitoredService[] = [
  { name: 'storefront', namespace: 'shop', alertThresholds: { p99LatencyMs: 800 } },
  { name: 'catalog', namespace: 'shop' },
  { name: 'cart', namespace: 'shop', alertThresholds: { errorRatio: 0.01, p99LatencyMs: 1500 } },
];

export default defineApp({
  name: 'observability',
  description: 'Prometheus, Alertmanager, Grafana, exporters, logging (Fluent Bit → Fluentd → Elasticsearch → Kibana) and tracing (Jaeger v2 + Istio Telemetry).',
  build(app) {
    const chart = new Chart(app, 'stack');
    const stack = new ObservabilityStack(chart, 'observability', {
      prometheus: { retentionTime: '15d', retentionSize: '45GB', storageSize: '50Gi', externalLabels: { cluster: 'prod' } },
      alertmanager: {
        receivers: [
          Receiver.webhook('default', { url: 'http://alert-gateway.monitoring.svc:8080/alerts', bearerTokenSecret: { name: 'alert-gateway', key: 'token' } }),
          Receiver.email('oncall-mail', {
            to: 'oncall@example.com',
            from: 'alertmanager@example.com',
            smarthost: 'smtp.example.com:587',
            authUsername: 'alertmanager@example.com',
            authPasswordSecret: { name: 'alertmanager-smtp', key: 'password' },
          }),
          Receiver.wechat('oncall-wechat', { corpId: 'ww0123456789abcdef', agentId: '1000002', toParty: '2', apiSecret: { name: 'alertmanager-wechat', key: 'api-secret' } }),
          Receiver.wechatRobot('team-robot', {
            adapterUrl: 'http://wechat-robot-adapter.monitoring.svc:8080/send',
            robotKeySecret: { name: 'alertmanager-wechat-robot', key: 'robot-key' },
          }),
        ],
        defaultReceiver: 'default',
        routes: [
          { receiver: 'oncall-wechat', matchers: ['severity="critical"'], continue: true },
          { receiver: 'oncall-mail', matchers: ['severity="critical"'], continue: true },
          { receiver: 'team-robot', matchers: ['namespace="shop"'] },
        ],
      },
      tracing: { istio: { samplingPercentage: 1 } },
    });
    for (const service of shop) stack.monitor(service);
  },
});
