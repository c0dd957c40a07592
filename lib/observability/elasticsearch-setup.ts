import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { MeshforgeError } from '../validation/meshforge-error';
import { IMAGES, SecretKeyRef } from './common';
import { SHELL_PRELUDE, setupJob, shellQuote } from './setup-job';
import { checkDnsLabel, checkImage, checkRange, checkUrl } from './validators';

/** A user the setup Job creates, with its password from a Secret. */
export interface ElasticsearchUserSpec {
  /** User name. */
  readonly username: string;
  /** Secret key (in the logging namespace) with the user's password. */
  readonly passwordSecret: SecretKeyRef;
}

export interface ElasticsearchSetupProps {
  /** @default "logging" */
  readonly namespace?: string;
  /** Image with curl and a POSIX shell. @default IMAGES.curl (docker.io/curlimages/curl:8.10.1) */
  readonly image?: string;
  /** @default "http://elasticsearch.logging.svc:9200" */
  readonly elasticsearchUrl?: string;
  /** Password of the `elastic` superuser (the Job's own login). @default { name: "elasticsearch-credentials", key: "elastic-password" } */
  readonly elasticPasswordSecret?: SecretKeyRef;
  /** Index prefix Fluentd writes (`<prefix>-YYYY.MM.DD`, `<prefix>-events-…`, `deadletter-<prefix>-…`). @default "logs" */
  readonly indexPrefix?: string;
  /** Days an index is kept (ILM delete phase, counted from index creation: one daily index). @default 14 */
  readonly retentionDays?: number;
  /** Data nodes of the cluster: replicas = min(1, nodes - 1), so one node stays green. @default 1 */
  readonly dataNodes?: number;
  /** Writer user (Fluentd): `create_doc` and `create_index` on the log indices, `monitor` on the cluster. @default { username: "meshforge-fluentd", passwordSecret: { name: "elasticsearch-users", key: "fluentd-password" } } */
  readonly writer?: ElasticsearchUserSpec;
  /**
   * Reader user (Grafana): `read` and `view_index_metadata` on the log indices, `monitor` on the cluster.
   * Its password is optional: without the key the Job skips this user.
   * @default { username: "meshforge-grafana", passwordSecret: { name: "elasticsearch-users", key: "grafana-password" } }
   */
  readonly reader?: ElasticsearchUserSpec;
  /** Password set on the built-in `kibana_system` user, which Kibana logs in as. @default { name: "elasticsearch-users", key: "kibana-system-password" } */
  readonly kibanaSystemPasswordSecret?: SecretKeyRef;
}

/** Names of the objects the setup Job manages in Elasticsearch. */
export const ES_SETUP_NAMES = {
  ilmPolicy: 'meshforge-logs',
  writerRole: 'meshforge-logs-writer',
  readerRole: 'meshforge-logs-reader',
} as const;

/**
 * Configures Elasticsearch for the log pipeline with an idempotent Job (every
 * call is a PUT/POST that creates or overwrites, so re-running changes nothing):
 * 1. an ILM policy deleting indices after `retentionDays`;
 * 2. index templates for logs, Kubernetes events and dead letters: replicas for
 *    the node count, the ILM policy, `kubernetes.labels`/`annotations` as
 *    `flattened` (label keys never become mapped fields: no mapping explosion,
 *    no object/text conflict), dead letters with `dynamic: false` (stored, never
 *    rejected again); priority 200 so they win over the built-in `logs-*-*`
 *    data-stream template (priority 100);
 * 3. the same settings on indices that existed before (created before the Job ran);
 * 4. least-privilege roles and users for Fluentd (writer) and Grafana (reader),
 *    and the `kibana_system` password.
 * Users come last: Fluentd cannot write (401, retried from its buffer) before
 * the templates exist, so no index is created without them.
 *
 * @see https://www.elastic.co/guide/en/elasticsearch/reference/8.15/index-lifecycle-management-api.html
 * @see https://www.elastic.co/guide/en/elasticsearch/reference/8.15/index-templates.html
 * @see https://www.elastic.co/guide/en/elasticsearch/reference/8.15/flattened.html
 * @see https://www.elastic.co/guide/en/elasticsearch/reference/8.15/security-privileges.html
 * @see https://www.elastic.co/guide/en/elasticsearch/reference/8.15/security-api-put-user.html
 */
