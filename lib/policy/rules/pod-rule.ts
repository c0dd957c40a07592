import { Finding, Manifest, PolicyRule } from '../types';
import { PodTemplate, podTemplateOf } from '../workloads';

/** What a rule over pod specs defines; `podRule` turns it into a PolicyRule. */
export interface PodRuleDefinition {
  readonly id: string;
  readonly summary: string;
  readonly fix: string;
  checkPod(pod: PodTemplate, manifest: Manifest): readonly Finding[];
}

/** A rule that applies to every object holding a pod template (Pod, Deployment, ..., CronJob) and ignores the rest. */
export function podRule(definition: PodRuleDefinition): PolicyRule {
  return {
    id: definition.id,
    summary: definition.summary,
    fix: definition.fix,
    check(manifest) {
      const pod = podTemplateOf(manifest);
      return pod ? definition.checkPod(pod, manifest) : [];
    },
  };
}
