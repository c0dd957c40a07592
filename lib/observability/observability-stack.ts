import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { MeshforgeError } from '../validation/meshforge-error';
import { AlertRules, AlertRulesProps } from './alert-rules';
import { Alertmanager, AlertmanagerProps } from './alertmanager';
import { podSecurityLabels } from '../validation/pod-security';
import { ImageName, PART_OF, SecretKeyRef, mirroredImage } from './common';
import { clusterOverviewDashboard, serviceRedDashboard } from './dashboards';
import { Elasticsearch, ElasticsearchProps } from './elasticsearch';
import { ElasticsearchExporter, ElasticsearchExporterProps } from './elasticsearch-exporter';
import { ElasticsearchSetup, ElasticsearchSetupProps } from './elasticsearch-setup';
import { FluentBit, FluentBitProps } from './fluent-bit';
import { Fluentd, FluentdProps } from './fluentd';
import { Grafana, GrafanaDataSource, GrafanaProps } from './grafana';
import { istioMeshDashboard, istioServiceDashboard, istioWorkloadDashboard } from './istio-dashboards';
import { IstioTracing, IstioTracingProps } from './istio-tracing';
import { Kiali, KialiProps } from './kiali';
import { MeshTelemetry, MeshTelemetryProps } from './mesh-telemetry';
import { Jaeger, JaegerProps } from './jaeger';
import { Kibana, KibanaProps } from './kibana';
import { KibanaSetup, KibanaSetupProps, defaultDataViews } from './kibana-setup';
import { KubernetesEventCollector, KubernetesEventCollectorProps } from './kubernetes-event-collector';
import { KubeStateMetrics, KubeStateMetricsProps } from './kube-state-metrics';
import { IMonitoredService, ServiceThresholds } from './monitored-service';
import { NodeExporter, NodeExporterProps } from './node-exporter';
import { OperatorScrapeTargets } from './operator-scrape-targets';
import { Prometheus, PrometheusProps } from './prometheus';
import { loggingGroup } from './stack-rules';
import { checkDnsLabel } from './validators';

/** Namespaces of the stack. */
export interface ObservabilityNamespaces {
  /** Prometheus, Alertmanager, Grafana, kube-state-metrics (PSA restricted). @default "monitoring" */
  readonly monitoring?: string;
  /** node-exporter and Fluent Bit, which need host access (PSA privileged). @default "monitoring-node" */
  readonly nodeAgents?: string;
  /** Fluentd, Elasticsearch, Kibana (PSA restricted, privileged with the ES sysctl init container). @default "logging" */
  readonly logging?: string;
  /** Jaeger (PSA restricted). @default "tracing" */
  readonly tracing?: string;
}

/** Logging components; each takes its own props. */
export interface LoggingOptions {
  /** Fluent Bit DaemonSet (namespace `nodeAgents`, forwards to the stack's Fluentd). @default {} (see FluentBitProps) */
  readonly fluentBit?: Omit<FluentBitProps, 'namespace' | 'forwardTo'>;
  /** Fluentd aggregator (writes to the stack's Elasticsearch as the setup's writer user). @default {} (see FluentdProps) */
  readonly fluentd?: Omit<FluentdProps, 'namespace' | 'elasticsearchUrl' | 'elasticsearchUser' | 'elasticsearchPasswordSecret'>;
  /** Single-node Elasticsearch. @default {} (see ElasticsearchProps) */
  readonly elasticsearch?: Omit<ElasticsearchProps, 'namespace'>;
  /** Retention, users and templates, set by a Job (see ElasticsearchSetup). @default {} (14 days, users meshforge-fluentd / meshforge-grafana) */
  readonly setup?: Pick<ElasticsearchSetupProps, 'image' | 'retentionDays' | 'writer' | 'reader' | 'kibanaSystemPasswordSecret'>;
  /** Kibana (pointed at the stack's Elasticsearch, logging in as `kibana_system`). @default {} (see KibanaProps) */
  readonly kibana?: Omit<KibanaProps, 'namespace' | 'elasticsearchUrl' | 'kibanaSystemPasswordSecret'>;
  /** Kibana data views, created by a Job. @default {} (logs, events, dead letters) */
  readonly kibanaSetup?: Pick<KibanaSetupProps, 'image' | 'dataViews'>;
  /** Kubernetes events into the log store; `false` to leave them out. @default {} (see KubernetesEventCollectorProps) */
  readonly events?: Pick<KubernetesEventCollectorProps, 'image' | 'resources'> | false;
  /**
   * Grafana's copy of the reader user's password, in the monitoring namespace
   * (Secrets are namespaced; same value as the reader's key in the logging namespace).
   * Optional: without it Grafana starts and only its Elasticsearch data source fails.
   * @default { name: "elasticsearch-grafana", key: "password" }
   */
  readonly grafanaPasswordSecret?: SecretKeyRef;
  /** elasticsearch-exporter for the log-pipeline alerts. @default {} (logs in as the setup's reader user, which has the `monitor` cluster privilege) */
  readonly elasticsearchExporter?: Omit<ElasticsearchExporterProps, 'namespace' | 'elasticsearchUrl'>;
}

