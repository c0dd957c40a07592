import { Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { MeshforgeError } from '../validation/meshforge-error';
import { requireDnsLabel } from '../validation/names';
import { IMAGES, ResourceProps, configChecksum, SecretKeyRef, httpProbe, restrictedContainer, restrictedPod, selectorLabels, standardLabels, toResources, toYaml, podLabels, singleReplica } from './common';
import { DATASOURCE_UIDS, GrafanaDashboard } from './dashboards';
import { checkDnsLabel, checkImage, checkUrl } from './validators';

const DASHBOARD_CONFIGMAP_PREFIX = 'grafana-dashboard-';

/** Admin credentials, both keys of one existing Secret. */
export interface GrafanaAdminSecret {
  /** Secret name. */
  readonly name: string;
  /** @default "admin-user" */
  readonly userKey?: string;
  /** @default "admin-password" */
  readonly passwordKey?: string;
}

export interface GrafanaProps {
  /** @default "monitoring" */
  readonly namespace?: string;
  /** @default IMAGES.grafana (docker.io/grafana/grafana:11.2.0) */
  readonly image?: string;
  /** Existing Secret with the admin user and password. @default { name: "grafana-admin" } */
  readonly adminSecret?: GrafanaAdminSecret;
  /** Allow anonymous read-only (Viewer) access. @default false */
  readonly anonymousAccess?: boolean;
  /** PVC size of /var/lib/grafana. @default "10Gi" */
  readonly storageSize?: string;
  /** @default { cpuRequest: "100m", memoryRequest: "256Mi", memoryLimit: "512Mi", cpuLimit: "1" } */
  readonly resources?: ResourceProps;
}

/** Options of `GrafanaDataSource.elasticsearch`. */
export interface GrafanaElasticsearchOptions {
  /** User for basic auth. */
  readonly user: string;
  /** Secret key holding that user's password. */
  readonly passwordSecret: SecretKeyRef;
  /** Index pattern. @default "logs-*" */
  readonly index?: string;
}

/** A provisioned data source. */
export class GrafanaDataSource {
  /** Prometheus at `url` (the default data source). */
  public static prometheus(url: string): GrafanaDataSource {
    return new GrafanaDataSource('Prometheus', { name: 'Prometheus', type: 'prometheus', uid: DATASOURCE_UIDS.prometheus, access: 'proxy', url, isDefault: true, jsonData: { timeInterval: '30s' } });
  }
  /**
   * Elasticsearch at `url`, basic auth as `user` with the password from a Secret
   * (injected as an environment variable, expanded by Grafana at provisioning).
   */
  public static elasticsearch(url: string, options: GrafanaElasticsearchOptions): GrafanaDataSource {
    return new GrafanaDataSource(
      'Elasticsearch',
      {
        name: 'Elasticsearch',
        type: 'elasticsearch',
        uid: DATASOURCE_UIDS.elasticsearch,
        access: 'proxy',
        url,
        basicAuth: true,
        basicAuthUser: options.user,
        jsonData: { index: options.index ?? 'logs-*', timeField: '@timestamp' },
        secureJsonData: { basicAuthPassword: '${ELASTICSEARCH_PASSWORD}' },
      },
      { env: 'ELASTICSEARCH_PASSWORD', secret: options.passwordSecret },
    );
  }
  /** Jaeger query at `url`. */
  public static jaeger(url: string): GrafanaDataSource {
    return new GrafanaDataSource('Jaeger', { name: 'Jaeger', type: 'jaeger', uid: DATASOURCE_UIDS.jaeger, access: 'proxy', url });
  }
  private constructor(
    public readonly name: string,
    public readonly definition: Record<string, unknown>,
    public readonly secretEnv?: { readonly env: string; readonly secret: SecretKeyRef },
  ) {}
}

const DASHBOARD_DIR = '/etc/grafana/dashboards';

/**
 * Grafana: StatefulSet with a PVC, provisioned data sources and dashboards
 * (one ConfigMap each), admin credentials from a Secret, anonymous access off.
 *
 * @see https://grafana.com/docs/grafana/latest/administration/provisioning/
 */
export class Grafana extends Construct {
  public readonly namespace: string;
  public readonly serviceName = 'grafana';
  public readonly port = 3000;
  private readonly dataSources: GrafanaDataSource[] = [];
  private readonly dashboards: { name: string; configMap: string; dashboard: GrafanaDashboard; json: string }[] = [];
  private readonly providersYaml: string;

  constructor(scope: Construct, id: string, props: GrafanaProps = {}) {
    super(scope, id);
    const path = this.node.path;
    this.namespace = checkDnsLabel(path, 'namespace', props.namespace ?? 'monitoring');
    const image = checkImage(path, 'image', props.image ?? IMAGES.grafana);
    const admin = { name: 'grafana-admin', userKey: 'admin-user', passwordKey: 'admin-password', ...props.adminSecret };
    const labels = standardLabels('grafana', 'dashboards', image);
    const meta = (name: string) => ({ name, namespace: this.namespace, labels });

    const sa = new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: meta('grafana'), automountServiceAccountToken: false });
    const datasources = new k8s.KubeConfigMap(this, 'DataSources', {
      metadata: meta('grafana-datasources'),
      data: Lazy.any({ produce: () => ({ 'datasources.yaml': this.dataSourcesYaml() }) }),
    });
    // Grafana reads data sources only at start (dashboards are polled, but only after a
    // kubelet sync). The pod-template checksum covers every provisioning file, so any
    // change rolls the pod and takes effect at once.
    this.providersYaml = toYaml({
      apiVersion: 1,
      providers: [{ name: 'meshforge', orgId: 1, folder: 'meshforge', type: 'file', disableDeletion: true, allowUiUpdates: false, options: { path: DASHBOARD_DIR } }],
    });
    const providers = new k8s.KubeConfigMap(this, 'DashboardProviders', {
      metadata: meta('grafana-dashboard-providers'),
      data: { 'dashboards.yaml': this.providersYaml },
    });
    new k8s.KubeService(this, 'Service', {
      metadata: { ...meta(this.serviceName), annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(this.port) } },
      // headless: it governs the StatefulSet (serviceName), which needs per-pod DNS; the port is the container's
      spec: { clusterIp: 'None', selector: selectorLabels('grafana'), ports: [{ name: 'http-web', port: this.port, targetPort: k8s.IntOrString.fromString('http') }] },
    });

    const env: k8s.EnvVar[] = [
      { name: 'GF_SECURITY_ADMIN_USER', valueFrom: { secretKeyRef: { name: admin.name, key: admin.userKey } } },
      { name: 'GF_SECURITY_ADMIN_PASSWORD__FILE', value: `/etc/grafana/secrets/${admin.passwordKey}` },
      { name: 'GF_AUTH_ANONYMOUS_ENABLED', value: String(props.anonymousAccess ?? false) },
      ...(props.anonymousAccess ? [{ name: 'GF_AUTH_ANONYMOUS_ORG_ROLE', value: 'Viewer' }] : []),
      { name: 'GF_USERS_ALLOW_SIGN_UP', value: 'false' },
      { name: 'GF_ANALYTICS_REPORTING_ENABLED', value: 'false' },
      { name: 'GF_ANALYTICS_CHECK_FOR_UPDATES', value: 'false' },
      { name: 'GF_LOG_MODE', value: 'console' },
      { name: 'GF_PATHS_DATA', value: '/var/lib/grafana' },
    ];

    new k8s.KubeStatefulSet(this, 'Resource', {
      metadata: { ...meta('grafana'), annotations: singleReplica('Grafana keeps its state in SQLite on its volume, which two replicas cannot share; dashboards and data sources are provisioned, so a restart loses nothing') },
      spec: {
        serviceName: this.serviceName,
        replicas: 1,
        selector: { matchLabels: selectorLabels('grafana') },
        template: {
          metadata: {
            labels: podLabels(labels),
            annotations: Lazy.any({
              produce: () => ({ 'checksum/provisioning': this.provisioningChecksum() }),
            }),
          },
          spec: {
            serviceAccountName: sa.name,
            automountServiceAccountToken: false,
            securityContext: restrictedPod(472),
            containers: [
              {
                name: 'grafana',
                image,
                env: Lazy.any({
                  produce: () => [
                    ...env,
                    // optional: a data source without its password fails its queries; Grafana itself still starts
                    ...this.dataSources.filter((d) => d.secretEnv).map((d) => ({ name: d.secretEnv!.env, valueFrom: { secretKeyRef: { name: d.secretEnv!.secret.name, key: d.secretEnv!.secret.key, optional: true } } })),
                  ],
                }),
                ports: [{ name: 'http', containerPort: this.port }],
                resources: toResources(props.resources ?? { cpuRequest: '100m', memoryRequest: '256Mi', memoryLimit: '512Mi', cpuLimit: '1' }),
                securityContext: restrictedContainer(),
                readinessProbe: httpProbe('/api/health', 'http', 10, 10),
                livenessProbe: httpProbe('/api/health', 'http', 60, 20),
                volumeMounts: [
                  { name: 'data', mountPath: '/var/lib/grafana' },
                  { name: 'tmp', mountPath: '/tmp' },
                  { name: 'admin', mountPath: '/etc/grafana/secrets', readOnly: true },
                  { name: 'datasources', mountPath: '/etc/grafana/provisioning/datasources', readOnly: true },
                  { name: 'dashboard-providers', mountPath: '/etc/grafana/provisioning/dashboards', readOnly: true },
                  { name: 'dashboards', mountPath: DASHBOARD_DIR, readOnly: true },
                ],
              },
            ],
            volumes: Lazy.any({
              produce: () => [
                { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
                { name: 'admin', secret: { secretName: admin.name, items: [{ key: admin.passwordKey, path: admin.passwordKey }], defaultMode: 0o440 } },
                { name: 'datasources', configMap: { name: datasources.name } },
                { name: 'dashboard-providers', configMap: { name: providers.name } },
                { name: 'dashboards', projected: { sources: this.dashboards.map((d) => ({ configMap: { name: d.configMap } })) } },
              ],
            }),
          },
        },
        volumeClaimTemplates: [
          { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: k8s.Quantity.fromString(props.storageSize ?? '10Gi') } } } },
        ],
      },
    });
  }

  /** Provisions a data source. Names are unique. */
  public addDataSource(ds: GrafanaDataSource): this {
    if (this.dataSources.some((d) => d.name === ds.name)) {
      throw new MeshforgeError('duplicate data source', { code: 'DUPLICATE_DATASOURCE', path: this.node.path, field: 'dataSources', value: ds.name, expected: 'each data source once' });
    }
    checkUrl(this.node.path, `dataSources[${ds.name}].url`, ds.definition.url as string);
    this.dataSources.push(ds);
    return this;
  }

  /** Adds a dashboard as its own ConfigMap `grafana-dashboard-<name>`. */
  public addDashboard(name: string, dashboard: GrafanaDashboard): this {
    // The name is the ConfigMap's suffix and the file's name, not a volume name (the dashboards are one
    // projected volume), so it may be as long as a ConfigMap name (a DNS subdomain, 253) allows: the RED
    // dashboard of a 63-character service in a 63-character namespace fits.
    requireDnsLabel(this.node.path, 'dashboards', name, 253 - DASHBOARD_CONFIGMAP_PREFIX.length);
    if (this.dashboards.some((d) => d.name === name || d.dashboard.uid === dashboard.uid)) {
      throw new MeshforgeError('duplicate dashboard', { code: 'DUPLICATE_DASHBOARD', path: this.node.path, field: 'dashboards', value: name, expected: 'a dashboard name and uid used once' });
    }
    const configMap = `${DASHBOARD_CONFIGMAP_PREFIX}${name}`;
    const json = JSON.stringify(dashboard, null, 2);
    new k8s.KubeConfigMap(this, `Dashboard-${name}`, {
      metadata: { name: configMap, namespace: this.namespace, labels: standardLabels('grafana', 'dashboards') },
      data: { [`${name}.json`]: json },
    });
    this.dashboards.push({ name, configMap, dashboard, json });
    return this;
  }

  /** Dashboards added so far. */
  public get dashboardList(): readonly GrafanaDashboard[] {
    return this.dashboards.map((d) => d.dashboard);
  }

  /** The pod-template checksum over every provisioning file (data sources, providers, dashboards). */
  public provisioningChecksum(): string {
    const files: Record<string, string> = {
      'datasources/datasources.yaml': this.dataSourcesYaml(),
      'dashboards/dashboards.yaml': this.providersYaml,
    };
    for (const d of this.dashboards) files[`dashboards/${d.configMap}/${d.name}.json`] = d.json;
    return configChecksum(files);
  }

  private dataSourcesYaml(): string {
    return toYaml({ apiVersion: 1, datasources: this.dataSources.map((d) => d.definition) });
  }
}
