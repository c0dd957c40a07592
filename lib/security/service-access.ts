import { Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AuthorizationPolicy, AuthorizationPolicySpecAction, AuthorizationPolicySpecRules } from '../../imports/security.istio.io';
import { DEFAULT_TRUST_DOMAIN } from '../mesh/conventions';
import { MeshforgeError } from '../validation/meshforge-error';
import { Caller, ResolvedCaller, WorkloadLookup } from './caller';
import { IMeshWorkload, WorkloadPort, securityLabels } from './mesh-workload';

/** Narrows what a caller may do. */
export interface AllowOptions {
  /**
   * Service ports (by name or number) the caller may reach.
   * @default every port of the workload
   */
  readonly ports?: readonly (string | number)[];
  /**
   * HTTP paths (Istio syntax: exact, `prefix*`, `*suffix`). Mesh only.
   * @default any path
   */
  readonly paths?: readonly string[];
  /**
   * HTTP methods (or gRPC: always POST). Mesh only.
   * @default any method
   */
  readonly methods?: readonly string[];
}

/** Where Prometheus runs, so it may scrape metrics ports. */
export interface PrometheusPeer {
  /** Namespace of the Prometheus pods. */
  readonly namespace: string;
  /** Labels of the Prometheus pods. */
  readonly podLabels: Readonly<Record<string, string>>;
}

export interface ServiceAccessProps {
  /** The workload to protect. */
  readonly workload: IMeshWorkload;
  /**
   * SPIFFE trust domain of the mesh.
   * @default "cluster.local"
   */
  readonly trustDomain?: string;
  /**
   * Prometheus, admitted by NetworkPolicy to the sidecar metrics ports
   * (15020 merged app+Envoy metrics, 15090 Envoy) and the app metrics port.
   * Istio AuthorizationPolicy does not apply to 15020/15090.
   * @default no scrape access
   */
  readonly prometheus?: PrometheusPeer;
  /** Resolves `Caller.service(name)`; set by MeshSecurity. @default only object references resolve */
  readonly lookup?: WorkloadLookup;
  /**
   * Whether the workload's namespace accepts plain text (PERMISSIVE mTLS).
   * Under STRICT, a caller without a sidecar can never connect, so declaring
   * one is an error.
   * @default false (STRICT)
   */
  readonly plaintextAccepted?: boolean;
}

interface Grant {
  readonly caller: Caller;
  readonly ports: readonly WorkloadPort[];
  readonly paths?: readonly string[];
  readonly methods?: readonly string[];
}

/** Istio sidecar ports Prometheus scrapes under STRICT mTLS. */
export const SIDECAR_METRICS_PORTS = [15020, 15090] as const;

/**
 * Who may call one workload. Emits an Istio AuthorizationPolicy (ALLOW for the
 * declared callers only; with none declared it admits nothing) and a
 * NetworkPolicy admitting the same callers' pods, plus Prometheus on the
 * metrics ports.
 */
export class ServiceAccess extends Construct {
  public readonly workload: IMeshWorkload;
  public readonly authorizationPolicy?: AuthorizationPolicy;
  public readonly networkPolicy: k8s.KubeNetworkPolicy;
  private readonly grants: Grant[] = [];
  private readonly trustDomain: string;
  private readonly lookup: WorkloadLookup;
  private readonly plaintextAccepted: boolean;
  private resolved?: { grant: Grant; caller: ResolvedCaller }[];

  constructor(scope: Construct, id: string, props: ServiceAccessProps) {
    super(scope, id);
    this.workload = props.workload;
    this.trustDomain = props.trustDomain ?? DEFAULT_TRUST_DOMAIN;
    this.lookup = props.lookup ?? (() => []);
    this.plaintextAccepted = props.plaintextAccepted ?? false;
    const w = this.workload;
    const name = w.name;
    if (w.meshEnabled) {
      this.authorizationPolicy = new AuthorizationPolicy(this, 'authz', {
        metadata: { name, namespace: w.namespace, labels: securityLabels(name) },
        spec: {
          selector: { matchLabels: { ...w.selectorLabels } },
          action: AuthorizationPolicySpecAction.ALLOW,
          rules: Lazy.any({ produce: () => this.renderAuthzRules() }) as unknown as AuthorizationPolicySpecRules[],
        },
      });
    }
    this.networkPolicy = new k8s.KubeNetworkPolicy(this, 'netpol', {
      metadata: { name, namespace: w.namespace, labels: securityLabels(name) },
      spec: {
        podSelector: { matchLabels: { ...w.selectorLabels } },
        policyTypes: ['Ingress'],
        ingress: Lazy.any({ produce: () => this.renderIngress(props.prometheus) }) as unknown as k8s.NetworkPolicyIngressRule[],
      },
    });
    this.node.addValidation({
      validate: () => {
        try {
          this.resolveCallers();
          return [];
        } catch (e) {
          if (e instanceof MeshforgeError) return [e.detail];
          throw e;
        }
      },
    });
  }

