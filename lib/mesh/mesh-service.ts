import { ApiObject, JsonPatch, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { DestinationRule, VirtualService } from '../../imports/networking.istio.io';
import { PodMonitor, ServiceMonitor } from '../../imports/monitoring.coreos.com';
import { MeshforgeError } from '../validation/meshforge-error';
import { requireDnsLabel } from '../validation/names';
import { createMonitor } from './app-monitor';
import { checkConfigFiles, configMapData } from './config-files';
import { APP_LABEL, ISTIO_MERGED_METRICS_PATH, ISTIO_MERGED_METRICS_PORT, requirePort, requireServiceName } from './conventions';
import { standInModels } from './deployment';
import { destinationRuleSpec, destinationRuleWireSpec } from './destination-rule';
import { Exposures } from './exposure';
import { checkExternalTrafficOptions } from './external-traffic';
import { canStandIn, installFastJson, plainManifest } from './fast-render';
import { HttpRouteOptions } from './http-route';
import { MeshGateway } from './mesh-gateway';
import { MeshNamespace } from './mesh-namespace';
import { checkObjectNames } from './object-names';
import {
  AbVariant,
  GatewayExposure,
  GatewayExposureOptions,
  MeshServiceProps,
  MeshServiceVersion,
  ServicePortInfo,
  SidecarOptions,
} from './mesh-service-props';
import { checkPodOptions } from './pod-options';
import { ReportError, ServiceContext, commonLabels } from './service-context';
import { resolvePorts } from './service-ports';
import { StandIns } from './stand-ins';
import { RoutedDestination, Traffic } from './traffic';
import { Workload } from './workload';


/**
 * One microservice on the mesh: a Deployment per version, a Service, a
 * ServiceAccount, and in mesh mode a VirtualService and DestinationRule;
 * optionally a ConfigMap of files, HPA, PDB and a Prometheus monitor.
 *
 * The class resolves the props once (a `ServiceContext`) and hands each
 * concern to its part: `Workload` (Deployments, pods, HPA, PDB, sidecars),
 * `Traffic` (routes and release strategies → VirtualService),
 * `destinationRuleSpec` (traffic policy and subsets), `Exposures`
 * (gateways), `StandIns` (the render fast path) and `createMonitor`.
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

  private _service?: kplus.Service;
  private _serviceAccount?: kplus.ServiceAccount;
  private _configMap?: kplus.ConfigMap;
  private readonly _virtualService?: VirtualService;
  private _gatewayVirtualService?: VirtualService;
  private readonly _destinationRule?: DestinationRule;
  /**
   * Set once the VirtualService or DestinationRule was handed out: they then
   * render through cdk8s's own `toJson` (see fast-render.ts).
   */
  private escaped = false;
  private readonly standIns: StandIns;
  private readonly workload: Workload;
  private readonly traffic: Traffic;
  private readonly exposures: Exposures;
  private readonly partOf?: string;

  constructor(scope: Construct, id: string, props: MeshServiceProps) {
    super(scope, id);
    const path = this.node.path;
    this.name = props.name ?? id;
    requireServiceName(path, 'name', this.name);
    let meshNamespace: MeshNamespace | undefined;
    if (typeof props.namespace === 'string') {
      requireDnsLabel(path, 'namespace', props.namespace);
      this.namespace = props.namespace;
    } else {
      meshNamespace = props.namespace;
      this.namespace = props.namespace.name;
    }
    this.host = `${this.name}.${this.namespace}.svc.cluster.local`;
    this.standIns = new StandIns(this, canStandIn(this) && standInModels(props));
    this.mesh = props.mesh ?? meshNamespace?.injection ?? true;
    if (this.mesh && meshNamespace && meshNamespace.enforcedPodSecurity === 'restricted' && !meshNamespace.cni) {
      // istio-init (NET_ADMIN, NET_RAW, root) would be rejected by the namespace's PSA level
      throw new MeshforgeError('sidecar cannot be admitted: namespace enforces PSA restricted without Istio CNI', {
        code: 'POD_SECURITY',
        path,
        field: 'mesh',
        value: true,
        expected: `mesh: false, or namespace ${meshNamespace.name} with injection: true (enforce privileged) or cni: true`,
      });
    }
    Workload.checkImage(path, 'image', props.image, props.allowLatestTag);
    Workload.checkAllowedInlineEnv(path, props);
    Workload.checkEnv(path, props.env ?? {}, 'env', props.allowInlineEnv);
    Traffic.checkProps(path, props);
    Workload.checkProps(path, props);
    checkConfigFiles(path, props);
    // the pod's own volumes: the config files and the writable paths (deployment.ts)
    const ownVolumes = [...(props.files ? ['config'] : []), ...(props.writablePaths ?? []).map((_, i) => `writable-${i}`)];
    checkPodOptions(path, props, [this.name], props.allowLatestTag, ownVolumes);
    checkExternalTrafficOptions(path, props);
    props.locality?._check(path, 'locality', props.outlierDetection !== undefined);
    checkObjectNames(path, this.name, props);
    this.ports = resolvePorts(path, props.ports ?? [{ port: 8080, protocol: 'http' }]);
    this.selectorLabels = { [APP_LABEL]: this.name };

    requirePort(path, 'metrics.port', props.metrics?.port);
    if (props.metrics) this.appMetrics = { port: props.metrics.port, path: props.metrics.path ?? '/metrics' };
    // Injected pods always serve merged (app + Envoy) metrics on the sidecar, metrics declared or not.
    this.metricsPort = this.mesh ? ISTIO_MERGED_METRICS_PORT : this.appMetrics?.port;
    this.metricsPath = this.mesh ? ISTIO_MERGED_METRICS_PATH : this.appMetrics?.path;
    if (props.serviceAccountName !== undefined && props.existingServiceAccount !== undefined) {
      throw new MeshforgeError('both serviceAccountName and existingServiceAccount set', {
        code: 'SERVICE_ACCOUNT',
        path,
        field: 'existingServiceAccount',
        value: props.existingServiceAccount,
        expected: `serviceAccountName (created by this service) or existingServiceAccount (created elsewhere), not both`,
      });
    }
    // names are checked with every other object name by the synth-time manifest rules (K8S_NAME)
    this.serviceAccountName = props.existingServiceAccount ?? props.serviceAccountName ?? this.name;

    const files = configMapData(path, props.files);
    const ctx: ServiceContext = {
      scope: this,
      path,
      props,
      name: this.name,
      namespace: this.namespace,
      meshNamespace,
      host: this.host,
      mesh: this.mesh,
      ports: this.ports,
      selectorLabels: this.selectorLabels,
      serviceAccountName: this.serviceAccountName,
      appMetrics: this.appMetrics,
      metricsPath: this.metricsPath,
      config: files && { mapName: props.configMapName ?? `${this.name}-config`, hash: files.hash },
      configMap: () => this._configMap,
    };
    this.workload = new Workload(ctx, this.standIns);
    this.exposures = new Exposures(path, this.namespace);
    this.traffic = new Traffic(ctx, this.exposures);

    this.partOf = props.partOf;
    const labels = commonLabels(this.name, props.partOf);
    const metadata = (name: string) => ({ name, namespace: this.namespace, labels });
    if (props.existingServiceAccount === undefined) {
      const sa = this.serviceAccountName;
      this.standIns.defer('ServiceAccount', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(sa), automountServiceAccountToken: false }, () => {
        this._serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', { metadata: metadata(sa), automountToken: false });
      });
    }
    if (files && ctx.config) {
      const { data, binaryData } = files;
      const name = ctx.config.mapName;
      const json = binaryData
        ? { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(name), binaryData, data, immutable: false }
        : { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(name), data, immutable: false };
      this.standIns.defer('ConfigMap', json, () => {
        this._configMap = new kplus.ConfigMap(this, 'ConfigMap', { metadata: metadata(name), data, binaryData });
      });
    }
    this.createService(props.serviceType ?? kplus.ServiceType.CLUSTER_IP, () => metadata(this.name), props);

    for (const v of props.versions ?? ['v1']) this.addVersion(typeof v === 'string' ? { name: v } : v);

    if (this.mesh) {
      const vs = new VirtualService(this, 'VirtualService', {
        metadata: { name: this.name, namespace: this.namespace, labels },
        spec: Lazy.any({ produce: () => this.traffic.virtualServiceSpec(this.workload.versions) }),
      });
      // The import's toJson re-serialises field by field in sorted order under the wire names; the
      // fields meshforge emits have the wire names already (but one, see destinationRuleWireSpec), so sorting is enough.
      installFastJson(vs, () => (this.escaped ? undefined
        : plainManifest({ ...VirtualService.GVK, metadata: vs.metadata.toJson(), spec: this.traffic.virtualServiceSpec(this.workload.versions) })));
      this._virtualService = vs;
      const drSpec = () => destinationRuleSpec(this.host, this.workload.versions, props);
      const dr = new DestinationRule(this, 'DestinationRule', {
        metadata: { name: this.name, namespace: this.namespace, labels },
        spec: Lazy.any({ produce: drSpec }),
      });
      installFastJson(dr, () => (this.escaped ? undefined
        : plainManifest({ ...DestinationRule.GVK, metadata: dr.metadata.toJson(), spec: destinationRuleWireSpec(drSpec()) })));
      this._destinationRule = dr;
    }
    this.monitor = createMonitor(ctx, labels);
    this.node.addValidation({ validate: () => this.check().map((e) => e.detail) });
  }

  /** Declared version names, in declaration order. */
  public get versions(): readonly string[] {
    return this.workload.versions;
  }
  /** The Deployment of each version (escape hatch). */
  public get deployments(): ReadonlyMap<string, kplus.Deployment> {
    this.standIns.materialize();
    return this.workload.deployments;
  }
  /** The HPA of each version, when `autoscaling` is set. */
  public get autoscalers(): ReadonlyMap<string, kplus.HorizontalPodAutoscaler> {
    return this.workload.autoscalers;
  }
  /** The Service (escape hatch). */
  public get service(): kplus.Service {
    this.standIns.materialize();
    return this._service!;
  }
  /** The ServiceAccount, when this construct created it (not with `existingServiceAccount`). */
  public get serviceAccount(): kplus.ServiceAccount | undefined {
    this.standIns.materialize();
    return this._serviceAccount;
  }
  /** The ConfigMap holding `files`, if any. */
  public get configMap(): kplus.ConfigMap | undefined {
    this.standIns.materialize();
    return this._configMap;
  }
  /** The VirtualService (mesh mode). */
  public get virtualService(): VirtualService | undefined {
    this.escaped = true;
    return this._virtualService;
  }
  /**
   * The VirtualService bound to the gateways (`<name>-gateway`), once the
   * service is exposed in mesh mode: only the routes that list a gateway.
   */
  public get gatewayVirtualService(): VirtualService | undefined {
    this.escaped = true;
    return this._gatewayVirtualService;
  }
  /**
   * Hosts the routes send traffic to other than this service, with the
   * gateways and whether in-mesh callers execute them (what security admits).
   */
  public get routedDestinations(): readonly RoutedDestination[] {
    return this.traffic.routedDestinations;
  }
  /**
   * Gateways that send requests to this service itself (a gateway route
   * with a destination here, or `exposeAll`); the others only route through
   * it to other hosts.
   */
  public get gatewaysServingSelf(): readonly MeshGateway[] {
    return this.traffic.gatewaysServingSelf;
  }
  /** The DestinationRule (mesh mode). */
  public get destinationRule(): DestinationRule | undefined {
    this.escaped = true;
    return this._destinationRule;
  }
  /** The PDB of each version, when `disruptionBudget` is set. */
  public get disruptionBudgets(): ReadonlyMap<string, k8s.KubePodDisruptionBudget> {
    return this.workload.disruptionBudgets;
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
    return this.exposures.list;
  }

  /**
   * Adds a version: a Deployment `<name>-<version>` and a subset. Refused
   * with `deploymentName` or `deploymentSelector` (single-version options).
   * Returns this.
   */
  public addVersion(version: MeshServiceVersion): this {
    this.workload.addVersion(version);
    return this;
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
    this.standIns.materialize();
    this.workload.addSidecar(container, options);
    return this;
  }

  /**
   * Exposes the service through a gateway: a second VirtualService
   * (`<name>-gateway`) binds the public hosts to it, carrying only the routes
   * that list the gateway (and the default route with `exposeAll`). Returns this.
   */
  public exposeVia(gateway: MeshGateway, options: GatewayExposureOptions = {}): this {
    this.exposures.add(gateway, options);
    if (this.mesh && !this._gatewayVirtualService) {
      const spec = () => this.traffic.gatewayVirtualServiceSpec(this.workload.versions) ?? { hosts: this.exposures.hosts, gateways: this.exposures.gatewayRefs, http: [] };
      const vs = new VirtualService(this, 'GatewayVirtualService', {
        metadata: { name: `${this.name}-gateway`, namespace: this.namespace, labels: commonLabels(this.name, this.partOf) },
        spec: Lazy.any({ produce: spec }),
      });
      installFastJson(vs, () => (this.escaped ? undefined : plainManifest({ ...VirtualService.GVK, metadata: vs.metadata.toJson(), spec: spec() })));
      this._gatewayVirtualService = vs;
    }
    return this;
  }

  /** Adds an HTTP route, evaluated before the default route, in the order added. Returns this. */
  public addRoute(route: HttpRouteOptions): this {
    this.traffic.addRoute(route);
    return this;
  }

  /** Splits the default route by weight, e.g. `{ v1: 90, v2: 10 }`. Weights must sum to 100. Returns this. */
  public canary(weights: Readonly<Record<string, number>>): this {
    this.traffic.canary(weights);
    return this;
  }

  /** Sends all default traffic to `active`; the other versions stay deployed for instant switch-back. Returns this. */
  public blueGreen(active: string): this {
    this.traffic.blueGreen(active);
    return this;
  }

  /**
   * A/B test: requests matching a variant go to its version, everything else
   * to `defaultVersion`. Returns this.
   */
  public abTest(variants: readonly AbVariant[], defaultVersion: string): this {
    this.traffic.abTest(variants, defaultVersion);
    return this;
  }

  /**
   * Runs the cross-object checks (also run at synth time) and returns the
   * failures; empty when the service is consistent.
   */
  public check(): MeshforgeError[] {
    const errors: MeshforgeError[] = [];
    const err: ReportError = (code, message, field, value, expected) =>
      errors.push(new MeshforgeError(message, { code, path: this.node.path, field, value, expected }));
    this.traffic.check(this.workload.versions, err);
    this.workload.check(err);
    return errors;
  }

  /** The Service (a stand-in while the service renders fast). */
  private createService(
    serviceType: kplus.ServiceType,
    metadata: () => { name: string; namespace: string; labels: Record<string, string> },
    external: Pick<MeshServiceProps, 'externalTrafficPolicy' | 'loadBalancerSourceRanges'> = {},
  ): void {
    const serviceJson = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: metadata(),
      spec: Lazy.any({
        produce: () => ({
          externalIPs: [],
          ports: this.ports.map((p) => ({ appProtocol: p.protocol, name: p.name, port: p.port, protocol: 'TCP', targetPort: p.targetPort })),
          selector: { ...this.selectorLabels },
          type: serviceType,
        }),
      }),
    };
    this.standIns.defer('Service', serviceJson, () => {
      const service = new kplus.Service(this, 'Service', {
        metadata: metadata(),
        type: serviceType,
        ports: this.ports.map((p) => ({ port: p.port, targetPort: p.targetPort, name: p.name, protocol: kplus.Protocol.TCP })),
        loadBalancerSourceRanges: external.loadBalancerSourceRanges && [...external.loadBalancerSourceRanges],
      });
      // cdk8s-plus 27 has no externalTrafficPolicy
      const policy = external.externalTrafficPolicy;
      if (policy !== undefined) ApiObject.of(service).addJsonPatch(JsonPatch.add('/spec/externalTrafficPolicy', policy));
      for (const [k, v] of Object.entries(this.selectorLabels)) service.selectLabel(k, v);
      // cdk8s-plus has no appProtocol; Istio reads it before the port name.
      this.ports.forEach((p, i) => ApiObject.of(service).addJsonPatch(JsonPatch.add(`/spec/ports/${i}/appProtocol`, p.protocol)));
      this._service = service;
    });
  }
}
