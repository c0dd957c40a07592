/**
 * What `npm run check` requires of every object rendered for one environment
 * (the files under `dist/<environment>/`). An object may be excused from one of
 * these rules only by a declared exception annotation with a reason (see
 * docs/security.md, policy exceptions), never silently.
 *
 * Shared contract between environments (lib/environments) and the policy check
 * (lib/policy): both sides import this type.
 */
export interface EnvironmentPolicy {
  /**
   * Minimum `spec.replicas` of every Deployment and StatefulSet (or
   * `spec.minReplicas` of the HorizontalPodAutoscaler that scales it).
   * @default 1
   */
  readonly minReplicas?: number;
  /**
   * Every Deployment and StatefulSet with more than one replica must be
   * selected by a PodDisruptionBudget in its namespace.
   * @default false
   */
  readonly requireDisruptionBudget?: boolean;
  /**
   * Every container (init containers included) must set CPU and memory limits.
   * @default false
   */
  readonly requireResourceLimits?: boolean;
  /**
   * Every meshed namespace must have a PeerAuthentication with mTLS mode
   * STRICT (namespace-wide or the mesh root), and no PeerAuthentication or
   * DestinationRule in the environment may relax it.
   * @default false
   */
  readonly requireStrictMtls?: boolean;
}

/** The name and policy of one environment, as the policy check needs them. */
export interface EnvironmentPolicyRef {
  /** Environment name: the folder `dist/<name>/`. */
  readonly name: string;
  /** @default - no environment-specific rule */
  readonly policy?: EnvironmentPolicy;
}
