import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { IMAGES, ResourceProps, SecretKeyRef, tcpProbe, restrictedContainer, restrictedPod, selectorLabels, standardLabels, toResources, podLabels, singleReplica } from './common';
import { checkDnsLabel, checkImage, checkUrl } from './validators';

export interface KibanaProps {
  /** @default "logging" */
  readonly namespace?: string;
  /** @default IMAGES.kibana (docker.elastic.co/kibana/kibana:8.15.1) */
  readonly image?: string;
  /** Elasticsearch URL. @default "http://elasticsearch.logging.svc:9200" */
  readonly elasticsearchUrl?: string;
  /**
   * Password of the built-in `kibana_system` user, which Kibana logs in as
   * (Kibana 8 refuses the `elastic` superuser). ElasticsearchSetup sets this
   * password through the security API; it lives in the `.security` index, so it
   * survives Elasticsearch restarts (a file-based service token in
   * `config/service_tokens` does not, unless that path is persisted).
   * @default { name: "elasticsearch-users", key: "kibana-system-password" }
   * @see https://www.elastic.co/guide/en/elasticsearch/reference/8.15/built-in-users.html
   */
  readonly kibanaSystemPasswordSecret?: SecretKeyRef;
  /** @default { cpuRequest: "200m", memoryRequest: "1Gi", cpuLimit: "1" } */
  readonly resources?: ResourceProps;
}

/**
 * Kibana 8: Deployment and Service on 5601, logging in to Elasticsearch as `kibana_system`.
 *
 * @see https://www.elastic.co/guide/en/kibana/8.15/docker.html
 */
export class Kibana extends Construct {
  public readonly namespace: string;
  public readonly serviceName = 'kibana';
  public readonly port = 5601;

  constructor(scope: Construct, id: string, props: KibanaProps = {}) {
    super(scope, id);
    const path = this.node.path;
    this.namespace = checkDnsLabel(path, 'namespace', props.namespace ?? 'logging');
    const image = checkImage(path, 'image', props.image ?? IMAGES.kibana);
    const esUrl = checkUrl(path, 'elasticsearchUrl', props.elasticsearchUrl ?? 'http://elasticsearch.logging.svc:9200');
    const password = props.kibanaSystemPasswordSecret ?? { name: 'elasticsearch-users', key: 'kibana-system-password' };
    const labels = standardLabels('kibana', 'logging', image);
    const meta = (name: string) => ({ name, namespace: this.namespace, labels });

    const sa = new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: meta('kibana'), automountServiceAccountToken: false });
    new k8s.KubeService(this, 'Service', {
      metadata: meta(this.serviceName),
      spec: { selector: selectorLabels('kibana'), ports: [{ name: 'http', port: this.port, targetPort: k8s.IntOrString.fromString('http') }] },
    });
    new k8s.KubeDeployment(this, 'Resource', {
      metadata: { ...meta('kibana'), annotations: singleReplica('Kibana is a console: a restart interrupts browsing, not log collection') },
      spec: {
        replicas: 1,
        selector: { matchLabels: selectorLabels('kibana') },
        template: {
          metadata: { labels: podLabels(labels) },
          spec: {
            serviceAccountName: sa.name,
            automountServiceAccountToken: false,
            securityContext: restrictedPod(1000),
            containers: [
              {
                name: 'kibana',
                image,
                env: [
                  { name: 'ELASTICSEARCH_HOSTS', value: JSON.stringify([esUrl]) },
                  // elasticsearch.username/password (www.elastic.co/guide/en/kibana/8.15/docker.html#environment-variable-config)
                  { name: 'ELASTICSEARCH_USERNAME', value: 'kibana_system' },
                  // Until ElasticsearchSetup has set this password, Kibana retries its login (401) and stays unready.
                  { name: 'ELASTICSEARCH_PASSWORD', valueFrom: { secretKeyRef: { name: password.name, key: password.key } } },
                  { name: 'SERVER_NAME', value: 'kibana' },
                  { name: 'TELEMETRY_OPTIN', value: 'false' },
                ],
                ports: [{ name: 'http', containerPort: this.port }],
                resources: toResources(props.resources ?? { cpuRequest: '200m', memoryRequest: '1Gi', cpuLimit: '1' }),
                securityContext: restrictedContainer(),
                // TCP: /api/status needs credentials once security is on.
                readinessProbe: tcpProbe('http', 30, 10),
                livenessProbe: tcpProbe('http', 120, 20),
                volumeMounts: [
                  { name: 'data', mountPath: '/usr/share/kibana/data' },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'data', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } },
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
            ],
          },
        },
      },
    });
  }

  /** In-cluster URL. */
  public get url(): string {
    return `http://${this.serviceName}.${this.namespace}.svc:${this.port}`;
  }
}
