import { configChecksum } from '../common/config-checksum';
import { ApiObject, Duration, JsonPatch, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  DestinationRule,
  DestinationRuleSpecTrafficPolicyTlsMode,
  VirtualService,
  VirtualServiceSpecHttp,
} from '../../imports/networking.istio.io';
import { PodMonitor, PodMonitorSpecPodMetricsEndpointsRelabelingsAction, ServiceMonitor } from '../../imports/monitoring.coreos.com';
import { MeshforgeError } from '../validation/meshforge-error';
import { CONFIG_MAP_KEY, requireDnsLabel } from '../validation/names';
import { ConfigFile } from './config-file';
import {
  APP_LABEL,
  CONFIG_HASH_ANNOTATION,
  INJECT_LABEL,
  ISTIO_ENVOY_PROM_PORT_NAME,
  ISTIO_MERGED_METRICS_PATH,
  ISTIO_MERGED_METRICS_PORT,
  MANAGED_BY,
  VERSION_LABEL,
  hostCovers,
  isValidHost,
  requireIntInRange,
  requireIstioDuration,
  requirePort,
  requireServiceName,
  requireWholeSeconds,
  sortedEntries,
} from './conventions';
import { PlainJson, PlainResource, canStandIn, installFastJson, plainManifest, reorderChildren } from './fast-render';
import { HealthCheck } from './health-check';
import { HttpRouteMatch, HttpRouteOptions, RetryPolicy, WeightedVersion, checkRetries, checkRoute, routeToIstio } from './http-route';
import { MeshGateway } from './mesh-gateway';
import { MeshNamespace } from './mesh-namespace';
import {
  ConnectionPoolOptions,
  LoadBalancer,
  OutlierDetectionOptions,
  checkConnectionPool,
  checkOutlierDetection,
  connectionPoolToIstio,
  outlierDetectionToIstio,
} from './traffic-policy';

/**
 * Application protocol of a port, as Istio's protocol selection names it. It
 * becomes the Service port's `appProtocol` and the prefix of its name.
 *
 * @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
 */
export type AppProtocol = 'http' | 'http2' | 'grpc' | 'tcp' | 'tls';

/** Pod volumes and app-container mounts that come with a sidecar (`MeshService.addSidecar`). */
export interface SidecarOptions {
  /** Volumes added to every version's pod (e.g. a shared emptyDir, the sidecar's ConfigMap). @default - none */
  readonly volumes?: readonly k8s.Volume[];
  /** Mounts added to the application container; each names one of `volumes`. @default - none */
  readonly appVolumeMounts?: readonly k8s.VolumeMount[];
  /**
   * Pod-template annotations the sidecar needs (e.g. a checksum of its config,
   * so a config change rolls the pods). @default - none
   */
  readonly podAnnotations?: Readonly<Record<string, string>>;
}

/** A port of the service (Service port and container port). */
export interface MeshServicePort {
  /** Port of the Kubernetes Service. */
  readonly port: number;
  /** Port the container listens on. @default - same as `port` */
  readonly targetPort?: number;
  /** @default "http" */
  readonly protocol?: AppProtocol;
  /**
   * Port name; must be `<protocol>` or `<protocol>-<suffix>` (Istio's naming rule).
   * @default - `<protocol>` for the first port of a protocol, `<protocol>-<port>` after that
   */
  readonly name?: string;
}

/** One version of the service: its own Deployment and DestinationRule subset. */
export interface MeshServiceVersion {
  /** Version name; becomes the `version` label and the subset name (e.g. "v2"). */
  readonly name: string;
  /** @default - the service's `image` */
  readonly image?: string;
  /** @default - the service's `replicas` */
  readonly replicas?: number;
  /** Extra environment variables of this version only. @default - none */
  readonly env?: Readonly<Record<string, string>>;
}

/** A key of an existing Secret, referenced (never copied) into an environment variable. */
export interface SecretKeyRef {
  /** Name of the Secret in the service's namespace. */
  readonly secret: string;
  /** Key in the Secret. */
  readonly key: string;
}

/** CPU and memory of the application container. Kubernetes quantities, e.g. "250m", "256Mi". */
export interface ResourceOptions {
  /** @default "100m" */
  readonly cpuRequest?: string;
  /** @default "500m" */
  readonly cpuLimit?: string;
  /** @default "128Mi" */
  readonly memoryRequest?: string;
  /** @default "256Mi" (memory limit = request is common; set it so) */
  readonly memoryLimit?: string;
}

/** Horizontal Pod Autoscaler (autoscaling/v2), one per version. */
export interface AutoscalingOptions {
  /** @default 2 */
  readonly minReplicas?: number;
  /** Upper bound of replicas per version. */
  readonly maxReplicas: number;
  /** Target average CPU utilisation in percent of the request. @default 70 */
  readonly cpuUtilization?: number;
  /** Target average memory utilisation in percent of the request. @default - not a target */
  readonly memoryUtilization?: number;
}

/** PodDisruptionBudget, one per version. Give exactly one of the two. */
export interface DisruptionBudgetOptions {
  /** Pods (number or "50%") that must stay up. @default - not set */
  readonly minAvailable?: number | string;
  /** Pods (number or "25%") that may be down. @default 1 when minAvailable is not set */
  readonly maxUnavailable?: number | string;
}

/** Where Prometheus scrapes the application's own metrics. */
export interface MetricsOptions {
  /** Container port serving metrics. */
  readonly port: number;
  /** @default "/metrics" */
  readonly path?: string;
  /**
   * Also emit a Prometheus Operator monitor. In mesh mode only `pod` is
   * possible: under STRICT mTLS only the sidecar's merged endpoint (15020) is
   * scrapable from outside the mesh, and it is not a Service port.
   * @default - none (annotations only)
   */
  readonly monitor?: 'pod' | 'service';
  /** Scrape interval of the monitor. @default "30s" */
  readonly interval?: string;
}

/** GatewayExposure of the service through a MeshGateway. */
export interface GatewayExposureOptions {
  /**
   * Hosts clients use; each must be covered by the gateway's hosts.
   * @default - the gateway's hosts (which must then have no wildcard)
   */
  readonly hosts?: readonly string[];
}

/** One A/B test variant: requests matching `match` go to `version`. */
export interface AbVariant {
  /** Requests matching this (or any of these) go to `version`. */
  readonly match: HttpRouteMatch | readonly HttpRouteMatch[];
  /** A declared version. */
  readonly version: string;
}

