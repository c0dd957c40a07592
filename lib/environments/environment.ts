import type { EnvironmentPolicy } from './environment-policy';

/** The Kubernetes cluster an environment deploys to. */
export interface EnvironmentCluster {
  /**
   * Cluster name as Argo CD knows it (`argocd cluster add` / the cluster Secret's `name`).
   * Shown in the generated ApplicationSet's list elements; a DNS label.
   */
  readonly name: string;
  /**
   * API server URL: the destination `server` of the environment's Argo CD
   * Applications. `https://kubernetes.default.svc` is the cluster Argo CD runs in.
   */
  readonly server: string;
}

/**
 * One environment (dev, test, prod...): where it deploys, the typed settings
 * apps read while they build, and what `npm run check` requires of it.
 * Every app deploying to it is rendered into `dist/<name>/<app>/`.
 *
 * `S` is the project's settings type (apps/environments.ts): apps receive the
 * environment as `context.environment` and read `context.environment.settings`.
 */
export interface Environment<S = unknown> {
  /** Folder `dist/<name>/` and the `--env` of `npm run promote`. A DNS label, not `gitops`. */
  readonly name: string;
  /** The cluster the environment's apps are synced to. */
  readonly cluster: EnvironmentCluster;
  /** Values apps read (replicas, hosts, sampling...): typed by the project, rendered into the YAML. */
  readonly settings: S;
  /**
   * What `npm run check` requires of `dist/<name>/` (see environment-policy.ts).
   * @default - every rule at production strength
   */
  readonly policy?: EnvironmentPolicy;
}

/**
 * The environment apps see when the project declares none: synth then writes
 * `dist/<app>/` (no environment level) and `settings` is empty.
 */
export const IMPLICIT_ENVIRONMENT: Environment<Record<string, never>> = {
  name: 'default',
  cluster: { name: 'in-cluster', server: 'https://kubernetes.default.svc' },
  settings: {},
};
