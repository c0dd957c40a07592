import { Environment, defineEnvironments } from '../lib';

/**
 * What differs between this project's environments, read by the apps while
 * they build (`context.environment.settings`). Add a field here and TypeScript
 * asks for its value in every environment below.
 */
export interface Settings {
  /** DNS zone of the environment's public hosts: the shop answers on `shop.<domain>`. */
  readonly domain: string;
  /** Replicas of each stateless service (the minimum of autoscaled ones). */
  readonly replicas: number;
  /** Maximum replicas of autoscaled services. */
  readonly maxReplicas: number;
  /** Production-sized CPU and memory, or a small footprint for a shared cluster. */
  readonly size: 'small' | 'production';
  /** Percentage of requests the Istio sidecars trace (0-100). */
  readonly tracingPercent: number;
  /** Roll new versions out as a canary (a second version on a share of the traffic, tag `<service>-canary`). */
  readonly canary: boolean;
  /** Who gets alerts: the on-call rotation (mail, WeChat and a dead man's switch) or only the team's chat robot. */
  readonly alerts: 'page-oncall' | 'team-chat';
  /** How long Prometheus keeps metrics, and the size of its volume. */
  readonly metricsRetention: { readonly time: string; readonly size: string; readonly volume: string };
}

/** An environment of this project. */
export type ProjectEnvironment = Environment<Settings>;

/**
 * The environments every app is rendered for, into `dist/<name>/<app>/`
 * (see docs/environments.md). One cluster each.
 */
export const environments: readonly ProjectEnvironment[] = defineEnvironments<Settings>([
  {
    name: 'dev',
    cluster: { name: 'dev', server: 'https://dev.k8s.example.com:6443' },
    settings: {
      domain: 'dev.example.com',
      replicas: 1,
      maxReplicas: 2,
      size: 'small',
      tracingPercent: 100,
      canary: false,
      alerts: 'team-chat',
      metricsRetention: { time: '3d', size: '9GB', volume: '10Gi' },
    },
    // Every rule holds as in prod except the replica minimum, relaxed by a declared exception (shown by `npm run check`).
    policy: { exceptions: [{ rule: 'env-min-replicas', reason: 'single replicas save the shared dev cluster\'s capacity; an outage of a dev pod blocks nobody' }] },
  },
  {
    name: 'test',
    cluster: { name: 'test', server: 'https://test.k8s.example.com:6443' },
    settings: {
      domain: 'test.example.com',
      replicas: 2,
      maxReplicas: 4,
      size: 'small',
      tracingPercent: 10,
      canary: false,
      alerts: 'team-chat',
      metricsRetention: { time: '7d', size: '18GB', volume: '20Gi' },
    },
  },
  {
    name: 'prod',
    cluster: { name: 'prod', server: 'https://prod.k8s.example.com:6443' },
    settings: {
      domain: 'example.com',
      replicas: 3,
      maxReplicas: 10,
      size: 'production',
      tracingPercent: 1,
      canary: true,
      alerts: 'page-oncall',
      metricsRetention: { time: '15d', size: '45GB', volume: '50Gi' },
    },
  },
]);