  /** Admits `caller` (optionally only some ports, paths, methods). Returns this. */
  public allowFrom(caller: Caller, options: AllowOptions = {}): this {
    const ports = options.ports === undefined ? [...this.workload.workloadPorts] : options.ports.map((p) => this.findPort(p));
    const meshOnly = (field: 'paths' | 'methods'): void => {
      if (options[field] !== undefined && !this.workload.meshEnabled) {
        throw new MeshforgeError(`${field} need the mesh`, {
          code: 'L7_WITHOUT_MESH',
          path: this.node.path,
          field,
          value: options[field],
          expected: 'mesh: true on the service, or no path/method restriction (NetworkPolicy only sees ports)',
        });
      }
    };
    meshOnly('paths');
    meshOnly('methods');
    this.grants.push({ caller, ports, paths: options.paths, methods: options.methods });
    this.resolved = undefined;
    return this;
  }

  private findPort(p: string | number): WorkloadPort {
    const port = this.workload.workloadPorts.find((x) => x.name === p || x.port === p);
    if (!port) {
      throw new MeshforgeError('unknown port in allowFrom', {
        code: 'UNKNOWN_PORT',
        path: this.node.path,
        field: 'ports',
        value: p,
        expected: `a port of ${this.workload.name}: ${this.workload.workloadPorts.map((x) => `${x.name}/${x.port}`).join(', ')}`,
      });
    }
    return port;
  }

  private resolveCallers(): { grant: Grant; caller: ResolvedCaller }[] {
    this.resolved ??= this.grants.map((grant) => {
      const caller = grant.caller.resolve(this.trustDomain, this.workload.namespace, this.lookup, this.node.path);
      if (caller.outsideMesh && this.workload.meshEnabled && !this.plaintextAccepted) {
        throw new MeshforgeError('declared caller has no sidecar and cannot reach a STRICT mTLS service', {
          code: 'CALLER_NOT_IN_MESH',
          path: this.node.path,
          field: 'allowFrom',
          value: caller.description,
          expected: `mesh: true on the caller, or MtlsMode.permissive(reason) for namespace "${this.workload.namespace}"`,
        });
      }
      return { grant, caller };
    });
    return this.resolved;
  }

  private renderAuthzRules(): AuthorizationPolicySpecRules[] | undefined {
    const rules = this.resolveCallers().map(({ grant, caller }) => {
      const operation = {
        ports: grant.ports.length === this.workload.workloadPorts.length ? undefined : grant.ports.map((p) => String(p.targetPort)),
        paths: grant.paths ? [...grant.paths] : undefined,
        methods: grant.methods ? [...grant.methods] : undefined,
      };
      const hasOperation = Object.values(operation).some((v) => v !== undefined);
      return {
        from: [{ source: { principals: caller.principals ? [...caller.principals] : undefined, namespaces: caller.namespaces ? [...caller.namespaces] : undefined } }],
        to: hasOperation ? [{ operation }] : undefined,
      };
    });
    // No rules: the ALLOW policy matches nothing and the workload admits no one.
    return rules.length > 0 ? rules : undefined;
  }

  private renderIngress(prometheus?: PrometheusPeer): k8s.NetworkPolicyIngressRule[] | undefined {
    const rules: k8s.NetworkPolicyIngressRule[] = this.resolveCallers().map(({ grant, caller }) => ({
      from: [peer(caller.peer.namespace, caller.peer.podLabels)],
      ports: uniqueSorted(grant.ports.map((p) => p.targetPort)).map(tcp),
    }));
    if (prometheus) {
      const ports = [
        ...(this.workload.meshEnabled ? SIDECAR_METRICS_PORTS : []),
        ...(this.workload.metricsPort !== undefined ? [this.workload.metricsPort] : []),
      ];
      if (ports.length > 0) rules.push({ from: [peer(prometheus.namespace, prometheus.podLabels)], ports: uniqueSorted(ports).map(tcp) });
    }
    return rules.length > 0 ? rules : undefined;
  }
}

function peer(namespace: string | undefined, podLabels: Readonly<Record<string, string>> | undefined): k8s.NetworkPolicyPeer {
  return {
    namespaceSelector: namespace ? { matchLabels: { 'kubernetes.io/metadata.name': namespace } } : undefined,
    podSelector: podLabels ? { matchLabels: { ...podLabels } } : undefined,
  };
}

function tcp(port: number): k8s.NetworkPolicyPort {
  return { port: k8s.IntOrString.fromNumber(port), protocol: 'TCP' };
}

function uniqueSorted(ports: readonly number[]): number[] {
  return [...new Set(ports)].sort((a, b) => a - b);
}
