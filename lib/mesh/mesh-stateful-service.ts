import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { DestinationRule, VirtualService } from '../../imports/networking.istio.io';
import { PodMonitor, ServiceMonitor } from '../../imports/monitoring.coreos.com';
import { MeshforgeError } from '../validation/meshforge-error';
import { DNS_NAME, isDnsLabel } from '../validation/names';
import { parseQuantity } from '../validation/quantity';
import { createMonitor } from './app-monitor';
import { ISTIO_MERGED_METRICS_PATH, ISTIO_MERGED_METRICS_PORT, VERSION_LABEL, requireIntInRange, requirePort } from './conventions';
import { destinationRuleSpec } from './destination-rule';
import { HealthCheck } from './health-check';
import { DisruptionBudgetOptions, MeshServicePort, MetricsOptions, ServicePortInfo } from './mesh-service-props';
import { HTTP_PROTOCOLS, resolvePorts } from './service-ports';
import { ConnectionPoolOptions, LoadBalancer, OutlierDetectionOptions } from './traffic-policy';
import { MeshPodOptions, ResolvedPod, checkSidecarAdmission, createPodIdentityAndConfig, podTemplate, resolvePod, workloadAnnotations } from './workload-pod';

/** Access modes of a PersistentVolumeClaim. */
export type VolumeAccessMode = 'ReadWriteOnce' | 'ReadOnlyMany' | 'ReadWriteMany' | 'ReadWriteOncePod';

/** One `volumeClaimTemplates` entry: each pod gets its own PersistentVolumeClaim `<name>-<statefulset>-<ordinal>`. */
export interface VolumeClaim {
  /** Claim (and volume) name, a DNS label. */
  readonly name: string;
  /** Where the application container mounts it (read-write). */
  readonly mountPath: string;
  /** Requested size, a Kubernetes quantity such as "10Gi". */
  readonly size: string;
  /** StorageClass. @default - the cluster's default StorageClass */
  readonly storageClass?: string;
  /** @default ["ReadWriteOnce"] */
  readonly accessModes?: readonly VolumeAccessMode[];
}

/**
 * How a StatefulSet replaces its pods on a template change.
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#update-strategies
 */
export class StatefulUpdateStrategy {
  /**
   * Replace pods one at a time from the highest ordinal down, waiting for each
   * to be Ready; only ordinals ≥ `partition` are updated (a staged rollout:
   * lower the partition to continue).
   */
  public static rollingUpdate(options: { readonly partition?: number } = {}): StatefulUpdateStrategy {
    return new StatefulUpdateStrategy('RollingUpdate', options.partition ?? 0);
  }
  /** Pods are replaced only when deleted (by hand or by an operator). */
  public static onDelete(): StatefulUpdateStrategy {
    return new StatefulUpdateStrategy('OnDelete', undefined);
  }
  private constructor(public readonly type: 'RollingUpdate' | 'OnDelete', public readonly partition: number | undefined) {}
}

/** Properties of a MeshStatefulService. */
export interface MeshStatefulServiceProps extends MeshPodOptions {
  /** Pods (`<name>-0` … `<name>-<replicas-1>`). @default 1 */
  readonly replicas?: number;
  /** @default [{ port: 8080, protocol: 'http' }] */
  readonly ports?: readonly MeshServicePort[];
  /**
   * Per-pod persistent volumes. Kubernetes forbids changing the
   * volumeClaimTemplates of an existing StatefulSet: a change here fails the
   * sync until the StatefulSet is deleted with `--cascade=orphan` and
   * re-created (the claims and data stay).
   * @default - none
   */
  readonly volumeClaims?: readonly VolumeClaim[];
  /** `OrderedReady` starts pod n+1 only once pod n is Ready; `Parallel` starts them all at once. @default "OrderedReady" */
  readonly podManagementPolicy?: 'OrderedReady' | 'Parallel';
  /** @default StatefulUpdateStrategy.rollingUpdate() (partition 0) */
  readonly updateStrategy?: StatefulUpdateStrategy;
  /** The `version` label of every pod (and the DestinationRule's only subset). @default "v1" */
  readonly version?: string;
  /** @default HealthCheck.tcp() on the first target port */
  readonly liveness?: HealthCheck;
  /** @default HealthCheck.tcp() on the first target port */
  readonly readiness?: HealthCheck;
  /** @default - none */
  readonly startup?: HealthCheck;
  /** @default - the namespace's injection setting (true for a namespace name) */
  readonly mesh?: boolean;
  /** mTLS to the service. @default "ISTIO_MUTUAL" */
  readonly tlsMode?: 'ISTIO_MUTUAL' | 'DISABLE';
  /** @default - Istio's default (LEAST_REQUEST) */
  readonly loadBalancer?: LoadBalancer;
  /** @default - Istio's defaults */
  readonly connectionPool?: ConnectionPoolOptions;
  /** @default - no outlier detection */
  readonly outlierDetection?: OutlierDetectionOptions;
  /** PodDisruptionBudget over all pods. @default - none */
  readonly disruptionBudget?: DisruptionBudgetOptions;
  /** @default - no scrape annotations */
  readonly metrics?: MetricsOptions;
}

