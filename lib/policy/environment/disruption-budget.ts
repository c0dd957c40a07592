import { metadataOf, obj, str, stringMap } from '../manifest';
import { Finding, Manifest } from '../types';
import { podTemplateOf } from '../workloads';
import { namespaceOf } from './context';
import { EnvironmentRule } from './types';

/**
 * The pods a PDB keeps healthy at `replicas`, as the disruption controller
 * computes it (kubernetes pkg/controller/disruption/disruption.go
 * getExpectedScale/updatePdbStatus: percentages are rounded up, for
 * minAvailable and maxUnavailable alike). Undefined when the value is not an
 * int-or-percent the API server accepts.
 */
export function desiredHealthy(pdb: Manifest, replicas: number): number | undefined {
  const spec = obj(pdb.spec);
  const scaled = (value: unknown): number | undefined => {
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
    const percent = typeof value === 'string' ? /^(\d+)%$/.exec(value) : null;
    return percent ? Math.ceil((Number(percent[1]) * replicas) / 100) : undefined;
  };
  if (spec.maxUnavailable !== undefined) {
    const max = scaled(spec.maxUnavailable);
    return max === undefined ? undefined : Math.max(0, replicas - max);
  }
  if (spec.minAvailable !== undefined) return scaled(spec.minAvailable);
  return 0;
}

function pdbName(pdb: Manifest): string {
  return JSON.stringify(str(metadataOf(pdb).name) ?? '');
}

/**
 * Every Deployment/StatefulSet that may run more than one pod has exactly one
 * PodDisruptionBudget in its namespace whose selector (matchLabels and
 * matchExpressions) matches its pod template labels, and that budget lets at
 * least one pod go at the workload's minimum scale. Without one, a node drain
 * may evict every replica at once; with two, the eviction API refuses to
 * evict its pods at all ("more than one PodDisruptionBudget", pkg/registry/core/pod/storage/eviction.go);
 * with a budget that allows no disruption, drains hang (kubernetes.io,
 * "Specifying a Disruption Budget": "the drain never completes"). Single
 * replica workloads need no PDB (one that protects them blocks drains).
 */
export const envDisruptionBudget: EnvironmentRule = {
  id: 'env-disruption-budget',
  summary: 'Every Deployment and StatefulSet with more than one replica is selected by exactly one PodDisruptionBudget that allows at least one disruption.',
  fix: 'Add a PodDisruptionBudget (policy/v1) with the pod template labels as spec.selector.matchLabels and spec.maxUnavailable: 1.',
  check(manifest, context): readonly Finding[] {
    const range = context.replicasOf(manifest);
    if (!range || range.max <= 1) return [];
    const pod = podTemplateOf(manifest);
    const labels = stringMap(pod?.metadata.labels);
    const namespace = namespaceOf(manifest);
    const where = namespace === '' ? 'among objects without a namespace' : `in namespace ${JSON.stringify(namespace)}`;
    const field = 'spec.template.metadata.labels';
    const replicas = range.autoscalers.length > 0 ? `${range.min}-${range.max} replicas (HPA)` : `${range.max} replicas`;
    const budgets = context.budgetsSelecting(namespace, labels);
    if (budgets.length === 0) {
      const shown = Object.entries(labels)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ');
      return [
        {
          message: `${replicas} but no PodDisruptionBudget ${where} selects its pods; environment "${context.environment}" requires one (a node drain may evict every replica at once)`,
          fix: `add a PodDisruptionBudget ${where} with spec.selector.matchLabels {${shown}} and spec.maxUnavailable: 1`,
          field,
        },
      ];
    }
    if (budgets.length > 1) {
      return [
        {
          message: `${budgets.length} PodDisruptionBudgets select its pods (${budgets.map(pdbName).join(', ')}): the eviction API refuses to evict a pod with more than one, so node drains fail`,
          fix: 'keep one PodDisruptionBudget for these pods and narrow or delete the others',
          field,
        },
      ];
    }
    const [pdb] = budgets;
    const healthy = desiredHealthy(pdb, range.min);
    if (healthy === undefined || range.min - healthy >= 1) return [];
    const spec = obj(pdb.spec);
    const setting = spec.maxUnavailable !== undefined ? `maxUnavailable ${JSON.stringify(spec.maxUnavailable)}` : `minAvailable ${JSON.stringify(spec.minAvailable)}`;
    return [
      {
        message: `PodDisruptionBudget ${pdbName(pdb)} (${setting}) allows no voluntary disruption at ${range.min} replica${range.min === 1 ? '' : 's'}: node drains never complete`,
        fix: `set spec.maxUnavailable: 1 on PodDisruptionBudget ${pdbName(pdb)} (instead of ${setting})`,
        field,
      },
    ];
  },
};
