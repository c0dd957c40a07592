import { arr, obj, str } from '../../policy/manifest';
import { CODES } from '../codes';
import { specOf, strings } from '../input';
import { Analyzer, RawFinding } from '../types';

/**
 * IST0134, as serviceentry.ProtocolAddressesAnalyzer: a ServiceEntry without
 * `addresses` (and no auto-allocation in the mesh config: DNS capture plus
 * ISTIO_META_DNS_AUTO_ALLOCATE or PILOT_ENABLE_IP_AUTOALLOCATE) reports each port
 * whose protocol is unset or TCP (case-insensitive). Such a port becomes a
 * 0.0.0.0:<port> listener in every sidecar the entry is exported to.
 */
export const serviceEntryAddressesRequired: Analyzer = {
  code: CODES.serviceEntryAddressesRequired,
  analyze(input) {
    if (input.autoAllocatesAddresses) return [];
    const findings: RawFinding[] = [];
    for (const se of input.serviceEntries) {
      const spec = specOf(se.manifest);
      // Addresses written by Istio's IP auto-allocation controller (status.addresses,
      // e.g. in `kubectl get -o yaml` output) count too, as in Istio's addressAllocated.
      if (strings(spec.addresses).length > 0 || arr(obj(se.manifest.status).addresses).length > 0) continue;
      const exportTo = strings(spec.exportTo);
      const scope = exportTo.length === 0 || exportTo.includes('*') ? 'every namespace (no exportTo)' : `namespaces ${exportTo.join(', ')}`;
      arr(spec.ports).forEach((p, i) => {
        const port = obj(p);
        const protocol = str(port.protocol) ?? '';
        if (protocol !== '' && protocol.toUpperCase() !== 'TCP') return;
        findings.push({
          object: se.object,
          message: `ServiceEntry addresses are required for this protocol. (port ${String(port.number)}/${protocol || 'no protocol'}: every sidecar in ${scope} sends all outbound traffic on port ${String(port.number)} that matches no other Service IP to ${strings(spec.hosts).join(', ')})`,
          fix: `set spec.addresses to the IPs/CIDRs clients connect to, or enable Istio DNS proxying with auto-allocation (proxyMetadata ISTIO_META_DNS_CAPTURE and ISTIO_META_DNS_AUTO_ALLOCATE "true"); and set spec.exportTo: ["."] unless other namespaces need it`,
          field: `spec.ports[${i}]`,
        });
      });
    }
    return findings;
  },
};