/** Tracing components. */
export interface TracingOptions {
  /** Jaeger v2 (namespace `tracing`). @default {} (in-memory storage, see JaegerProps) */
  readonly jaeger?: Omit<JaegerProps, 'namespace'>;
  /** The Istio Telemetry resource; `false` to leave mesh tracing alone. @default {} (provider "jaeger", 1% sampling) */
  readonly istio?: Omit<IstioTracingProps, 'collectorHost' | 'collectorPort'> | false;
}

/** How scrape targets and rules reach Prometheus. */
export type ScrapeMode = 'configmap' | 'prometheus-operator';

export interface ObservabilityStackProps {
  /** @default - see ObservabilityNamespaces */
  readonly namespaces?: ObservabilityNamespaces;
  /**
   * Registry mirror for every default image (e.g. `registry.example.com`):
   * `quay.io/prometheus/prometheus:v2.53.2` becomes
   * `registry.example.com/prometheus/prometheus:v2.53.2`. A component's own
   * `image` prop still wins.
   * @default - the upstream registries
   */
  readonly imageRegistry?: string;
  /** Emit the Namespace objects with their Pod Security Admission labels. @default true */
  readonly createNamespaces?: boolean;
  /**
   * `configmap`: meshforge's own Prometheus with a generated config and rule files.
   * `prometheus-operator`: no Prometheus workload; ServiceMonitors, a PodMonitor
   * and PrometheusRules for an existing Prometheus Operator instead.
   * @default "configmap"
   */
  readonly scrapeMode?: ScrapeMode;
  /** Labels the operator's ServiceMonitor/PodMonitor/rule selectors match (operator mode). @default {} */
  readonly operatorSelectorLabels?: Record<string, string>;
  /** URL of the operator-managed Prometheus, for Grafana (operator mode). @default "http://prometheus-operated.<monitoring>.svc:9090" */
  readonly operatorPrometheusUrl?: string;
  /** Prometheus (configmap mode only; the stack adds its Alertmanager target). @default {} (see PrometheusProps) */
  readonly prometheus?: Omit<PrometheusProps, 'namespace' | 'alertmanagers'>;
  /** Alertmanager; give it at least one receiver, or synth fails. @default {} (see AlertmanagerProps) */
  readonly alertmanager?: Omit<AlertmanagerProps, 'namespace'>;
  /** Alert rules (delivery follows `scrapeMode`). @default {} (see AlertRulesProps) */
  readonly alertRules?: Omit<AlertRulesProps, 'namespace' | 'delivery' | 'ruleSelectorLabels'>;
  /** Grafana with the stack's data sources and dashboards. @default {} (see GrafanaProps) */
  readonly grafana?: Omit<GrafanaProps, 'namespace'>;
  /** node-exporter DaemonSet (namespace `nodeAgents`). @default {} (see NodeExporterProps) */
  readonly nodeExporter?: Omit<NodeExporterProps, 'namespace'>;
  /** kube-state-metrics. @default {} (see KubeStateMetricsProps) */
  readonly kubeStateMetrics?: Omit<KubeStateMetricsProps, 'namespace'>;
  /** Logging pipeline; `false` to leave it out. @default {} (Fluent Bit, events collector, Fluentd, Elasticsearch + setup Job, Kibana + data-view Job) */
  readonly logging?: LoggingOptions | false;
  /** Tracing; `false` to leave it out. @default {} (Jaeger in memory + Istio Telemetry) */
  readonly tracing?: TracingOptions | false;
  /**
   * The mesh-wide Istio Telemetry object: Envoy access logs (`accessLogging`)
   * and, when tracing is on, the tracing section. Written unless both are off.
   * @default {} (access logs with the built-in `envoy` provider, every request; see MeshTelemetryProps)
   */
  readonly meshTelemetry?: MeshTelemetryProps;
  /** Kiali, wired to the stack's Prometheus, Grafana and Jaeger; `false` to leave it out. @default {} (see KialiProps) */
  readonly kiali?: Omit<KialiProps, 'namespace' | 'prometheusUrl' | 'grafanaUrl' | 'jaegerUrl'> | false;
  /** Istio mesh, service and workload dashboards in Grafana. @default true */
  readonly istioDashboards?: boolean;
}

