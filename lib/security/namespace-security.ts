import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { AuthorizationPolicy, PeerAuthentication, PeerAuthenticationSpecMtlsMode } from '../../imports/security.istio.io';
import { MeshforgeError } from '../validation/meshforge-error';
import { securityLabels } from './mesh-workload';

/**
 * Namespace-wide mTLS mode. STRICT unless a migration explicitly needs
 * plain-text callers, and then only with a recorded reason.
 */
export class MtlsMode {
  /** Only mTLS traffic is accepted (the default). */
  public static strict(): MtlsMode {
    return new MtlsMode(PeerAuthenticationSpecMtlsMode.STRICT);
  }

  /**
   * mTLS and plain text are both accepted, e.g. while callers outside the
   * mesh are migrated. The reason is written into the PeerAuthentication.
   */
  public static permissive(reason: string): MtlsMode {
    if (reason.trim() === '') {
      throw new MeshforgeError('PERMISSIVE mTLS needs a reason', {
        code: 'MTLS_PERMISSIVE_REASON',
        field: 'mtls',
        value: reason,
        expected: 'MtlsMode.permissive("why plain text is still needed, and until when")',
      });
    }
    return new MtlsMode(PeerAuthenticationSpecMtlsMode.PERMISSIVE, reason);
  }

  private constructor(
    public readonly mode: PeerAuthenticationSpecMtlsMode,
    public readonly reason?: string,
  ) {}
}

export interface NamespaceSecurityProps {
  /** The namespace to lock down. */
  readonly namespace: string;
  /**
   * mTLS mode for every workload in the namespace.
   * @default MtlsMode.strict()
   */
  readonly mtls?: MtlsMode;
  /**
   * Whether the namespace's workloads have Istio sidecars. Without the mesh
   * only the NetworkPolicy default deny is emitted.
   * @default true
   */
  readonly mesh?: boolean;
}

/**
 * Zero-trust baseline for one namespace: PeerAuthentication (mTLS STRICT),
 * an `allow-nothing` AuthorizationPolicy (so only explicit ALLOW policies let
 * traffic in) and a default-deny-ingress NetworkPolicy.
 */
export class NamespaceSecurity extends Construct {
  public readonly peerAuthentication?: PeerAuthentication;
  public readonly denyAll?: AuthorizationPolicy;
  public readonly defaultDenyIngress: k8s.KubeNetworkPolicy;
  /** The namespace's mTLS mode. */
  public readonly mtlsMode: MtlsMode;

  constructor(scope: Construct, id: string, props: NamespaceSecurityProps) {
    super(scope, id);
    const namespace = props.namespace;
    const mtls = props.mtls ?? MtlsMode.strict();
    this.mtlsMode = mtls;
    if (props.mesh ?? true) {
      this.peerAuthentication = new PeerAuthentication(this, 'mtls', {
        metadata: {
          name: 'default',
          namespace,
          labels: securityLabels(),
          annotations: mtls.reason ? { 'security.meshforge.io/permissive-reason': mtls.reason } : undefined,
        },
        spec: { mtls: { mode: mtls.mode } },
      });
      // An ALLOW policy without rules matches nothing: with it in place a
      // request is admitted only by a workload's own ALLOW policy.
      this.denyAll = new AuthorizationPolicy(this, 'allow-nothing', {
        metadata: { name: 'allow-nothing', namespace, labels: securityLabels() },
        spec: {},
      });
    }
    this.defaultDenyIngress = new k8s.KubeNetworkPolicy(this, 'default-deny', {
      metadata: { name: 'default-deny-ingress', namespace, labels: securityLabels() },
      spec: { podSelector: {}, policyTypes: ['Ingress'] },
    });
  }
}
