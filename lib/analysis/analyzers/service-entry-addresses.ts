import * as jsyaml from 'js-yaml';
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
/**
 * Whether a pod's sidecar allocates addresses itself: `proxy.istio.io/config`
 * with proxyMetadata ISTIO_META_DNS_CAPTURE and ISTIO_META_DNS_AUTO_ALLOCATE
 * "true" (istio.io "DNS Proxying": such a proxy gives the entry a VIP instead
 * of a 0.0.0.0 listener).
 */
function podAllocates(annotations: Readonly<Record<string, string>>): boolean {
  const config = annotations['proxy.istio.io/config'];
  if (config === undefined) return false;
  try {
    const meta = obj(obj(jsyaml.load(config)).proxyMetadata);
    return meta.ISTIO_META_DNS_CAPTURE === 'true' && meta.ISTIO_META_DNS_AUTO_ALLOCATE === 'true';
  } catch {
    return false;
  }
}

export const serviceEntryAddressesRequired: Analyzer = {
  code: CODES.serviceEntryAddressesRequired,
  analyze(input) {
    if (input.autoAllocatesAddresses) return [];
    const findings: RawFinding[] = [];
    for (const se of input.serviceEntries) {
      const spec = specOf(se.manifest);
      // Exported only to its own namespace and every pod template there allocates addresses
      // per pod (MeshNamespace/MeshService dnsAutoAllocation): no sidecar gets the wildcard listener.
      const onlyOwn = strings(spec.exportTo).length > 0 && strings(spec.exportTo).every((n) => n === '.' || n === se.namespace);
      const clients = input.workloads.filter((w) => w.namespace === se.namespace && w.podLabels['sidecar.istio.io/inject'] !== 'false');
      if (onlyOwn && clients.length > 0 && clients.every((w) => podAllocates(w.podAnnotations))) continue;
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