/** Properties of a MeshService. */
export interface MeshServiceProps {
  /** Namespace (a MeshNamespace, or the name of one managed elsewhere). */
  readonly namespace: MeshNamespace | string;
  /** Service name: Kubernetes Service name, `app` label, ServiceAccount name. @default - the construct id */
  readonly name?: string;
  /** Container image with an explicit tag or digest, e.g. "ghcr.io/acme/cart:1.4.2". */
  readonly image: string;
  /** Allow an image without a tag or with `:latest`. @default false */
  readonly allowLatestTag?: boolean;
  /** Versions, each with its own Deployment and subset. @default [{ name: 'v1' }] */
  readonly versions?: readonly (string | MeshServiceVersion)[];
  /** @default [{ port: 8080, protocol: 'http' }] */
  readonly ports?: readonly MeshServicePort[];
  /** @default kplus.ServiceType.CLUSTER_IP */
  readonly serviceType?: kplus.ServiceType;
  /** @default - the image's entrypoint */
  readonly command?: readonly string[];
  /** @default - the image's cmd */
  readonly args?: readonly string[];
  /** Plain environment variables. Secret-looking names are refused; use `secretEnv`. @default - none */
  readonly env?: Readonly<Record<string, string>>;
  /** Environment variables from keys of existing Secrets. @default - none */
  readonly secretEnv?: Readonly<Record<string, SecretKeyRef>>;
  /** Existing ConfigMaps whose keys all become environment variables. @default - none */
  readonly envFromConfigMaps?: readonly string[];
  /** Existing Secrets whose keys all become environment variables. @default - none */
  readonly envFromSecrets?: readonly string[];
  /** @default - see ResourceOptions */
  readonly resources?: ResourceOptions;
  /** @default HealthCheck.tcp() on the first target port */
  readonly liveness?: HealthCheck;
  /** @default HealthCheck.tcp() on the first target port */
  readonly readiness?: HealthCheck;
  /** @default - none */
  readonly startup?: HealthCheck;
  /** Replicas per version (ignored when `autoscaling` is set). @default 2 */
  readonly replicas?: number;
  /** @default kplus.DeploymentStrategy.rollingUpdate() (25% surge, 25% unavailable) */
  readonly strategy?: kplus.DeploymentStrategy;
  /** @default Duration.seconds(30) */
  readonly terminationGracePeriod?: Duration;
  /** UID the container runs as. @default 65532 (the conventional "nonroot" user) */
  readonly runAsUser?: number;
  /** GID and fsGroup. @default 65532 */
  readonly runAsGroup?: number;
  /** @default true */
  readonly readOnlyRootFilesystem?: boolean;
  /** Paths that get a writable `emptyDir` (e.g. "/tmp"). @default - none */
  readonly writablePaths?: readonly string[];
  /**
   * Name of an existing ServiceAccount.
   * @default - a ServiceAccount named after the service is created
   */
  readonly serviceAccountName?: string;
  /** Files mounted read-only from a ConfigMap. @default - none */
  readonly files?: Readonly<Record<string, ConfigFile>>;
  /** @default "/config" */
  readonly configMountPath?: string;
  /**
   * Run with an Istio sidecar and emit VirtualService/DestinationRule.
   * @default - the namespace's injection setting (true for a namespace name)
   */
  readonly mesh?: boolean;
  /**
   * CPU and memory of the injected sidecar (pod annotations
   * `sidecar.istio.io/proxyCPU`, `proxyCPULimit`, `proxyMemory`, `proxyMemoryLimit`).
   * @default - the mesh-wide proxy defaults of the Istio install
   */
  readonly sidecarResources?: ResourceOptions;
  /** @default - Istio's default (LEAST_REQUEST) */
  readonly loadBalancer?: LoadBalancer;
  /** @default - Istio's defaults */
  readonly connectionPool?: ConnectionPoolOptions;
  /** @default - no outlier detection */
  readonly outlierDetection?: OutlierDetectionOptions;
  /** mTLS to the service. @default "ISTIO_MUTUAL" */
  readonly tlsMode?: 'ISTIO_MUTUAL' | 'DISABLE';
  /** Timeout of every route. @default - none (Istio: no timeout) */
  readonly timeout?: Duration;
  /** Retries of every route. @default - Istio's default (2 attempts) */
  readonly retries?: RetryPolicy;
  /** @default - fixed replicas */
  readonly autoscaling?: AutoscalingOptions;
  /** @default - none */
  readonly disruptionBudget?: DisruptionBudgetOptions;
  /** @default - no scrape annotations */
  readonly metrics?: MetricsOptions;
  /** `app.kubernetes.io/part-of`. @default - not set */
  readonly partOf?: string;
  /**
   * Extra pod-template labels. Applied last: overriding `app` or `version`
   * fails the synth (SELECTOR_MISMATCH).
   * @default - none
   */
  readonly podLabels?: Readonly<Record<string, string>>;
  /** Extra pod-template annotations; they win over meshforge's. @default - none */
  readonly podAnnotations?: Readonly<Record<string, string>>;
  /**
   * Start the application only once the sidecar is ready (annotation
   * `proxy.istio.io/config`), so its first outbound calls do not fail.
   * Kubernetes 1.27 has no native sidecars to order start-up otherwise.
   * @default true (mesh mode only)
   */
  readonly holdApplicationUntilProxyStarts?: boolean;
}

const ISTIO_PORT_PREFIXES: readonly AppProtocol[] = ['http', 'http2', 'grpc', 'tcp', 'tls'];
/** Protocols Istio routes with `http` routes (matches, retries, faults...). */
const HTTP_PROTOCOLS: readonly AppProtocol[] = ['http', 'http2', 'grpc'];
const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIALS?)$/i;
const DEFAULT_RESOURCES = { cpuRequest: '100m', cpuLimit: '500m', memoryRequest: '128Mi', memoryLimit: '256Mi' };

/** A Service port with its name and protocol resolved (what `MeshService.ports` holds). */
export interface ServicePortInfo {
  /** Service port. */
  readonly port: number;
  /** Container port. */
  readonly targetPort: number;
  /** Application protocol (`appProtocol`). */
  readonly protocol: AppProtocol;
  /** Port name, `<protocol>` or `<protocol>-<suffix>`. */
  readonly name: string;
}

/** A gateway a service is exposed through, with the public hosts. */
export interface GatewayExposure {
  /** The gateway. */
  readonly gateway: MeshGateway;
  /** Public hosts routed through it to the service. */
  readonly hosts: readonly string[];
}

interface RecordedRoute {
  /** The route as declared. */
  readonly options: HttpRouteOptions;
  /** Field named in errors, e.g. `addRoute[0]` or `abTest[1]`. */
  readonly field: string;
}

/**
 * One microservice on the mesh: a Deployment per version, a Service, a
 * ServiceAccount, and in mesh mode a VirtualService and DestinationRule;
 * optionally a ConfigMap of files, HPA, PDB and a Prometheus monitor.
 *
 * ```ts
 * const cart = new MeshService(chart, 'cart', {
 *   namespace: ns, image: 'ghcr.io/acme/cart:1.4.2',
 *   versions: ['v1', 'v2'], ports: [{ port: 9090, protocol: 'grpc' }],
 * });
 * cart.canary({ v1: 90, v2: 10 });
 * ```
 */
export class MeshService extends Construct {
  /** Kubernetes Service name and `app` label. */
  public readonly name: string;
  public readonly namespace: string;
  /** Fully qualified in-cluster host, `<name>.<namespace>.svc.cluster.local`. */
  public readonly host: string;
  /** Whether the pods run with a sidecar and Istio objects are emitted. */
  public readonly mesh: boolean;
  /** Name of the ServiceAccount the pods run as (the mTLS identity). */
  public readonly serviceAccountName: string;
  /** The Service's ports, resolved (names and protocols filled in). */
  public readonly ports: readonly ServicePortInfo[];
  /** Labels every pod of every version carries (the Service selects on `app` only). */
  public readonly selectorLabels: Readonly<Record<string, string>>;
  /** The application's own metrics endpoint, if declared. */
  public readonly appMetrics?: { readonly port: number; readonly path: string };
  /**
   * Port Prometheus scrapes: Istio's merged endpoint (15020) in mesh mode
   * (always: Envoy's metrics are there even without `metrics`), the
   * application's port otherwise (undefined without `metrics`).
   */
  public readonly metricsPort?: number;
  /** Path Prometheus scrapes (see `metricsPort`). */
  public readonly metricsPath?: string;

  /** The PodMonitor or ServiceMonitor, if requested. */
  public readonly monitor?: PodMonitor | ServiceMonitor;

  private readonly props: MeshServiceProps;
  private _service?: kplus.Service;
  private _serviceAccount?: kplus.ServiceAccount;
  private _configMap?: kplus.ConfigMap;
  private readonly _virtualService?: VirtualService;
  private readonly _destinationRule?: DestinationRule;
  /**
   * Set once the VirtualService or DestinationRule was handed out: they then
   * render through cdk8s's own `toJson` (see fast-render.ts).
   */
  private escaped = false;
  /**
   * True while the cdk8s-plus objects (ServiceAccount, ConfigMap, Service,
   * Deployments) are stand-ins holding their final JSON (`PlainResource`);
   * the first escape hatch or `addSidecar` builds the real ones in their place.
   */
  private lazy: boolean;
  /** How to build each stand-in's cdk8s-plus object, in creation order. */
  private readonly builders: { readonly id: string; readonly build: () => void }[] = [];
  /** Pod-template labels of each version as created (check() reads them while the Deployments are stand-ins). */
  private readonly podLabelsOf = new Map<string, Record<string, string>>();
  private readonly meshNamespace?: MeshNamespace;
  private readonly _versions: string[] = [];
  private readonly _deployments = new Map<string, kplus.Deployment>();
  /** Lowest replica count of each version (HPA minimum or fixed replicas). */
  private readonly minReplicas = new Map<string, number>();
  private readonly _autoscalers = new Map<string, kplus.HorizontalPodAutoscaler>();
  private readonly _disruptionBudgets = new Map<string, k8s.KubePodDisruptionBudget>();
  private readonly routes: RecordedRoute[] = [];
  private readonly exposures: GatewayExposure[] = [];
  private defaultSplit?: { readonly field: string; readonly destinations: readonly WeightedVersion[] };
  private readonly configHash?: string;
  /** Name of the ConfigMap holding `files`, if any. */
  private readonly configMapName?: string;
  private readonly sidecars: { readonly container: k8s.Container; readonly options: SidecarOptions }[] = [];
  /**
   * Per Deployment: whether the pod's volume list and the app container's
   * mount list exist in the output, and whether a sidecar patch created them
   * whole (cdk8s-plus volumes added later would then be overwritten).
   */
  private readonly podLists = new Map<kplus.Deployment, { volumes: boolean; mounts: boolean; createdVolumes: boolean; createdMounts: boolean }>();

