import { arr, isKind, metadataOf, obj, str, stringMap } from '../manifest';
import { parseSelector, ParsedSelector, selectorMatches } from '../label-selector';
import { CheckContext, Manifest } from '../types';
import { podTemplateOf } from '../workloads';
import { EnvironmentContext, MeshedNamespace, ReplicaRange } from './types';

/** The namespace an object lives in (`''` when it leaves it to kustomize). */
export function namespaceOf(manifest: Manifest): string {
  return str(metadataOf(manifest).namespace) ?? '';
}

/** Deployments and StatefulSets: the workloads whose replica count the environment rules judge (DaemonSets run one pod per node). */
export function isReplicated(manifest: Manifest): boolean {
  return isKind(manifest, 'Deployment', ['apps', 'extensions']) || isKind(manifest, 'StatefulSet', ['apps']);
}

/** A replica count as written: unset is `fallback`, anything but a whole number is undefined. */
export function countOf(value: unknown, fallback: number): number | undefined {
  if (value === undefined) return fallback;
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

/** The HPA's target as `kind\u0000name`. */
function targetKey(namespace: string, kind: string, name: string): string {
  return `${namespace}\u0000${kind}\u0000${name}`;
}

/**
 * Istio's root namespace (meshConfig.rootNamespace, default `istio-system`):
 * a PeerAuthentication there without a selector applies to the whole mesh
 * (istio.io, "PeerAuthentication": "policy in the root namespace ... applies to all namespaces").
 */
export const ISTIO_ROOT_NAMESPACE = 'istio-system';

/**
 * Whether the Istio sidecar injector injects pods of a namespace with these
 * labels (istio.io "Installing the sidecar", "Controlling the injection policy":
 * a disabled label on namespace or pod wins, then an enabled one;
 * `istio.io/rev` selects a revisioned control plane). Ambient namespaces
 * (`istio.io/dataplane-mode: ambient`) are in the mesh through ztunnel, where
 * PeerAuthentication applies too.
 */
function namespaceMeshed(labels: Readonly<Record<string, string>>): string | undefined {
  if (labels['istio-injection'] === 'disabled') return undefined;
  if (labels['istio-injection'] === 'enabled') return 'label istio-injection=enabled';
  if (labels['istio.io/rev'] !== undefined) return `label istio.io/rev=${labels['istio.io/rev']}`;
  if (labels['istio.io/dataplane-mode'] === 'ambient') return 'label istio.io/dataplane-mode=ambient';
  return undefined;
}

/** Whether a pod template asks for the sidecar itself (label, or the older annotation). */
function podAsksForSidecar(manifest: Manifest): boolean {
  const pod = podTemplateOf(manifest);
  if (!pod) return false;
  const label = stringMap(pod.metadata.labels)['sidecar.istio.io/inject'];
  const annotation = stringMap(pod.metadata.annotations)['sidecar.istio.io/inject'];
  return (label ?? annotation) === 'true' || stringMap(pod.metadata.labels)['istio.io/dataplane-mode'] === 'ambient';
}

function meshedNamespaces(manifests: readonly Manifest[]): Map<string, MeshedNamespace> {
  const namespaces = new Map<string, Manifest>();
  for (const m of manifests) if (isKind(m, 'Namespace', [''])) namespaces.set(str(metadataOf(m).name) ?? '', m);
  const meshed = new Map<string, MeshedNamespace>();
  for (const [name, ns] of namespaces) {
    const why = namespaceMeshed(stringMap(metadataOf(ns).labels));
    if (why) meshed.set(name, { namespace: name, reportOn: ns, why });
  }
  for (const m of manifests) {
    const namespace = namespaceOf(m);
    if (meshed.has(namespace) || !podAsksForSidecar(m)) continue;
    const ns = namespaces.get(namespace);
    if (ns && stringMap(metadataOf(ns).labels)['istio-injection'] === 'disabled') continue;
    const why = `${str(m.kind)} ${JSON.stringify(str(metadataOf(m).name) ?? '')} asks for the sidecar (sidecar.istio.io/inject: "true")`;
    meshed.set(namespace, { namespace, reportOn: ns ?? m, why });
  }
  return meshed;
}

interface IndexedBudget {
  readonly manifest: Manifest;
  readonly selector: ParsedSelector;
}

/**
 * Indexes the environment's objects once so each rule answers in about
 * constant time per object: HPAs by target, PDBs by namespace and their first
 * `matchLabels` pair, LimitRange defaults and meshed namespaces.
 */
export function buildEnvironmentContext(manifests: readonly Manifest[], base: CheckContext, environment: string, minReplicas: number): EnvironmentContext {
  const autoscalers = new Map<string, Manifest[]>();
  const budgetsByLabel = new Map<string, IndexedBudget[]>();
  const budgetsUnindexed = new Map<string, IndexedBudget[]>();
  const limits = new Map<string, { cpu: boolean; memory: boolean }>();
  const push = <T>(map: Map<string, T[]>, key: string, value: T): void => {
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
  };
  for (const m of manifests) {
    const namespace = namespaceOf(m);
    if (isKind(m, 'HorizontalPodAutoscaler', ['autoscaling'])) {
      const ref = obj(obj(m.spec).scaleTargetRef);
      push(autoscalers, targetKey(namespace, str(ref.kind) ?? '', str(ref.name) ?? ''), m);
    } else if (isKind(m, 'PodDisruptionBudget', ['policy'])) {
      const raw = obj(m.spec).selector;
      const parsed = parseSelector(raw);
      // policy/v1: an empty selector selects every pod of the namespace; policy/v1beta1: none. No selector: none.
      const selector = raw === undefined || (parsed.empty && str(m.apiVersion) !== 'policy/v1') ? { ...parsed, valid: false } : parsed;
      const first = Object.entries(selector.matchLabels)[0];
      if (first) push(budgetsByLabel, `${namespace}\u0000${first[0]}\u0000${first[1]}`, { manifest: m, selector });
      else push(budgetsUnindexed, namespace, { manifest: m, selector });
    } else if (isKind(m, 'LimitRange', [''])) {
      const seen = limits.get(namespace) ?? { cpu: false, memory: false };
      for (const item of arr(obj(m.spec).limits)) {
        const limit = obj(item);
        if (limit.type !== 'Container') continue;
        const defaults = obj(limit.default);
        seen.cpu ||= defaults.cpu !== undefined;
        seen.memory ||= defaults.memory !== undefined;
      }
      limits.set(namespace, seen);
    }
  }
  const meshed = meshedNamespaces(manifests);
  const order = new Map(manifests.map((m, i) => [m, i] as const));
  const reportedOn = new Map<Manifest, MeshedNamespace[]>();
  for (const m of meshed.values()) reportedOn.set(m.reportOn, [...(reportedOn.get(m.reportOn) ?? []), m]);
  return {
    ...base,
    environment,
    minReplicas,
    rootNamespace: ISTIO_ROOT_NAMESPACE,
    meshedNamespaces: meshed,
    meshedNamespacesReportedOn: (object) => reportedOn.get(object) ?? [],
    replicasOf(workload): ReplicaRange | undefined {
      if (!isReplicated(workload)) return undefined;
      const hpas = autoscalers.get(targetKey(namespaceOf(workload), str(workload.kind) ?? '', str(metadataOf(workload).name) ?? '')) ?? [];
      if (hpas.length === 0) {
        const replicas = countOf(obj(workload.spec).replicas, 1) ?? 1;
        return { min: replicas, max: replicas, autoscalers: [] };
      }
      const mins = hpas.map((h) => countOf(obj(h.spec).minReplicas, 1) ?? 1);
      const maxes = hpas.map((h) => countOf(obj(h.spec).maxReplicas, 1) ?? 1);
      return { min: Math.min(...mins), max: Math.max(...maxes), autoscalers: hpas };
    },
    budgetsSelecting(namespace, labels) {
      const candidates = [...(budgetsUnindexed.get(namespace) ?? [])];
      for (const [k, v] of Object.entries(labels)) candidates.push(...(budgetsByLabel.get(`${namespace}\u0000${k}\u0000${v}`) ?? []));
      return candidates
        .filter((b) => selectorMatches(b.selector, labels))
        .map((b) => b.manifest)
        .sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
    },
    defaultLimits(namespace) {
      return limits.get(namespace) ?? { cpu: false, memory: false };
    },
  };
}
