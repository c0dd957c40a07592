import { isObject } from '../manifest';
import { containerRule } from './pod-rule';

const REQUIRED = ['livenessProbe', 'readinessProbe'] as const;

/**
 * Liveness and readiness probes on long-running workloads (Deployment, StatefulSet,
 * DaemonSet, ReplicaSet, ReplicationController, a Pod with restartPolicy Always).
 * Jobs and CronJobs run to completion and are exempt; init containers cannot have
 * probes, except native sidecars (restartPolicy: Always), which are checked.
 */
export const probes = containerRule({
  id: 'probes',
  summary: 'Every container of a long-running workload has a livenessProbe and a readinessProbe.',
  fix: 'Add livenessProbe and readinessProbe (httpGet, grpc, tcpSocket or exec) to every container.',
  lists: ['containers', 'initContainers'],
  checkContainer(c, pod) {
    if (!pod.longRunning || (c.list === 'initContainers' && !c.sidecar)) return [];
    const missing = REQUIRED.filter((p) => !isObject(c.container[p]));
    if (missing.length === 0) return [];
    return [{ message: `${c.label} has no ${missing.join(', ')}`, fix: `add ${missing.join(' and ')} to ${c.path}`, field: `${c.path}.${missing[0]}` }];
  },
});
