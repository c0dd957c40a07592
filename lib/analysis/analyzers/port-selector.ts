import { CODES } from '../codes';
import { destinationHost } from '../hosts';
import { specOf, strings, visibleHosts } from '../input';
import { Analyzer, RawFinding } from '../types';
import { mirrorDestinations, routeDestinations } from './routes';

/**
 * IST0112, as virtualservice.DestinationHostAnalyzer (checkServiceEntryPorts): a
 * route or mirror destination without `port` whose host (Service or ServiceEntry)
 * exposes more than one port.
 */
export const destinationPortSelectorRequired: Analyzer = {
  code: CODES.destinationPortSelectorRequired,
  analyze(input) {
    const visible = visibleHosts(input);
    const findings: RawFinding[] = [];
    for (const vs of input.virtualServices) {
      const exportTo = strings(specOf(vs.manifest).exportTo);
      for (const d of [...routeDestinations(vs.manifest), ...mirrorDestinations(vs.manifest)]) {
        if (d.port !== undefined) continue;
        const target = destinationHost(vs.namespace, exportTo, d.host, visible);
        if (!target || target.ports.length <= 1) continue;
        const ports = target.ports.map((p) => p.number);
        findings.push({
          object: vs.object,
          message: `This VirtualService routes to a service ${JSON.stringify(d.host)} that exposes multiple ports [${ports.join(' ')}]. Specifying a port in the destination is required to disambiguate.`,
          fix: `set ${d.field}.port.number to one of ${ports.join(', ')}`,
          field: d.field,
        });
      }
    }
    return findings;
  },
};
