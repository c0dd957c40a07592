/**
 * What `npm run check` requires of every object rendered for one environment
 * (the files under `dist/<environment>/`). Every environment gets every rule at
 * production strength; an environment relaxes one only by a declared exception
 * with a reason (`exceptions`), and one object only by the usual policy
 * exception annotation with a reason — never silently.
 *
 * Shared contract between environments (lib/environments, synth) and the policy
 * check (lib/policy): both sides import these types.
 */
export type EnvironmentRuleId =
  /** Deployments/StatefulSets (or the HPA scaling them) run at least `minReplicas` replicas. */
  | 'env-min-replicas'
  /** Every Deployment/StatefulSet with more than one replica is selected by a PodDisruptionBudget. */
  | 'env-disruption-budget'
  /** Every container (init containers included) sets CPU and memory limits. */
  | 'env-resource-limits'
  /** Every meshed namespace has STRICT mTLS and nothing in the environment relaxes it. */
  | 'env-strict-mtls';

/** An environment-wide relaxation of one rule, with the reason shown in the check report. */
export interface EnvironmentPolicyException {
  readonly rule: EnvironmentRuleId;
  /** Why this environment may relax the rule (e.g. "single-node dev cluster"). Not empty. */
  readonly reason: string;
}

export interface EnvironmentPolicy {
  /**
   * Minimum replicas for `env-min-replicas`.
   * @default 2
   */
  readonly minReplicas?: number;
  /**
   * Rules this environment relaxes, each with its reason.
   * @default - none: every rule applies
   */
  readonly exceptions?: readonly EnvironmentPolicyException[];
}

/** The name and policy of one environment, as the policy check needs them. */
export interface EnvironmentPolicyRef {
  /** Environment name: the folder `dist/<name>/`. */
  readonly name: string;
  /** @default - every rule at its default */
  readonly policy?: EnvironmentPolicy;
}
