import { isKind, metadataOf, obj, str } from '../manifest';
import { Finding } from '../types';
import { countOf, isReplicated } from './context';
import { EnvironmentRule } from './types';

/**
 * Deployments and StatefulSets run at least `minReplicas` pods: one pod is one
 * node drain or one crash away from an outage. When a HorizontalPodAutoscaler
 * scales the workload, its `minReplicas` (default 1) is what counts, and the
 * finding is on the HPA. DaemonSets are not counted: they run one pod per
 * node, whatever any replica setting says.
 */
export const envMinReplicas: EnvironmentRule = {
  id: 'env-min-replicas',
  summary: 'Every Deployment and StatefulSet runs at least minReplicas (default 2) replicas; with an HPA, its minReplicas counts.',
  fix: 'Raise spec.replicas (or the HPA\'s spec.minReplicas) to the environment\'s minimum.',
  check(manifest, context): readonly Finding[] {
    const min = context.minReplicas;
    if (isKind(manifest, 'HorizontalPodAutoscaler', ['autoscaling'])) {
      const target = obj(obj(manifest.spec).scaleTargetRef);
      if (target.kind !== 'Deployment' && target.kind !== 'StatefulSet') return [];
      const raw = obj(manifest.spec).minReplicas;
      const value = countOf(raw, 1);
      if (value !== undefined && value >= min) return [];
      const shown = raw === undefined ? 'spec.minReplicas is unset (1 replica)' : `spec.minReplicas is ${JSON.stringify(raw)}`;
      return [
        {
          message: `${shown} for ${str(target.kind)} ${JSON.stringify(str(target.name) ?? '')}; environment "${context.environment}" requires at least ${min}`,
          fix: `set spec.minReplicas: ${min}`,
          field: 'spec.minReplicas',
        },
      ];
    }
    if (!isReplicated(manifest)) return [];
    const range = context.replicasOf(manifest);
    // An autoscaled workload is judged on its HPA, where the fix is.
    if (!range || range.autoscalers.length > 0) return [];
    const raw = obj(manifest.spec).replicas;
    const value = countOf(raw, 1);
    if (value !== undefined && value >= min) return [];
    const shown = raw === undefined ? 'spec.replicas is unset (1 replica)' : `spec.replicas is ${JSON.stringify(raw)}`;
    return [
      {
        message: `${shown}; environment "${context.environment}" requires at least ${min} replicas of ${str(manifest.kind)} ${JSON.stringify(str(metadataOf(manifest).name) ?? '')}`,
        fix: `set spec.replicas: ${min} (or scale it with a HorizontalPodAutoscaler whose minReplicas is at least ${min})`,
        field: 'spec.replicas',
      },
    ];
  },
};