/** Access modes the API server accepts. */
const ACCESS_MODES: readonly VolumeAccessMode[] = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'];

/**
 * A service backed by a StatefulSet (a database, a queue) on the mesh: stable
 * pod names, a PersistentVolumeClaim per pod, ordered rollout. Emits a
 * ServiceAccount, a ConfigMap of `files`, a ClusterIP Service `<name>` for
 * clients, a headless Service `<name>-headless` governing the StatefulSet
 * (per-pod DNS `<name>-<n>.<name>-headless.<ns>.svc.cluster.local`), the
 * StatefulSet, an optional PDB and, in mesh mode, a DestinationRule and a
 * VirtualService (HTTP, TCP and TLS ports). Declared callers, metrics and
 * alerts work as for a MeshService: it has the same `name`, `namespace`,
 * `serviceAccountName`, `selectorLabels`, `workloadPorts`, `ports`.
 *
 * One version only: a StatefulSet rolls out in place (stage it with
 * `StatefulUpdateStrategy.rollingUpdate({ partition })`); two StatefulSets
 * cannot share the data, so canary versions are refused.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/
 */
export class MeshStatefulService extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  /** `<name>.<namespace>.svc.cluster.local` (the ClusterIP Service clients use). */
  public readonly host: string;
  /** Name of the headless Service governing the StatefulSet. */
  public readonly headlessServiceName: string;
  public readonly mesh: boolean;
  public readonly serviceAccountName: string;
  public readonly ports: readonly ServicePortInfo[];
  public readonly selectorLabels: Readonly<Record<string, string>>;
  public readonly replicas: number;
  /** Port Prometheus scrapes (15020 in mesh mode, the app's metrics port otherwise). */
  public readonly metricsPort?: number;
  /** Pods of the StatefulSet reach each other: security admits the workload as its own caller when it has more than one pod. */
  public readonly admitsPeers: boolean;
  public readonly statefulSet: k8s.KubeStatefulSet;
  public readonly service: k8s.KubeService;
  public readonly headlessService: k8s.KubeService;
  public readonly disruptionBudget?: k8s.KubePodDisruptionBudget;
  public readonly virtualService?: VirtualService;
  public readonly destinationRule?: DestinationRule;
  public readonly monitor?: PodMonitor | ServiceMonitor;

  constructor(scope: Construct, id: string, props: MeshStatefulServiceProps) {
    super(scope, id);
    const path = this.node.path;
    const versions = (props as { readonly versions?: unknown }).versions;
    if (versions !== undefined) {
      throw new MeshforgeError('a stateful service has one version', {
        code: 'STATEFUL_VERSIONS',
        path,
        field: 'versions',
        value: versions,
        expected: 'no versions: a StatefulSet updates its pods in place (stage a rollout with StatefulUpdateStrategy.rollingUpdate({ partition })); version names the pod label',
      });
    }
    // 52: the StatefulSet controller labels each pod controller-revision-hash=<name>-<10-char hash>
    const r = resolvePod(this, id, props, 52, 'StatefulSet');
    this.name = r.name;
    this.namespace = r.namespace;
    this.host = `${r.name}.${r.namespace}.svc.cluster.local`;
    this.headlessServiceName = `${r.name}-headless`;
    this.mesh = props.mesh ?? r.meshNamespace?.injection ?? true;
    checkSidecarAdmission(path, r.meshNamespace, this.mesh, 'mesh');
    this.serviceAccountName = r.serviceAccountName;
    this.selectorLabels = r.selectorLabels;
    this.ports = resolvePorts(path, props.ports ?? [{ port: 8080, protocol: 'http' }]);
    this.replicas = props.replicas ?? 1;
    requireIntInRange('INVALID_REPLICAS', 'replicas out of range', path, 'replicas', this.replicas, 0, 2147483647);
    this.admitsPeers = this.replicas > 1;
    const version = props.version ?? 'v1';
    if (!isDnsLabel(version)) {
      throw new MeshforgeError('invalid version', { code: 'INVALID_NAME', path, field: 'version', value: version, expected: 'a DNS label, e.g. "v1"' });
    }
    const strategy = props.updateStrategy ?? StatefulUpdateStrategy.rollingUpdate();
    requireIntInRange('STATEFUL_PARTITION', 'partition out of range', path, 'updateStrategy.partition', strategy.partition, 0, this.replicas);
    for (const field of ['liveness', 'readiness', 'startup'] as const) props[field]?._check(path, field);
    for (const [field, check] of [['liveness', props.liveness], ['startup', props.startup]] as const) {
      if (check && check.successThreshold !== 1) {
        throw new MeshforgeError('successThreshold must be 1', { code: 'PROBE_THRESHOLD', path, field: `${field}.successThreshold`, value: check.successThreshold, expected: '1 for liveness and startup probes (Kubernetes rejects anything else)' });
      }
    }
    requirePort(path, 'metrics.port', props.metrics?.port);
    const appMetrics = props.metrics && { port: props.metrics.port, path: props.metrics.path ?? '/metrics' };
    this.metricsPort = this.mesh ? ISTIO_MERGED_METRICS_PORT : appMetrics?.port;
    const claims = checkVolumeClaims(r, props);
    checkDisruptionBudget(path, props.disruptionBudget, this.replicas);

    const metadata = (name: string) => ({ name, namespace: this.namespace, labels: r.labels });
    createPodIdentityAndConfig(this, r);
    const servicePorts = this.ports.map((p) => ({ name: p.name, port: p.port, targetPort: k8s.IntOrString.fromNumber(p.targetPort), protocol: 'TCP', appProtocol: p.protocol }));
    this.service = new k8s.KubeService(this, 'Service', {
      metadata: metadata(this.name),
      spec: { type: 'ClusterIP', selector: { ...this.selectorLabels }, ports: servicePorts },
    });
    // Headless: per-pod DNS for the StatefulSet (serviceName). Istio needs every port pods use
    // between them declared here too, named for protocol selection (istio.io "headless services").
    this.headlessService = new k8s.KubeService(this, 'HeadlessService', {
      metadata: metadata(this.headlessServiceName),
      spec: { clusterIp: 'None', selector: { ...this.selectorLabels }, ports: servicePorts },
    });

    const podAnnotations: Record<string, string> = {};
    if (appMetrics) {
      // With Istio's metrics merging on, the injector rewrites these to the sidecar's :15020.
      podAnnotations['prometheus.io/scrape'] = 'true';
      podAnnotations['prometheus.io/port'] = String(appMetrics.port);
      podAnnotations['prometheus.io/path'] = appMetrics.path;
    }
    const probePort = this.ports[0].targetPort;
    const template = podTemplate(r, props, {
      mesh: this.mesh,
      restartPolicy: 'Always',
      labels: { [VERSION_LABEL]: version, 'app.kubernetes.io/version': version },
      annotations: podAnnotations,
      holdApplicationUntilProxyStarts: true,
      ports: this.ports.map((p) => ({ name: p.name, containerPort: p.targetPort })),
      probes: {
        liveness: (props.liveness ?? HealthCheck.tcp()).toKube(probePort),
        readiness: (props.readiness ?? HealthCheck.tcp()).toKube(probePort),
        startup: props.startup?.toKube(probePort),
      },
      volumeMounts: claims.map((c) => ({ name: c.name, mountPath: c.mountPath })),
      command: props.command,
      args: props.args,
      // a chown of a large volume on every start would delay the pod (and OrderedReady, every later pod)
      fsGroupChangePolicy: 'OnRootMismatch',
    });
    this.statefulSet = new k8s.KubeStatefulSet(this, 'StatefulSet', {
      metadata: { ...metadata(this.name), annotations: workloadAnnotations(props) },
      spec: {
        serviceName: this.headlessServiceName,
        replicas: this.replicas,
        podManagementPolicy: props.podManagementPolicy ?? 'OrderedReady',
        updateStrategy: strategy.type === 'RollingUpdate' ? { type: 'RollingUpdate', rollingUpdate: { partition: strategy.partition } } : { type: 'OnDelete' },
        // app only: the selector is immutable, so it never names the version
        selector: { matchLabels: { ...this.selectorLabels } },
        template,
        volumeClaimTemplates: claims.length > 0 ? claims.map((c) => ({
          metadata: { name: c.name, labels: r.labels },
          spec: {
            accessModes: [...(c.accessModes ?? ['ReadWriteOnce'])],
            storageClassName: c.storageClass,
            resources: { requests: { storage: k8s.Quantity.fromString(c.size) } },
          },
        })) : undefined,
      },
    });
    if (props.disruptionBudget) {
      const b = props.disruptionBudget;
      const intOrString = (v: number | string) => (typeof v === 'number' ? k8s.IntOrString.fromNumber(v) : k8s.IntOrString.fromString(v));
      this.disruptionBudget = new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
        metadata: metadata(this.name),
        spec: {
          selector: { matchLabels: { ...this.selectorLabels } },
          minAvailable: b.minAvailable !== undefined ? intOrString(b.minAvailable) : undefined,
          maxUnavailable: b.minAvailable === undefined ? intOrString(b.maxUnavailable ?? 1) : undefined,
        },
      });
    }
    if (this.mesh) {
      // the import's toJson renames fields to the wire names (consecutive5XxErrors → consecutive5xxErrors)
      this.destinationRule = new DestinationRule(this, 'DestinationRule', { metadata: metadata(this.name), spec: destinationRuleSpec(this.host, [version], props) });
      this.virtualService = new VirtualService(this, 'VirtualService', { metadata: metadata(this.name), spec: this.virtualServiceSpec(version) });
    }
    this.monitor = createMonitor(
      {
        scope: this,
        path,
        props: { namespace: this.namespace, image: props.image, metrics: props.metrics },
        name: this.name,
        namespace: this.namespace,
        meshNamespace: r.meshNamespace,
        host: this.host,
        mesh: this.mesh,
        ports: this.ports,
        selectorLabels: this.selectorLabels,
        serviceAccountName: this.serviceAccountName,
        appMetrics,
        metricsPath: this.mesh ? ISTIO_MERGED_METRICS_PATH : appMetrics?.path,
        configMap: () => undefined,
      },
      r.labels,
    );
  }

  /** Same as `mesh` (the name lib/security reads). */
  public get meshEnabled(): boolean {
    return this.mesh;
  }
  /** Ports as lib/security reads them (`IMeshWorkload`). */
  public get workloadPorts(): readonly { readonly name: string; readonly port: number; readonly targetPort: number }[] {
    return this.ports.map(({ name, port, targetPort }) => ({ name, port, targetPort }));
  }
  /** Stable DNS name of each pod, `<name>-<n>.<name>-headless.<namespace>.svc.cluster.local` (e.g. for a cluster's seed list). */
  public get podHosts(): readonly string[] {
    return Array.from({ length: this.replicas }, (_, i) => `${this.name}-${i}.${this.headlessServiceName}.${this.namespace}.svc.cluster.local`);
  }

  /** HTTP-family ports share one default route; each TCP port routes on its port, each TLS port on SNI. */
  private virtualServiceSpec(version: string) {
    const destination = (port: number) => ({ host: this.host, subset: version, port: { number: port } });
    const http = this.ports.filter((p) => HTTP_PROTOCOLS.includes(p.protocol));
    const opaque = (protocol: string) => this.ports.filter((p) => p.protocol === protocol);
    const tcp = opaque('tcp').map((p) => ({ match: [{ port: p.port }], route: [{ destination: destination(p.port) }] }));
    const tls = opaque('tls').map((p) => ({ match: [{ port: p.port, sniHosts: [this.host] }], route: [{ destination: destination(p.port) }] }));
    return {
      hosts: [this.host],
      http: http.length > 0 ? [{ name: 'default', route: [{ destination: { host: this.host, subset: version } }] }] : undefined,
      tcp: tcp.length > 0 ? tcp : undefined,
      tls: tls.length > 0 ? tls : undefined,
    };
  }
}

