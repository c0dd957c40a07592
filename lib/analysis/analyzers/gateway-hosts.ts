import { arr, obj, str } from '../../policy/manifest';
import { CODES } from '../codes';
import { hostMatches, shortOrFullName } from '../hosts';
import { specOf, strings } from '../input';
import { Analyzer, Located, RawFinding } from '../types';

/**
 * Hosts an Istio Gateway serves to VirtualServices of `vsNamespace`, as
 * virtualservice.GatewayAnalyzer reads them (sanitizeServerHostNamespace, then
 * host.NamesForNamespace): `./h` is `<gateway ns>/h`, `*\/h` is `h`, `*\/*` is `*`,
 * and `ns/h` counts only for VirtualServices in `ns`.
 */
function istioGatewayHosts(gateways: readonly Located[], vsNamespace: string): string[] {
  const hosts: string[] = [];
  for (const gw of gateways) {
    for (const server of arr(specOf(gw.manifest).servers)) {
      let list = strings(obj(server).hosts);
      if (list.includes('*/*')) list = ['*'];
      for (const h of list) {
        const slash = h.indexOf('/');
        if (slash < 0) {
          hosts.push(h);
          continue;
        }
        const ns = h.slice(0, slash) === '.' ? gw.namespace : h.slice(0, slash);
        if (ns === '*' || ns === vsNamespace) hosts.push(h.slice(slash + 1));
      }
    }
  }
  return hosts;
}

/**
 * IST0132, as virtualservice.GatewayAnalyzer: for each gateway a VirtualService
 * binds to (`mesh` excepted), at least one of its hosts must match a host the
 * gateway serves. A missing gateway serves nothing (Istio reports both IST0101
 * and IST0132 then). A Kubernetes Gateway listener without hostname serves all.
 */
export const hostNotFoundInGateway: Analyzer = {
  code: CODES.hostNotFoundInGateway,
  analyze(input) {
    const findings: RawFinding[] = [];
    for (const vs of input.virtualServices) {
      const spec = specOf(vs.manifest);
      const vsHosts = strings(spec.hosts);
      strings(spec.gateways).forEach((gw, i) => {
        if (gw === 'mesh') return;
        const full = shortOrFullName(vs.namespace, gw);
        const istio = input.gateways.filter((g) => `${g.namespace}/${g.name}` === full);
        let served: string[];
        if (istio.length > 0) {
          served = istioGatewayHosts(istio, vs.namespace);
        } else {
          const listeners = input.kubernetesGateways.filter((g) => `${g.namespace}/${g.name}` === full).flatMap((g) => arr(specOf(g.manifest).listeners).map(obj));
          served = listeners.some((l) => !str(l.hostname)) ? ['*'] : listeners.map((l) => str(l.hostname) ?? '');
        }
        if (served.some((g) => vsHosts.some((h) => hostMatches(g, h)))) return;
        findings.push({
          object: vs.object,
          message: `one or more host [${vsHosts.join(' ')}] defined in VirtualService ${vs.namespace}/${vs.name} not found in Gateway ${full}.`,
          fix: `add one of ${vsHosts.join(', ')} to the hosts of Gateway ${full}, or correct spec.hosts`,
          field: `spec.gateways[${i}]`,
        });
      });
    }
    return findings;
  },
};
