import { Finding } from '../types';
import { containersOf, securityContextOf } from '../workloads';
import { podRule } from './pod-rule';

/** meshforge's own default (beyond PSS): containers cannot write to their image's filesystem. */
export const readOnlyRootFs = podRule({
  id: 'read-only-root-fs',
  summary: 'Every container sets readOnlyRootFilesystem: true.',
  fix: 'Set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the process must write (e.g. /tmp).',
  checkPod(pod) {
    const findings: Finding[] = [];
    for (const c of containersOf(pod)) {
      if (securityContextOf(c).readOnlyRootFilesystem === true) continue;
      const field = `${c.path}.securityContext.readOnlyRootFilesystem`;
      findings.push({
        message: `${c.label} has a writable root filesystem`,
        fix: `set ${field}: true (mount an emptyDir where it must write)`,
        field,
      });
    }
    return findings;
  },
});
