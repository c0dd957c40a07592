/**
 * Istio's host arithmetic, ported from istio/istio pkg/config/analysis/analyzers/util
 * (hosts.go, service_lookup.go, exportto.go) and pkg/config/host (Name.Matches),
 * so that a host resolves here exactly when `istioctl analyze` resolves it.
 */

export const CLUSTER_LOCAL_SUFFIX = 'svc.cluster.local';
export const EXPORT_TO_ALL = '*';
export const EXPORT_TO_LOCAL = '.';

/** util.ConvertHostToFQDN: a short name (no dot, not a wildcard) is relative to `namespace`. */
export function toFqdn(namespace: string, host: string): string {
  return !host.startsWith('*') && !host.includes('.') ? `${host}.${namespace}.${CLUSTER_LOCAL_SUFFIX}` : host;
}

/** util.NewScopedFqdn: `<scope>/<fqdn>`, the key of the visible-hosts map. */
export function scopedFqdn(scope: string, namespace: string, host: string): string {
  return `${scope}/${toFqdn(namespace, host)}`;
}

const FQDN = /^(.+)\.(.+)\.svc\.cluster\.local$/;

/** util.GetResourceNameFromHost: `<name>.<ns>.svc.cluster.local` names that Service; any other host is a name in `defaultNamespace`. */
export function resourceNameFromHost(defaultNamespace: string, host: string): string {
  const m = FQDN.exec(host);
  return m ? `${m[2]}/${m[1]}` : `${defaultNamespace}/${host}`;
}

/** util.IsExportToAllNamespaces: no exportTo, or one containing `*`. */
export function exportsToAll(exportTo: readonly string[]): boolean {
  return exportTo.length === 0 || exportTo.includes(EXPORT_TO_ALL);
}

/** host.Name.Matches: equal, or one is a wildcard (`*`, `*.example.com`) covering the other. */
export function hostMatches(a: string, b: string): boolean {
  if (a === b) return true;
  const aw = a.startsWith('*');
  const bw = b.startsWith('*');
  if (aw && bw) return a.length > b.length ? a.slice(1).endsWith(b.slice(1)) : b.slice(1).endsWith(a.slice(1));
  if (aw) return b.endsWith(a.slice(1));
  if (bw) return a.endsWith(b.slice(1));
  return false;
}

/** resource.NewShortOrFullName: `ns/name` as given, a bare name in `namespace`. */
export function shortOrFullName(namespace: string, name: string): string {
  return name.includes('/') ? name : `${namespace}/${name}`;
}

/**
 * util.GetDestinationHost: the entry `host` resolves to from a VirtualService (or
 * DestinationRule) in `sourceNs` with `exportTo`, or undefined. `visible` maps
 * scoped FQDNs to entries (ServiceEntries and Services, see `visibleHosts`).
 */
export function destinationHost<T>(sourceNs: string, exportTo: readonly string[], host: string, visible: ReadonlyMap<string, T>): T | undefined {
  const all = visible.get(scopedFqdn(EXPORT_TO_ALL, sourceNs, host));
  if (all !== undefined) return all;
  const scopes = exportTo.length === 0 ? [sourceNs] : exportTo.map((e) => (e === EXPORT_TO_LOCAL ? sourceNs : e));
  for (const scope of scopes) {
    const hit = visible.get(scopedFqdn(scope, sourceNs, host));
    if (hit !== undefined) return hit;
  }
  // Wildcard entries last, visible to everyone or to the source namespace only.
  for (const [key, entry] of visible) {
    const slash = key.indexOf('/');
    const scope = key.slice(0, slash);
    const seHost = key.slice(slash + 1);
    if (!seHost.startsWith('*')) continue;
    if (scope !== EXPORT_TO_ALL && scope !== sourceNs) continue;
    if (host.replace(/^\*/, '').endsWith(seHost.slice(1))) return entry;
  }
  return undefined;
}
