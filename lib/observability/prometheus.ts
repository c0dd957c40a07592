import { Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { MeshforgeError } from '../validation/meshforge-error';
import { IRuleFileSource } from './alert-rules';
import { IMAGES, ResourceProps, configChecksum, httpProbe, restrictedContainer, restrictedPod, selectorLabels, standardLabels, toResources, toYaml, podLabels, bindClusterRole, singleReplica } from './common';
import { PrometheusConfigFile, ScrapeConfig, kubernetesJobs, validateKubernetesSdConfig } from './prometheus-config';
import { checkDnsLabel, checkDuration, checkImage, checkRetentionSize } from './validators';

/** A scrape job on fixed targets (e.g. something outside the cluster). */
export interface StaticScrapeJob {
  /** Job name (the `job` label). */
  readonly name: string;
  /** `host:port` targets. */
  readonly targets: readonly string[];
  /** @default "/metrics" */
  readonly metricsPath?: string;
  /** @default "http" */
  readonly scheme?: 'http' | 'https';
  /** @default - the global scrape interval */
  readonly interval?: string;
  /** Extra labels on every series of the job. @default {} */
  readonly labels?: Record<string, string>;
}

export interface PrometheusProps {
  /** @default "monitoring" */
  readonly namespace?: string;
  /** @default IMAGES.prometheus (quay.io/prometheus/prometheus:v2.53.2) */
  readonly image?: string;
  /** @default "30s" */
  readonly scrapeInterval?: string;
  /** @default "10s" */
  readonly scrapeTimeout?: string;
  /** @default "30s" */
  readonly evaluationInterval?: string;
  /** How long samples are kept (`--storage.tsdb.retention.time`). @default "15d" */
  readonly retentionTime?: string;
  /** Size cap of the TSDB (`--storage.tsdb.retention.size`), e.g. "40GB". @default - no size cap */
  readonly retentionSize?: string;
  /** PVC size of the TSDB volume. @default "50Gi" */
  readonly storageSize?: string;
  /** StorageClass of the PVC. @default - the cluster default */
  readonly storageClassName?: string;
  /** `global.external_labels`. @default {} */
  readonly externalLabels?: Record<string, string>;
  /** Scrape Envoy sidecars (`envoy-stats` job, port `*-envoy-prom`). @default true */
  readonly scrapeIstioSidecars?: boolean;
  /** Extra static jobs. @default [] */
  readonly staticJobs?: readonly StaticScrapeJob[];
  /** Alertmanager `host:port` targets. @default [] (no alerting block) */
  readonly alertmanagers?: readonly string[];
  /** @default { cpuRequest: "250m", memoryRequest: "2Gi", cpuLimit: "2" } */
  readonly resources?: ResourceProps;
}

const CONFIG_DIR = '/etc/prometheus';
export const RULES_DIR = '/etc/prometheus/rules';

/**
 * Prometheus without an operator: a config file generated from typed props
 * (Kubernetes discovery jobs, static jobs, rule files, Alertmanager), a
 * StatefulSet with a PVC, a Service, and read-only RBAC for discovery.
 *
 * @see https://prometheus.io/docs/prometheus/2.53/configuration/configuration/
 */
export class Prometheus extends Construct {
  public readonly namespace: string;
  /** Service name; in-cluster URL is `http://<serviceName>.<namespace>.svc:9090`. */
  public readonly serviceName = 'prometheus';
  public readonly port = 9090;
  public readonly image: string;
  private readonly staticJobs: StaticScrapeJob[] = [];
  private readonly ruleSources: IRuleFileSource[] = [];
  private readonly alertmanagerTargets: string[] = [];
  private readonly global: PrometheusConfigFile['global'];
  private readonly scrapeIstio: boolean;

  constructor(scope: Construct, id: string, props: PrometheusProps = {}) {
    super(scope, id);
    const path = this.node.path;
    this.namespace = checkDnsLabel(path, 'namespace', props.namespace ?? 'monitoring');
    this.image = checkImage(path, 'image', props.image ?? IMAGES.prometheus);
    this.global = {
      scrape_interval: checkDuration(path, 'scrapeInterval', props.scrapeInterval ?? '30s'),
      scrape_timeout: checkDuration(path, 'scrapeTimeout', props.scrapeTimeout ?? '10s'),
      evaluation_interval: checkDuration(path, 'evaluationInterval', props.evaluationInterval ?? '30s'),
      ...(props.externalLabels && Object.keys(props.externalLabels).length > 0 ? { external_labels: { ...props.externalLabels } } : {}),
    };
    if (durationMs(this.global.scrape_timeout) > durationMs(this.global.scrape_interval)) {
      throw new MeshforgeError('scrape timeout is longer than the scrape interval', {
        code: 'INVALID_DURATION',
        path,
        field: 'scrapeTimeout',
        value: this.global.scrape_timeout,
        expected: `at most scrapeInterval (${this.global.scrape_interval})`,
      });
    }
    const retentionTime = checkDuration(path, 'retentionTime', props.retentionTime ?? '15d');
    const retentionSize = props.retentionSize === undefined ? undefined : checkRetentionSize(path, 'retentionSize', props.retentionSize);
    this.scrapeIstio = props.scrapeIstioSidecars ?? true;
    for (const job of props.staticJobs ?? []) this.addStaticJob(job);
    for (const t of props.alertmanagers ?? []) this.addAlertmanager(t);

    const labels = standardLabels('prometheus', 'monitoring', this.image);
    const meta = (name: string) => ({ name, namespace: this.namespace, labels });

    const sa = new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: meta('prometheus'), automountServiceAccountToken: true });
    bindClusterRole(this, 'prometheus', { name: sa.name, namespace: this.namespace }, labels, [
        { apiGroups: [''], resources: ['nodes', 'nodes/metrics', 'services', 'endpoints', 'pods'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
        { nonResourceUrLs: ['/metrics'], verbs: ['get'] },
      ]);

    const config = new k8s.KubeConfigMap(this, 'Config', {
      metadata: meta('prometheus-config'),
      data: Lazy.any({ produce: () => ({ 'prometheus.yml': this.configYaml() }) }),
    });

    new k8s.KubeService(this, 'Service', {
      metadata: { ...meta(this.serviceName), annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(this.port) } },
      // headless: it governs the StatefulSet (serviceName), which needs per-pod DNS; the port is the container's
      spec: {
        clusterIp: 'None',
        selector: selectorLabels('prometheus'),
        ports: [{ name: 'http-web', port: this.port, targetPort: k8s.IntOrString.fromString('web') }],
      },
    });

    const args = [
      `--config.file=${CONFIG_DIR}/prometheus.yml`,
      '--storage.tsdb.path=/prometheus',
      `--storage.tsdb.retention.time=${retentionTime}`,
      ...(retentionSize ? [`--storage.tsdb.retention.size=${retentionSize}`] : []),
      '--web.console.libraries=/usr/share/prometheus/console_libraries',
      '--web.console.templates=/usr/share/prometheus/consoles',
    ];

    new k8s.KubeStatefulSet(this, 'Resource', {
      metadata: { ...meta('prometheus'), annotations: singleReplica('one Prometheus per cluster: replicas would scrape everything twice and need deduplication (Thanos, Mimir) this stack does not run; Watchdog and the dead-man\'s switch report its absence') },
      spec: {
        serviceName: this.serviceName,
        replicas: 1,
        selector: { matchLabels: selectorLabels('prometheus') },
        template: {
          metadata: {
            labels: podLabels(labels),
            annotations: Lazy.any({
              // Any change to prometheus.yml or to a rule file rolls the pod: there is no
              // reload sidecar and no --web.enable-lifecycle (an unauthenticated reload
              // endpoint), and prometheus.yml is mounted with subPath, which never refreshes.
              produce: () => ({ 'checksum/config': this.configChecksum() }),
            }),
          },
          spec: {
            serviceAccountName: sa.name,
            securityContext: restrictedPod(65534),
            terminationGracePeriodSeconds: 600,
            containers: [
              {
                name: 'prometheus',
                image: this.image,
                args,
                ports: [{ name: 'web', containerPort: this.port }],
                resources: toResources(props.resources ?? { cpuRequest: '250m', memoryRequest: '2Gi', cpuLimit: '2' }),
                securityContext: restrictedContainer(),
                readinessProbe: httpProbe('/-/ready', 'web', 10, 10),
                livenessProbe: httpProbe('/-/healthy', 'web', 30, 15),
                volumeMounts: Lazy.any({
                  produce: () => [
                    { name: 'config', mountPath: CONFIG_DIR + '/prometheus.yml', subPath: 'prometheus.yml', readOnly: true },
                    ...this.ruleSources.map((s) => ({ name: `rules-${s.configMapName}`, mountPath: `${RULES_DIR}/${s.configMapName}`, readOnly: true })),
                    { name: 'data', mountPath: '/prometheus' },
                  ],
                }),
              },
            ],
            volumes: Lazy.any({
              produce: () => [
                { name: 'config', configMap: { name: config.name } },
                ...this.ruleSources.map((s) => ({ name: `rules-${s.configMapName}`, configMap: { name: s.configMapName } })),
              ],
            }),
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            spec: {
              accessModes: ['ReadWriteOnce'],
              ...(props.storageClassName ? { storageClassName: props.storageClassName } : {}),
              resources: { requests: { storage: k8s.Quantity.fromString(props.storageSize ?? '50Gi') } },
            },
          },
        ],
      },
    });
  }

  /** In-cluster URL of the Prometheus API. */
  public get url(): string {
    return `http://${this.serviceName}.${this.namespace}.svc:${this.port}`;
  }

  /** Adds a static scrape job. */
  public addStaticJob(job: StaticScrapeJob): this {
    const path = this.node.path;
    const field = `staticJobs[${job.name}]`;
    if (!/^[a-zA-Z_][a-zA-Z0-9_-]*$/.test(job.name)) {
      throw new MeshforgeError('invalid job name', { code: 'INVALID_JOB', path, field: `${field}.name`, value: job.name, expected: 'letters, digits, "_" and "-", not starting with a digit' });
    }
    if ([...this.jobNames(), ...this.staticJobs.map((j) => j.name)].includes(job.name)) {
      throw new MeshforgeError('duplicate scrape job name', { code: 'DUPLICATE_JOB', path, field: `${field}.name`, value: job.name, expected: 'a job name not used by another job' });
    }
    if (job.targets.length === 0 || job.targets.some((t) => !/^[A-Za-z0-9.-]+:\d{1,5}$/.test(t))) {
      throw new MeshforgeError('invalid scrape targets', { code: 'INVALID_JOB', path, field: `${field}.targets`, value: job.targets, expected: 'at least one "host:port" target' });
    }
    if (job.interval !== undefined) checkDuration(path, `${field}.interval`, job.interval);
    this.staticJobs.push(job);
    return this;
  }

  /** Sends alerts to an Alertmanager at `host:port`. */
  public addAlertmanager(target: string): this {
    if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(target)) {
      throw new MeshforgeError('invalid Alertmanager target', { code: 'INVALID_TARGET', path: this.node.path, field: 'alertmanagers', value: target, expected: 'a "host:port" such as "alertmanager.monitoring.svc:9093"' });
    }
    this.alertmanagerTargets.push(target);
    return this;
  }

  /** Mounts the rule files of `source` and lists them in `rule_files`. */
  public addRules(source: IRuleFileSource): this {
    this.ruleSources.push(source);
    return this;
  }

  /** The generated `prometheus.yml` as an object. Validates every Kubernetes SD block. */
  public config(): PrometheusConfigFile {
    const scrape: ScrapeConfig[] = [
      ...kubernetesJobs(this.scrapeIstio),
      ...this.staticJobs.map((j) => ({
        job_name: j.name,
        ...(j.interval ? { scrape_interval: j.interval } : {}),
        ...(j.metricsPath ? { metrics_path: j.metricsPath } : {}),
        ...(j.scheme ? { scheme: j.scheme } : {}),
        static_configs: [{ targets: [...j.targets], ...(j.labels ? { labels: { ...j.labels } } : {}) }],
      })),
    ];
    scrape.forEach((job, i) => job.kubernetes_sd_configs?.forEach((sd, k) => validateKubernetesSdConfig(this.node.path, `scrape_configs[${i}].kubernetes_sd_configs[${k}]`, sd)));
    const ruleFiles = this.ruleSources.flatMap((s) => s.ruleFileNames().map((f) => `${RULES_DIR}/${s.configMapName}/${f}`));
    return {
      global: this.global,
      ...(this.alertmanagerTargets.length > 0 ? { alerting: { alertmanagers: [{ static_configs: [{ targets: [...this.alertmanagerTargets] }] }] } } : {}),
      ...(ruleFiles.length > 0 ? { rule_files: ruleFiles } : {}),
      scrape_configs: scrape,
    };
  }

  /** The generated `prometheus.yml` text, exactly as written into the ConfigMap. */
  public configYaml(): string {
    return toYaml(this.config());
  }

  /**
   * The pod-template checksum: prometheus.yml and the hash of every rule source
   * (so a new threshold or a newly monitored service rolls the StatefulSet).
   */
  public configChecksum(): string {
    const files: Record<string, string> = { 'prometheus.yml': this.configYaml() };
    for (const s of this.ruleSources) files[`rules/${s.configMapName}`] = s.ruleFilesHash();
    return configChecksum(files);
  }

  private jobNames(): string[] {
    return kubernetesJobs(this.scrapeIstio).map((j) => j.job_name);
  }
}

/** Milliseconds of a (validated) Prometheus duration. */
export function durationMs(d: string): number {
  const units: Record<string, number> = { y: 31_536_000_000, w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let total = 0;
  for (const [, n, u] of d.matchAll(/(\d+)(ms|[ywdhms])/g)) total += Number(n) * units[u];
  return total;
}