  constructor(scope: Construct, id: string, props: MeshServiceProps) {
    super(scope, id);
    this.props = props;
    this.name = props.name ?? id;
    requireServiceName(this.node.path, 'name', this.name);
    if (typeof props.namespace === 'string') {
      requireDnsLabel(this.node.path, 'namespace', props.namespace);
      this.namespace = props.namespace;
    } else {
      this.meshNamespace = props.namespace;
      this.namespace = props.namespace.name;
    }
    this.host = `${this.name}.${this.namespace}.svc.cluster.local`;
    // what the stand-ins model; anything else builds cdk8s-plus objects right away
    this.lazy = canStandIn(this) && !props.strategy && !props.autoscaling && !props.secretEnv && !props.envFromConfigMaps?.length
      && !props.envFromSecrets?.length && !props.writablePaths?.length && (props.serviceType ?? kplus.ServiceType.CLUSTER_IP) === kplus.ServiceType.CLUSTER_IP;
    this.mesh = props.mesh ?? this.meshNamespace?.injection ?? true;
    if (this.mesh && this.meshNamespace && this.meshNamespace.enforcedPodSecurity === 'restricted' && !this.meshNamespace.cni) {
      // istio-init (NET_ADMIN, NET_RAW, root) would be rejected by the namespace's PSA level
      throw new MeshforgeError('sidecar cannot be admitted: namespace enforces PSA restricted without Istio CNI', {
        code: 'POD_SECURITY',
        path: this.node.path,
        field: 'mesh',
        value: true,
        expected: `mesh: false, or namespace ${this.meshNamespace.name} with injection: true (enforce privileged) or cni: true`,
      });
    }
    this.checkImage('image', props.image);
    this.checkEnv(props.env ?? {}, 'env');
    this.checkProps();
    this.ports = this.resolvePorts(props.ports ?? [{ port: 8080, protocol: 'http' }]);
    this.selectorLabels = { [APP_LABEL]: this.name };

    requirePort(this.node.path, 'metrics.port', props.metrics?.port);
    if (props.metrics) this.appMetrics = { port: props.metrics.port, path: props.metrics.path ?? '/metrics' };
    // Injected pods always serve merged (app + Envoy) metrics on the sidecar, metrics declared or not.
    this.metricsPort = this.mesh ? ISTIO_MERGED_METRICS_PORT : this.appMetrics?.port;
    this.metricsPath = this.mesh ? ISTIO_MERGED_METRICS_PATH : this.appMetrics?.path;

    const labels = this.commonLabels();
    const metadata = (name: string) => ({ name, namespace: this.namespace, labels });
    if (props.serviceAccountName) {
      this.serviceAccountName = props.serviceAccountName;
    } else {
      this.serviceAccountName = this.name;
      this.defer('ServiceAccount', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(this.name), automountServiceAccountToken: false }, () => {
        this._serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', { metadata: metadata(this.name), automountToken: false });
      });
    }

