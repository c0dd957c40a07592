import { Finding } from '../types';
import { podRule } from './pod-rule';

const NAMESPACES = [
  ['hostNetwork', 'the host network'],
  ['hostPID', 'the host PID namespace'],
  ['hostIPC', 'the host IPC namespace'],
] as const;

/** PSS baseline "Host Namespaces". */
export const hostNamespaces = podRule({
  id: 'host-namespaces',
  summary: 'Pods do not share the host network, PID or IPC namespace.',
  fix: 'Remove hostNetwork / hostPID / hostIPC from the pod spec (or set them to false).',
  checkPod(pod) {
    const findings: Finding[] = [];
    for (const [key, what] of NAMESPACES) {
      if (pod.spec[key] === true) {
        const field = `${pod.path}.${key}`;
        findings.push({ message: `pod uses ${what} (${key}: true)`, fix: `remove ${field} or set it to false`, field });
      }
    }
    return findings;
  },
});
