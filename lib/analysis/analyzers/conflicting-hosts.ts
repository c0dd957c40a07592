import { CODES } from '../codes';
import { EXPORT_TO_ALL, EXPORT_TO_LOCAL, exportsToAll, hostMatches, scopedFqdn } from '../hosts';
import { specOf, strings } from '../input';
import { Analyzer, Located, RawFinding } from '../types';

/**
 * IST0109, as virtualservice.ConflictingMeshGatewayHostsAnalyzer: VirtualServices
 * bound to the mesh gateway (no `gateways`, or `mesh` among them) are grouped by
 * `<exportTo scope>/<fqdn host>`; a namespace-scoped group also takes the
 * export-to-all VirtualServices whose host matches. A group of two or more
 * reports each member once. (Gateway-bound VirtualServices for one host are
 * merged by Istio, so they are not a conflict.)
 */
export const conflictingMeshGatewayHosts: Analyzer = {
  code: CODES.conflictingMeshGatewayHosts,
  analyze(input) {
    const groups = new Map<string, Located[]>();
    for (const vs of input.virtualServices) {
      const spec = specOf(vs.manifest);
      const gateways = strings(spec.gateways);
      if (gateways.length > 0 && !gateways.includes('mesh')) continue;
      const exportTo = strings(spec.exportTo);
      const scopes = exportsToAll(exportTo) ? [EXPORT_TO_ALL] : [...new Set(exportTo.map((e) => (e === EXPORT_TO_LOCAL ? vs.namespace : e)))];
      for (const scope of scopes) {
        for (const h of strings(spec.hosts)) {
          const key = scopedFqdn(scope, vs.namespace, h);
          const list = groups.get(key);
          if (list) list.push(vs);
          else groups.set(key, [vs]);
        }
      }
    }
    // Export-to-all groups, for the namespace-scoped groups to join (exact host by key, wildcards by scan).
    const wildcardWide = [...groups].filter(([k]) => k.startsWith(`${EXPORT_TO_ALL}/*`));
    const wideMatching = (host: string): Located[] => {
      if (host.startsWith('*')) return [...groups].filter(([k]) => k.startsWith(`${EXPORT_TO_ALL}/`) && hostMatches(host, k.slice(2))).flatMap(([, v]) => v);
      const exact = groups.get(`${EXPORT_TO_ALL}/${host}`) ?? [];
      return [...exact, ...wildcardWide.filter(([k]) => hostMatches(host, k.slice(2))).flatMap(([, v]) => v)];
    };
    const findings: RawFinding[] = [];
    const reported = new Set<Located>();
    for (const [key, members] of groups) {
      const slash = key.indexOf('/');
      const scope = key.slice(0, slash);
      const host = key.slice(slash + 1);
      let list = members;
      if (scope !== EXPORT_TO_ALL) list = [...members, ...wideMatching(host)];
      if (list.length < 2) continue;
      const names = list.map((v) => `${v.namespace}/${v.name}`).sort().join(',');
      for (const vs of list) {
        if (reported.has(vs)) continue;
        reported.add(vs);
        findings.push({
          object: vs.object,
          message: `The VirtualServices ${names} associated with mesh gateway define the same host ${key} which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.`,
          fix: `merge ${names} into one VirtualService for ${host}, or give them exportTo lists that do not overlap`,
          field: 'spec.hosts',
        });
      }
    }
    return findings;
  },
};
