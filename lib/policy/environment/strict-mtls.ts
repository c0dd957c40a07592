import { arr, isKind, obj, str } from '../manifest';
import { Finding, Manifest } from '../types';
import { namespaceOf } from './context';
import { EnvironmentContext, EnvironmentRule, MeshedNamespace } from './types';

const SECURITY = ['security.istio.io'];
const NETWORKING = ['networking.istio.io'];
const RELAXED = new Set(['PERMISSIVE', 'DISABLE']);

/** A PeerAuthentication without a workload selector: it applies to its whole namespace (or, in the root namespace, the mesh). */
function namespaceWide(pa: Manifest): boolean {
  return obj(pa.spec).selector === undefined;
}

/** The mode a PeerAuthentication sets for every port, or undefined when it inherits (`UNSET` or no `mtls`). */
function modeOf(pa: Manifest): string | undefined {
  const mode = str(obj(obj(pa.spec).mtls).mode);
  return mode === undefined || mode === 'UNSET' ? undefined : mode;
}

/**
 * The policy that decides mTLS for a namespace's workloads without a
 * workload-level policy: its namespace-wide PeerAuthentication when that sets
 * a mode, else the mesh-wide one in the root namespace. Istio's own default
 * without either is PERMISSIVE (istio.io, "Mutual TLS Migration",
 * "PeerAuthentication": namespace policy overrides mesh policy; UNSET inherits).
 */
function decidingPolicy(namespace: string, context: EnvironmentContext): Manifest | undefined {
  const own = context.objectsIn(namespace, 'PeerAuthentication', 'security.istio.io').filter(namespaceWide);
  const ownMode = own.find((pa) => modeOf(pa) !== undefined);
  if (ownMode) return ownMode;
  return context.objectsIn(context.rootNamespace, 'PeerAuthentication', 'security.istio.io').find((pa) => namespaceWide(pa) && modeOf(pa) !== undefined);
}

function namespaceFindings(meshed: MeshedNamespace, context: EnvironmentContext): Finding[] {
  // A deciding policy that is not STRICT is reported on itself (below); here only the absence of any.
  if (decidingPolicy(meshed.namespace, context)) return [];
  const ns = meshed.namespace === '' ? 'objects without a namespace' : `namespace ${JSON.stringify(meshed.namespace)}`;
  return [
    {
      message: `${ns} is in the mesh (${meshed.why}) but no PeerAuthentication sets its mTLS mode, so Istio accepts plain text (PERMISSIVE); environment "${context.environment}" requires STRICT`,
      fix: `add a PeerAuthentication without selector and spec.mtls.mode: STRICT to ${ns} (MeshSecurity emits one), or a mesh-wide one in ${context.rootNamespace}`,
      field: isKind(meshed.reportOn, 'Namespace', ['']) ? 'metadata.labels' : 'metadata.namespace',
    },
  ];
}

function peerAuthenticationFindings(pa: Manifest, context: EnvironmentContext): Finding[] {
  const findings: Finding[] = [];
  const spec = obj(pa.spec);
  const mode = str(obj(spec.mtls).mode);
  const scope = namespaceOf(pa) === context.rootNamespace && namespaceWide(pa) ? 'mesh-wide' : namespaceWide(pa) ? 'namespace-wide' : 'workload';
  if (mode !== undefined && RELAXED.has(mode)) {
    findings.push({
      message: `${scope} mTLS mode ${mode} accepts plain-text traffic; environment "${context.environment}" requires STRICT`,
      fix: 'set spec.mtls.mode: STRICT',
      field: 'spec.mtls.mode',
    });
  }
  for (const [port, value] of Object.entries(obj(spec.portLevelMtls))) {
    const portMode = str(obj(value).mode);
    if (portMode === undefined || !RELAXED.has(portMode)) continue;
    findings.push({
      message: `port ${port} mTLS mode ${portMode} accepts plain-text traffic; environment "${context.environment}" requires STRICT`,
      fix: `set spec.portLevelMtls["${port}"].mode: STRICT (or remove the port entry)`,
      field: `spec.portLevelMtls["${port}"].mode`,
    });
  }
  return findings;
}

