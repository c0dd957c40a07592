import { arr, obj, quoteList } from '../manifest';
import { Finding } from '../types';
import { securityContextOf } from '../workloads';
import { containerRule } from './pod-rule';

/** The only capability a restricted container may add back. */
export const ALLOWED_ADDED_CAPABILITIES: readonly string[] = ['NET_BIND_SERVICE'];

/** PSS restricted "Capabilities": drop ALL, add back at most NET_BIND_SERVICE. */
export const capabilities = containerRule({
  id: 'capabilities',
  summary: 'Every container drops ALL capabilities and adds back at most NET_BIND_SERVICE.',
  fix: 'Set securityContext.capabilities.drop: ["ALL"] and add only NET_BIND_SERVICE if the container binds a port below 1024.',
  checkContainer(c) {
    const findings: Finding[] = [];
    const caps = obj(securityContextOf(c).capabilities);
    const base = `${c.path}.securityContext.capabilities`;
    if (!arr(caps.drop).includes('ALL')) {
      findings.push({ message: `${c.label} does not drop ALL capabilities`, fix: `set ${base}.drop: ["ALL"]`, field: `${base}.drop` });
    }
    const added = arr(caps.add).map(String);
    const forbidden = added.filter((cap) => !ALLOWED_ADDED_CAPABILITIES.includes(cap));
    if (forbidden.length > 0) {
      // cdk8s-plus's Capability enum writes CAP_NET_BIND_SERVICE, which Pod Security Admission rejects.
      const prefixed = forbidden.includes('CAP_NET_BIND_SERVICE') ? '; write NET_BIND_SERVICE without the CAP_ prefix' : '';
      findings.push({
        message: `${c.label} adds forbidden capabilities ${quoteList(forbidden)}`,
        fix: `remove ${quoteList(forbidden)} from ${base}.add (only NET_BIND_SERVICE may be added${prefixed})`,
        field: `${base}.add`,
      });
    }
    return findings;
  },
});
