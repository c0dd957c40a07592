import { Finding } from '../types';
import { containersOf, securityContextOf } from '../workloads';
import { podRule } from './pod-rule';

/** PSS restricted "Privilege Escalation": must be explicitly false (the kernel default allows it). */
export const privilegeEscalation = podRule({
  id: 'privilege-escalation',
  summary: 'Every container sets allowPrivilegeEscalation: false.',
  fix: 'Set securityContext.allowPrivilegeEscalation: false on every container.',
  checkPod(pod) {
    const findings: Finding[] = [];
    for (const c of containersOf(pod)) {
      const value = securityContextOf(c).allowPrivilegeEscalation;
      if (value === false) continue;
      const field = `${c.path}.securityContext.allowPrivilegeEscalation`;
      findings.push({
        message: value === true ? `${c.label} allows privilege escalation` : `${c.label} does not set allowPrivilegeEscalation: false`,
        fix: `set ${field}: false`,
        field,
      });
    }
    return findings;
  },
});
