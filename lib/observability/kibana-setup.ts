import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { IMAGES, SecretKeyRef } from './common';
import { SHELL_PRELUDE, setupJob, shellQuote } from './setup-job';
import { checkDnsLabel, checkImage, checkUrl } from './validators';

/** A Kibana data view. */
export interface KibanaDataViewSpec {
  /** Saved-object id (stable, so re-runs overwrite instead of adding copies). */
  readonly id: string;
  /** Display name. */
  readonly name: string;
  /** Index pattern, e.g. `logs-*`. */
  readonly title: string;
  /** @default "@timestamp" */
  readonly timeFieldName?: string;
}

export interface KibanaSetupProps {
  /** @default "logging" */
  readonly namespace?: string;
  /** Image with curl and a POSIX shell. @default IMAGES.curl (docker.io/curlimages/curl:8.10.1) */
  readonly image?: string;
  /** @default "http://kibana.logging.svc:5601" */
  readonly kibanaUrl?: string;
  /** Password of the `elastic` superuser, which the Job logs in to Kibana as. @default { name: "elasticsearch-credentials", key: "elastic-password" } */
  readonly elasticPasswordSecret?: SecretKeyRef;
  /** Data views to create. @default - logs (`logs-*`), Kubernetes events (`logs-events-*`), dead letters (`deadletter-logs-*`) */
  readonly dataViews?: readonly KibanaDataViewSpec[];
}

/** The stack's data views for an index prefix. */
export function defaultDataViews(prefix = 'logs'): KibanaDataViewSpec[] {
  return [
    { id: `meshforge-${prefix}`, name: 'Logs', title: `${prefix}-*` },
    { id: `meshforge-${prefix}-events`, name: 'Kubernetes events', title: `${prefix}-events-*` },
    { id: `meshforge-deadletter-${prefix}`, name: 'Rejected log records (dead letters)', title: `deadletter-${prefix}-*` },
  ];
}

/**
 * Creates Kibana data views with an idempotent Job (`override: true`: an
 * existing view with the same title is replaced, never duplicated), so
 * Discover shows logs without anyone clicking. The Job waits for Kibana.
 *
 * @see https://www.elastic.co/guide/en/kibana/8.15/data-views-api-create.html
 */
export class KibanaSetup extends Construct {
  public readonly job: k8s.KubeJob;

  constructor(scope: Construct, id: string, props: KibanaSetupProps = {}) {
    super(scope, id);
    const path = this.node.path;
    const namespace = checkDnsLabel(path, 'namespace', props.namespace ?? 'logging');
    const image = checkImage(path, 'image', props.image ?? IMAGES.curl);
    const url = checkUrl(path, 'kibanaUrl', props.kibanaUrl ?? 'http://kibana.logging.svc:5601').replace(/\/+$/, '');
    const views = props.dataViews ?? defaultDataViews();
    const files: Record<string, string> = {};
    const calls: string[] = [];
    views.forEach((v, i) => {
      const file = `data-view-${i}.json`;
      files[file] = `${JSON.stringify({ data_view: { id: v.id, name: v.name, title: v.title, timeFieldName: v.timeFieldName ?? '@timestamp' }, override: true }, null, 2)}\n`;
      calls.push(`call POST "$KIBANA/api/data_views/data_view" /setup/${file}`);
    });
    files['setup.sh'] = `${SHELL_PRELUDE}
KIBANA=${shellQuote(url)}
wait_for "$KIBANA/api/status"
${calls.join('\n')}
rm -f /tmp/auth /tmp/response
echo "Kibana setup done"
`;
    const elastic = props.elasticPasswordSecret ?? { name: 'elasticsearch-credentials', key: 'elastic-password' };
    this.job = setupJob(this, {
      name: 'kibana-setup',
      namespace,
      image,
      files,
      env: [
        { name: 'AUTH_USER', value: 'elastic' },
        { name: 'AUTH_PASSWORD', valueFrom: { secretKeyRef: { name: elastic.name, key: elastic.key } } },
      ],
    });
  }
}
