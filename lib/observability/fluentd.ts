import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { MeshforgeError } from '../validation/meshforge-error';
import { IMAGES, ResourceProps, configChecksum, SecretKeyRef, httpProbe, restrictedContainer, restrictedPod, selectorLabels, standardLabels, tcpProbe, toResources, podLabels, scrapeAnnotations } from './common';
import { checkDnsLabel, checkDuration, checkImage, checkUrl } from './validators';

export interface FluentdProps {
  /** @default "logging" */
  readonly namespace?: string;
  /** Image with fluent-plugin-elasticsearch for ES 8. @default IMAGES.fluentd (fluent/fluentd-kubernetes-daemonset:v1.17.1-debian-elasticsearch8-1.0) */
  readonly image?: string;
  /** @default "http://elasticsearch.logging.svc:9200" */
  readonly elasticsearchUrl?: string;
  /** Elasticsearch user. A dedicated writer role is better than `elastic` in production. @default "elastic" */
  readonly elasticsearchUser?: string;
  /** Password of `elasticsearchUser`. @default { name: "elasticsearch-credentials", key: "elastic-password" } */
  readonly elasticsearchPasswordSecret?: SecretKeyRef;
  /** Index prefix; indices are `<prefix>-YYYY.MM.DD`. @default "logs" */
  readonly indexPrefix?: string;
  /** Flush interval of the file buffer. @default "5s" */
  readonly flushInterval?: string;
  /** PVC size of the file buffer (logs survive Elasticsearch outages up to this size). @default "10Gi" */
  readonly bufferSize?: string;
  /** @default { cpuRequest: "100m", memoryRequest: "512Mi", cpuLimit: "1" } */
  readonly resources?: ResourceProps;
}

/**
 * Fluentd aggregator: `forward` input on 24224 → Elasticsearch output with a
 * file buffer on a PVC, exponential-backoff retries that never drop data, and
 * back-pressure (`overflow_action block`) when the buffer is full.
 *
 * @see https://github.com/uken/fluent-plugin-elasticsearch#buffer-options
 */
export class Fluentd extends Construct {
  public readonly namespace: string;
  public readonly serviceName = 'fluentd';
  public readonly port = 24224;

