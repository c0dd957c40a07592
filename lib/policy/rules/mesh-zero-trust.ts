import { arr, isKind, metadataOf, obj, str, stringMap } from '../manifest';
import { Finding, Manifest, PolicyRule } from '../types';

const PERMISSIVE_REASON = 'security.meshforge.io/permissive-reason';

/** PeerAuthentication `default`: STRICT, or PERMISSIVE with a recorded reason. */
function mtlsOk(pa: Manifest): boolean {
  if (str(metadataOf(pa).name) !== 'default' || obj(pa.spec).selector !== undefined) return false;
  const mode = str(obj(obj(pa.spec).mtls).mode);
  if (mode === 'STRICT') return true;
  return mode === 'PERMISSIVE' && (str(stringMap(metadataOf(pa).annotations)[PERMISSIVE_REASON]) ?? '').trim() !== '';
}

/** A namespace-wide ALLOW policy without rules: it matches nothing, so only workload ALLOW policies admit. */
function allowsNothing(ap: Manifest): boolean {
  const spec = obj(ap.spec);
  const wide = spec.selector === undefined && spec.targetRef === undefined && spec.targetRefs === undefined;
  return wide && (spec.action === undefined || spec.action === 'ALLOW') && arr(spec.rules).length === 0 && spec.provider === undefined;
}

/** Selects every pod of the namespace and admits no ingress. */
function deniesIngress(np: Manifest): boolean {
  const spec = obj(np.spec);
  const everyPod = Object.keys(obj(spec.podSelector)).length === 0;
  return everyPod && arr(spec.policyTypes).includes('Ingress') && arr(spec.ingress).length === 0;
}

/**
 * A namespace with sidecar injection on must be zero trust: mTLS STRICT (or an
 * explained PERMISSIVE), deny-by-default authorization and default-deny
 * ingress. Injection alone encrypts nothing and denies nothing.
 */
export const meshZeroTrust: PolicyRule = {
  id: 'mesh-zero-trust',
  summary: 'A namespace with Istio injection has PeerAuthentication STRICT, an allow-nothing AuthorizationPolicy and a default-deny-ingress NetworkPolicy.',
  fix: 'Protect the namespace\'s workloads with MeshSecurity (lib/security), which emits all three.',
  check(manifest, context): readonly Finding[] {
    if (!isKind(manifest, 'Namespace', [''])) return [];
    const labels = stringMap(metadataOf(manifest).labels);
    if (labels['istio-injection'] !== 'enabled' && labels['istio.io/rev'] === undefined) return [];
    const ns = str(metadataOf(manifest).name) ?? '';
    const findings: Finding[] = [];
    const missing = (what: string, fix: string): void => {
      findings.push({ message: `namespace ${JSON.stringify(ns)} has sidecar injection but ${what}`, fix, field: 'metadata.labels' });
    };
    if (!context.objectsIn(ns, 'PeerAuthentication', 'security.istio.io').some(mtlsOk)) {
      missing('no PeerAuthentication "default" with mTLS STRICT', 'add MeshSecurity (or a PeerAuthentication "default" with spec.mtls.mode STRICT; PERMISSIVE needs the security.meshforge.io/permissive-reason annotation)');
    }
    if (!context.objectsIn(ns, 'AuthorizationPolicy', 'security.istio.io').some(allowsNothing)) {
      missing('no namespace-wide allow-nothing AuthorizationPolicy', 'add MeshSecurity (or an AuthorizationPolicy with an empty spec in the namespace)');
    }
    if (!context.objectsIn(ns, 'NetworkPolicy', 'networking.k8s.io').some(deniesIngress)) {
      missing('no default-deny-ingress NetworkPolicy', 'add MeshSecurity (or a NetworkPolicy with podSelector {} and policyTypes [Ingress])');
    }
    return findings;
  },
};
