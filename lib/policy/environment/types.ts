import { EnvironmentRuleId } from '../../environments/environment-policy';
import { CheckContext, Finding, Manifest } from '../types';

/** The effective replica range of a Deployment/StatefulSet, and what decides it. */
export interface ReplicaRange {
  /** Fewest replicas: `spec.replicas` (unset = 1), or the smallest `minReplicas` (unset = 1) of the HPAs scaling it. */
  readonly min: number;
  /** Most replicas: `spec.replicas`, or the largest HPA `maxReplicas`. */
  readonly max: number;
  /** The HorizontalPodAutoscalers targeting the workload (their `minReplicas` then decides). */
  readonly autoscalers: readonly Manifest[];
}

/** A namespace whose workloads get an Istio sidecar (or ztunnel), and the object a missing STRICT policy is reported on. */
export interface MeshedNamespace {
  readonly namespace: string;
  /** The Namespace object when it is checked, else the first meshed workload of the namespace. */
  readonly reportOn: Manifest;
  /** Why the namespace counts as meshed, for messages (`label istio-injection=enabled`). */
  readonly why: string;
}

/** Facts about one environment's objects (built once per environment) that the environment rules read. */
export interface EnvironmentContext extends CheckContext {
  /** The environment's name. */
  readonly environment: string;
  /** `EnvironmentPolicy.minReplicas` of the environment (default 2). */
  readonly minReplicas: number;
  /** The replica range of a Deployment/StatefulSet, or undefined for any other object. */
  replicasOf(workload: Manifest): ReplicaRange | undefined;
  /** The PodDisruptionBudgets of `namespace` whose selector matches `labels`. */
  budgetsSelecting(namespace: string, labels: Readonly<Record<string, string>>): readonly Manifest[];
  /** Which of CPU and memory a LimitRange of `namespace` gives containers as default limit. */
  defaultLimits(namespace: string): { readonly cpu: boolean; readonly memory: boolean };
  /** Meshed namespaces, by name. */
  readonly meshedNamespaces: ReadonlyMap<string, MeshedNamespace>;
  /** The meshed namespaces whose findings are reported on `object` (its `reportOn`). */
  meshedNamespacesReportedOn(object: Manifest): readonly MeshedNamespace[];
  /** Istio's root namespace, where a PeerAuthentication without selector is mesh-wide (`istio-system`). */
  readonly rootNamespace: string;
}

/**
 * One environment rule: like a `PolicyRule`, but it runs only on objects of an
 * environment and reads that environment's objects (never another environment's).
 */
export interface EnvironmentRule {
  readonly id: EnvironmentRuleId;
  readonly summary: string;
  readonly fix: string;
  check(object: Manifest, context: EnvironmentContext): readonly Finding[];
}
