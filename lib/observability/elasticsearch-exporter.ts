import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { IMAGES, ResourceProps, SecretKeyRef, httpProbe, podLabels, restrictedContainer, restrictedPod, selectorLabels, standardLabels, toResources, singleReplica } from './common';
import { checkDnsLabel, checkImage, checkUrl } from './validators';

export interface ElasticsearchExporterProps {
  /** @default "logging" */
  readonly namespace?: string;
  /** @default IMAGES.elasticsearchExporter (quay.io/prometheuscommunity/elasticsearch-exporter:v1.10.0) */
  readonly image?: string;
  /** Elasticsearch URL, without credentials. @default "http://elasticsearch.logging.svc:9200" */
  readonly elasticsearchUrl?: string;
  /**
   * User the exporter logs in as; it needs the `monitor` cluster privilege only
   * (elasticsearch_exporter README, "security privileges").
   * @default "elastic"
   */
  readonly username?: string;
  /** Password of `username`. @default { name: "elasticsearch-credentials", key: "elastic-password" } */
  readonly passwordSecret?: SecretKeyRef;
  /** @default { cpuRequest: "20m", memoryRequest: "64Mi", cpuLimit: "200m" } */
  readonly resources?: ResourceProps;
}

/**
 * prometheus-community/elasticsearch_exporter: cluster health, node disk and
 * JVM metrics on :9114 for the log-pipeline alerts. Scraped through its
 * Service's `prometheus.io/*` annotations (or a ServiceMonitor in operator mode).
 *
 * @see https://github.com/prometheus-community/elasticsearch_exporter
 */
export class ElasticsearchExporter extends Construct {
  public readonly namespace: string;
  public readonly serviceName = 'elasticsearch-exporter';
  public readonly port = 9114;
  /** Name of the Service port, for a ServiceMonitor. */
  public readonly portName = 'http-metrics';

  constructor(scope: Construct, id: string, props: ElasticsearchExporterProps = {}) {
    super(scope, id);
    const path = this.node.path;
    this.namespace = checkDnsLabel(path, 'namespace', props.namespace ?? 'logging');
    const image = checkImage(path, 'image', props.image ?? IMAGES.elasticsearchExporter);
    const esUrl = checkUrl(path, 'elasticsearchUrl', props.elasticsearchUrl ?? 'http://elasticsearch.logging.svc:9200');
    const secret = props.passwordSecret ?? { name: 'elasticsearch-credentials', key: 'elastic-password' };
    const labels = standardLabels(this.serviceName, 'logging', image);
    const meta = (name: string) => ({ name, namespace: this.namespace, labels });

    const sa = new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: meta(this.serviceName), automountServiceAccountToken: false });
    new k8s.KubeService(this, 'Service', {
      metadata: { ...meta(this.serviceName), annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(this.port) } },
      spec: { selector: selectorLabels(this.serviceName), ports: [{ name: this.portName, port: this.port, targetPort: k8s.IntOrString.fromString('metrics') }] },
    });
    new k8s.KubeDeployment(this, 'Resource', {
      metadata: { ...meta(this.serviceName), annotations: singleReplica('one exporter per Elasticsearch cluster: a second replica would duplicate every series') },
      spec: {
        replicas: 1,
        selector: { matchLabels: selectorLabels(this.serviceName) },
        template: {
          metadata: { labels: podLabels(labels) },
          spec: {
            serviceAccountName: sa.name,
            automountServiceAccountToken: false,
            securityContext: restrictedPod(65534),
            containers: [
              {
                name: 'exporter',
                image,
                args: [`--es.uri=${esUrl}`, '--es.timeout=10s', `--web.listen-address=:${this.port}`],
                // ES_USERNAME / ES_PASSWORD override credentials in the URI (exporter README).
                env: [
                  { name: 'ES_USERNAME', value: props.username ?? 'elastic' },
                  { name: 'ES_PASSWORD', valueFrom: { secretKeyRef: { name: secret.name, key: secret.key } } },
                ],
                ports: [{ name: 'metrics', containerPort: this.port }],
                resources: toResources(props.resources ?? { cpuRequest: '20m', memoryRequest: '64Mi', cpuLimit: '200m' }),
                securityContext: restrictedContainer(),
                readinessProbe: httpProbe('/healthz', 'metrics', 5, 10),
                livenessProbe: httpProbe('/healthz', 'metrics', 10, 20),
              },
            ],
          },
        },
      },
    });
  }
}