  constructor(scope: Construct, id: string, props: FluentdProps = {}) {
    super(scope, id);
    const path = this.node.path;
    this.namespace = checkDnsLabel(path, 'namespace', props.namespace ?? 'logging');
    const image = checkImage(path, 'image', props.image ?? IMAGES.fluentd);
    const es = new URL(checkUrl(path, 'elasticsearchUrl', props.elasticsearchUrl ?? 'http://elasticsearch.logging.svc:9200'));
    const flush = checkDuration(path, 'flushInterval', props.flushInterval ?? '5s');
    const secret = props.elasticsearchPasswordSecret ?? { name: 'elasticsearch-credentials', key: 'elastic-password' };
    const labels = standardLabels('fluentd', 'logging', image);
    const meta = (name: string) => ({ name, namespace: this.namespace, labels });
    const conf = `<system>
  log_level info
</system>

<source>
  @type forward
  port ${this.port}
  bind 0.0.0.0
</source>

<source>
  @type monitor_agent
  port 24220
  bind 0.0.0.0
</source>

${PROMETHEUS_SOURCES}

<match **>
  @type elasticsearch
  scheme ${es.protocol.replace(':', '')}
  host ${es.hostname}
  port ${es.port || (es.protocol === 'https:' ? '443' : '80')}
  user ${props.elasticsearchUser ?? 'elastic'}
  password "#{ENV['ELASTICSEARCH_PASSWORD']}"
  logstash_format true
  logstash_prefix ${props.indexPrefix ?? 'logs'}
  include_tag_key true
  suppress_type_name true
  reconnect_on_error true
  reload_on_failure true
  reload_connections false
  <buffer>
    @type file
    path /buffer/elasticsearch
    flush_mode interval
    flush_interval ${flush}
    flush_thread_count 2
    chunk_limit_size 8MB
    total_limit_size ${Math.max(1, Math.floor(parseGi(path, props.bufferSize ?? '10Gi') * 0.8))}GB
    overflow_action block
    retry_type exponential_backoff
    retry_wait 1s
    retry_max_interval 60s
    retry_forever true
  </buffer>
</match>
`;
    const sa = new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: meta('fluentd'), automountServiceAccountToken: false });
    const config = new k8s.KubeConfigMap(this, 'Config', { metadata: meta('fluentd-config'), data: { 'fluent.conf': conf } });
    new k8s.KubeService(this, 'Service', {
      metadata: meta(this.serviceName),
      spec: { selector: selectorLabels('fluentd'), ports: [{ name: 'tcp-forward', port: this.port, targetPort: k8s.IntOrString.fromString('forward') }] },
    });
    new k8s.KubeStatefulSet(this, 'Resource', {
      metadata: meta('fluentd'),
      spec: {
        serviceName: this.serviceName,
        replicas: 1,
        selector: { matchLabels: selectorLabels('fluentd') },
        template: {
          metadata: { labels: podLabels(labels), annotations: { 'checksum/config': configChecksum({ 'fluent.conf': conf }), ...scrapeAnnotations(METRICS_PORT) } },
          spec: {
            serviceAccountName: sa.name,
            automountServiceAccountToken: false,
            securityContext: restrictedPod(1000),
            containers: [
              {
                name: 'fluentd',
                image,
                // The image's plugins are on its GEM_PATH (bundler injection disabled), so plain
                // `fluentd` loads them without writing anything; no root, read-only root filesystem.
                command: ['fluentd', '-c', '/fluentd/etc/fluent.conf', '-p', '/fluentd/plugins', '--no-supervisor'],
                env: [{ name: 'ELASTICSEARCH_PASSWORD', valueFrom: { secretKeyRef: { name: secret.name, key: secret.key } } }],
                ports: [
                  { name: 'forward', containerPort: this.port },
                  { name: 'monitor', containerPort: 24220 },
                  { name: 'metrics', containerPort: METRICS_PORT },
                ],
                resources: toResources(props.resources ?? { cpuRequest: '100m', memoryRequest: '512Mi', cpuLimit: '1' }),
                securityContext: restrictedContainer(),
                readinessProbe: httpProbe('/api/plugins.json', 'monitor', 10, 10),
                livenessProbe: tcpProbe('forward', 30, 20),
                volumeMounts: [
                  { name: 'config', mountPath: '/fluentd/etc', readOnly: true },
                  { name: 'buffer', mountPath: '/buffer' },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: config.name } },
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
            ],
          },
        },
        volumeClaimTemplates: [
          { metadata: { name: 'buffer' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: k8s.Quantity.fromString(props.bufferSize ?? '10Gi') } } } },
        ],
      },
    });
  }

  /** `host:port` of the forward input. */
  public get forwardTarget(): string {
    return `${this.serviceName}.${this.namespace}.svc:${this.port}`;
  }
}

const METRICS_PORT = 24231;

/**
 * Prometheus metrics of every output (retries, errors, buffer space) from
 * fluent-plugin-prometheus, which the pinned fluentd-kubernetes-daemonset image
 * ships (docker-image/v1.17/debian-elasticsearch8/Gemfile.lock: 2.1.0).
 */
const PROMETHEUS_SOURCES = `<source>
  @type prometheus
  bind 0.0.0.0
  port ${METRICS_PORT}
  metrics_path /metrics
</source>

<source>
  @type prometheus_output_monitor
  interval 10
</source>
`;

function parseGi(path: string, q: string): number {
  const m = /^([1-9]\d*)(Gi|Ti)$/.exec(q);
  if (!m) {
    throw new MeshforgeError('invalid buffer size', { code: 'INVALID_SIZE', path, field: 'bufferSize', value: q, expected: 'a whole number of Gi or Ti, e.g. "10Gi"' });
  }
  return Number(m[1]) * (m[2] === 'Ti' ? 1024 : 1);
}
