import { arr, metadataOf, obj, str, stringMap } from '../../policy/manifest';
import { CODES } from '../codes';
import { specOf } from '../input';
import { Analyzer, RawFinding } from '../types';

/** protocol.Parse (istio/istio pkg/config/protocol/instance.go), lowercase. */
const PROTOCOLS = new Set(['tcp', 'udp', 'grpc', 'grpc-web', 'http', 'http_proxy', 'http2', 'https', 'tls', 'mongo', 'redis', 'mysql']);
/** kube.ConvertProtocol treats these ports as TCP when the name says nothing (SMTP, DNS, MySQL, MongoDB). */
const WELL_KNOWN_TCP_PORTS = new Set([25, 53, 3306, 27017]);
/** Kubernetes' standard appProtocol values Istio understands. */
const K8S_APP_PROTOCOLS = new Set(['kubernetes.io/h2c', 'kubernetes.io/ws', 'kubernetes.io/wss']);
/** gateway.istio.io/managed values of Services Istio's gateway controllers create (skipped, as Istio does). */
const MANAGED_GATEWAY = new Set(['istio.io-gateway-controller', 'istio.io-mesh-controller', 'istio.io-eastwest-controller']);

/** Whether Istio's kube.ConvertProtocol finds a protocol for the port (not "UnsupportedProtocol"). */
export function portProtocolKnown(port: number, name: string, protocol: string, appProtocol: string | undefined): boolean {
  if (protocol === 'UDP') return true;
  let n = name;
  if (appProtocol !== undefined) {
    if (K8S_APP_PROTOCOLS.has(appProtocol)) return true;
    n = appProtocol;
  }
  if (n.toLowerCase().startsWith('grpc-web')) return true;
  const dash = n.indexOf('-');
  if (dash >= 0) n = n.slice(0, dash);
  return PROTOCOLS.has(n.toLowerCase()) || WELL_KNOWN_TCP_PORTS.has(port);
}

/**
 * IST0118, as service.PortNameAnalyzer: each Service port whose protocol Istio
 * cannot tell from `appProtocol` (when set) or the name prefix. The Istio control
 * plane's own Services (label `istio`, or `release: istio`) and gateway-managed
 * Services are skipped; ExternalName Services are Istio's IST0150, not checked here.
 */
export const portNameConvention: Analyzer = {
  code: CODES.portNameConvention,
  analyze(input) {
    const findings: RawFinding[] = [];
    for (const svc of input.services) {
      const labels = stringMap(metadataOf(svc.manifest).labels);
      if ('istio' in labels || labels.release === 'istio' || MANAGED_GATEWAY.has(labels['gateway.istio.io/managed'])) continue;
      const spec = specOf(svc.manifest);
      if (spec.type === 'ExternalName') continue;
      arr(spec.ports).forEach((p, i) => {
        const port = obj(p);
        const number = typeof port.port === 'number' ? port.port : 0;
        const name = str(port.name) ?? '';
        if (portProtocolKnown(number, name, str(port.protocol) ?? 'TCP', str(port.appProtocol))) return;
        // The API server defaults targetPort to port.
        const target = port.targetPort === undefined ? String(number) : String(port.targetPort as string | number);
        findings.push({
          object: svc.object,
          message: `Port name ${name} (port: ${number}, targetPort: ${target}) doesn't follow the naming convention of Istio port.`,
          fix: `${name === '' ? 'name' : 'rename'} spec.ports[${i}] <protocol>-${name || String(number)} (protocol: http, http2, grpc, grpc-web, tcp, tls, https, mongo, redis, mysql) or set spec.ports[${i}].appProtocol`,
          field: `spec.ports[${i}]`,
        });
      });
    }
    return findings;
  },
};
