import { obj, quoteList } from '../manifest';
import { Finding } from '../types';
import { containersOf, podSecurityContextOf, securityContextOf } from '../workloads';
import { podRule } from './pod-rule';

const ALLOWED = ['RuntimeDefault', 'Localhost'];

/**
 * PSS restricted "Seccomp": a RuntimeDefault or Localhost profile, set on the
 * pod (covers every container) or on each container; Unconfined nowhere.
 */
export const seccomp = podRule({
  id: 'seccomp',
  summary: 'A seccomp profile RuntimeDefault or Localhost applies to every container; Unconfined is never used.',
  fix: 'Set spec.securityContext.seccompProfile.type: RuntimeDefault on the pod.',
  checkPod(pod) {
    const findings: Finding[] = [];
    const podType = obj(podSecurityContextOf(pod).seccompProfile).type;
    const podField = `${pod.path}.securityContext.seccompProfile.type`;
    if (podType !== undefined && podType !== null && !ALLOWED.includes(String(podType))) {
      findings.push({ message: `pod seccomp profile is ${JSON.stringify(podType)}`, fix: `set ${podField}: RuntimeDefault`, field: podField });
    }
    const podCovers = ALLOWED.includes(String(podType));
    const uncovered: string[] = [];
    for (const c of containersOf(pod)) {
      const type = obj(securityContextOf(c).seccompProfile).type;
      if (type === undefined || type === null) {
        if (!podCovers) uncovered.push(c.name);
      } else if (!ALLOWED.includes(String(type))) {
        const field = `${c.path}.securityContext.seccompProfile.type`;
        findings.push({ message: `${c.label} seccomp profile is ${JSON.stringify(type)}`, fix: `set ${field}: RuntimeDefault or remove it`, field });
      }
    }
    // Only say "missing" when the pod level is not itself wrong: that finding already tells the fix.
    if (uncovered.length > 0 && (podType === undefined || podType === null)) {
      findings.push({
        message: `no seccomp profile for containers ${quoteList(uncovered)}`,
        fix: `set ${podField}: RuntimeDefault (covers every container)`,
        field: podField,
      });
    }
    return findings;
  },
});
