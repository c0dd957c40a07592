import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { IMAGES, ResourceProps, configChecksum, SecretKeyRef, httpProbe, restrictedContainer, restrictedPod, selectorLabels, standardLabels, toResources, toYaml, podLabels, singleReplica } from './common';
import { checkDnsLabel, checkImage, checkRange, checkUrl } from './validators';

/** Options of `JaegerStorage.elasticsearch`. */
export interface JaegerElasticsearchOptions {
  /** Elasticsearch URL, e.g. `http://elasticsearch.logging.svc:9200`. */
  readonly url: string;
  /** User for basic auth. */
  readonly user: string;
  /** Secret key holding that user's password (passed as the env var `ES_PASSWORD`). */
  readonly passwordSecret: SecretKeyRef;
  /** Prefix of the span/service indices. @default "jaeger" */
  readonly indexPrefix?: string;
}

/** Where Jaeger keeps traces. */
export class JaegerStorage {
  /** In memory (lost on restart): the all-in-one default, fine for development. */
  public static memory(maxTraces = 100_000): JaegerStorage {
    return new JaegerStorage({ memory: { max_traces: maxTraces } });
  }
  /** Elasticsearch; the password comes from a Secret through an environment variable. */
  public static elasticsearch(options: JaegerElasticsearchOptions): JaegerStorage {
    return new JaegerStorage(
      {
        elasticsearch: {
          server_urls: [options.url],
          auth: { basic: { username: options.user, password: '${env:ES_PASSWORD}' } },
          indices: { index_prefix: options.indexPrefix ?? 'jaeger' },
        },
      },
      options.passwordSecret,
      options.url,
    );
  }
  private constructor(
    public readonly backend: Record<string, unknown>,
    public readonly passwordSecret?: SecretKeyRef,
    public readonly url?: string,
  ) {}
}

export interface JaegerProps {
  /** @default "tracing" */
  readonly namespace?: string;
  /** Jaeger v2 (the v1 all-in-one image reached end of life on 2025-12-31). @default IMAGES.jaeger (jaegertracing/jaeger:2.5.0) */
  readonly image?: string;
  /** @default JaegerStorage.memory(100000) */
  readonly storage?: JaegerStorage;
  /** @default { cpuRequest: "100m", memoryRequest: "512Mi", memoryLimit: "1Gi", cpuLimit: "1" } */
  readonly resources?: ResourceProps;
}

/**
 * Jaeger v2 in one process (collector + query), configured by one YAML file:
 * OTLP on 4317/4318, Zipkin on 9411, UI/API on 16686. Services
 * `jaeger-collector` (OTLP + Zipkin), `zipkin` (9411) and `jaeger-query` (UI).
 *
 * @see https://www.jaegertracing.io/docs/2.5/deployment/configuration/
 */
export class Jaeger extends Construct {
  public readonly namespace: string;
  public readonly collectorService = 'jaeger-collector';
  public readonly queryService = 'jaeger-query';
  /** Zipkin-compatible endpoint for clients (and Istio's `zipkin` provider) that expect a `zipkin` Service. */
  public readonly zipkinService = 'zipkin';
  public readonly otlpGrpcPort = 4317;
  public readonly queryPort = 16686;
  public readonly zipkinPort = 9411;
  /** Port of the collector's own Prometheus metrics (`service.telemetry.metrics`). */
  public static readonly METRICS_PORT = 8888;
  /** Port and path of the `healthcheckv2` status endpoint (the probes). */
  public static readonly HEALTH_PORT = 13133;
  public static readonly HEALTH_PATH = '/status';
  /** The generated Jaeger v2 configuration. */
  public readonly config: Record<string, unknown>;

