import { obj } from '../manifest';
import { Finding } from '../types';
import { containersOf, podSecurityContextOf, securityContextOf } from '../workloads';
import { podRule } from './pod-rule';

/** PSS baseline "Privileged Containers" and "HostProcess". */
export const privileged = podRule({
  id: 'privileged',
  summary: 'No privileged containers and no Windows HostProcess pods.',
  fix: 'Remove securityContext.privileged (or set it to false); grant only the specific capability needed.',
  checkPod(pod) {
    const findings: Finding[] = [];
    if (obj(podSecurityContextOf(pod).windowsOptions).hostProcess === true) {
      const field = `${pod.path}.securityContext.windowsOptions.hostProcess`;
      findings.push({ message: 'pod runs as a Windows HostProcess', fix: `remove ${field}`, field });
    }
    for (const c of containersOf(pod)) {
      const sc = securityContextOf(c);
      if (sc.privileged === true) {
        const field = `${c.path}.securityContext.privileged`;
        findings.push({ message: `${c.label} runs privileged`, fix: `set ${field}: false`, field });
      }
      if (obj(sc.windowsOptions).hostProcess === true) {
        const field = `${c.path}.securityContext.windowsOptions.hostProcess`;
        findings.push({ message: `${c.label} runs as a Windows HostProcess`, fix: `remove ${field}`, field });
      }
    }
    return findings;
  },
});