export class ElasticsearchSetup extends Construct {
  public readonly namespace: string;
  public readonly indexPrefix: string;
  public readonly writer: ElasticsearchUserSpec;
  public readonly reader: ElasticsearchUserSpec;
  public readonly kibanaSystemPasswordSecret: SecretKeyRef;
  public readonly job: k8s.KubeJob;

  constructor(scope: Construct, id: string, props: ElasticsearchSetupProps = {}) {
    super(scope, id);
    const path = this.node.path;
    this.namespace = checkDnsLabel(path, 'namespace', props.namespace ?? 'logging');
    const image = checkImage(path, 'image', props.image ?? IMAGES.curl);
    const url = checkUrl(path, 'elasticsearchUrl', props.elasticsearchUrl ?? 'http://elasticsearch.logging.svc:9200').replace(/\/+$/, '');
    const prefix = checkDnsLabel(path, 'indexPrefix', props.indexPrefix ?? 'logs');
    const days = checkRange(path, 'retentionDays', props.retentionDays ?? 14, 1, 3650);
    if (!Number.isInteger(days)) {
      // ILM `min_age` takes whole time units ("1.5d" is refused)
      throw new MeshforgeError('retention must be whole days', { code: 'OUT_OF_RANGE', path, field: 'retentionDays', value: days, expected: 'a whole number of days from 1 to 3650' });
    }
    const nodes = checkRange(path, 'dataNodes', props.dataNodes ?? 1, 1, 1000);
    this.indexPrefix = prefix;
    this.writer = props.writer ?? { username: 'meshforge-fluentd', passwordSecret: { name: 'elasticsearch-users', key: 'fluentd-password' } };
    this.reader = props.reader ?? { username: 'meshforge-grafana', passwordSecret: { name: 'elasticsearch-users', key: 'grafana-password' } };
    this.kibanaSystemPasswordSecret = props.kibanaSystemPasswordSecret ?? { name: 'elasticsearch-users', key: 'kibana-system-password' };
    const elastic = props.elasticPasswordSecret ?? { name: 'elasticsearch-credentials', key: 'elastic-password' };

    const patterns = logIndexPatterns(prefix);
    const settings = { index: { number_of_replicas: String(Math.min(1, nodes - 1)), lifecycle: { name: ES_SETUP_NAMES.ilmPolicy } } };
    // Label/annotation keys (already de-dotted by Fluentd) stay values of one field each.
    const kubernetesMeta = { properties: { labels: { type: 'flattened' }, annotations: { type: 'flattened' } } };
    const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
    const files: Record<string, string> = {
      'ilm-policy.json': json({ policy: { _meta: { managed_by: 'meshforge' }, phases: { delete: { min_age: `${days}d`, actions: { delete: {} } } } } }),
      'template-logs.json': json({
        index_patterns: [`${prefix}-*`],
        priority: 200,
        _meta: { managed_by: 'meshforge' },
        template: { settings, mappings: { properties: { '@timestamp': { type: 'date' }, kubernetes: kubernetesMeta } } },
      }),
      // Kubernetes Event objects: their own labels/annotations flattened, managedFields (hundreds of `f:` keys) kept but not indexed.
      'template-events.json': json({
        index_patterns: [`${prefix}-events-*`],
        priority: 210,
        _meta: { managed_by: 'meshforge' },
        template: {
          settings,
          mappings: { properties: { '@timestamp': { type: 'date' }, metadata: { properties: { labels: { type: 'flattened' }, annotations: { type: 'flattened' }, managedFields: { type: 'object', enabled: false } } } } },
        },
      }),
      'template-deadletter.json': json({
        index_patterns: [`deadletter-${prefix}-*`],
        priority: 200,
        _meta: { managed_by: 'meshforge' },
        template: { settings, mappings: { dynamic: false, properties: { '@timestamp': { type: 'date' }, tag: { type: 'keyword' } } } },
      }),
      'existing-settings.json': json(settings),
      'role-writer.json': json({ cluster: ['monitor'], indices: [{ names: patterns, privileges: ['create_doc', 'create_index'] }], metadata: { managed_by: 'meshforge' } }),
      'role-reader.json': json({ cluster: ['monitor'], indices: [{ names: patterns, privileges: ['read', 'view_index_metadata'] }], metadata: { managed_by: 'meshforge' } }),
      'setup.sh': `${SHELL_PRELUDE}
ES=${shellQuote(url)}
wait_for "$ES/_cluster/health?wait_for_status=yellow&timeout=5s"
call PUT "$ES/_ilm/policy/${ES_SETUP_NAMES.ilmPolicy}" /setup/ilm-policy.json
call PUT "$ES/_index_template/meshforge-${prefix}" /setup/template-logs.json
call PUT "$ES/_index_template/meshforge-${prefix}-events" /setup/template-events.json
call PUT "$ES/_index_template/meshforge-deadletter-${prefix}" /setup/template-deadletter.json
# indices created before the templates (earlier versions, or a race): same replicas and retention
call PUT "$ES/${patterns.join(',')}/_settings?allow_no_indices=true&expand_wildcards=open" /setup/existing-settings.json
call PUT "$ES/_security/role/${ES_SETUP_NAMES.writerRole}" /setup/role-writer.json
call PUT "$ES/_security/role/${ES_SETUP_NAMES.readerRole}" /setup/role-reader.json
# users last: Fluentd gets 401 (and keeps its buffer) until the templates exist
printf '{"password":%s,"roles":["${ES_SETUP_NAMES.writerRole}"]}' "$(json_string "$WRITER_PASSWORD")" > /tmp/writer.json
call PUT "$ES/_security/user/${this.writer.username}" /tmp/writer.json
if [ -n "\${READER_PASSWORD:-}" ]; then
  printf '{"password":%s,"roles":["${ES_SETUP_NAMES.readerRole}"]}' "$(json_string "$READER_PASSWORD")" > /tmp/reader.json
  call PUT "$ES/_security/user/${this.reader.username}" /tmp/reader.json
else
  echo "no reader password (${this.reader.passwordSecret.name}/${this.reader.passwordSecret.key}): ${this.reader.username} not created"
fi
printf '{"password":%s}' "$(json_string "$KIBANA_SYSTEM_PASSWORD")" > /tmp/kibana.json
call POST "$ES/_security/user/kibana_system/_password" /tmp/kibana.json
rm -f /tmp/*.json /tmp/auth /tmp/response
echo "Elasticsearch setup done"
`,
    };
    const secretEnv = (name: string, ref: SecretKeyRef, optional = false): k8s.EnvVar => ({ name, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key, ...(optional ? { optional: true } : {}) } } });
    this.job = setupJob(this, {
      name: 'elasticsearch-setup',
      namespace: this.namespace,
      image,
      files,
      env: [
        { name: 'AUTH_USER', value: 'elastic' },
        secretEnv('AUTH_PASSWORD', elastic),
        secretEnv('WRITER_PASSWORD', this.writer.passwordSecret),
        secretEnv('READER_PASSWORD', this.reader.passwordSecret, true),
        secretEnv('KIBANA_SYSTEM_PASSWORD', this.kibanaSystemPasswordSecret),
      ],
    });
  }
}

/** Index patterns of the log pipeline: container logs and events (`<prefix>-*`) and dead letters. */
export function logIndexPatterns(prefix: string): string[] {
  return [`${prefix}-*`, `deadletter-${prefix}-*`];
}
