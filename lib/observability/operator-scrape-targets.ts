import { Construct } from 'constructs';
import { PodMonitor, PodMonitorSpecPodMetricsEndpointsRelabelingsAction, ServiceMonitor } from '../../imports/monitoring.coreos.com';
import { PART_OF, selectorLabels } from './common';
import { checkDnsLabel } from './validators';

/** A Service of the stack to scrape through a ServiceMonitor. */
export interface ScrapedService {
  /** Value of `app.kubernetes.io/name` on the Service (and the ServiceMonitor name). */
  readonly name: string;
  readonly namespace: string;
  /** Service port name serving `/metrics`. */
  readonly port: string;
}

/** Pods of the stack scraped directly (no Service), by a named container port. */
export interface ScrapedPods {
  /** `app.kubernetes.io/name` of the pods (also the PodMonitor name). */
  readonly name: string;
  readonly namespace: string;
  /** Container port name. */
  readonly port: string;
  /** @default "/metrics" */
  readonly path?: string;
}

export interface OperatorScrapeTargetsProps {
  /** Namespace of the ServiceMonitors and PodMonitor. @default "monitoring" */
  readonly namespace?: string;
  /** Labels that the operator's `serviceMonitorSelector` / `podMonitorSelector` match. @default {} */
  readonly selectorLabels?: Record<string, string>;
  /** Emit a PodMonitor for Envoy sidecars (port `*-envoy-prom`, `/stats/prometheus`) in every namespace. @default true */
  readonly istioSidecars?: boolean;
}

/**
 * Prometheus Operator mode: ServiceMonitors for the stack's exporters and a
 * PodMonitor for Istio sidecars, instead of raw scrape jobs. The operator's
 * own Prometheus scrapes the Kubernetes API server and kubelets.
 *
 * @see https://prometheus-operator.dev/docs/developer/getting-started/
 */
export class OperatorScrapeTargets extends Construct {
  public readonly namespace: string;
  private readonly labels: Record<string, string>;

  constructor(scope: Construct, id: string, props: OperatorScrapeTargetsProps = {}) {
    super(scope, id);
    this.namespace = checkDnsLabel(this.node.path, 'namespace', props.namespace ?? 'monitoring');
    this.labels = { 'app.kubernetes.io/part-of': PART_OF, 'app.kubernetes.io/managed-by': 'meshforge', ...(props.selectorLabels ?? {}) };
    if (props.istioSidecars ?? true) {
      new PodMonitor(this, 'EnvoyStats', {
        metadata: { name: 'envoy-stats', namespace: this.namespace, labels: this.labels },
        spec: {
          namespaceSelector: { any: true },
          selector: { matchExpressions: [{ key: 'security.istio.io/tlsMode', operator: 'Exists' }] },
          jobLabel: 'envoy-stats',
          podMetricsEndpoints: [
            {
              path: '/stats/prometheus',
              interval: '30s',
              relabelings: [
                { action: PodMonitorSpecPodMetricsEndpointsRelabelingsAction.KEEP, sourceLabels: ['__meta_kubernetes_pod_container_port_name'], regex: '.*-envoy-prom' },
                { action: PodMonitorSpecPodMetricsEndpointsRelabelingsAction.LABELMAP, regex: '__meta_kubernetes_pod_label_(.+)' },
              ],
            },
          ],
        },
      });
    }
  }

  /** Adds a PodMonitor for pods of the stack that have no metrics Service (Fluent Bit, Fluentd). */
  public addPods(pods: ScrapedPods): this {
    new PodMonitor(this, `Pods-${pods.namespace}-${pods.name}`, {
      metadata: { name: pods.name, namespace: this.namespace, labels: this.labels },
      spec: {
        namespaceSelector: { matchNames: [pods.namespace] },
        selector: { matchLabels: selectorLabels(pods.name) },
        podMetricsEndpoints: [{ port: pods.port, path: pods.path ?? '/metrics', interval: '30s' }],
      },
    });
    return this;
  }

  /** Adds a ServiceMonitor for one Service of the stack. */
  public addService(service: ScrapedService): this {
    new ServiceMonitor(this, `${service.namespace}-${service.name}`, {
      metadata: { name: service.name, namespace: this.namespace, labels: this.labels },
      spec: {
        namespaceSelector: { matchNames: [service.namespace] },
        selector: { matchLabels: selectorLabels(service.name) },
        endpoints: [{ port: service.port, interval: '30s' }],
      },
    });
    return this;
  }
}
