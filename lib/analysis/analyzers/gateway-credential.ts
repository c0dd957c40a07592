import { arr, obj, str, stringMap } from '../../policy/manifest';
import { CODES } from '../codes';
import { selects, specOf } from '../input';
import { Analyzer, RawFinding } from '../types';

/**
 * MF0004. Istio reads a Gateway's `tls.credentialName` Secret from the namespace
 * of the gateway *workload* (the pods `spec.selector` picks), not of the Gateway
 * object (istio.io "Secure Gateways": "the secret must be created in the same
 * namespace as the ingress gateway deployment"; Istio's gateway.SecretAnalyzer
 * looks it up there). A Secret (or cert-manager Certificate `secretName`) of that
 * name created only in other namespaces is never used:
 * - error when the gateway workload is in the input and runs elsewhere;
 * - warning when the workload is not in the input and no pod template in the
 *   Secret's namespace matches the selector (the default profile's ingress gateway
 *   runs in istio-system).
 * A credentialName whose Secret is not in the input is not judged (it is usually
 * made by cert-manager or by hand in the gateway namespace).
 */
export const gatewayCredentialNamespace: Analyzer = {
  code: CODES.gatewayCredentialNamespace,
  analyze(input) {
    const secretNamespaces = new Map<string, Set<string>>();
    const add = (name: string, ns: string): void => {
      const set = secretNamespaces.get(name) ?? new Set<string>();
      set.add(ns);
      secretNamespaces.set(name, set);
    };
    for (const s of input.secrets) add(s.name, s.namespace);
    for (const c of input.certificates) {
      const name = str(specOf(c.manifest).secretName);
      if (name) add(name, c.namespace);
    }
    const findings: RawFinding[] = [];
    for (const gw of input.gateways) {
      const spec = specOf(gw.manifest);
      const selector = stringMap(spec.selector);
      if (Object.keys(selector).length === 0) continue;
      const workloadNs = [...new Set(input.workloads.filter((w) => selects(selector, w.podLabels)).map((w) => w.namespace))].sort();
      const selectorText = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',');
      arr(spec.servers).forEach((srv, i) => {
        const credential = str(obj(obj(srv).tls).credentialName);
        if (!credential) return;
        const where = [...(secretNamespaces.get(credential) ?? [])].sort();
        if (where.length === 0 || where.some((ns) => workloadNs.includes(ns))) return;
        const field = `spec.servers[${i}].tls.credentialName`;
        if (workloadNs.length > 0) {
          findings.push({
            object: gw.object,
            message: `credentialName ${JSON.stringify(credential)}: the Secret is created in ${where.join(', ')}, but the gateway pods (${selectorText}) run in ${workloadNs.join(', ')}, where Istio looks for it`,
            fix: `create Secret ${credential} in namespace ${workloadNs.join(' / ')}`,
            field,
          });
        } else {
          findings.push({
            object: gw.object,
            level: 'warning',
            message: `credentialName ${JSON.stringify(credential)}: the Secret is created in ${where.join(', ')}, where no pod template matches the gateway selector ${selectorText}; Istio reads it from the gateway pods' namespace (istio-system for the default profile)`,
            fix: `create Secret ${credential} in the namespace of the ${selectorText} pods`,
            field,
          });
        }
      });
    }
    return findings;
  },
};
