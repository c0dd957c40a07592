import { checkObjects, EnvironmentPolicy, PolicyReport } from '../../lib/policy';
import { Json, set, workload } from './fixtures';

/** A PodDisruptionBudget in namespace `shop`. */
export function pdb(name: string, spec: Json, apiVersion = 'policy/v1'): Json {
  return { apiVersion, kind: 'PodDisruptionBudget', metadata: { name, namespace: 'shop' }, spec };
}

/** A HorizontalPodAutoscaler scaling Deployment `target` in `shop`. */
export function hpa(target: string, minReplicas: number | undefined, maxReplicas: number): Json {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: target, namespace: 'shop' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target }, ...(minReplicas !== undefined ? { minReplicas } : {}), maxReplicas },
  };
}

/** A compliant Deployment `name` with `replicas` (`'unset'`: no spec.replicas). */
export function deployment(name = 'web', replicas: number | 'unset' = 2): Json {
  return set(workload('Deployment', name), 'spec.replicas', replicas === 'unset' ? undefined : replicas);
}

/** Sets a pod template label whose key has dots (which `set` paths cannot name). */
export function podLabel(manifest: Json, key: string, value: string): Json {
  const template = (manifest.spec as { template: { metadata: { labels: Record<string, string> } } }).template;
  template.metadata.labels[key] = value;
  return manifest;
}

/** A PeerAuthentication (no selector unless given). */
export function peerAuthentication(namespace: string, spec: Json, name = 'default'): Json {
  return { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name, namespace }, spec };
}

export function namespace(name: string, labels: Record<string, string> = {}): Json {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

/** Runs only the environment rules over manifests rendered for environment `prod` (one file). */
export function checkEnv(manifests: readonly Json[], policy?: EnvironmentPolicy): PolicyReport {
  return checkObjects(
    manifests.map((manifest, index) => ({ manifest, file: 'dist/prod/shop/app.k8s.yaml', index, environment: 'prod' })),
    { rules: [], environments: [{ name: 'prod', ...(policy ? { policy } : {}) }] },
  );
}

/** The violations as `rule Kind/name: message` lines. */
export function envFindings(manifests: readonly Json[], policy?: EnvironmentPolicy): string[] {
  return checkEnv(manifests, policy).violations.map((v) => `${v.rule} ${v.object.kind}/${v.object.name}: ${v.message}`);
}
