import { Construct } from 'constructs';
import { MeshGateway } from '../mesh/mesh-gateway';
import { MeshService } from '../mesh/mesh-service';
import { PeerAuthenticationSpecMtlsMode } from '../../imports/security.istio.io';
import { MeshforgeError } from '../validation/meshforge-error';
import { Caller, IngressGatewayOptions } from './caller';
import { IMeshWorkload, isHttpFamilyPort } from './mesh-workload';
import { MtlsMode, NamespaceSecurity } from './namespace-security';
import { PrometheusPeer, ServiceAccess } from './service-access';

export interface MeshSecurityProps {
  /**
   * SPIFFE trust domain of the mesh.
   * @default "cluster.local"
   */
  readonly trustDomain?: string;
  /**
   * mTLS mode of every namespace this construct locks down.
   * @default MtlsMode.strict()
   */
  readonly mtls?: MtlsMode;
  /**
   * Prometheus, admitted to metrics ports of every protected workload; `false`
   * admits no scraper.
   * @default { namespace: "monitoring", podLabels: { "app.kubernetes.io/name": "prometheus" } }
   */
  readonly prometheus?: PrometheusPeer | false;
  /**
   * The ingress gateway workload, admitted automatically on the HTTP/gRPC
   * ports of every workload exposed through a gateway, and on the ports
   * gateway-bound routes of other services send to it. A MeshGateway's own
   * `workload` / `selector` win over these for its routes.
   * @default { namespace: "istio-system", serviceAccountName: "istio-ingressgateway-service-account", labels: { istio: "ingressgateway" } }
   */
  readonly ingressGateway?: IngressGatewayOptions;
}

/** The Prometheus that meshforge's ObservabilityStack deploys. */
export const DEFAULT_PROMETHEUS_PEER: PrometheusPeer = {
  namespace: 'monitoring',
  podLabels: { 'app.kubernetes.io/name': 'prometheus' },
};

/**
 * Zero trust for an app: each namespace it touches gets mTLS STRICT, an
 * allow-nothing AuthorizationPolicy and a default-deny NetworkPolicy; each
 * protected workload admits only the callers declared with `allowFrom`.
 *
 * ```ts
 * const security = new MeshSecurity(chart, 'security');
 * security.protect(catalog).allowFrom(Caller.workload(frontend), { methods: ['GET'] });
 * security.protect(frontend); // exposed through a gateway: the ingress gateway is admitted on its HTTP ports
 * ```
 */
export class MeshSecurity extends Construct {
  private readonly props: MeshSecurityProps;
  private readonly namespaces = new Map<string, NamespaceSecurity>();
  private readonly accesses = new Map<IMeshWorkload, ServiceAccess>();

  /** Gateway admissions already added, as `<workload path>|<namespace>/<sa>|<labels>|<ports>`. */
  private readonly admitted = new Set<string>();

  constructor(scope: Construct, id: string, props: MeshSecurityProps = {}) {
    super(scope, id);
    this.props = props;
    // Runs before the ServiceAccess children validate and render (pre-order), once every route is declared.
    this.node.addValidation({ validate: () => this.admitRoutingGateways() });
  }

  /** Every workload protected by any MeshSecurity in the same app. */
  private allProtected(): IMeshWorkload[] {
    return this.node.root.node
      .findAll()
      .filter((c): c is MeshSecurity => c instanceof MeshSecurity)
      .flatMap((s) => [...s.accesses.keys()]);
  }

  /**
   * Locks down a namespace explicitly (e.g. to choose PERMISSIVE mTLS for it).
   * Called implicitly by `protect` for the workload's namespace.
   */
  public namespace(namespace: string, options: { readonly mtls?: MtlsMode; readonly mesh?: boolean } = {}): NamespaceSecurity {
    const existing = this.namespaces.get(namespace);
    if (existing) {
      throw new MeshforgeError('namespace is already locked down', {
        code: 'DUPLICATE_NAMESPACE_SECURITY',
        path: this.node.path,
        field: 'namespace',
        value: namespace,
        expected: 'call namespace() once per namespace, before protect() of its workloads',
      });
    }
    const created = new NamespaceSecurity(this, `ns-${namespace}`, {
      namespace,
      mtls: options.mtls ?? this.props.mtls,
      mesh: options.mesh,
    });
    this.namespaces.set(namespace, created);
    return created;
  }

