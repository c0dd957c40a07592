import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { MeshforgeError } from '../validation/meshforge-error';
import { IMAGES, ResourceProps, configChecksum, SecretKeyRef, httpProbe, restrictedContainer, restrictedPod, selectorLabels, standardLabels, tcpProbe, toResources, podLabels, scrapeAnnotations, singleReplica } from './common';
import { KUBERNETES_EVENTS_TAG } from './kubernetes-event-collector';
import { checkDnsLabel, checkDuration, checkImage, checkUrl } from './validators';

export interface FluentdProps {
  /** @default "logging" */
  readonly namespace?: string;
  /** Image with fluent-plugin-elasticsearch for ES 8. @default IMAGES.fluentd (fluent/fluentd-kubernetes-daemonset:v1.17.1-debian-elasticsearch8-1.0) */
  readonly image?: string;
  /** @default "http://elasticsearch.logging.svc:9200" */
  readonly elasticsearchUrl?: string;
  /** Elasticsearch user: the writer that ElasticsearchSetup creates (create_doc/create_index on the log indices only). @default "meshforge-fluentd" */
  readonly elasticsearchUser?: string;
  /** Password of `elasticsearchUser`. @default { name: "elasticsearch-users", key: "fluentd-password" } */
  readonly elasticsearchPasswordSecret?: SecretKeyRef;
  /** Index prefix; indices are `<prefix>-YYYY.MM.DD`, `<prefix>-events-YYYY.MM.DD` and `deadletter-<prefix>-YYYY.MM.DD`. @default "logs" */
  readonly indexPrefix?: string;
  /** Flush interval of the file buffer. @default "5s" */
  readonly flushInterval?: string;
  /**
   * PVC size of the file buffers (logs survive Elasticsearch outages up to this
   * size). 80 % of it is shared out as `total_limit_size`: 75 % container logs,
   * 12.5 % Kubernetes events, 12.5 % dead letters.
   * @default "10Gi"
   */
  readonly bufferSize?: string;
  /** @default { cpuRequest: "100m", memoryRequest: "512Mi", cpuLimit: "1" } */
  readonly resources?: ResourceProps;
}