/**
 * The whole observability stack, kube-prometheus style: each component is its
 * own construct (exposed as a public field), the shared settings (namespaces,
 * scrape mode, service URLs) flow down from here, and `monitor()` adds a
 * service's golden-signal alerts and RED dashboard.
 */
export class ObservabilityStack extends Construct {
  public readonly namespaces: Required<ObservabilityNamespaces>;
  public readonly scrapeMode: ScrapeMode;
  /** Undefined in `prometheus-operator` mode. */
  public readonly prometheus?: Prometheus;
  /** Defined in `prometheus-operator` mode. */
  public readonly operatorTargets?: OperatorScrapeTargets;
  public readonly alertRules: AlertRules;
  public readonly alertmanager: Alertmanager;
  public readonly grafana: Grafana;
  public readonly nodeExporter: NodeExporter;
  public readonly kubeStateMetrics: KubeStateMetrics;
  public readonly fluentBit?: FluentBit;
  public readonly fluentd?: Fluentd;
  public readonly elasticsearch?: Elasticsearch;
  public readonly kibana?: Kibana;
  public readonly elasticsearchExporter?: ElasticsearchExporter;
  public readonly elasticsearchSetup?: ElasticsearchSetup;
  public readonly kibanaSetup?: KibanaSetup;
  public readonly eventCollector?: KubernetesEventCollector;
  public readonly jaeger?: Jaeger;
  public readonly istioTracing?: IstioTracing;
  /** The mesh-wide Telemetry (undefined when neither tracing nor access logging is on). */
  public readonly meshTelemetry?: MeshTelemetry;
  public readonly kiali?: Kiali;