    if (props.files && Object.keys(props.files).length > 0) {
      const data: Record<string, string> = {};
      for (const [key, file] of sortedEntries(props.files)) data[key] = file._content(this.node.path, key);
      this.configHash = configChecksum(data);
      this.configMapName = `${this.name}-config`;
      const name = this.configMapName;
      this.defer('ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(name), data, immutable: false }, () => {
        this._configMap = new kplus.ConfigMap(this, 'ConfigMap', { metadata: metadata(name), data });
      });
    }

    const serviceType = props.serviceType ?? kplus.ServiceType.CLUSTER_IP;
    const serviceJson = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: metadata(this.name),
      spec: Lazy.any({
        produce: () => ({
          externalIPs: [],
          ports: this.ports.map((p) => ({ appProtocol: p.protocol, name: p.name, port: p.port, protocol: 'TCP', targetPort: p.targetPort })),
          selector: { ...this.selectorLabels },
          type: serviceType,
        }),
      }),
    };
    this.defer('Service', serviceJson, () => {
      const service = new kplus.Service(this, 'Service', {
        metadata: metadata(this.name),
        type: serviceType,
        ports: this.ports.map((p) => ({ port: p.port, targetPort: p.targetPort, name: p.name, protocol: kplus.Protocol.TCP })),
      });
      for (const [k, v] of Object.entries(this.selectorLabels)) service.selectLabel(k, v);
      // cdk8s-plus has no appProtocol; Istio reads it before the port name.
      this.ports.forEach((p, i) => ApiObject.of(service).addJsonPatch(JsonPatch.add(`/spec/ports/${i}/appProtocol`, p.protocol)));
      this._service = service;
    });

    for (const v of props.versions ?? ['v1']) this.addVersion(typeof v === 'string' ? { name: v } : v);

    if (this.mesh) {
      const vs = new VirtualService(this, 'VirtualService', {
        metadata: { name: this.name, namespace: this.namespace, labels },
        spec: Lazy.any({ produce: () => this.virtualServiceSpec() }),
      });
      // The import's toJson re-serialises field by field in sorted order under the wire names; the
      // fields meshforge emits have the wire names already (but one, below), so sorting is enough.
      installFastJson(vs, () => (this.escaped ? undefined : plainManifest({ ...VirtualService.GVK, metadata: vs.metadata.toJson(), spec: this.virtualServiceSpec() })));
      this._virtualService = vs;
      const dr = new DestinationRule(this, 'DestinationRule', {
        metadata: { name: this.name, namespace: this.namespace, labels },
        spec: Lazy.any({ produce: () => this.destinationRuleSpec() }),
      });
      installFastJson(dr, () => {
        if (this.escaped) return undefined;
        const spec = this.destinationRuleSpec();
        const od = spec.trafficPolicy.outlierDetection;
        const trafficPolicy = od ? { ...spec.trafficPolicy, outlierDetection: { ...od, consecutive5XxErrors: undefined, consecutive5xxErrors: od.consecutive5XxErrors } } : spec.trafficPolicy;
        return plainManifest({ ...DestinationRule.GVK, metadata: dr.metadata.toJson(), spec: { ...spec, trafficPolicy } });
      });
      this._destinationRule = dr;
    }
    this.monitor = this.createMonitor(labels);
    this.node.addValidation({ validate: () => this.check().map((e) => e.detail) });
  }

  /** Declared version names, in declaration order. */
  public get versions(): readonly string[] {
    return [...this._versions];
  }
  /** The Deployment of each version (escape hatch). */
  public get deployments(): ReadonlyMap<string, kplus.Deployment> {
    this.materialize();
    return new Map(this._deployments);
  }
  /** The HPA of each version, when `autoscaling` is set. */
  public get autoscalers(): ReadonlyMap<string, kplus.HorizontalPodAutoscaler> {
    return new Map(this._autoscalers);
  }
  /** The Service (escape hatch). */
  public get service(): kplus.Service {
    this.materialize();
    return this._service!;
  }
  /** The ServiceAccount, when this construct created it. */
  public get serviceAccount(): kplus.ServiceAccount | undefined {
    this.materialize();
    return this._serviceAccount;
  }
  /** The ConfigMap holding `files`, if any. */
  public get configMap(): kplus.ConfigMap | undefined {
    this.materialize();
    return this._configMap;
  }
  /** The VirtualService (mesh mode). */
  public get virtualService(): VirtualService | undefined {
    this.escaped = true;
    return this._virtualService;
  }
  /** The DestinationRule (mesh mode). */
  public get destinationRule(): DestinationRule | undefined {
    this.escaped = true;
    return this._destinationRule;
  }
  /** The PDB of each version, when `disruptionBudget` is set. */
  public get disruptionBudgets(): ReadonlyMap<string, k8s.KubePodDisruptionBudget> {
    return new Map(this._disruptionBudgets);
  }
  /**
   * Ports as `{ name, port, targetPort }`: with `name`, `namespace`,
   * `serviceAccountName`, `selectorLabels`, `meshEnabled` and `metricsPort`
   * this is the shape lib/security reads (`IMeshWorkload`), without the mesh
   * importing security.
   */
  public get workloadPorts(): readonly { readonly name: string; readonly port: number; readonly targetPort: number }[] {
    return this.ports.map(({ name, port, targetPort }) => ({ name, port, targetPort }));
  }
  /** Same as `mesh` (the name lib/security reads). */
  public get meshEnabled(): boolean {
    return this.mesh;
  }
  /** Gateways the service is exposed through, with the hosts. */
  public get gatewayExposures(): readonly GatewayExposure[] {
    return [...this.exposures];
  }

  /** Adds a version: a Deployment `<name>-<version>` and a subset. Returns this. */
  public addVersion(version: MeshServiceVersion): this {
    const field = `versions[${this._versions.length}]`;
    requireDnsLabel(this.node.path, `${field}.name`, version.name, 63 - this.name.length - 1);
    if (this._versions.includes(version.name)) {
      throw new MeshforgeError('duplicate version', {
        code: 'DUPLICATE_VERSION',
        path: this.node.path,
        field: `${field}.name`,
        value: version.name,
        expected: `a version name not yet declared (declared: ${this._versions.join(', ')})`,
      });
    }
    if (version.image !== undefined) this.checkImage(`${field}.image`, version.image);
    requireIntInRange('INVALID_REPLICAS', 'replicas out of range', this.node.path, `${field}.replicas`, version.replicas, 0, Number.MAX_SAFE_INTEGER);
    this.checkEnv(version.env ?? {}, `${field}.env`);
    this._versions.push(version.name);
    const p = this.props;
    this.minReplicas.set(version.name, p.autoscaling ? (p.autoscaling.minReplicas ?? 2) : (version.replicas ?? p.replicas ?? 2));
    for (const [field, check] of [['liveness', p.liveness], ['startup', p.startup]] as const) {
      if (check && check.successThreshold !== 1) {
        throw new MeshforgeError('successThreshold must be 1', {
          code: 'PROBE_THRESHOLD',
          path: this.node.path,
          field: `${field}.successThreshold`,
          value: check.successThreshold,
          expected: '1 for liveness and startup probes (Kubernetes rejects anything else)',
        });
      }
    }
    const pod = this.podTemplate(version);
    this.podLabelsOf.set(version.name, pod.labels);
    this.defer(`Deployment-${version.name}`, this.deploymentJson(version, pod), () => {
      const deployment = this.createDeployment(version, pod);
      this._deployments.set(version.name, deployment);
      for (const sidecar of this.sidecars) this.patchSidecar(deployment, sidecar.container, sidecar.options);
    });
    if (p.autoscaling) this._autoscalers.set(version.name, this.createAutoscaler(this._deployments.get(version.name)!, version.name, p.autoscaling));
    if (p.disruptionBudget) this._disruptionBudgets.set(version.name, this.createDisruptionBudget(version.name, p.disruptionBudget));
    return this;
  }

  /**
   * Adds the cdk8s-plus object `id`: a stand-in holding `json` while the
   * service is lazy, else built now by `build`.
   */
  private defer(id: string, json: PlainJson, build: () => void): void {
    if (this.lazy) {
      new PlainResource(this, id, json);
      this.builders.push({ id, build });
    } else {
      build();
    }
  }

  /**
   * Replaces the stand-ins by the real cdk8s-plus objects, at the same
   * paths and in the same order, for escape hatches and `addSidecar`.
   */
  private materialize(): void {
    if (!this.lazy) return;
    this.lazy = false;
    const order = this.node.children.map((c) => c.node.id);
    for (const { id, build } of this.builders) {
      this.node.tryRemoveChild(id);
      build();
    }
    this.builders.length = 0;
    reorderChildren(this, order);
  }

  /**
   * Adds a container next to the application in every version's pod (also
   * versions added later), with its pod volumes and the mounts the
   * application container needs, e.g. a log shipper reading a shared
   * emptyDir. The container is emitted as given: give it a restricted
   * security context, resources and probes like the application's.
   * Returns this.
   */
  public addSidecar(container: k8s.Container, options: SidecarOptions = {}): this {
    this.materialize();
    const field = `addSidecar[${this.sidecars.length}]`;
    const conflict = (f: string, value: string, expected: string) =>
      new MeshforgeError('sidecar conflicts with the pod', { code: 'SIDECAR_CONFLICT', path: this.node.path, field: `${field}.${f}`, value, expected });
    const taken = [this.name, ...this.sidecars.map((x) => x.container.name)];
    if (taken.includes(container.name)) throw conflict('container.name', container.name, `a container name not in use (${taken.join(', ')})`);
    const first = this._deployments.values().next().value;
    const volumes = [
      ...(first ? podVolumeNames(first) : []),
      ...this.sidecars.flatMap((x) => (x.options.volumes ?? []).map((v) => v.name)),
    ];
    for (const v of options.volumes ?? []) {
      if (volumes.includes(v.name)) throw conflict('volumes', v.name, `a volume name not in use (${volumes.join(', ')})`);
      volumes.push(v.name);
    }
    const own = (options.volumes ?? []).map((v) => v.name);
    for (const m of options.appVolumeMounts ?? []) {
      if (!own.includes(m.name)) throw conflict('appVolumeMounts', m.name, `the name of one of this sidecar's volumes (${own.join(', ') || 'none given'})`);
    }
    for (const [key, value] of sortedEntries(options.podAnnotations ?? {})) {
      const current: string | undefined = first?.podMetadata.toJson().annotations?.[key];
      if (current !== undefined && current !== value) {
        throw conflict(`podAnnotations.${key}`, value, `no other value for this annotation on the pod (already "${current}")`);
      }
    }
    this.sidecars.push({ container, options });
    for (const deployment of this._deployments.values()) this.patchSidecar(deployment, container, options);
    return this;
  }

  /** Exposes the service through a gateway (the VirtualService binds to it and to the mesh). Returns this. */
  public exposeVia(gateway: MeshGateway, options: GatewayExposureOptions = {}): this {
    const field = `exposeVia[${this.exposures.length}].hosts`;
    const hosts = options.hosts ?? gateway.hosts;
    for (const host of hosts) {
      if (!isValidHost(host)) {
        throw new MeshforgeError('invalid host', {
          code: 'INVALID_HOST',
          path: this.node.path,
          field,
          value: host,
          expected: `a DNS name without wildcard, such as "shop.example.com"${options.hosts ? '' : ' (pass hosts: the gateway only has wildcard hosts)'}`,
        });
      }
      if (!gateway.hosts.some((p) => hostCovers(p, host))) {
        throw new MeshforgeError('host not served by the gateway', {
          code: 'INVALID_HOST',
          path: this.node.path,
          field,
          value: host,
          expected: `a host covered by gateway ${gateway.ref}: ${gateway.hosts.join(', ')}`,
        });
      }
    }
    this.exposures.push({ gateway, hosts: [...hosts] });
    gateway._registerExposure(this.node.path, hosts);
    return this;
  }

  /** Adds an HTTP route, evaluated before the default route, in the order added. Returns this. */
  public addRoute(route: HttpRouteOptions): this {
    const field = `routes[${this.routes.length}]`;
    checkRoute(this.node.path, field, route);
    this.routes.push({ options: route, field });
    return this;
  }

  /** Splits the default route by weight, e.g. `{ v1: 90, v2: 10 }`. Weights must sum to 100. Returns this. */
  public canary(weights: Readonly<Record<string, number>>): this {
    this.setDefaultSplit(
      'canary',
      Object.entries(weights).map(([version, weight]) => ({ version, weight })),
    );
    return this;
  }

  /** Sends all default traffic to `active`; the other versions stay deployed for instant switch-back. Returns this. */
  public blueGreen(active: string): this {
    this.setDefaultSplit('blueGreen', [{ version: active, weight: 100 }]);
    return this;
  }

  /**
   * A/B test: requests matching a variant go to its version, everything else
   * to `defaultVersion`. Returns this.
   */
  public abTest(variants: readonly AbVariant[], defaultVersion: string): this {
    variants.forEach((v, i) => {
      const match: HttpRouteMatch[] = isMatchList(v.match) ? [...v.match] : [v.match];
      this.routes.push({
        options: { name: `ab-${i}-${v.version}`, match, destinations: [{ version: v.version, weight: 100 }] },
        field: `abTest[${i}]`,
      });
    });
    this.setDefaultSplit('abTest.defaultVersion', [{ version: defaultVersion, weight: 100 }]);
    return this;
  }

  /**
   * Runs the cross-object checks (also run at synth time) and returns the
   * failures; empty when the service is consistent.
   */
  public check(): MeshforgeError[] {
    const errors: MeshforgeError[] = [];
    const err = (code: string, message: string, field: string, value: unknown, expected: string) =>
      errors.push(new MeshforgeError(message, { code, path: this.node.path, field, value, expected }));
    const declared = `one of the declared versions: ${this._versions.join(', ')}`;
    if (!this.mesh) {
      // Without a sidecar nothing enforces routes: kube-proxy splits by replica count, not by weight.
      const meshOnly = [
        ...(this.defaultSplit ? [this.defaultSplit.field] : []),
        ...this.routes.map((r) => r.field),
        ...this.exposures.map((_, i) => `exposeVia[${i}]`),
      ];
      for (const field of meshOnly) {
        err('MESH_DISABLED', 'traffic management on a service outside the mesh', field, 'mesh: false',
          'mesh: true, or remove the routes / release strategy / gateway exposure (plain Services balance by replica count)');
      }
    }

    if (this.defaultSplit) {
      const { field, destinations } = this.defaultSplit;
      for (const d of destinations) {
        if (!this._versions.includes(d.version)) {
          err('UNKNOWN_VERSION', 'release target has no Deployment', field, d.version, `${declared} (add it with versions or addVersion)`);
        }
      }
      this.checkWeights(destinations, field, err);
    }
    const hasHttp = this.ports.some((p) => HTTP_PROTOCOLS.includes(p.protocol));
    for (const { options, field } of this.routes) {
      if (!hasHttp) {
        err('ROUTE_PROTOCOL', 'HTTP route on a service without HTTP ports', field, options.name ?? field,
          `a port with protocol ${HTTP_PROTOCOLS.join(', ')}; TCP and TLS ports only follow the default split (canary / blueGreen)`);
      }
      const dests = options.destinations ?? [];
      for (const d of dests) {
        if (!this._versions.includes(d.version)) {
          err('UNKNOWN_SUBSET', 'route destination names an unknown subset', `${field}.destinations`, d.version, declared);
        }
      }
      if (options.mirror && !this._versions.includes(options.mirror.version)) {
        err('UNKNOWN_SUBSET', 'mirror names an unknown subset', `${field}.mirror.version`, options.mirror.version, declared);
      }
      if (dests.length > 0) this.checkWeights(dests, `${field}.destinations`, err);
      (options.match ?? []).forEach((m, j) => {
        if (m.cookie && m.headers && Object.keys(m.headers).some((h) => h.toLowerCase() === 'cookie')) {
          err('ROUTE_MATCH', 'cookie and headers.cookie in one match', `${field}.match[${j}]`, m.cookie.name,
            'either cookie or a headers.cookie condition: both become the one cookie header match');
        }
      });
      const known = ['mesh', ...this.exposures.map((x) => x.gateway.ref)];
      for (const g of options.gateways ?? []) {
        if (!known.includes(g)) {
          err('UNKNOWN_GATEWAY', 'route references a gateway the service is not exposed through', `${field}.gateways`, g,
            `one of ${known.map((k) => `"${k}"`).join(', ')} (expose the service with exposeVia(gateway) first)`);
        }
      }
    }
    for (const [version, deployment] of this._deployments) {
      const lists = this.podLists.get(deployment);
      const late = [
        ...(lists?.createdVolumes ? podVolumeNames(deployment) : []),
        ...(lists?.createdMounts ? deployment.containers[0].mounts.map((m) => m.path) : []),
      ];
      if (late.length > 0) {
        err('SIDECAR_CONFLICT', 'volumes or mounts added through the escape hatch after addSidecar would be overwritten', `deployments.${version}`, late,
          'add volumes and mounts through deployments before addSidecar (its patch creates the lists whole)');
      }
    }
    const budget = this.props.disruptionBudget;
    for (const [version, replicas] of this.minReplicas) {
      const blocks = typeof budget?.minAvailable === 'number' ? budget.minAvailable >= replicas : budget?.maxUnavailable === 0;
      if (budget && blocks) {
        err('DISRUPTION_BUDGET', `PodDisruptionBudget of ${version} allows no eviction with ${replicas} replica(s)`, 'disruptionBudget', budget,
          `minAvailable below the replicas of every version (or maxUnavailable ≥ 1), or node drains block forever`);
      }
    }
    for (const version of this._versions) {
      // a stand-in's labels are the ones podTemplate set; a real Deployment's may have been changed
      const deployment = this._deployments.get(version);
      const podLabels: Record<string, string | undefined> = (deployment ? deployment.podMetadata.toJson().labels : this.podLabelsOf.get(version)) ?? {};
      const required = { ...this.selectorLabels, [VERSION_LABEL]: version };
      for (const [k, v] of sortedEntries(required)) {
        if (podLabels[k] !== v) {
          err('SELECTOR_MISMATCH', 'pod labels do not match the Service selector and subset', `deployments.${version}.podMetadata.labels.${k}`,
            podLabels[k], `"${v}" (the Service selects ${APP_LABEL}=${this.name}; subset ${version} selects ${VERSION_LABEL}=${version})`);
        }
      }
    }
    return errors;
  }

  private checkWeights(
    destinations: readonly WeightedVersion[],
    field: string,
    err: (code: string, message: string, field: string, value: unknown, expected: string) => void,
  ): void {
    const sum = destinations.reduce((n, d) => n + d.weight, 0);
    const negative = destinations.some((d) => d.weight < 0 || !Number.isInteger(d.weight));
    if (sum !== 100 || negative) {
      err('ROUTE_WEIGHTS', `route weights sum to ${sum}`, field,
        Object.fromEntries(destinations.map((d) => [d.version, d.weight])),
        'whole, non-negative weights that sum to 100 (Istio would silently normalise them)');
    }
  }

  private setDefaultSplit(field: string, destinations: readonly WeightedVersion[]): void {
    if (this.defaultSplit) {
      throw new MeshforgeError('release strategy already set', {
        code: 'RELEASE_STRATEGY',
        path: this.node.path,
        field,
        value: destinations.map((d) => `${d.version}=${d.weight}`).join(', '),
        expected: `one of canary, blueGreen or abTest per service (already set by ${this.defaultSplit.field})`,
      });
    }
    this.defaultSplit = { field, destinations };
  }

  private commonLabels(version?: string): Record<string, string> {
    const labels: Record<string, string> = {
      'app.kubernetes.io/name': this.name,
      'app.kubernetes.io/managed-by': MANAGED_BY,
    };
    if (this.props.partOf) labels['app.kubernetes.io/part-of'] = this.props.partOf;
    if (version) labels['app.kubernetes.io/version'] = version;
    return labels;
  }

  /** Construction-time checks of the props Istio or Kubernetes would reject (ranges, durations, keys, paths). */
  private checkProps(): void {
    const p = this.props;
    const path = this.node.path;
    requireIstioDuration(path, 'timeout', p.timeout);
    checkRetries(path, 'retries', p.retries);
    checkConnectionPool(path, p.connectionPool);
    checkOutlierDetection(path, p.outlierDetection);
    requireIstioDuration(path, 'loadBalancer.ttl', p.loadBalancer?.cookieTtl);
    requireWholeSeconds(path, 'terminationGracePeriod', p.terminationGracePeriod, 0);
    for (const field of ['liveness', 'readiness', 'startup'] as const) p[field]?._check(path, field);
    requireIntInRange('INVALID_REPLICAS', 'replicas out of range', path, 'replicas', p.replicas, 0, Number.MAX_SAFE_INTEGER);
    const a = p.autoscaling;
    if (a) {
      const min = a.minReplicas ?? 2;
      requireIntInRange('AUTOSCALING', 'minReplicas out of range', path, 'autoscaling.minReplicas', min, 1, Number.MAX_SAFE_INTEGER);
      requireIntInRange('AUTOSCALING', 'maxReplicas below minReplicas', path, 'autoscaling.maxReplicas', a.maxReplicas, min, Number.MAX_SAFE_INTEGER);
      requireIntInRange('AUTOSCALING', 'utilization target out of range', path, 'autoscaling.cpuUtilization', a.cpuUtilization, 1, 100);
      requireIntInRange('AUTOSCALING', 'utilization target out of range', path, 'autoscaling.memoryUtilization', a.memoryUtilization, 1, 100);
    }
    checkResources(path, 'resources', { ...DEFAULT_RESOURCES, ...p.resources });
    if (p.sidecarResources) checkResources(path, 'sidecarResources', p.sidecarResources);
    for (const key of Object.keys(p.files ?? {}).sort()) {
      if (!CONFIG_MAP_KEY.test(key) || key.length > 253) {
        throw new MeshforgeError('invalid ConfigMap key', {
          code: 'INVALID_CONFIG_KEY',
          path,
          field: `files.${key}`,
          value: key,
          expected: 'a file name of at most 253 characters matching [-._a-zA-Z0-9]+ (no "/": files are mounted flat under configMountPath)',
        });
      }
    }
    const mount = p.configMountPath ?? '/config';
    const within = (inner: string, outer: string) => inner === outer || inner.startsWith(outer.endsWith('/') ? outer : `${outer}/`);
    (p.writablePaths ?? []).forEach((w, i) => {
      if (p.files && Object.keys(p.files).length > 0 && (within(mount, w) || within(w, mount))) {
        throw new MeshforgeError('writable path overlaps the config mount', {
          code: 'WRITABLE_PATH',
          path,
          field: `writablePaths[${i}]`,
          value: w,
          expected: `a path neither equal to, above nor inside configMountPath "${mount}" (the emptyDir would hide the config files, or sit in a read-only mount)`,
        });
      }
    });
  }

  private checkImage(field: string, image: string): void {
    if (this.props.allowLatestTag) return;
    const [withoutDigest, digest] = image.split('@');
    const lastSegment = withoutDigest.split('/').pop() ?? '';
    const tag = lastSegment.includes(':') ? lastSegment.split(':').pop() : undefined;
    if (digest === undefined && (tag === undefined || tag === '' || tag === 'latest')) {
      throw new MeshforgeError('image has no pinned tag', {
        code: 'IMAGE_TAG',
        path: this.node.path,
        field,
        value: image,
        expected: 'an explicit tag or digest, e.g. "ghcr.io/acme/cart:1.4.2" (set allowLatestTag: true to accept it)',
      });
    }
  }

  private checkEnv(env: Readonly<Record<string, string>>, field: string): void {
    for (const name of Object.keys(env)) {
      if (SECRET_NAME.test(name)) {
        throw new MeshforgeError('secret-looking value inlined in env', {
          code: 'INLINE_SECRET',
          path: this.node.path,
          field: `${field}.${name}`,
          value: '<redacted>',
          expected: `a reference to an existing Secret: secretEnv: { ${name}: { secret: '<name>', key: '<key>' } }`,
        });
      }
    }
  }

  private resolvePorts(ports: readonly MeshServicePort[]): ServicePortInfo[] {
    const seenProtocols = new Set<string>();
    const resolved = ports.map((p, i): ServicePortInfo => {
      requirePort(this.node.path, `ports[${i}].port`, p.port);
      requirePort(this.node.path, `ports[${i}].targetPort`, p.targetPort);
      const protocol = p.protocol ?? 'http';
      const name = p.name ?? (seenProtocols.has(protocol) ? `${protocol}-${p.port}` : protocol);
      seenProtocols.add(protocol);
      if (!(name === protocol || name.startsWith(`${protocol}-`)) || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 15) {
        throw new MeshforgeError('port name does not follow Istio protocol selection', {
          code: 'PORT_NAME_PROTOCOL',
          path: this.node.path,
          field: `ports[${i}].name`,
          value: name,
          expected: `"${protocol}" or "${protocol}-<suffix>" (at most 15 lowercase characters) for protocol ${protocol}; prefixes: ${ISTIO_PORT_PREFIXES.join(', ')}`,
        });
      }
      return { port: p.port, targetPort: p.targetPort ?? p.port, protocol, name };
    });
    const dup = (field: string, key: (p: ServicePortInfo) => string | number) => {
      resolved.forEach((p, i) => {
        const j = resolved.findIndex((q) => key(q) === key(p));
        if (j !== i) {
          throw new MeshforgeError(`ports[${j}] and ports[${i}] share a ${field}`, {
            code: 'DUPLICATE_PORT',
            path: this.node.path,
            field: `ports[${i}].${field}`,
            value: key(p),
            expected: `a ${field} not used by another port`,
          });
        }
      });
    };
    dup('name', (p) => p.name);
    dup('port', (p) => p.port);
    dup('targetPort', (p) => p.targetPort);
    if (resolved.length === 0) {
      throw new MeshforgeError('service without ports', {
        code: 'DUPLICATE_PORT',
        path: this.node.path,
        field: 'ports',
        value: [],
        expected: 'at least one port',
      });
    }
    return resolved;
  }

  /**
   * cdk8s-plus has no way to add a raw container or volume, so they go in as
   * JSON patches; a list that is not yet in the output is added whole.
   */
  private patchSidecar(deployment: kplus.Deployment, container: k8s.Container, options: SidecarOptions): void {
    const api = ApiObject.of(deployment);
    const lists = this.podLists.get(deployment) ?? {
      volumes: podVolumeNames(deployment).length > 0,
      mounts: deployment.containers[0].mounts.length > 0,
      createdVolumes: false,
      createdMounts: false,
    };
    this.podLists.set(deployment, lists);
    api.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/-', container));
    for (const [key, value] of sortedEntries(options.podAnnotations ?? {})) deployment.podMetadata.addAnnotation(key, value);
    /** Appends to the list, or adds it whole; returns true when it created the list. */
    const append = (listPath: string, items: readonly unknown[], exists: boolean): boolean => {
      if (items.length === 0) return false;
      if (exists) for (const item of items) api.addJsonPatch(JsonPatch.add(`${listPath}/-`, item));
      else api.addJsonPatch(JsonPatch.add(listPath, [...items]));
      return !exists;
    };
    if (append('/spec/template/spec/volumes', options.volumes ?? [], lists.volumes)) lists.createdVolumes = lists.volumes = true;
    if (append('/spec/template/spec/containers/0/volumeMounts', options.appVolumeMounts ?? [], lists.mounts)) lists.createdMounts = lists.mounts = true;
  }

  /** Pod-template labels and annotations of a version. */
  private podTemplate(version: MeshServiceVersion): { readonly labels: Record<string, string>; readonly annotations: Record<string, string> } {
    const p = this.props;
    const podLabels: Record<string, string> = {
      ...this.commonLabels(version.name),
      ...this.selectorLabels,
      [VERSION_LABEL]: version.name,
    };
    // Only say so on the pod when it differs from (or cannot be known from) the namespace.
    const nsInjects = this.meshNamespace?.injection;
    if (nsInjects === undefined || nsInjects !== this.mesh) podLabels[INJECT_LABEL] = String(this.mesh);

    Object.assign(podLabels, p.podLabels);
    const annotations: Record<string, string> = {};
    if (this.mesh && (p.holdApplicationUntilProxyStarts ?? true)) {
      annotations['proxy.istio.io/config'] = JSON.stringify({ holdApplicationUntilProxyStarts: true });
    }
    if (this.configHash) annotations[CONFIG_HASH_ANNOTATION] = this.configHash;
    const sidecar = p.sidecarResources;
    if (this.mesh && sidecar) {
      const set = (key: string, value?: string) => {
        if (value !== undefined) annotations[`sidecar.istio.io/${key}`] = value;
      };
      set('proxyCPU', sidecar.cpuRequest);
      set('proxyCPULimit', sidecar.cpuLimit);
      set('proxyMemory', sidecar.memoryRequest);
      set('proxyMemoryLimit', sidecar.memoryLimit);
    }
    if (this.appMetrics) {
      // The application's own endpoint: with merging on, the injector rewrites these to 15020.
      annotations['prometheus.io/scrape'] = 'true';
      annotations['prometheus.io/port'] = String(this.appMetrics.port);
      annotations['prometheus.io/path'] = this.appMetrics.path;
    }
    Object.assign(annotations, p.podAnnotations);
    return { labels: podLabels, annotations };
  }

  private createDeployment(version: MeshServiceVersion, pod: { readonly labels: Record<string, string>; readonly annotations: Record<string, string> }): kplus.Deployment {
    const p = this.props;
    const res = { ...DEFAULT_RESOURCES, ...p.resources };
    const user = p.runAsUser ?? 65532;
    const group = p.runAsGroup ?? 65532;
    const { labels: podLabels, annotations } = pod;
    const envVariables: Record<string, kplus.EnvValue> = {};
    for (const [k, v] of sortedEntries({ ...p.env, ...version.env })) envVariables[k] = kplus.EnvValue.fromValue(v);
    for (const [k, ref] of sortedEntries(p.secretEnv ?? {})) {
      const secret = kplus.Secret.fromSecretName(this, `secret-${version.name}-${k}`, ref.secret);
      envVariables[k] = kplus.EnvValue.fromSecretValue({ secret, key: ref.key });
    }
    const envFrom = [
      ...(p.envFromConfigMaps ?? []).map((n, i) => kplus.Env.fromConfigMap(kplus.ConfigMap.fromConfigMapName(this, `envcm-${version.name}-${i}`, n))),
      ...(p.envFromSecrets ?? []).map((n, i) => kplus.Env.fromSecret(kplus.Secret.fromSecretName(this, `envsecret-${version.name}-${i}`, n))),
    ];

    const deployment = new kplus.Deployment(this, `Deployment-${version.name}`, {
      metadata: { name: `${this.name}-${version.name}`, namespace: this.namespace, labels: podLabelsWithoutInject(podLabels) },
      replicas: p.autoscaling ? undefined : (version.replicas ?? p.replicas ?? 2),
      strategy: p.strategy ?? kplus.DeploymentStrategy.rollingUpdate(),
      select: false,
      podMetadata: { labels: podLabels, annotations },
      serviceAccount: kplus.ServiceAccount.fromServiceAccountName(this, `sa-${version.name}`, this.serviceAccountName),
      automountServiceAccountToken: false,
      terminationGracePeriod: p.terminationGracePeriod ?? Duration.seconds(30),
      securityContext: { ensureNonRoot: true, user, group, fsGroup: group },
      containers: [
        {
          name: this.name,
          image: version.image ?? p.image,
          // tags are pinned (IMAGE_TAG), so the node's copy is the right one
          imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
          ports: this.ports.map((port) => ({ number: port.targetPort, name: port.name, protocol: kplus.Protocol.TCP })),
          command: p.command && [...p.command],
          args: p.args && [...p.args],
          envVariables,
          envFrom,
          // set below, verbatim: cdk8s-plus would rewrite memory in Mi (1G -> 953.67...Mi)
          resources: {},
          securityContext: {
            ensureNonRoot: true,
            user,
            group,
            privileged: false,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: p.readOnlyRootFilesystem ?? true,
            // cdk8s-plus 27 lists capabilities one by one but has no ALL; PSA restricted requires drop ALL.
            capabilities: { drop: ['ALL' as kplus.Capability] },
          },
        },
      ],
    });
    deployment.select(kplus.LabelSelector.of({ labels: { ...this.selectorLabels, [VERSION_LABEL]: version.name } }));
    const container = deployment.containers[0];
    if (this._configMap) {
      const vol = kplus.Volume.fromConfigMap(deployment, 'config', this._configMap, { name: 'config' });
      container.mount(p.configMountPath ?? '/config', vol, { readOnly: true });
    }
    (p.writablePaths ?? []).forEach((path, i) => {
      const vol = kplus.Volume.fromEmptyDir(deployment, `writable-${i}`, `writable-${i}`);
      container.mount(path, vol);
    });

    const api = ApiObject.of(deployment);
    api.addJsonPatch(
      // Quantity objects: the typed KubeDeployment re-serialises patched values through k8s.Quantity
      JsonPatch.add('/spec/template/spec/containers/0/resources', {
        limits: { cpu: k8s.Quantity.fromString(res.cpuLimit), memory: k8s.Quantity.fromString(res.memoryLimit) },
        requests: { cpu: k8s.Quantity.fromString(res.cpuRequest), memory: k8s.Quantity.fromString(res.memoryRequest) },
      }),
    );
    // cdk8s-plus 27 cannot set seccompProfile (required by PSA restricted) nor gRPC probes.
    api.addJsonPatch(JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }));
    // cdk8s-plus labels every pod with its construct address (for its own network policies);
    // meshforge selects on app/version only, so drop it to keep pod labels stable across refactors.
    api.addJsonPatch(JsonPatch.remove('/spec/template/metadata/labels/cdk8s.io~1metadata.addr'));
    const probePort = this.ports[0].targetPort;
    const probes: [string, HealthCheck | undefined][] = [
      ['livenessProbe', p.liveness ?? HealthCheck.tcp()],
      ['readinessProbe', p.readiness ?? HealthCheck.tcp()],
      ['startupProbe', p.startup],
    ];
    for (const [field, check] of probes) {
      if (check) api.addJsonPatch(JsonPatch.add(`/spec/template/spec/containers/0/${field}`, check.toKube(probePort)));
    }
    return deployment;
  }

  /**
   * The JSON cdk8s-plus renders for `createDeployment(version, pod)` (with
   * its JSON patches), for the stand-in; `test/mesh/fast-render.test.ts`
   * compares the two for many props.
   */
  private deploymentJson(version: MeshServiceVersion, pod: { readonly labels: Record<string, string>; readonly annotations: Record<string, string> }): PlainJson {
    return {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: `${this.name}-${version.name}`, namespace: this.namespace, labels: podLabelsWithoutInject(pod.labels) },
      // produced at synth: holding every Deployment's JSON from construction on costs garbage-collector time
      spec: Lazy.any({ produce: () => this.deploymentSpec(version, pod) }),
    };
  }

  private deploymentSpec(version: MeshServiceVersion, pod: { readonly labels: Record<string, string>; readonly annotations: Record<string, string> }): Record<string, unknown> {
    const p = this.props;
    const res = { ...DEFAULT_RESOURCES, ...p.resources };
    const user = p.runAsUser ?? 65532;
    const group = p.runAsGroup ?? 65532;
    const probePort = this.ports[0].targetPort;
    const env = sortedEntries({ ...p.env, ...version.env }).map(([name, value]) => ({ name, value }));
    const container = {
      args: p.args && [...p.args],
      command: p.command && [...p.command],
      env: env.length > 0 ? env : undefined,
      image: version.image ?? p.image,
      imagePullPolicy: 'IfNotPresent',
      livenessProbe: (p.liveness ?? HealthCheck.tcp())._toPlain(probePort),
      name: this.name,
      ports: this.ports.map((port) => ({ containerPort: port.targetPort, name: port.name, protocol: 'TCP' })),
      readinessProbe: (p.readiness ?? HealthCheck.tcp())._toPlain(probePort),
      resources: { limits: { cpu: res.cpuLimit, memory: res.memoryLimit }, requests: { cpu: res.cpuRequest, memory: res.memoryRequest } },
      securityContext: {
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        privileged: false,
        readOnlyRootFilesystem: p.readOnlyRootFilesystem ?? true,
        runAsGroup: group,
        runAsNonRoot: true,
        runAsUser: user,
      },
      startupProbe: p.startup?._toPlain(probePort),
      volumeMounts: this.configMapName ? [{ mountPath: p.configMountPath ?? '/config', name: 'config', readOnly: true }] : undefined,
    };
    return {
      minReadySeconds: 0,
      progressDeadlineSeconds: 600,
      replicas: version.replicas ?? p.replicas ?? 2,
      selector: { matchLabels: { ...this.selectorLabels, [VERSION_LABEL]: version.name } },
      strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
      template: {
        metadata: { annotations: Object.keys(pod.annotations).length > 0 ? { ...pod.annotations } : undefined, labels: { ...pod.labels } },
        spec: {
          automountServiceAccountToken: false,
          containers: [container],
          dnsPolicy: 'ClusterFirst',
          hostNetwork: false,
          restartPolicy: 'Always',
          securityContext: { fsGroup: group, fsGroupChangePolicy: 'Always', runAsGroup: group, runAsNonRoot: true, runAsUser: user, seccompProfile: { type: 'RuntimeDefault' } },
          serviceAccountName: this.serviceAccountName,
          setHostnameAsFQDN: false,
          terminationGracePeriodSeconds: (p.terminationGracePeriod ?? Duration.seconds(30)).toSeconds(),
          volumes: this.configMapName ? [{ configMap: { name: this.configMapName }, name: 'config' }] : undefined,
        },
      },
    };
  }

  private createAutoscaler(target: kplus.Deployment, version: string, o: AutoscalingOptions): kplus.HorizontalPodAutoscaler {
    const metrics = [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(o.cpuUtilization ?? 70))];
    if (o.memoryUtilization !== undefined) metrics.push(kplus.Metric.resourceMemory(kplus.MetricTarget.averageUtilization(o.memoryUtilization)));
    return new kplus.HorizontalPodAutoscaler(this, `Autoscaler-${version}`, {
      metadata: { name: `${this.name}-${version}`, namespace: this.namespace, labels: this.commonLabels(version) },
      target,
      minReplicas: o.minReplicas ?? 2,
      maxReplicas: o.maxReplicas,
      metrics,
    });
  }

  private createDisruptionBudget(version: string, o: DisruptionBudgetOptions): k8s.KubePodDisruptionBudget {
    if (o.minAvailable !== undefined && o.maxUnavailable !== undefined) {
      throw new MeshforgeError('both minAvailable and maxUnavailable set', {
        code: 'DISRUPTION_BUDGET',
        path: this.node.path,
        field: 'disruptionBudget',
        value: o,
        expected: 'exactly one of minAvailable or maxUnavailable',
      });
    }
    const intOrString = (v: number | string) => (typeof v === 'number' ? k8s.IntOrString.fromNumber(v) : k8s.IntOrString.fromString(v));
    return new k8s.KubePodDisruptionBudget(this, `DisruptionBudget-${version}`, {
      metadata: { name: `${this.name}-${version}`, namespace: this.namespace, labels: this.commonLabels(version) },
      spec: {
        selector: { matchLabels: { ...this.selectorLabels, [VERSION_LABEL]: version } },
        minAvailable: o.minAvailable !== undefined ? intOrString(o.minAvailable) : undefined,
        maxUnavailable: o.minAvailable === undefined ? intOrString(o.maxUnavailable ?? 1) : undefined,
      },
    });
  }

  private createMonitor(labels: Record<string, string>): PodMonitor | ServiceMonitor | undefined {
    const m = this.props.metrics;
    if (!m?.monitor) return undefined;
    const interval = m.interval ?? '30s';
    const metadata = { name: this.name, namespace: this.namespace, labels };
    if (m.monitor === 'pod') {
      // Prometheus Operator only keeps targets on declared container ports, and 15020 is not
      // declared: select the sidecar's declared Envoy port (one target per pod), then move
      // the address to the merged endpoint (the pattern of Istio's prometheus-operator sample).
      const endpoint = this.mesh
        ? {
            port: ISTIO_ENVOY_PROM_PORT_NAME,
            path: this.metricsPath,
            interval,
            relabelings: [
              {
                action: PodMonitorSpecPodMetricsEndpointsRelabelingsAction.REPLACE,
                sourceLabels: ['__address__'],
                regex: '(.+):\\d+',
                replacement: `$1:${ISTIO_MERGED_METRICS_PORT}`,
                targetLabel: '__address__',
              },
            ],
          }
        : { portNumber: this.declaredMetricsPort(m.port).targetPort, path: this.metricsPath, interval };
      return new PodMonitor(this, 'PodMonitor', {
        metadata,
        spec: { selector: { matchLabels: { ...this.selectorLabels } }, podMetricsEndpoints: [endpoint] },
      });
    }
    if (this.mesh) {
      throw new MeshforgeError('ServiceMonitor cannot scrape a meshed service', {
        code: 'MONITOR_KIND',
        path: this.node.path,
        field: 'metrics.monitor',
        value: 'service',
        expected: `"pod": under STRICT mTLS only the sidecar's merged endpoint (:${ISTIO_MERGED_METRICS_PORT}) is scrapable, and it is not a Service port`,
      });
    }
    const port = this.declaredMetricsPort(m.port);
    return new ServiceMonitor(this, 'ServiceMonitor', {
      metadata,
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/name': this.name } },
        endpoints: [{ port: port.name, path: this.metricsPath, interval }],
      },
    });
  }

  /** Prometheus Operator monitors only find declared ports: the metrics port must be one of ours. */
  private declaredMetricsPort(metricsPort: number): ServicePortInfo {
    const port = this.ports.find((x) => x.targetPort === metricsPort);
    if (!port) {
      throw new MeshforgeError('metrics port is not a declared port', {
        code: 'MONITOR_KIND',
        path: this.node.path,
        field: 'metrics.port',
        value: metricsPort,
        expected: `a targetPort of one of the ports (${this.ports.map((x) => x.targetPort).join(', ')}); Prometheus Operator drops targets on undeclared ports`,
      });
    }
    return port;
  }

  private virtualServiceSpec() {
    const gateways = this.exposures.length > 0 ? ['mesh', ...this.exposures.map((e) => e.gateway.ref)] : undefined;
    const hosts = [this.host, ...new Set(this.exposures.flatMap((e) => e.hosts))];
    const fallback = this.defaultSplit?.destinations ?? [{ version: this._versions[0], weight: 100 }];
    const defaults = { retries: this.props.retries, timeout: this.props.timeout };
    let http: VirtualServiceSpecHttp[] | undefined;
    if (this.ports.some((p) => HTTP_PROTOCOLS.includes(p.protocol))) {
      http = this.routes.map(({ options }, i) =>
        routeToIstio(this.host, options.name ?? `route-${i}`, options, options.destinations ?? fallback, defaults),
      );
      http.push(routeToIstio(this.host, 'default', {}, fallback, defaults));
    }
    // TCP and TLS ports get the default split per port; gateways only carry HTTP here.
    const onlyMesh = gateways ? ['mesh'] : undefined;
    const opaque = (protocol: AppProtocol) =>
      this.ports
        .filter((p) => p.protocol === protocol)
        .map((p) => ({
          port: p.port,
          route: fallback.map((d) => ({
            destination: { host: this.host, subset: d.version, port: { number: p.port } },
            weight: fallback.length > 1 ? d.weight : undefined,
          })),
        }));
    const tcp = opaque('tcp').map(({ port, route }) => ({ match: [{ port, gateways: onlyMesh }], route }));
    // TLS is routed on SNI: clients must send the service's FQDN.
    const tls = opaque('tls').map(({ port, route }) => ({ match: [{ port, sniHosts: [this.host], gateways: onlyMesh }], route }));
    return { hosts, gateways, http, tcp: tcp.length > 0 ? tcp : undefined, tls: tls.length > 0 ? tls : undefined };
  }

  private destinationRuleSpec() {
    const p = this.props;
    return {
      host: this.host,
      trafficPolicy: {
        tls: { mode: p.tlsMode === 'DISABLE' ? DestinationRuleSpecTrafficPolicyTlsMode.DISABLE : DestinationRuleSpecTrafficPolicyTlsMode.ISTIO_UNDERSCORE_MUTUAL },
        loadBalancer: p.loadBalancer?.toIstio(),
        connectionPool: p.connectionPool && connectionPoolToIstio(p.connectionPool),
        outlierDetection: p.outlierDetection && outlierDetectionToIstio(p.outlierDetection),
      },
      subsets: this._versions.map((v) => ({ name: v, labels: { [VERSION_LABEL]: v } })),
    };
  }
}

