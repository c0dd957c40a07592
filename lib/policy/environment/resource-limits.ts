import { obj } from '../manifest';
import { Finding } from '../types';
import { containersOf, podTemplateOf } from '../workloads';
import { namespaceOf } from './context';
import { EnvironmentRule } from './types';

function present(value: unknown): boolean {
  return (typeof value === 'string' && value !== '') || typeof value === 'number';
}

/**
 * CPU and memory limits on every container and init container of every pod
 * template (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet,
 * ReplicationController, Job, CronJob). A LimitRange of the namespace in the
 * environment whose `Container` entry sets `default.cpu` / `default.memory`
 * counts: admission fills those limits in (kubernetes.io, "Configure Default
 * CPU Requests and Limits for a Namespace"). Ephemeral containers cannot have
 * resources; the Istio sidecar's limits come from the injector, not the YAML.
 */
export const envResourceLimits: EnvironmentRule = {
  id: 'env-resource-limits',
  summary: 'Every container and init container has CPU and memory limits (or a LimitRange default in its namespace).',
  fix: 'Set resources.limits.cpu and resources.limits.memory on every container.',
  check(manifest, context): readonly Finding[] {
    const pod = podTemplateOf(manifest);
    if (!pod) return [];
    const defaults = context.defaultLimits(namespaceOf(manifest));
    const findings: Finding[] = [];
    for (const c of containersOf(pod)) {
      if (c.list === 'ephemeralContainers') continue;
      const limits = obj(obj(c.container.resources).limits);
      const missing = (['cpu', 'memory'] as const).filter((r) => !present(limits[r]) && !defaults[r]);
      if (missing.length === 0) continue;
      const field = `${c.path}.resources.limits`;
      findings.push({
        message: `${c.label} has no ${missing.map((m) => `limits.${m}`).join(', ')}; environment "${context.environment}" requires CPU and memory limits`,
        fix: `set ${missing.map((m) => `${field}.${m}`).join(' and ')}`,
        field,
      });
    }
    return findings;
  },
};
