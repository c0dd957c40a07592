import { securityContextOf } from '../workloads';
import { containerRule } from './pod-rule';

/** PSS baseline "/proc Mount Type". */
export const procMount = containerRule({
  id: 'proc-mount',
  summary: 'Containers keep the default masked /proc (procMount unset or Default).',
  fix: 'Remove securityContext.procMount (or set it to Default).',
  checkContainer(c) {
    const procMount = securityContextOf(c).procMount;
    if (procMount === undefined || procMount === null || procMount === 'Default') return [];
    const field = `${c.path}.securityContext.procMount`;
    return [{ message: `${c.label} sets procMount ${JSON.stringify(procMount)}`, fix: `remove ${field} or set it to Default`, field }];
  },
});