  constructor(scope: Construct, id: string, props: ObservabilityStackProps = {}) {
    super(scope, id);
    const path = this.node.path;
    const ns = {
      monitoring: checkDnsLabel(path, 'namespaces.monitoring', props.namespaces?.monitoring ?? 'monitoring'),
      nodeAgents: checkDnsLabel(path, 'namespaces.nodeAgents', props.namespaces?.nodeAgents ?? 'monitoring-node'),
      logging: checkDnsLabel(path, 'namespaces.logging', props.namespaces?.logging ?? 'logging'),
      tracing: checkDnsLabel(path, 'namespaces.tracing', props.namespaces?.tracing ?? 'tracing'),
    };
    const restrictedNs = [ns.monitoring, ns.logging, ns.tracing];
    if (restrictedNs.includes(ns.nodeAgents)) {
      throw new MeshforgeError('node agents need their own namespace', {
        code: 'NAMESPACE_CONFLICT',
        path,
        field: 'namespaces.nodeAgents',
        value: ns.nodeAgents,
        expected: 'a namespace other than monitoring, logging and tracing: it is labelled PSA privileged for host access',
      });
    }
    this.namespaces = ns;
    this.scrapeMode = props.scrapeMode ?? 'configmap';
    const logging = props.logging === false ? undefined : (props.logging ?? {});
    const tracing = props.tracing === false ? undefined : (props.tracing ?? {});
    const esSysctl = logging?.elasticsearch?.sysctlInitContainer ?? false;
    const image = (name: ImageName, own?: string) => own ?? mirroredImage(name, props.imageRegistry);

    if (props.createNamespaces ?? true) {
      const namespace = (name: string, level: 'restricted' | 'privileged', why: string) =>
        new k8s.KubeNamespace(this, `Namespace-${name}`, {
          metadata: {
            name,
            labels: {
              'app.kubernetes.io/part-of': PART_OF,
              'app.kubernetes.io/managed-by': 'meshforge',
              ...podSecurityLabels({ enforce: level, warn: level, audit: level }),
              // The stack stays outside the mesh: Prometheus scrapes sidecars on plain-text 15020/15090.
              'istio-injection': 'disabled',
            },
            annotations: { 'meshforge.io/pod-security-reason': why },
          },
        });
      const seen = new Set<string>();
      const add = (name: string, level: 'restricted' | 'privileged', why: string) => {
        if (seen.has(name)) return;
        seen.add(name);
        namespace(name, level, why);
      };
      add(ns.monitoring, 'restricted', 'monitoring workloads run non-root without host access');
      add(ns.nodeAgents, 'privileged', 'node-exporter and Fluent Bit need host namespaces and hostPath volumes');
      if (logging) add(ns.logging, esSysctl ? 'privileged' : 'restricted', esSysctl ? 'Elasticsearch sysctl init container is privileged (sysctlInitContainer: true)' : 'Elasticsearch runs with node.store.allow_mmap=false, no privileged init container');
      if (tracing) add(ns.tracing, 'restricted', 'Jaeger runs non-root without host access');
    }

    this.nodeExporter = new NodeExporter(this, 'NodeExporter', { ...props.nodeExporter, namespace: ns.nodeAgents, image: image('nodeExporter', props.nodeExporter?.image) });
    this.kubeStateMetrics = new KubeStateMetrics(this, 'KubeStateMetrics', { ...props.kubeStateMetrics, namespace: ns.monitoring, image: image('kubeStateMetrics', props.kubeStateMetrics?.image) });
    this.alertRules = new AlertRules(this, 'AlertRules', {
      ...props.alertRules,
      namespace: ns.monitoring,
      delivery: this.scrapeMode === 'configmap' ? 'configmap' : 'prometheus-operator',
      ruleSelectorLabels: props.operatorSelectorLabels,
    });
    this.alertmanager = new Alertmanager(this, 'Alertmanager', {
      ...props.alertmanager,
      namespace: ns.monitoring,
      image: image('alertmanager', props.alertmanager?.image),
      wechatRobotAdapterImage: image('wechatRobotAdapter', props.alertmanager?.wechatRobotAdapterImage),
    });

    let prometheusUrl: string;
    if (this.scrapeMode === 'configmap') {
      this.prometheus = new Prometheus(this, 'Prometheus', {
        ...props.prometheus,
        namespace: ns.monitoring,
        image: image('prometheus', props.prometheus?.image),
        alertmanagers: [this.alertmanager.target],
      });
      this.prometheus.addRules(this.alertRules);
      prometheusUrl = this.prometheus.url;
    } else {
      this.operatorTargets = new OperatorScrapeTargets(this, 'OperatorTargets', { namespace: ns.monitoring, selectorLabels: props.operatorSelectorLabels });
      this.operatorTargets
        .addService({ name: 'node-exporter', namespace: ns.nodeAgents, port: 'http-metrics' })
        .addService({ name: 'kube-state-metrics', namespace: ns.monitoring, port: 'http-metrics' })
        .addService({ name: 'alertmanager', namespace: ns.monitoring, port: 'http-web' })
        .addService({ name: 'grafana', namespace: ns.monitoring, port: 'http-web' });
      prometheusUrl = props.operatorPrometheusUrl ?? `http://prometheus-operated.${ns.monitoring}.svc:9090`;
    }

    this.grafana = new Grafana(this, 'Grafana', { ...props.grafana, namespace: ns.monitoring, image: image('grafana', props.grafana?.image) });
    this.grafana.addDataSource(GrafanaDataSource.prometheus(prometheusUrl));
    this.grafana.addDashboard('cluster-overview', clusterOverviewDashboard());

    if (logging) {
      this.elasticsearch = new Elasticsearch(this, 'Elasticsearch', {
        ...logging.elasticsearch,
        namespace: ns.logging,
        image: image('elasticsearch', logging.elasticsearch?.image),
        sysctlImage: image('busybox', logging.elasticsearch?.sysctlImage),
      });
      const elastic: SecretKeyRef = this.elasticsearch.passwordSecret;
      const curl = (own?: string) => image('curl', own);
      this.elasticsearchSetup = new ElasticsearchSetup(this, 'ElasticsearchSetup', {
        ...logging.setup,
        namespace: ns.logging,
        image: curl(logging.setup?.image),
        elasticsearchUrl: this.elasticsearch.url,
        elasticPasswordSecret: elastic,
        indexPrefix: logging.fluentd?.indexPrefix,
        dataNodes: this.elasticsearch.nodes,
      });
      const setup = this.elasticsearchSetup;
      this.fluentd = new Fluentd(this, 'Fluentd', {
        ...logging.fluentd,
        namespace: ns.logging,
        image: image('fluentd', logging.fluentd?.image),
        elasticsearchUrl: this.elasticsearch.url,
        elasticsearchUser: setup.writer.username,
        elasticsearchPasswordSecret: setup.writer.passwordSecret,
      });
      this.fluentBit = new FluentBit(this, 'FluentBit', { ...logging.fluentBit, namespace: ns.nodeAgents, image: image('fluentBit', logging.fluentBit?.image), forwardTo: this.fluentd.forwardTarget });
      if (logging.events !== false) {
        this.eventCollector = new KubernetesEventCollector(this, 'KubernetesEvents', { ...logging.events, namespace: ns.logging, image: image('fluentBit', logging.events?.image), forwardTo: this.fluentd.forwardTarget });
      }
      this.kibana = new Kibana(this, 'Kibana', { ...logging.kibana, namespace: ns.logging, image: image('kibana', logging.kibana?.image), elasticsearchUrl: this.elasticsearch.url, kibanaSystemPasswordSecret: setup.kibanaSystemPasswordSecret });
      this.kibanaSetup = new KibanaSetup(this, 'KibanaSetup', {
        namespace: ns.logging,
        image: curl(logging.kibanaSetup?.image),
        kibanaUrl: this.kibana.url,
        elasticPasswordSecret: elastic,
        dataViews: logging.kibanaSetup?.dataViews ?? defaultDataViews(setup.indexPrefix),
      });
      // Grafana reads logs as the reader user; its password Secret lives in Grafana's namespace.
      this.grafana.addDataSource(
        GrafanaDataSource.elasticsearch(this.elasticsearch.url, {
          user: setup.reader.username,
          passwordSecret: logging.grafanaPasswordSecret ?? { name: 'elasticsearch-grafana', key: 'password' },
          index: `${setup.indexPrefix}-*`,
        }),
      );
      this.elasticsearchExporter = new ElasticsearchExporter(this, 'ElasticsearchExporter', {
        // The reader role carries the `monitor` cluster privilege, all the exporter needs.
        username: setup.reader.username,
        passwordSecret: setup.reader.passwordSecret,
        ...logging.elasticsearchExporter,
        namespace: ns.logging,
        image: image('elasticsearchExporter', logging.elasticsearchExporter?.image),
        elasticsearchUrl: this.elasticsearch.url,
      });
      this.operatorTargets
        ?.addService({ name: this.elasticsearchExporter.serviceName, namespace: ns.logging, port: this.elasticsearchExporter.portName })
        .addPods({ name: 'fluent-bit', namespace: ns.nodeAgents, port: 'http', path: '/api/v2/metrics/prometheus' })
        .addPods({ name: 'fluentd', namespace: ns.logging, port: 'metrics' });
      this.alertRules.addRuleGroups('logging', [loggingGroup()]);
    }
    if (tracing) {
      this.jaeger = new Jaeger(this, 'Jaeger', { ...tracing.jaeger, namespace: ns.tracing, image: image('jaeger', tracing.jaeger?.image) });
      this.grafana.addDataSource(GrafanaDataSource.jaeger(this.jaeger.queryUrl));
      if (tracing.istio !== false) {
        const zipkin = tracing.istio?.protocol === 'zipkin';
        this.istioTracing = new IstioTracing(this, 'IstioTracing', {
          ...tracing.istio,
          collectorHost: zipkin ? this.jaeger.zipkinHost : this.jaeger.collectorHost,
          collectorPort: zipkin ? this.jaeger.zipkinPort : this.jaeger.otlpGrpcPort,
          standalone: false, // its section goes into the mesh-wide Telemetry below
        });
      }
    }
    if (this.istioTracing || props.meshTelemetry?.accessLogging !== false) {
      this.meshTelemetry = new MeshTelemetry(this, 'MeshTelemetry', { rootNamespace: tracing?.istio ? tracing.istio.namespace : undefined, ...props.meshTelemetry });
      if (this.istioTracing) this.meshTelemetry.useTracing(this.istioTracing);
    }
    const istioDashboards = props.istioDashboards ?? true;
    if (istioDashboards) {
      this.grafana.addDashboard('istio-mesh', istioMeshDashboard()).addDashboard('istio-service', istioServiceDashboard()).addDashboard('istio-workload', istioWorkloadDashboard());
    }
    if (props.kiali !== false) {
      const service = istioServiceDashboard();
      const workload = istioWorkloadDashboard();
      this.kiali = new Kiali(this, 'Kiali', {
        ...props.kiali,
        namespace: ns.monitoring,
        image: image('kiali', props.kiali?.image),
        prometheusUrl,
        // Kiali links to Grafana only at an external URL, and reads Grafana's API to find the dashboards;
        // Grafana refuses anonymous calls unless anonymous access is on. Without both, the integration would
        // only log errors: leave it off.
        grafanaUrl: props.kiali?.grafanaExternalUrl && (props.kiali.grafanaTokenSecret || props.grafana?.anonymousAccess)
          ? `http://${this.grafana.serviceName}.${ns.monitoring}.svc:${this.grafana.port}`
          : undefined,
        grafanaDashboards: props.kiali?.grafanaDashboards ?? (istioDashboards ? [
          { name: service.title, variables: { namespace: 'var-namespace', service: 'var-service' } },
          { name: workload.title, variables: { namespace: 'var-namespace', workload: 'var-workload' } },
        ] : []),
        jaegerUrl: this.jaeger?.queryUrl,
        prometheusNamespace: this.scrapeMode === 'configmap' ? ns.monitoring : props.kiali?.prometheusNamespace,
      });
      this.operatorTargets?.addService({ name: 'kiali', namespace: ns.monitoring, port: 'http-metrics' });
    }
  }

  /**
   * Monitors a service (a MeshService or anything with `name` and `namespace`):
   * golden-signal alerts from Istio metrics and a RED dashboard.
   */
  public monitor(service: IMonitoredService, thresholds: ServiceThresholds = {}): this {
    this.alertRules.monitor(service, thresholds);
    const resolved = this.alertRules.thresholdsFor(service)!;
    this.grafana.addDashboard(`red-${service.namespace}-${service.name}`, serviceRedDashboard(service, resolved.rateWindow));
    return this;
  }
}