  /** Denies every caller of `workload` except those then declared with `allowFrom`. */
  public protect(workload: IMeshWorkload): ServiceAccess {
    const existing = this.accesses.get(workload);
    if (existing) return existing;
    const ns = this.namespaces.get(workload.namespace) ?? this.namespace(workload.namespace, { mesh: workload.meshEnabled });
    if (workload.meshEnabled && !ns.peerAuthentication) {
      throw new MeshforgeError('meshed workload in a namespace locked down without the mesh', {
        code: 'MESH_NAMESPACE_MISMATCH',
        path: this.node.path,
        field: 'namespace',
        value: workload.namespace,
        expected: `security.namespace("${workload.namespace}", { mesh: true }) before protecting ${workload.name}`,
      });
    }
    const access = new ServiceAccess(this, `${workload.namespace}-${workload.name}`, {
      workload,
      plaintextAccepted: ns.mtlsMode.mode !== PeerAuthenticationSpecMtlsMode.STRICT,
      trustDomain: this.props.trustDomain,
      prometheus: this.props.prometheus === false ? undefined : (this.props.prometheus ?? DEFAULT_PROMETHEUS_PEER),
      lookup: (name, namespace) =>
        this.allProtected().filter((w) => (name === '*' || w.name === name) && (namespace === undefined || w.namespace === namespace)),
    });
    this.accesses.set(workload, access);
    // A MeshService's gateways are admitted at synth, once its routes are known (admitRoutingGateways).
    if (!(workload instanceof MeshService)) {
      const ports = workload.workloadPorts.filter(isHttpFamilyPort).map((p) => p.name);
      for (const { gateway } of workload.gatewayExposures ?? []) {
        if (ports.length > 0) this.admitGateway(access, gateway, ports);
      }
    }
    if (workload.admitsPeers && workload.workloadPorts.length > 0) access.allowFrom(Caller.workload(workload));
    return access;
  }

  /**
   * A route bound to a gateway is executed by the gateway's pods: they, not
   * the exposed service, call the route's destination, so the destination's
   * policies must admit them (the exposed service's own callers are not
   * involved). In-mesh routes are executed by the caller's sidecar: the
   * routing service's callers need access to the destination, which stays
   * the user's declaration (docs/security.md).
   */
  private admitRoutingGateways(): string[] {
    const services = this.node.root.node.findAll().filter((c): c is MeshService => c instanceof MeshService);
    for (const [workload, access] of this.accesses) {
      const host = `${workload.name}.${workload.namespace}.svc.cluster.local`;
      const httpPorts = workload.workloadPorts.filter(isHttpFamilyPort).map((p) => p.name);
      // exposed: only the gateways with a route to the service itself (least privilege: a gateway that
      // only routes through the service's VirtualService to other hosts never calls it)
      if (workload instanceof MeshService && httpPorts.length > 0) {
        for (const gateway of workload.gatewaysServingSelf) this.admitGateway(access, gateway, httpPorts);
      }
      for (const service of services) {
        for (const d of service.routedDestinations) {
          if (d.gateways.length === 0 || (d.target !== workload && d.host !== host)) continue;
          const ports = d.port !== undefined ? [d.port] : httpPorts;
          for (const gateway of d.gateways) if (ports.length > 0) this.admitGateway(access, gateway, ports);
        }
      }
    }
    return [];
  }

  /** Admits a gateway's pods once per workload, identity and ports. */
  private admitGateway(access: ServiceAccess, gateway: MeshGateway, ports: readonly (string | number)[]): void {
    const defaults = this.props.ingressGateway ?? {};
    const id = gateway.workloadIdentity;
    const key = [access.node.path, id.namespace ?? defaults.namespace, id.serviceAccountName ?? defaults.serviceAccountName,
      JSON.stringify(id.labels ?? defaults.labels), ports.join(',')].join('|');
    if (this.admitted.has(key)) return;
    this.admitted.add(key);
    access.allowFrom(Caller.gateway(gateway, defaults), { ports });
  }
}
