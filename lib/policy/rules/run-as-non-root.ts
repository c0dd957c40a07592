import { quoteList } from '../manifest';
import { Finding } from '../types';
import { containersOf, podSecurityContextOf, securityContextOf } from '../workloads';
import { podRule } from './pod-rule';

/**
 * PSS restricted "Running as Non-root" and "Running as Non-root user".
 * runAsNonRoot: true at pod level covers every container that does not override it.
 */
export const runAsNonRoot = podRule({
  id: 'run-as-non-root',
  summary: 'Pods run as non-root: runAsNonRoot: true (pod or every container), never runAsUser: 0.',
  fix: 'Set spec.securityContext.runAsNonRoot: true on the pod (and a non-zero runAsUser if the image has no numeric USER).',
  checkPod(pod) {
    const findings: Finding[] = [];
    const podSc = podSecurityContextOf(pod);
    const podNonRoot = podSc.runAsNonRoot === true;
    if (podSc.runAsUser === 0) {
      const field = `${pod.path}.securityContext.runAsUser`;
      findings.push({ message: 'pod runs as user 0 (root)', fix: `set ${field} to a non-zero UID`, field });
    }
    const uncovered: string[] = [];
    for (const c of containersOf(pod)) {
      const sc = securityContextOf(c);
      if (sc.runAsNonRoot === false) {
        const field = `${c.path}.securityContext.runAsNonRoot`;
        findings.push({ message: `${c.label} sets runAsNonRoot: false`, fix: `set ${field}: true`, field });
      } else if (sc.runAsNonRoot !== true && !podNonRoot) {
        uncovered.push(c.name);
      }
      if (sc.runAsUser === 0) {
        const field = `${c.path}.securityContext.runAsUser`;
        findings.push({ message: `${c.label} runs as user 0 (root)`, fix: `set ${field} to a non-zero UID`, field });
      }
    }
    if (uncovered.length > 0) {
      const field = `${pod.path}.securityContext.runAsNonRoot`;
      findings.push({
        message: `runAsNonRoot is not true for containers ${quoteList(uncovered)}`,
        fix: `set ${field}: true (covers every container)`,
        field,
      });
    }
    return findings;
  },
});
