import { isKind, metadataOf, obj, str, stringMap } from '../manifest';
import { Finding, PolicyRule } from '../types';

/** A Service's selector must match some pod template in its namespace, or it routes to nothing. */
export const serviceSelector: PolicyRule = {
  id: 'service-selector',
  summary: 'Every Service with a selector selects the pod template of a workload in the checked set, in its namespace.',
  fix: 'Make spec.selector a subset of the labels of a workload pod template (or drop the selector for a Service with manual Endpoints).',
  check(manifest, context): readonly Finding[] {
    if (!isKind(manifest, 'Service', [''])) return [];
    const spec = obj(manifest.spec);
    if (spec.type === 'ExternalName') return [];
    const selector = stringMap(spec.selector);
    if (Object.keys(selector).length === 0) return [];
    const namespace = str(metadataOf(manifest).namespace) ?? '';
    if (context.selectsPods(namespace, selector)) return [];
    const shown = Object.entries(selector)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    return [
      {
        message: `selector ${shown} matches no pod template ${namespace === '' ? 'among objects without a namespace' : `in namespace ${JSON.stringify(namespace)}`}`,
        fix: 'change spec.selector to the labels of the workload pod template (spec.template.metadata.labels), or add that workload',
        field: 'spec.selector',
      },
    ];
  },
};
