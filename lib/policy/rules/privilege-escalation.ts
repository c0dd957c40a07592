import { securityContextOf } from '../workloads';
import { containerRule } from './pod-rule';

/** PSS restricted "Privilege Escalation": must be explicitly false (the kernel default allows it). */
export const privilegeEscalation = containerRule({
  id: 'privilege-escalation',
  summary: 'Every container sets allowPrivilegeEscalation: false.',
  fix: 'Set securityContext.allowPrivilegeEscalation: false on every container.',
  checkContainer(c) {
    const value = securityContextOf(c).allowPrivilegeEscalation;
    if (value === false) return [];
    const field = `${c.path}.securityContext.allowPrivilegeEscalation`;
    return [
      {
        message: value === true ? `${c.label} allows privilege escalation` : `${c.label} does not set allowPrivilegeEscalation: false`,
        fix: `set ${field}: false`,
        field,
      },
    ];
  },
});