/**
 * Fluentd aggregator: `forward` input on 24224 → de-dot → Elasticsearch, with
 * bounded file buffers on a PVC.
 * - Dotted keys (`app.kubernetes.io/name` next to `app`) become `_`-separated
 *   at every depth (fluent-plugin-dedot_filter, shipped in the image), so no
 *   record is rejected for an object/text conflict on them.
 * - Records Elasticsearch still rejects (400: mapping conflicts between apps)
 *   go through the `@ERROR` label to `deadletter-<prefix>-*` indices, mapped
 *   `dynamic: false` so they are stored, never rejected again.
 * - Overflow policy: container logs and events retry forever and, when their
 *   buffer is full, block (`overflow_action block`): back-pressure travels to
 *   Fluent Bit, which holds up to its `storage.total_limit_size` per node and
 *   then discards its oldest chunks. Dead letters drop their oldest chunk instead,
 *   so they never hold up live logs.
 * - Writes with `create` (the writer role has `create_doc`, not `index`); the plugin
 *   sends `create` only for records with an `_id`, so `elasticsearch_genid` gives each
 *   record one before the first attempt (retries then cannot duplicate: 409 is skipped).
 *
 * @see https://github.com/uken/fluent-plugin-elasticsearch/blob/v5.3.0/README.md
 * @see https://docs.fluentd.org/configuration/buffer-section
 * @see https://docs.fluentd.org/deployment/logging (the @ERROR label)
 * @see https://github.com/lunardial/fluent-plugin-dedot_filter (1.0.0: `de_dot_nested`)
 * @see https://github.com/fluent/fluentd-kubernetes-daemonset/blob/master/docker-image/v1.17/debian-elasticsearch8/Gemfile.lock (plugins in the image)
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
    const secret = props.elasticsearchPasswordSecret ?? { name: 'elasticsearch-users', key: 'fluentd-password' };
    const user = props.elasticsearchUser ?? 'meshforge-fluentd';
    const labels = standardLabels('fluentd', 'logging', image);
    const meta = (name: string) => ({ name, namespace: this.namespace, labels });
    const prefix = props.indexPrefix ?? 'logs';
    const bufferMb = parseGi(path, props.bufferSize ?? '10Gi') * 1024 * 0.8;
    const output = (o: { prefix: string; buffer: string; limitMb: number; overflow: 'block' | 'drop_oldest_chunk'; retryForever: boolean }) => `  @type elasticsearch
  scheme ${es.protocol.replace(':', '')}
  host ${es.hostname}
  port ${es.port || (es.protocol === 'https:' ? '443' : '80')}
  user ${user}
  password "#{ENV['ELASTICSEARCH_PASSWORD']}"
  # no version probe at start (GET / before the user exists would fail the start)
  verify_es_version_at_startup false
  default_elasticsearch_version 8
  logstash_format true
  logstash_prefix ${o.prefix}
  include_tag_key true
  suppress_type_name true
  # op_type create (the writer role has create_doc, not index); the plugin sends create only with an _id
  write_operation create
  id_key _hash
  remove_keys _hash
  log_es_400_reason true
  # es_rejected_execution_exception (429, Elasticsearch busy) is retried (the plugin default would drop its whole chunk)
  unrecoverable_error_types ["out_of_memory_error"]
  reconnect_on_error true
  reload_on_failure true
  reload_connections false
  <buffer>
    @type file
    path /buffer/${o.buffer}
    flush_mode interval
    flush_interval ${flush}
    flush_thread_count 2
    chunk_limit_size 8MB
    total_limit_size ${Math.max(64, Math.floor(o.limitMb))}MB
    overflow_action ${o.overflow}
    retry_type exponential_backoff
    retry_wait 1s
    retry_max_interval 60s
${o.retryForever ? '    retry_forever true' : '    retry_timeout 1h'}
  </buffer>`;
    const GENID = `<filter **>
  @type elasticsearch_genid
  hash_id_key _hash
</filter>`;
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

# Keys with dots at any depth (labels such as app.kubernetes.io/name, merged JSON logs) get "_" instead.
<filter **>
  @type dedot
  de_dot true
  de_dot_separator _
  de_dot_nested true
</filter>

# An id per record, fixed before the first attempt: a retried bulk request cannot duplicate (409 on create is skipped).
${GENID}

<match ${KUBERNETES_EVENTS_TAG}>
${output({ prefix: `${prefix}-events`, buffer: 'events', limitMb: bufferMb * 0.125, overflow: 'block', retryForever: true })}
</match>

# buffer path kept from earlier versions: chunks on the PVC at upgrade time are still sent
<match **>
${output({ prefix, buffer: 'elasticsearch', limitMb: bufferMb * 0.75, overflow: 'block', retryForever: true })}
</match>

# Records Elasticsearch rejected (400) and records a filter failed on: kept in their own indices.
# (A failure in here is logged, not routed to @ERROR again: fluentd's RootAgentProxyWithoutErrorCollector.)
<label @ERROR>
  # create needs an _id here too (a fresh one for the dead-letter index)
${GENID.split('\n').map((l) => `  ${l}`).join('\n')}

  <match **>
${output({ prefix: `deadletter-${prefix}`, buffer: 'deadletter', limitMb: bufferMb * 0.125, overflow: 'drop_oldest_chunk', retryForever: false })
  .split('\n')
  .map((l) => `  ${l}`)
  .join('\n')}
  </match>
</label>
`;
    const sa = new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: meta('fluentd'), automountServiceAccountToken: false });
    const config = new k8s.KubeConfigMap(this, 'Config', { metadata: meta('fluentd-config'), data: { 'fluent.conf': conf } });
    new k8s.KubeService(this, 'Service', {
      metadata: meta(this.serviceName),
      // headless: it governs the StatefulSet (serviceName), which needs per-pod DNS; the port is the container's
      spec: { clusterIp: 'None', selector: selectorLabels('fluentd'), ports: [{ name: 'tcp-forward', port: this.port, targetPort: k8s.IntOrString.fromString('forward') }] },
    });
    new k8s.KubeStatefulSet(this, 'Resource', {
      metadata: { ...meta('fluentd'), annotations: singleReplica('one aggregator: its file buffer is on the pod\'s own volume; a restart resumes from it and Fluent Bit retries meanwhile (bounded buffers, docs/observability.md)') },
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
