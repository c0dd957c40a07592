import { ApiObjectMetadata } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { podSecurityLabels } from '../validation/pod-security';
import { MANAGED_BY } from './conventions';
import { requireDnsLabel } from '../validation/names';

/** Properties of a MeshNamespace. */
export interface MeshNamespaceProps {
  /** Namespace name. @default - the construct id */
  readonly name?: string;
  /**
   * Inject Istio sidecars into pods of this namespace. When false the
   * namespace gets no injection label, so single pods can still opt in.
   * @default true
   */
  readonly injection?: boolean;
  /**
   * Istio control-plane revision. When set, the namespace is labelled
   * `istio.io/rev: <revision>` instead of `istio-injection: enabled` (Istio
   * rejects namespaces carrying both).
   * @default - the default revision, via `istio-injection: enabled`
   */
  readonly revision?: string;
  /**
   * Whether the cluster runs the Istio CNI plugin. This decides the Pod
   * Security Admission level: without CNI every injected pod carries the
   * `istio-init` container (NET_ADMIN, NET_RAW, root), which both `baseline`
   * and `restricted` reject, so the namespace cannot enforce them.
   * @default false
   */
  readonly cni?: boolean;
  /** Extra labels. @default - none */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Why a namespace does not enforce the restricted Pod Security Standard (set only when it does not). */
export const POD_SECURITY_REASON_ANNOTATION = 'meshforge.io/pod-security-reason';

/**
 * A namespace prepared for the mesh: sidecar injection switched on (or off),
 * and Pod Security Admission labels that let injected pods run.
 *
 * | mesh + CNI | PSA |
 * |---|---|
 * | injection off, or CNI | enforce/warn/audit `restricted` |
 * | injection on, no CNI  | enforce `privileged` (istio-init), warn/audit `restricted` |
 *
 * @see https://istio.io/latest/docs/setup/additional-setup/pod-security-admission/
 */
export class MeshNamespace extends Construct {
  /** Namespace name. */
  public readonly name: string;
  /** Whether pods are injected unless they opt out. */
  public readonly injection: boolean;
  /** Control-plane revision, when revision-based injection is used. */
  public readonly revision?: string;
  /** Whether the Istio CNI plugin is assumed. */
  public readonly cni: boolean;
  /** The PSA level enforced on the namespace. */
  public readonly enforcedPodSecurity: 'restricted' | 'privileged';
  /** The namespace object (escape hatch). */
  public readonly resource: kplus.Namespace;

  constructor(scope: Construct, id: string, props: MeshNamespaceProps = {}) {
    super(scope, id);
    this.name = props.name ?? id;
    requireDnsLabel(this.node.path, 'name', this.name);
    if (props.revision !== undefined) requireDnsLabel(this.node.path, 'revision', props.revision);
    this.injection = props.injection ?? true;
    this.revision = props.revision;
    this.cni = props.cni ?? false;
    // istio-init needs NET_ADMIN/NET_RAW: only CNI (or no sidecar) lets the namespace enforce restricted.
    this.enforcedPodSecurity = this.injection && !this.cni ? 'privileged' : 'restricted';

    const labels: Record<string, string> = {
      ...props.labels,
      'app.kubernetes.io/managed-by': MANAGED_BY,
      ...podSecurityLabels({ enforce: this.enforcedPodSecurity, warn: 'restricted', audit: 'restricted' }),
    };
    // Without injection the namespace carries no switch at all: Istio's per-pod webhook only
    // injects pods labelled sidecar.istio.io/inject=true where istio-injection is absent.
    if (this.injection && this.revision) labels['istio.io/rev'] = this.revision;
    else if (this.injection) labels['istio-injection'] = 'enabled';

    // The one PSA relaxation meshforge makes says why on the object, for whoever audits namespaces.
    const annotations: Record<string, string> | undefined = this.enforcedPodSecurity === 'privileged'
      ? { [POD_SECURITY_REASON_ANNOTATION]: 'enforce privileged: without the Istio CNI plugin every injected pod runs istio-init (NET_ADMIN, NET_RAW), which baseline and restricted reject; warn and audit stay restricted. On a cluster with Istio CNI set cni: true to enforce restricted.' }
      : undefined;
    const metadata: ApiObjectMetadata = { name: this.name, labels, ...(annotations ? { annotations } : {}) };
    this.resource = new kplus.Namespace(this, 'Resource', { metadata });
  }
}
