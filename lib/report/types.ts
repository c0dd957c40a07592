/**
 * The topology a set of manifests declares, extracted from the YAML alone (so it
 * covers objects meshforge did not write). Every reader tolerates missing or
 * wrongly-typed fields: the API server validates types, the report shows what is there.
 * Lists are sorted so the page is the same for the same input.
 */
export interface TopologyModel {
  /** Namespaces the objects live in (declared Namespaces and namespaces of namespaced objects). */
  readonly namespaces: readonly string[];
  readonly services: readonly ServiceInfo[];
  readonly routes: readonly VirtualServiceInfo[];
  readonly gateways: readonly GatewayInfo[];
  readonly externals: readonly ExternalInfo[];
  readonly authorization: readonly AuthorizationInfo[];
  /** Caller → service edges allowed by ALLOW AuthorizationPolicies. */
  readonly callers: readonly CallerEdge[];
  readonly peerAuthentications: readonly PeerAuthenticationInfo[];
  readonly trafficPolicies: readonly TrafficPolicyInfo[];
  readonly alerts: readonly AlertInfo[];
  readonly dashboards: readonly DashboardInfo[];
  /** Workload env values that name another service's or an external host: who talks to what, as declared in config. */
  readonly references: readonly ReferenceEdge[];
  /** Object count by kind, for the page header. */
  readonly kinds: readonly { readonly kind: string; readonly count: number }[];
  /** Every object, so YAML the sections do not interpret is still on the page. */
  readonly objects: readonly { readonly kind: string; readonly id: string; readonly file: string }[];
}

export interface PortInfo {
  readonly name?: string;
  readonly port: number;
  /** Istio's view of the protocol: appProtocol, else the port name prefix (`http-`, `grpc-`...), else the L4 protocol. */
  readonly protocol: string;
  readonly targetPort?: string;
}

export interface VersionInfo {
  /** The pod's `version` label (what DestinationRule subsets select on), or the workload name. */
  readonly version: string;
  readonly workload: string;
  readonly kind: string;
  readonly images: readonly string[];
  /** `spec.replicas`, `HPA min–max` when an autoscaler targets the workload, undefined when unset. */
  readonly replicas?: string;
  readonly serviceAccount: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface ServiceInfo {
  /** `namespace/name`. */
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  readonly type: string;
  readonly ports: readonly PortInfo[];
  readonly selector: Readonly<Record<string, string>>;
  readonly versions: readonly VersionInfo[];
  /** Set for `type: ExternalName`. */
  readonly externalName?: string;
}

export interface RouteDestination {
  readonly host: string;
  readonly subset?: string;
  readonly port?: number;
  /** Percent of the route's traffic (Istio normalises weights; a lone destination gets 100). */
  readonly weight: number;
  /** The service id the host resolves to, when it is one of the model's services. */
  readonly service?: string;
}

export interface HttpRouteInfo {
  readonly name?: string;
  /** Human-readable match conditions (`uri prefix /static/`, `gateway shop/public`); empty = every request. */
  readonly match: readonly string[];
  readonly destinations: readonly RouteDestination[];
  readonly timeout?: string;
  readonly retries?: string;
  readonly kind: 'http' | 'tcp' | 'tls';
}

export interface VirtualServiceInfo {
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  readonly hosts: readonly string[];
  /** Gateways as `namespace/name`; `mesh` for sidecars. Empty list means `mesh` (Istio's default). */
  readonly gateways: readonly string[];
  readonly routes: readonly HttpRouteInfo[];
}

export interface GatewayInfo {
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  readonly selector: Readonly<Record<string, string>>;
  readonly servers: readonly { readonly hosts: readonly string[]; readonly port?: number; readonly protocol: string; readonly tls?: string }[];
}

export interface ExternalInfo {
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  readonly hosts: readonly string[];
  readonly ports: readonly PortInfo[];
  readonly location: string;
  readonly resolution: string;
  /** `ServiceEntry` or `Service` (type ExternalName). */
  readonly kind: string;
}

export interface AuthorizationInfo {
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  /** ALLOW when unset (Istio's default). */
  readonly action: string;
  /** Service ids the policy applies to (selector matched against the services' pods; whole namespace without one). */
  readonly targets: readonly string[];
  /** `namespace-wide`, `app=cart`, or the targetRefs. */
  readonly scope: string;
  /** One line per rule: `from principals [...] to paths [...]`; empty for a policy without rules. */
  readonly rules: readonly string[];
  /** Callers named by the rules: principals, `namespace:<ns>`, or `any` for a rule without `from`. */
  readonly sources: readonly string[];
  /** An ALLOW policy without rules denies everything it selects. */
  readonly denyAll: boolean;
}

export interface CallerEdge {
  /** A service id when the principal is a service account of one of the model's workloads, else the principal. */
  readonly from: string;
  readonly fromService: boolean;
  readonly to: string;
  /** What the caller may do (`paths /api/cart, /api/cart/*`), empty when everything. */
  readonly operations: readonly string[];
  readonly policy: string;
}

export interface PeerAuthenticationInfo {
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  readonly scope: string;
  readonly mode: string;
  readonly portLevel: readonly string[];
}

export interface TrafficPolicyInfo {
  readonly id: string;
  readonly host: string;
  readonly service?: string;
  readonly subsets: readonly string[];
  readonly tls?: string;
  readonly loadBalancer?: string;
  readonly connectionPool: readonly string[];
  readonly outlierDetection: readonly string[];
}

export interface AlertInfo {
  readonly group: string;
  readonly alert: string;
  readonly severity?: string;
  readonly for?: string;
  readonly expr: string;
  readonly summary?: string;
  readonly labels: Readonly<Record<string, string>>;
  /** `ConfigMap monitoring/prometheus-rules (mesh-services.rules.yml)` or `PrometheusRule ns/name`. */
  readonly source: string;
}

export interface DashboardInfo {
  readonly title: string;
  readonly uid?: string;
  readonly tags: readonly string[];
  readonly panels: number;
  readonly source: string;
}

export interface ReferenceEdge {
  readonly from: string;
  /** A service id or an external id. */
  readonly to: string;
  /** Where the reference was found: `env DB_HOST`. */
  readonly via: string;
}
