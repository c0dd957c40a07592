import { obj } from '../manifest';
import { containerRule } from './pod-rule';

const REQUIRED = ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'] as const;

function present(value: unknown): boolean {
  return (typeof value === 'string' && value !== '') || typeof value === 'number';
}

/** Requests and limits for CPU and memory on every container (ephemeral containers cannot have resources). */
export const resources = containerRule({
  id: 'resources',
  summary: 'Every container and init container sets CPU and memory requests and limits.',
  fix: 'Set resources.requests.{cpu,memory} and resources.limits.{cpu,memory} on every container.',
  lists: ['containers', 'initContainers'],
  checkContainer(c) {
    const res = obj(c.container.resources);
    const missing = REQUIRED.filter((key) => {
      const [group, resource] = key.split('.');
      return !present(obj(res[group])[resource]);
    });
    if (missing.length === 0) return [];
    const field = `${c.path}.resources`;
    return [
      {
        message: `${c.label} has no ${missing.map((m) => `resources.${m}`).join(', ')}`,
        fix: `set ${missing.join(', ')} under ${field}`,
        field,
      },
    ];
  },
});
