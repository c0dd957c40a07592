import { DEFAULT_INGRESS_GATEWAY } from '../mesh/conventions';
import { MeshGateway } from '../mesh/mesh-gateway';
import { MeshforgeError } from '../validation/meshforge-error';
import { isDnsLabel } from '../validation/names';
import { IMeshWorkload } from './mesh-workload';

/** How a caller is seen by Istio (L7 identity) and by NetworkPolicy (L3/L4 pods). */
export interface ResolvedCaller {
  /** Human-readable description used in comments and errors. */
  readonly description: string;
  /** Istio `from.source`: mTLS principals, or whole namespaces. */
  readonly principals?: readonly string[];
  readonly namespaces?: readonly string[];
  /** The caller is a workload without a sidecar: it cannot present an mTLS identity. */
  readonly outsideMesh?: boolean;
  /** NetworkPolicy peer. */
  readonly peer: {
    readonly namespace?: string;
    readonly podLabels?: Readonly<Record<string, string>>;
  };
}

/** Options for where a gateway's workload runs. */
export interface IngressGatewayOptions {
  /**
   * Namespace of the gateway pods.
   * @default "istio-system"
   */
  readonly namespace?: string;
  /**
   * Service account of the gateway pods.
   * @default "istio-ingressgateway-service-account"
   */
  readonly serviceAccountName?: string;
  /**
   * Labels of the gateway pods.
   * @default { istio: "ingressgateway" }
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Looks up a workload by name while callers are resolved at synth time. */
export type WorkloadLookup = (name: string, namespace: string | undefined) => IMeshWorkload[];

function principal(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

/**
 * A declared caller of a service: another workload, an ingress gateway, a
 * namespace or a service account. Anything not declared is denied.
 */
export abstract class Caller {
  /** Another meshforge workload (e.g. a MeshService object). */
  public static workload(workload: IMeshWorkload): Caller {
    return new WorkloadCaller(() => workload, workload.name);
  }

  /**
   * A workload referenced by name; it must exist in the same app (protected by
   * a `MeshSecurity`), or synth fails.
   * @param namespace defaults to the callee's namespace
   */
  public static service(name: string, namespace?: string): Caller {
    return new NamedServiceCaller(name, namespace);
  }

  /** The Istio ingress gateway (for services exposed through a Gateway). */
  public static ingressGateway(options: IngressGatewayOptions = {}): Caller {
    return new FixedCaller(() => {
      const ns = options.namespace ?? DEFAULT_INGRESS_GATEWAY.namespace;
      return {
        description: `ingress gateway in ${ns}`,
        sa: options.serviceAccountName ?? DEFAULT_INGRESS_GATEWAY.serviceAccountName,
        ns,
        labels: options.labels ?? DEFAULT_INGRESS_GATEWAY.labels,
      };
    });
  }

  /**
   * The pods serving a MeshGateway: its `workload` and `selector` where set,
   * else `defaults` (MeshSecurity's `ingressGateway`), else Istio's default
   * profile.
   */
  public static gateway(gateway: MeshGateway, defaults: IngressGatewayOptions = {}): Caller {
    const id = gateway.workloadIdentity;
    return Caller.ingressGateway({
      namespace: id.namespace ?? defaults.namespace,
      serviceAccountName: id.serviceAccountName ?? defaults.serviceAccountName,
      labels: id.labels ?? defaults.labels,
    });
  }

  /** Every workload of a namespace. */
  public static namespace(namespace: string): Caller {
    checkLabel(namespace, 'namespace');
    return new NamespaceCaller(namespace);
  }

  /**
   * One service account. NetworkPolicy cannot select pods by service account,
   * so at L3/L4 the whole namespace is admitted; Istio enforces the identity.
   */
  public static serviceAccount(namespace: string, serviceAccountName: string): Caller {
    checkLabel(namespace, 'namespace');
    return new FixedCaller(() => ({
      description: `service account ${namespace}/${serviceAccountName}`,
      sa: serviceAccountName,
      ns: namespace,
    }));
  }

  /** @internal */
  public abstract resolve(trustDomain: string, calleeNamespace: string, lookup: WorkloadLookup, path: string): ResolvedCaller;
}

function checkLabel(value: string, field: string): void {
  if (!isDnsLabel(value)) {
    throw new MeshforgeError('invalid caller', {
      code: 'INVALID_CALLER',
      field,
      value,
      expected: 'a DNS label (lowercase letters, digits and "-")',
    });
  }
}

class WorkloadCaller extends Caller {
  constructor(private readonly get: () => IMeshWorkload, private readonly label: string) {
    super();
  }
  public resolve(trustDomain: string): ResolvedCaller {
    const w = this.get();
    return {
      description: `${w.namespace}/${this.label}`,
      principals: [principal(trustDomain, w.namespace, w.serviceAccountName)],
      outsideMesh: !w.meshEnabled,
      peer: { namespace: w.namespace, podLabels: w.selectorLabels },
    };
  }
}

class NamedServiceCaller extends Caller {
  constructor(private readonly name: string, private readonly namespace?: string) {
    super();
  }
  public resolve(trustDomain: string, calleeNamespace: string, lookup: WorkloadLookup, path: string): ResolvedCaller {
    const ns = this.namespace ?? calleeNamespace;
    const found = lookup(this.name, ns);
    if (found.length !== 1) {
      const known = lookup('*', undefined).map((w) => `${w.namespace}/${w.name}`).sort();
      throw new MeshforgeError('declared caller does not exist', {
        code: 'UNKNOWN_CALLER',
        path,
        field: 'allowFrom',
        value: `${ns}/${this.name}`,
        expected: `one of the services protected in this app (${known.join(', ') || 'none'}), or Caller.serviceAccount()/Caller.namespace() for callers outside it`,
      });
    }
    return new WorkloadCaller(() => found[0], this.name).resolve(trustDomain);
  }
}

class NamespaceCaller extends Caller {
  constructor(private readonly ns: string) {
    super();
  }
  public resolve(): ResolvedCaller {
    return { description: `namespace ${this.ns}`, namespaces: [this.ns], peer: { namespace: this.ns } };
  }
}

interface FixedIdentity {
  readonly description: string;
  readonly principals?: readonly string[];
  readonly sa: string;
  readonly ns: string;
  readonly labels?: Readonly<Record<string, string>>;
}

class FixedCaller extends Caller {
  constructor(private readonly identity: () => FixedIdentity) {
    super();
  }
  public resolve(trustDomain: string): ResolvedCaller {
    const id = this.identity();
    return {
      description: id.description,
      principals: [principal(trustDomain, id.ns, id.sa)],
      peer: { namespace: id.ns, podLabels: id.labels },
    };
  }
}
