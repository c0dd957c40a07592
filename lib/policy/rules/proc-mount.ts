import { Finding } from '../types';
import { containersOf, securityContextOf } from '../workloads';
import { podRule } from './pod-rule';

/** PSS baseline "/proc Mount Type". */
export const procMount = podRule({
  id: 'proc-mount',
  summary: 'Containers keep the default masked /proc (procMount unset or Default).',
  fix: 'Remove securityContext.procMount (or set it to Default).',
  checkPod(pod) {
    const findings: Finding[] = [];
    for (const c of containersOf(pod)) {
      const procMount = securityContextOf(c).procMount;
      if (procMount === undefined || procMount === null || procMount === 'Default') continue;
      const field = `${c.path}.securityContext.procMount`;
      findings.push({ message: `${c.label} sets procMount ${JSON.stringify(procMount)}`, fix: `remove ${field} or set it to Default`, field });
    }
    return findings;
  },
});