  constructor(scope: Construct, id: string, props: JaegerProps = {}) {
    super(scope, id);
    const path = this.node.path;
    this.namespace = checkDnsLabel(path, 'namespace', props.namespace ?? 'tracing');
    const image = checkImage(path, 'image', props.image ?? IMAGES.jaeger);
    const storage = props.storage ?? JaegerStorage.memory();
    if (storage.url !== undefined) checkUrl(path, 'storage.url', storage.url);
    const maxTraces = (storage.backend.memory as { max_traces?: number } | undefined)?.max_traces;
    if (maxTraces !== undefined) checkRange(path, 'storage.maxTraces', maxTraces, 1, 10_000_000);
    this.config = {
      service: {
        extensions: ['jaeger_storage', 'jaeger_query', 'healthcheckv2'],
        pipelines: { traces: { receivers: ['otlp', 'zipkin'], processors: ['batch'], exporters: ['jaeger_storage_exporter'] } },
        // `metrics.address` is deprecated since Collector v0.111 (collector PR #11205), ignored
        // from v0.123 and rejected ("invalid keys: address") from v0.128; Jaeger's own configs
        // switched to a pull reader (jaeger PR #6679, Feb 2025) before 2.5.0 (Apr 2025).
        telemetry: { metrics: { level: 'basic', readers: [{ pull: { exporter: { prometheus: { host: '0.0.0.0', port: Jaeger.METRICS_PORT } } } }] } },
      },
      extensions: {
        healthcheckv2: { use_v2: true, http: { endpoint: `0.0.0.0:${Jaeger.HEALTH_PORT}`, status: { enabled: true, path: Jaeger.HEALTH_PATH } } },
        jaeger_query: { storage: { traces: 'main' }, http: { endpoint: '0.0.0.0:16686' } },
        jaeger_storage: { backends: { main: storage.backend } },
      },
      receivers: {
        otlp: { protocols: { grpc: { endpoint: '0.0.0.0:4317' }, http: { endpoint: '0.0.0.0:4318' } } },
        zipkin: { endpoint: '0.0.0.0:9411' },
      },
      processors: { batch: {} },
      exporters: { jaeger_storage_exporter: { trace_storage: 'main' } },
    };
    const configYaml = toYaml(this.config);
    const labels = standardLabels('jaeger', 'tracing', image);
    const meta = (name: string) => ({ name, namespace: this.namespace, labels });

    const sa = new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: meta('jaeger'), automountServiceAccountToken: false });
    const cm = new k8s.KubeConfigMap(this, 'Config', { metadata: meta('jaeger-config'), data: { 'config.yaml': configYaml } });
    new k8s.KubeService(this, 'CollectorService', {
      metadata: meta(this.collectorService),
      spec: {
        selector: selectorLabels('jaeger'),
        ports: [
          { name: 'grpc-otlp', port: 4317, targetPort: k8s.IntOrString.fromString('otlp-grpc') },
          { name: 'http-otlp', port: 4318, targetPort: k8s.IntOrString.fromString('otlp-http') },
          { name: 'http-zipkin', port: this.zipkinPort, targetPort: k8s.IntOrString.fromString('zipkin') },
        ],
      },
    });
    new k8s.KubeService(this, 'ZipkinService', {
      metadata: meta(this.zipkinService),
      spec: { selector: selectorLabels('jaeger'), ports: [{ name: 'http-zipkin', port: this.zipkinPort, targetPort: k8s.IntOrString.fromString('zipkin') }] },
    });
    new k8s.KubeService(this, 'QueryService', {
      metadata: { ...meta(this.queryService), annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(Jaeger.METRICS_PORT) } },
      spec: {
        selector: selectorLabels('jaeger'),
        ports: [
          { name: 'http-query', port: this.queryPort, targetPort: k8s.IntOrString.fromString('query') },
          { name: 'http-metrics', port: Jaeger.METRICS_PORT, targetPort: k8s.IntOrString.fromString('metrics') },
        ],
      },
    });
    new k8s.KubeDeployment(this, 'Resource', {
      metadata: { ...meta('jaeger'), annotations: singleReplica('one all-in-one Jaeger (collector and query in one process); with the in-memory storage a second replica would hold another part of the traces') },
      spec: {
        replicas: 1,
        // In-memory storage cannot be shared: never run two pods side by side.
        strategy: { type: 'Recreate' },
        selector: { matchLabels: selectorLabels('jaeger') },
        template: {
          metadata: { labels: podLabels(labels), annotations: { 'checksum/config': configChecksum({ 'config.yaml': configYaml }) } },
          spec: {
            serviceAccountName: sa.name,
            automountServiceAccountToken: false,
            securityContext: restrictedPod(10001),
            containers: [
              {
                name: 'jaeger',
                image,
                args: ['--config', '/etc/jaeger/config.yaml'],
                env: storage.passwordSecret ? [{ name: 'ES_PASSWORD', valueFrom: { secretKeyRef: { name: storage.passwordSecret.name, key: storage.passwordSecret.key } } }] : undefined,
                ports: [
                  { name: 'otlp-grpc', containerPort: 4317 },
                  { name: 'otlp-http', containerPort: 4318 },
                  { name: 'zipkin', containerPort: 9411 },
                  { name: 'query', containerPort: 16686 },
                  { name: 'metrics', containerPort: Jaeger.METRICS_PORT },
                  { name: 'health', containerPort: Jaeger.HEALTH_PORT },
                ],
                resources: toResources(props.resources ?? { cpuRequest: '100m', memoryRequest: '512Mi', memoryLimit: '1Gi', cpuLimit: '1' }),
                securityContext: restrictedContainer(),
                readinessProbe: httpProbe(Jaeger.HEALTH_PATH, 'health', 5, 10),
                livenessProbe: httpProbe(Jaeger.HEALTH_PATH, 'health', 15, 20),
                volumeMounts: [{ name: 'config', mountPath: '/etc/jaeger', readOnly: true }],
              },
            ],
            volumes: [{ name: 'config', configMap: { name: cm.name } }],
          },
        },
      },
    });
  }

  /** OTLP gRPC collector host (for Istio's `opentelemetry` extension provider). */
  public get collectorHost(): string {
    return `${this.collectorService}.${this.namespace}.svc.cluster.local`;
  }

  /** Zipkin host (for Istio's `zipkin` extension provider). */
  public get zipkinHost(): string {
    return `${this.zipkinService}.${this.namespace}.svc.cluster.local`;
  }

  /** Query/UI URL. */
  public get queryUrl(): string {
    return `http://${this.queryService}.${this.namespace}.svc:${this.queryPort}`;
  }
}