function isMatchList(m: HttpRouteMatch | readonly HttpRouteMatch[]): m is readonly HttpRouteMatch[] {
  return Array.isArray(m);
}

/** The Deployment's own labels: the pod's, minus the injection switch (it only means something on pods). */
function podLabelsWithoutInject(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([k]) => k !== INJECT_LABEL));
}

/** Names of the pod's volumes: added directly, or through a container mount (cdk8s-plus collects those at synth). */
function podVolumeNames(deployment: kplus.Deployment): string[] {
  const names = [...deployment.volumes, ...deployment.containers.flatMap((c) => c.mounts.map((m) => m.volume))].map((v) => v.name);
  return [...new Set(names)];
}


/** Binary and decimal suffixes of Kubernetes quantities. */
const QUANTITY_SUFFIX: Readonly<Record<string, number>> = {
  '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};
const QUANTITY = /^\+?(\d+(?:\.\d*)?|\.\d+)(?:([eE][-+]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/;

/** Value of a non-negative Kubernetes quantity ("250m", "1.5", "1e3", "128Mi", "1G"), undefined when invalid. */
export function parseQuantity(q: string): number | undefined {
  const m = QUANTITY.exec(q);
  if (!m) return undefined;
  return Number(m[1] + (m[2] ?? '')) * QUANTITY_SUFFIX[m[3] ?? ''];
}

/** Each quantity is valid and each request is at most its limit (the API server rejects request > limit). */
function checkResources(path: string, prefix: string, res: ResourceOptions): void {
  const values: Partial<Record<keyof ResourceOptions, number>> = {};
  for (const key of ['cpuRequest', 'cpuLimit', 'memoryRequest', 'memoryLimit'] as const) {
    const q = res[key];
    if (q === undefined) continue;
    const v = parseQuantity(q);
    if (v === undefined) {
      const cpu = key.startsWith('cpu');
      throw new MeshforgeError(`invalid ${cpu ? 'CPU' : 'memory'} quantity`, {
        code: 'INVALID_QUANTITY',
        path,
        field: `${prefix}.${key}`,
        value: q,
        expected: `a non-negative Kubernetes quantity: a number with an optional suffix m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei (e.g. ${cpu ? '"250m" or "1.5"' : '"256Mi", "1Gi" or "500M"'})`,
      });
    }
    values[key] = v;
  }
  for (const [request, limit] of [['cpuRequest', 'cpuLimit'], ['memoryRequest', 'memoryLimit']] as const) {
    const r = values[request];
    const l = values[limit];
    if (r !== undefined && l !== undefined && r > l) {
      throw new MeshforgeError(`${request} above ${limit}`, {
        code: 'RESOURCES',
        path,
        field: `${prefix}.${request}`,
        value: res[request],
        expected: `at most ${limit} (${JSON.stringify(res[limit])}); Kubernetes rejects a request above its limit`,
      });
    }
  }
}
