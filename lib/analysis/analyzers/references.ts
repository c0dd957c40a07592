import { arr, obj, str } from '../../policy/manifest';
import { CODES } from '../codes';
import { destinationHost, resourceNameFromHost, shortOrFullName } from '../hosts';
import { specOf, strings, visibleHosts } from '../input';
import { Analyzer, RawFinding } from '../types';
import { mirrorDestinations, routeDestinations } from './routes';

/** Istio's IST0101 message template: `Referenced %s not found: %q`. */
function notFound(reftype: string, refval: string): string {
  return `Referenced ${reftype} not found: ${JSON.stringify(refval)}`;
}

/**
 * IST0101 for VirtualServices, as Istio's virtualservice.GatewayAnalyzer,
 * DestinationHostAnalyzer and DestinationRuleAnalyzer report it: gateways,
 * route and mirror hosts (through exportTo-scoped ServiceEntry hosts and
 * Services), host:port on a known host, and host+subset in a DestinationRule.
 */
export const referencedResourceNotFound: Analyzer = {
  code: CODES.referencedResourceNotFound,
  analyze(input) {
    const findings: RawFinding[] = [];
    const gateways = new Set([...input.gateways, ...input.kubernetesGateways].map((g) => `${g.namespace}/${g.name}`));
    const visible = visibleHosts(input);
    const subsets = new Set<string>();
    for (const dr of input.destinationRules) {
      const spec = specOf(dr.manifest);
      const host = resourceNameFromHost(dr.namespace, str(spec.host) ?? '');
      for (const s of arr(spec.subsets)) {
        const name = str(obj(s).name);
        if (name !== undefined) subsets.add(`${host}+${name}`);
      }
    }
    for (const vs of input.virtualServices) {
      const spec = specOf(vs.manifest);
      strings(spec.gateways).forEach((gw, i) => {
        if (gw === 'mesh' || gateways.has(shortOrFullName(vs.namespace, gw))) return;
        findings.push({
          object: vs.object,
          message: notFound('gateway', gw),
          fix: `create Gateway ${shortOrFullName(vs.namespace, gw)}, or correct spec.gateways[${i}] (a bare name is in the VirtualService namespace; use <namespace>/<name> otherwise)`,
          field: `spec.gateways[${i}]`,
        });
      });
      const exportTo = strings(spec.exportTo);
      for (const [list, reftype] of [
        [routeDestinations(vs.manifest), 'host'],
        [mirrorDestinations(vs.manifest), 'mirror host'],
      ] as const) {
        for (const d of list) {
          const target = destinationHost(vs.namespace, exportTo, d.host, visible);
          if (!target) {
            findings.push({
              object: vs.object,
              message: notFound(reftype, d.host),
              fix: `define a Service or ServiceEntry for ${JSON.stringify(d.host)} visible to namespace ${vs.namespace} (exportTo), or correct ${d.field}.host (a short name means <name>.${vs.namespace}.svc.cluster.local)`,
              field: `${d.field}.host`,
            });
            continue;
          }
          if (d.port !== undefined && !target.ports.some((p) => p.number === d.port)) {
            findings.push({
              object: vs.object,
              message: notFound('host:port', `${d.host}:${d.port}`),
              fix: `route to one of the ports ${target.ports.map((p) => p.number).join(', ')} of ${d.host} in ${d.field}.port.number`,
              field: `${d.field}.port.number`,
            });
          }
        }
      }
      for (const [list, reftype] of [
        [routeDestinations(vs.manifest), 'host+subset in destinationrule'],
        [mirrorDestinations(vs.manifest), 'mirror+subset in destinationrule'],
      ] as const) {
        for (const d of list) {
          if (d.subset === '' || subsets.has(`${resourceNameFromHost(vs.namespace, d.host)}+${d.subset}`)) continue;
          findings.push({
            object: vs.object,
            message: notFound(reftype, `${d.host}+${d.subset}`),
            fix: `add subset ${JSON.stringify(d.subset)} to the DestinationRule for ${d.host} (and apply it before this VirtualService), or correct ${d.field}.subset`,
            field: `${d.field}.subset`,
          });
        }
      }
    }
    return findings;
  },
};
