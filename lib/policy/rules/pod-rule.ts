import { Finding, Manifest, PolicyRule } from '../types';
import { ContainerList, ContainerRef, containersOf, PodTemplate, podTemplateOf } from '../workloads';

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

/** What a rule over single containers defines; `containerRule` turns it into a PolicyRule. */
export interface ContainerRuleDefinition {
  readonly id: string;
  readonly summary: string;
  readonly fix: string;
  /** The container lists the rule applies to. @default every list (containers, initContainers, ephemeralContainers) */
  readonly lists?: readonly ContainerList[];
  checkContainer(container: ContainerRef, pod: PodTemplate): readonly Finding[];
}

/** A rule judged container by container, over every pod template. */
export function containerRule(definition: ContainerRuleDefinition): PolicyRule {
  const lists = definition.lists;
  return podRule({
    id: definition.id,
    summary: definition.summary,
    fix: definition.fix,
    checkPod: (pod) =>
      containersOf(pod)
        .filter((c) => lists === undefined || lists.includes(c.list))
        .flatMap((c) => definition.checkContainer(c, pod)),
  });
}
