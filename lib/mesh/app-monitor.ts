import { PodMonitor, PodMonitorSpecPodMetricsEndpointsRelabelingsAction, ServiceMonitor } from '../../imports/monitoring.coreos.com';
import { MeshforgeError } from '../validation/meshforge-error';
import { ISTIO_ENVOY_PROM_PORT_NAME, ISTIO_MERGED_METRICS_PORT } from './conventions';
import { ServicePortInfo } from './mesh-service-props';
import { ServiceContext } from './service-context';

/** The Prometheus Operator monitor of a MeshService's metrics (`metrics.monitor`), if requested. */
export function createMonitor(ctx: ServiceContext, labels: Record<string, string>): PodMonitor | ServiceMonitor | undefined {
  const m = ctx.props.metrics;
  if (!m?.monitor) return undefined;
  const interval = m.interval ?? '30s';
  const metadata = { name: ctx.name, namespace: ctx.namespace, labels };
  if (m.monitor === 'pod') {
    // Prometheus Operator only keeps targets on declared container ports, and 15020 is not
    // declared: select the sidecar's declared Envoy port (one target per pod), then move
    // the address to the merged endpoint (the pattern of Istio's prometheus-operator sample).
    const endpoint = ctx.mesh
      ? {
          port: ISTIO_ENVOY_PROM_PORT_NAME,
          path: ctx.metricsPath,
          interval,
          relabelings: [
            {
              action: PodMonitorSpecPodMetricsEndpointsRelabelingsAction.REPLACE,
              sourceLabels: ['__address__'],
              regex: '(.+):\\d+',
              replacement: `$1:${ISTIO_MERGED_METRICS_PORT}`,
              targetLabel: '__address__',
            },
          ],
        }
      : { portNumber: declaredMetricsPort(ctx, m.port).targetPort, path: ctx.metricsPath, interval };
    return new PodMonitor(ctx.scope, 'PodMonitor', {
      metadata,
      spec: { selector: { matchLabels: { ...ctx.selectorLabels } }, podMetricsEndpoints: [endpoint] },
    });
  }
  if (ctx.mesh) {
    throw new MeshforgeError('ServiceMonitor cannot scrape a meshed service', {
      code: 'MONITOR_KIND',
      path: ctx.path,
      field: 'metrics.monitor',
      value: 'service',
      expected: `"pod": under STRICT mTLS only the sidecar's merged endpoint (:${ISTIO_MERGED_METRICS_PORT}) is scrapable, and it is not a Service port`,
    });
  }
  const port = declaredMetricsPort(ctx, m.port);
  return new ServiceMonitor(ctx.scope, 'ServiceMonitor', {
    metadata,
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': ctx.name } },
      endpoints: [{ port: port.name, path: ctx.metricsPath, interval }],
    },
  });
}

/** Prometheus Operator monitors only find declared ports: the metrics port must be one of ours. */
function declaredMetricsPort(ctx: ServiceContext, metricsPort: number): ServicePortInfo {
  const port = ctx.ports.find((x) => x.targetPort === metricsPort);
  if (!port) {
    throw new MeshforgeError('metrics port is not a declared port', {
      code: 'MONITOR_KIND',
      path: ctx.path,
      field: 'metrics.port',
      value: metricsPort,
      expected: `a targetPort of one of the ports (${ctx.ports.map((x) => x.targetPort).join(', ')}); Prometheus Operator drops targets on undeclared ports`,
    });
  }
  return port;
}