/** Claim names, sizes, classes, access modes and mount paths the API server and the pod accept. */
function checkVolumeClaims(r: ResolvedPod, p: MeshStatefulServiceProps): readonly VolumeClaim[] {
  const claims = p.volumeClaims ?? [];
  const fail = (i: number, field: string, value: unknown, message: string, expected: string) =>
    new MeshforgeError(message, { code: 'VOLUME_CLAIM', path: r.path, field: `volumeClaims[${i}].${field}`, value, expected });
  const taken = new Set(['config', ...(p.writablePaths ?? []).map((_, i) => `writable-${i}`)]);
  const mountPaths = [...(r.config ? [p.configMountPath ?? '/config'] : []), ...(p.writablePaths ?? [])];
  const within = (inner: string, outer: string) => inner === outer || inner.startsWith(outer.endsWith('/') ? outer : `${outer}/`);
  claims.forEach((c, i) => {
    // the PVC is named <claim>-<statefulset>-<ordinal>, a DNS subdomain
    if (!isDnsLabel(c.name)) throw fail(i, 'name', c.name, 'invalid claim name', 'a DNS label (lowercase letters, digits and "-"), e.g. "data"');
    if (taken.has(c.name)) throw fail(i, 'name', c.name, 'claim name already used by a volume of the pod', `a name other than ${[...taken].join(', ')}`);
    taken.add(c.name);
    const bytes = parseQuantity(c.size);
    if (bytes === undefined || bytes <= 0) {
      throw fail(i, 'size', c.size, 'invalid storage size', 'a positive Kubernetes quantity, e.g. "10Gi" or "500M"');
    }
    if (c.storageClass !== undefined && (!DNS_NAME.test(c.storageClass) || c.storageClass.length > 253)) {
      throw fail(i, 'storageClass', c.storageClass, 'invalid StorageClass name', 'a DNS subdomain, e.g. "gp3" or "standard-rwo"');
    }
    const modes = c.accessModes ?? ['ReadWriteOnce'];
    const bad = modes.find((m) => !ACCESS_MODES.includes(m));
    if (modes.length === 0 || bad !== undefined) throw fail(i, 'accessModes', bad ?? [], 'invalid access modes', `one or more of ${ACCESS_MODES.join(', ')}`);
    if (!c.mountPath.startsWith('/')) throw fail(i, 'mountPath', c.mountPath, 'mount path is not absolute', 'an absolute path, e.g. "/data"');
    const clash = mountPaths.find((m) => within(c.mountPath, m) || within(m, c.mountPath));
    if (clash !== undefined) throw fail(i, 'mountPath', c.mountPath, 'mount path overlaps another mount', `a path neither equal to, above nor inside "${clash}"`);
    mountPaths.push(c.mountPath);
  });
  return claims;
}

/** Exactly one of minAvailable/maxUnavailable, and a budget that lets a node drain evict a pod. */
function checkDisruptionBudget(path: string, b: DisruptionBudgetOptions | undefined, replicas: number): void {
  if (!b) return;
  if (b.minAvailable !== undefined && b.maxUnavailable !== undefined) {
    throw new MeshforgeError('both minAvailable and maxUnavailable set', { code: 'DISRUPTION_BUDGET', path, field: 'disruptionBudget', value: b, expected: 'exactly one of minAvailable or maxUnavailable' });
  }
  const blocks = typeof b.minAvailable === 'number' ? b.minAvailable >= replicas : b.maxUnavailable === 0;
  if (blocks) {
    throw new MeshforgeError(`PodDisruptionBudget allows no eviction with ${replicas} replica(s)`, {
      code: 'DISRUPTION_BUDGET',
      path,
      field: 'disruptionBudget',
      value: b,
      expected: 'minAvailable below replicas (or maxUnavailable ≥ 1), or node drains block forever',
    });
  }
}
