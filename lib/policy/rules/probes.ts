import { isObject } from '../manifest';
import { Finding } from '../types';
import { containersOf } from '../workloads';
import { podRule } from './pod-rule';

const REQUIRED = ['livenessProbe', 'readinessProbe'] as const;

/**
 * Liveness and readiness probes on long-running workloads (Deployment, StatefulSet,
 * DaemonSet, ReplicaSet, ReplicationController, a Pod with restartPolicy Always).
 * Jobs and CronJobs run to completion and are exempt; init containers cannot have
 * probes, except native sidecars (restartPolicy: Always), which are checked.
 */
export const probes = podRule({
  id: 'probes',
  summary: 'Every container of a long-running workload has a livenessProbe and a readinessProbe.',
  fix: 'Add livenessProbe and readinessProbe (httpGet, grpc, tcpSocket or exec) to every container.',
  checkPod(pod) {
    if (!pod.longRunning) return [];
    const findings: Finding[] = [];
    for (const c of containersOf(pod)) {
      if (c.list === 'ephemeralContainers' || (c.list === 'initContainers' && !c.sidecar)) continue;
      const missing = REQUIRED.filter((p) => !isObject(c.container[p]));
      if (missing.length === 0) continue;
      findings.push({
        message: `${c.label} has no ${missing.join(', ')}`,
        fix: `add ${missing.join(' and ')} to ${c.path}`,
        field: `${c.path}.${missing[0]}`,
      });
    }
    return findings;
  },
});