/**
 * The namespaces a DestinationRule host can name: a short name is a Service of
 * the rule's namespace (Istio expands it to `<name>.<ns>.svc.cluster.local`),
 * `<name>.<ns>.svc.cluster.local` (or `*.<ns>.svc.cluster.local`) one of that
 * namespace, and the wildcards `*`, `*.local`, `*.cluster.local`,
 * `*.svc.cluster.local` every namespace (`'*'`). Other hosts are outside the
 * cluster (ServiceEntries) and not judged.
 */
export function hostNamespace(host: string, ruleNamespace: string): string | undefined {
  if (['*', '*.local', '*.cluster.local', '*.svc.cluster.local'].includes(host)) return '*';
  if (!host.includes('.')) return ruleNamespace;
  const fqdn = /^[^.]+\.([^.]+)\.svc\.cluster\.local$/.exec(host);
  return fqdn ? fqdn[1] : undefined;
}

/** Every TLS setting of a DestinationRule (traffic policy, port-level, subsets), with its path. */
function tlsSettings(spec: Readonly<Record<string, unknown>>): { path: string; mode: string | undefined }[] {
  const out: { path: string; mode: string | undefined }[] = [];
  const policy = (tp: unknown, path: string): void => {
    const p = obj(tp);
    if (p.tls !== undefined) out.push({ path: `${path}.tls.mode`, mode: str(obj(p.tls).mode) });
    arr(p.portLevelSettings).forEach((s, i) => {
      const tls = obj(s).tls;
      if (tls !== undefined) out.push({ path: `${path}.portLevelSettings[${i}].tls.mode`, mode: str(obj(tls).mode) });
    });
  };
  policy(spec.trafficPolicy, 'spec.trafficPolicy');
  arr(spec.subsets).forEach((s, i) => policy(obj(s).trafficPolicy, `spec.subsets[${i}].trafficPolicy`));
  return out;
}

function destinationRuleFindings(dr: Manifest, context: EnvironmentContext): Finding[] {
  const spec = obj(dr.spec);
  const host = str(spec.host) ?? '';
  const namespace = hostNamespace(host, namespaceOf(dr));
  const inMesh = namespace === '*' ? context.meshedNamespaces.size > 0 : namespace !== undefined && context.meshedNamespaces.has(namespace);
  if (!inMesh) return [];
  return tlsSettings(spec)
    .filter((s) => s.mode === 'DISABLE')
    .map((s) => ({
      message: `tls.mode DISABLE sends plain text to in-mesh host ${JSON.stringify(host)}; environment "${context.environment}" requires mTLS between meshed workloads`,
      fix: `set ${s.path}: ISTIO_MUTUAL (or remove the tls block: Istio's auto mTLS then applies)`,
      field: s.path,
    }));
}

/**
 * Every meshed namespace of the environment runs mTLS STRICT, and nothing in
 * the environment relaxes it: no PeerAuthentication (mesh, namespace or
 * workload, port-level included) sets PERMISSIVE or DISABLE, and no
 * DestinationRule disables TLS to an in-mesh host. Stricter than the
 * `mesh-zero-trust` rule, which accepts an explained PERMISSIVE: in an
 * environment only an exception does.
 */
export const envStrictMtls: EnvironmentRule = {
  id: 'env-strict-mtls',
  summary: 'Every meshed namespace has mTLS STRICT (namespace-wide or mesh-wide PeerAuthentication); no PeerAuthentication sets PERMISSIVE/DISABLE and no DestinationRule sets tls.mode DISABLE for an in-mesh host.',
  fix: 'Add a PeerAuthentication with spec.mtls.mode STRICT (MeshSecurity does); remove PERMISSIVE/DISABLE modes.',
  check(manifest, context): readonly Finding[] {
    const findings: Finding[] = [];
    for (const meshed of context.meshedNamespacesReportedOn(manifest)) findings.push(...namespaceFindings(meshed, context));
    if (isKind(manifest, 'PeerAuthentication', SECURITY)) findings.push(...peerAuthenticationFindings(manifest, context));
    if (isKind(manifest, 'DestinationRule', NETWORKING)) findings.push(...destinationRuleFindings(manifest, context));
    return findings;
  },
};
