import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { ConfigFile } from './config-file';
import { HealthCheck } from './health-check';
import { HttpRouteMatch, RetryPolicy } from './http-route';
import { MeshGateway } from './mesh-gateway';
import { LocalityLoadBalancing } from './locality';
import { MeshNamespace } from './mesh-namespace';
import { PodOptions } from './pod-options';
import { ConnectionPoolOptions, LoadBalancer, OutlierDetectionOptions } from './traffic-policy';

/*
 * The props of a MeshService and the option types of its methods: the
 * user-facing vocabulary, without behaviour (defaults are applied by the
 * part that uses each option: workload.ts, traffic.ts, destination-rule.ts).
 */

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
  /** Extra environment variables of this version only (they win over the service's `env`). @default - none */
  readonly env?: Readonly<Record<string, string>>;
  /** Arguments of this version's container, instead of the service's `args`. @default - the service's `args` */
  readonly args?: readonly string[];
  /** Resources of this version's container, each field over the service's `resources`. @default - the service's `resources` */
  readonly resources?: ResourceOptions;
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

/** Properties of a MeshService (the pod-spec knobs come from `PodOptions`). */
export interface MeshServiceProps extends PodOptions {
  /** Namespace (a MeshNamespace, or the name of one managed elsewhere). */
  readonly namespace: MeshNamespace | string;
  /** Service name: Kubernetes Service name, `app` label, ServiceAccount name. @default - the construct id */
  readonly name?: string;
  /** Container image with an explicit tag or digest, e.g. "ghcr.io/acme/cart:1.4.2". */
  readonly image: string;
  /** Allow an image without a tag or with `:latest`. @default false */
  readonly allowLatestTag?: boolean;
  /**
   * When the kubelet pulls the application image. Tags are pinned
   * (IMAGE_TAG), so the node's copy is the right one; `ALWAYS` re-checks the
   * registry on every start (e.g. to re-check pull credentials).
   * @default kplus.ImagePullPolicy.IF_NOT_PRESENT
   */
  readonly imagePullPolicy?: kplus.ImagePullPolicy;
  /** Versions, each with its own Deployment and subset. @default [{ name: 'v1' }] */
  readonly versions?: readonly (string | MeshServiceVersion)[];
  /** @default [{ port: 8080, protocol: 'http' }] */
  readonly ports?: readonly MeshServicePort[];
  /** @default kplus.ServiceType.CLUSTER_IP */
  readonly serviceType?: kplus.ServiceType;
  /**
   * `Local` keeps external traffic on the node it arrives at (the client's
   * source IP is preserved; nodes without a pod fail the load balancer's
   * health check). Only for `NODE_PORT` and `LOAD_BALANCER` Services.
   * @default - Kubernetes' default ("Cluster")
   */
  readonly externalTrafficPolicy?: 'Cluster' | 'Local';
  /**
   * Client CIDRs the cloud load balancer admits (e.g. "203.0.113.0/24").
   * Only for `LOAD_BALANCER` Services.
   * @default - any source
   */
  readonly loadBalancerSourceRanges?: readonly string[];
  /** @default - the image's entrypoint */
  readonly command?: readonly string[];
  /** @default - the image's cmd */
  readonly args?: readonly string[];
  /**
   * Plain environment variables. Values that look like secrets (by name, such
   * as `DB_PASSWORD`, or by format, such as `sk_live_…`, a PEM private key or a
   * URL with a password) are refused: use `secretEnv`, or `allowInlineEnv`.
   * @default - none
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Variables of `env` (or of a version's `env`) that look like secrets but
   * are not, each with the reason (e.g. `{ STRIPE_PUBLISHABLE_KEY: 'public key,
   * shipped to browsers' }`). The reasons are written to the Deployment as a
   * `policy.meshforge.io/allow-inline-secrets` exception, so `npm run check`
   * accepts them too.
   * @default - none
   */
  readonly allowInlineEnv?: Readonly<Record<string, string>>;
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
   * Name of the ServiceAccount the pods run as (their mTLS identity); this
   * construct creates it.
   * @default - the service name
   */
  readonly serviceAccountName?: string;
  /**
   * Run as a ServiceAccount created elsewhere (another app, a Helm chart, the
   * platform team): nothing is created, and the Deployments carry the
   * annotation `meshforge.io/existing-service-account: <name>` so checks know
   * the account is expected to exist. Pods are never created while it is
   * missing. Exclusive with `serviceAccountName`.
   * @default - none (the account is created, see serviceAccountName)
   */
  readonly existingServiceAccount?: string;
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
  /**
   * Locality load balancing (failover between zones and regions, or weighted
   * distribution). Failover needs `outlierDetection`.
   * @default - Istio's default (locality-aware when the mesh enables it)
   */
  readonly locality?: LocalityLoadBalancing;
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
  /**
   * Turn on the sidecar's DNS proxy with address auto-allocation for these
   * pods (proxy metadata `ISTIO_META_DNS_CAPTURE` and
   * `ISTIO_META_DNS_AUTO_ALLOCATE` in the `proxy.istio.io/config`
   * annotation): a TCP ServiceEntry without addresses then gets its own
   * virtual IP instead of capturing its port. Set it on the clients of an
   * `ExternalService` with `autoAllocateAddress`, unless the Istio install
   * enables both mesh-wide. Mesh mode only.
   * @default false
   * @see https://istio.io/latest/docs/ops/configuration/traffic-management/dns-proxy/
   */
  readonly dnsAutoAllocation?: boolean;
}

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
