import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { IMAGES, ResourceProps, SecretKeyRef, policyException, restrictedContainer, restrictedPod, selectorLabels, standardLabels, tcpProbe, toResources, podLabels, singleReplica } from './common';
import { checkDnsLabel, checkImage } from './validators';

export interface ElasticsearchProps {
  /** @default "logging" */
  readonly namespace?: string;
  /** @default IMAGES.elasticsearch (docker.elastic.co/elasticsearch/elasticsearch:8.15.1) */
  readonly image?: string;
  /** Password of the built-in `elastic` user (ES 8 security is on). @default { name: "elasticsearch-credentials", key: "elastic-password" } */
  readonly passwordSecret?: SecretKeyRef;
  /**
   * Raise `vm.max_map_count` with a privileged init container and let
   * Elasticsearch use mmap. Needs a `privileged` PSA namespace; the default
   * (`node.store.allow_mmap: false`) passes `restricted` and suits small clusters.
   * @default false
   */
  readonly sysctlInitContainer?: boolean;
  /** Image of the sysctl init container. @default IMAGES.busybox (docker.io/library/busybox:1.36.1) */
  readonly sysctlImage?: string;
  /** JVM heap (-Xms/-Xmx). @default "1g" */
  readonly heapSize?: string;
  /** @default "50Gi" */
  readonly storageSize?: string;
  /** @default { cpuRequest: "500m", memoryRequest: "2Gi", cpuLimit: "2" } */
  readonly resources?: ResourceProps;
}

/**
 * Single-node Elasticsearch 8 with security on: StatefulSet with a PVC and a
 * Service on 9200. HTTP TLS is off inside the cluster (put the namespace in
 * the mesh for mTLS); transport TLS is not needed with `discovery.type: single-node`.
 *
 * @see https://www.elastic.co/guide/en/elasticsearch/reference/8.15/docker.html
 */
export class Elasticsearch extends Construct {
  public readonly namespace: string;
  public readonly serviceName = 'elasticsearch';
  public readonly port = 9200;
  /** Nodes of the cluster (`discovery.type: single-node`): index replicas must be 0 to stay green. */
  public readonly nodes = 1;
  public readonly passwordSecret: SecretKeyRef;

  constructor(scope: Construct, id: string, props: ElasticsearchProps = {}) {
    super(scope, id);
    const path = this.node.path;
    this.namespace = checkDnsLabel(path, 'namespace', props.namespace ?? 'logging');
    const image = checkImage(path, 'image', props.image ?? IMAGES.elasticsearch);
    this.passwordSecret = props.passwordSecret ?? { name: 'elasticsearch-credentials', key: 'elastic-password' };
    const sysctl = props.sysctlInitContainer ?? false;
    const sysctlImage = checkImage(path, 'sysctlImage', props.sysctlImage ?? IMAGES.busybox);
    const heap = props.heapSize ?? '1g';
    const labels = standardLabels('elasticsearch', 'logging', image);
    const meta = (name: string) => ({ name, namespace: this.namespace, labels });

    const sa = new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: meta('elasticsearch'), automountServiceAccountToken: false });
    new k8s.KubeService(this, 'Service', {
      metadata: meta(this.serviceName),
      // headless: it governs the StatefulSet (serviceName), which needs per-pod DNS; the port is the container's
      spec: { clusterIp: 'None', selector: selectorLabels('elasticsearch'), ports: [{ name: 'http', port: this.port, targetPort: k8s.IntOrString.fromString('http') }] },
    });
    new k8s.KubeStatefulSet(this, 'Resource', {
      metadata: {
        ...meta('elasticsearch'),
        annotations: {
          // The image writes its keystore and TLS material under config/ at start.
          ...policyException('read-only-root-fs', 'Elasticsearch writes elasticsearch.keystore into /usr/share/elasticsearch/config on start'),
          ...singleReplica('a single-node Elasticsearch (discovery.type: single-node, index replicas 0); more nodes need cluster discovery this construct does not configure'),
          ...(sysctl
            ? {
                ...policyException('privileged', 'init container raises vm.max_map_count to 262144 (sysctlInitContainer: true)'),
                ...policyException('run-as-non-root', 'the sysctl init container runs as root'),
                ...policyException('privilege-escalation', 'the sysctl init container is privileged'),
                ...policyException('capabilities', 'the sysctl init container is privileged'),
              }
            : {}),
        },
      },
      spec: {
        serviceName: this.serviceName,
        replicas: 1,
        selector: { matchLabels: selectorLabels('elasticsearch') },
        template: {
          metadata: { labels: podLabels(labels) },
          spec: {
            serviceAccountName: sa.name,
            automountServiceAccountToken: false,
            securityContext: restrictedPod(1000),
            ...(sysctl
              ? {
                  initContainers: [
                    {
                      name: 'sysctl',
                      image: sysctlImage,
                      command: ['sysctl', '-w', 'vm.max_map_count=262144'],
                      resources: toResources({ cpuRequest: '10m', memoryRequest: '16Mi', cpuLimit: '100m' }),
                      securityContext: { privileged: true, runAsUser: 0, runAsNonRoot: false, seccompProfile: { type: 'RuntimeDefault' } },
                    },
                  ],
                }
              : {}),
            containers: [
              {
                name: 'elasticsearch',
                image,
                env: [
                  { name: 'discovery.type', value: 'single-node' },
                  { name: 'cluster.name', value: 'meshforge-logs' },
                  { name: 'node.store.allow_mmap', value: String(sysctl) },
                  { name: 'xpack.security.enabled', value: 'true' },
                  { name: 'xpack.security.http.ssl.enabled', value: 'false' },
                  { name: 'ES_JAVA_OPTS', value: `-Xms${heap} -Xmx${heap}` },
                  { name: 'ELASTIC_PASSWORD', valueFrom: { secretKeyRef: { name: this.passwordSecret.name, key: this.passwordSecret.key } } },
                ],
                ports: [
                  { name: 'http', containerPort: 9200 },
                  { name: 'transport', containerPort: 9300 },
                ],
                resources: toResources(props.resources ?? { cpuRequest: '500m', memoryRequest: '2Gi', cpuLimit: '2' }),
                securityContext: restrictedContainer(false),
                // TCP: the HTTP API needs credentials, which probes must not carry.
                readinessProbe: tcpProbe('http', 20, 10),
                livenessProbe: tcpProbe('http', 90, 20),
                volumeMounts: [{ name: 'data', mountPath: '/usr/share/elasticsearch/data' }],
              },
            ],
          },
        },
        volumeClaimTemplates: [
          { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: k8s.Quantity.fromString(props.storageSize ?? '50Gi') } } } },
        ],
      },
    });
  }

  /** In-cluster URL. */
  public get url(): string {
    return `http://${this.serviceName}.${this.namespace}.svc:${this.port}`;
  }
}
