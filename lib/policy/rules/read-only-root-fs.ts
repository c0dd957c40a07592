import { securityContextOf } from '../workloads';
import { containerRule } from './pod-rule';

/** meshforge's own default (beyond PSS): containers cannot write to their image's filesystem. */
export const readOnlyRootFs = containerRule({
  id: 'read-only-root-fs',
  summary: 'Every container sets readOnlyRootFilesystem: true.',
  fix: 'Set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the process must write (e.g. /tmp).',
  checkContainer(c) {
    if (securityContextOf(c).readOnlyRootFilesystem === true) return [];
    const field = `${c.path}.securityContext.readOnlyRootFilesystem`;
    return [{ message: `${c.label} has a writable root filesystem`, fix: `set ${field}: true (mount an emptyDir where it must write)`, field }];
  },
});
