/**
 * The order in which an app's objects are applied, expressed twice so every
 * GitOps tool sees it: as the `argocd.argoproj.io/sync-wave` annotation (Argo
 * CD applies wave by wave, waiting for health in between) and as file order
 * in `kustomization.yaml` with `sortOptions: fifo` (kustomize, `kubectl apply -k`
 * and Flux build the folder in that order). Every object gets its wave at synth
 * time from its API group and kind; constructs do nothing. The order is
 * make-before-break: what a pod or a route needs (ServiceEntry,
 * DestinationRule) exists before it, routes (VirtualService) come last.
 */
import { newJsonObject, putJsonKey } from '../common/json-object';

/** Annotation Argo CD reads to order a sync. */
export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';

/** One ordering group: a wave number and the file-name prefix of its manifests. */
export interface SyncGroup {
  /** Stable name, used in the file name (`<prefix>-<name>.k8s.yaml`). */
  readonly name: string;
  /** Two-digit prefix so that `ls` shows files in apply order. */
  readonly prefix: string;
  /** Argo CD sync wave. */
  readonly wave: number;
}

const group = (prefix: string, name: string, wave: number): SyncGroup => ({ name, prefix, wave });

/** Namespaces (and CRDs) first: everything else lives in them or needs them. */
export const NAMESPACES = group('00', 'namespaces', -10);
/** Identity, RBAC, config and network policy: what pods mount or are governed by when they start. */
export const CONFIG = group('10', 'config', -5);
/** Istio mTLS and authorization: in force before any workload can receive traffic (zero trust from the first pod). */
export const MESH_SECURITY = group('20', 'mesh-security', -3);
/**
 * Mesh configuration the workloads need from their first request
 * (make-before-break): ServiceEntries (so a pod reaches its external
 * dependencies under REGISTRY_ONLY), Gateways, DestinationRules (so every
 * subset exists before any route names it), Sidecars, Telemetry. None of them
 * needs the pods to exist.
 */
export const MESH_CONFIG = group('25', 'mesh-config', -2);
/** Services before the pods they select, so DNS and endpoints exist when pods start. */
export const SERVICES = group('30', 'services', 0);
/** Workloads and what scales or protects them. */
export const WORKLOADS = group('40', 'workloads', 5);
/**
 * Routes (VirtualService, Ingress): after the DestinationRules whose subsets
 * they name and after the workloads are healthy, so traffic only shifts to
 * pods that are ready.
 */
export const MESH_TRAFFIC = group('50', 'mesh-traffic', 10);
/** Prometheus Operator resources: select Services/pods that exist by now. */
export const MONITORING = group('60', 'monitoring', 15);
/** Anything not listed: last, as kustomize's legacy order does for unknown kinds. */
export const OTHER = group('90', 'other', 20);

/** All groups in apply order. */
export const SYNC_GROUPS: readonly SyncGroup[] = [NAMESPACES, CONFIG, MESH_SECURITY, MESH_CONFIG, SERVICES, WORKLOADS, MESH_TRAFFIC, MONITORING, OTHER];

const BY_KIND: Record<string, SyncGroup> = {
  Namespace: NAMESPACES,
  CustomResourceDefinition: NAMESPACES,
  ServiceAccount: CONFIG,
  Role: CONFIG,
  ClusterRole: CONFIG,
  RoleBinding: CONFIG,
  ClusterRoleBinding: CONFIG,
  ConfigMap: CONFIG,
  Secret: CONFIG,
  PersistentVolumeClaim: CONFIG,
  PersistentVolume: CONFIG,
  StorageClass: CONFIG,
  PriorityClass: CONFIG,
  ResourceQuota: CONFIG,
  LimitRange: CONFIG,
  NetworkPolicy: CONFIG,
  Service: SERVICES,
  Endpoints: SERVICES,
  Deployment: WORKLOADS,
  StatefulSet: WORKLOADS,
  DaemonSet: WORKLOADS,
  ReplicaSet: WORKLOADS,
  Pod: WORKLOADS,
  Job: WORKLOADS,
  CronJob: WORKLOADS,
  HorizontalPodAutoscaler: WORKLOADS,
  PodDisruptionBudget: WORKLOADS,
  Ingress: MESH_TRAFFIC,
};

const BY_GROUP: Record<string, SyncGroup> = {
  'security.istio.io': MESH_SECURITY,
  'networking.istio.io': MESH_CONFIG,
  'telemetry.istio.io': MESH_CONFIG,
  'monitoring.coreos.com': MONITORING,
};

/** Kinds of a custom-resource group that do not follow their group's order. */
const BY_GROUP_AND_KIND: Record<string, SyncGroup> = {
  // routes shift traffic: last, once the subsets (DestinationRules) and their pods exist
  'networking.istio.io/VirtualService': MESH_TRAFFIC,
};

/** The API group of an apiVersion (`''` for the core group). */
export function apiGroupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

/** The ordering group of a manifest, from its API group (CRs) or its kind (built-ins). */
export function syncGroupOf(obj: { readonly apiVersion?: unknown; readonly kind?: unknown }): SyncGroup {
  const apiGroup = apiGroupOf(String(obj.apiVersion));
  const byKind = BY_GROUP_AND_KIND[`${apiGroup}/${String(obj.kind)}`];
  if (byKind) return byKind;
  if (BY_GROUP[apiGroup]) return BY_GROUP[apiGroup];
  // built-in groups are core (""), dot-less ("apps", "batch") or *.k8s.io; a custom resource's kind says nothing
  const builtIn = !apiGroup.includes('.') || apiGroup.endsWith('.k8s.io');
  return (builtIn ? BY_KIND[String(obj.kind)] : undefined) ?? OTHER;
}

function sortedObject(entries: [string, unknown][]): Record<string, unknown> {
  const out = newJsonObject();
  for (const [k, v] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) putJsonKey(out, k, v);
  return out;
}

/**
 * `o` with `key` set to `value`, keys sorted (what `sortedObject` gives). cdk8s
 * writes keys sorted already, so the key is usually just merged into place
 * without building and sorting an entry list (this runs once per object).
 */
export function withSortedKey(o: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const keys = Object.keys(o);
  for (let i = 1; i < keys.length; i++) {
    if (!(keys[i - 1] < keys[i])) return sortedObject(Object.entries({ ...o, [key]: value }));
  }
  const out = newJsonObject();
  let placed = false;
  for (const k of keys) {
    if (!placed && key <= k) {
      putJsonKey(out, key, value);
      placed = true;
      if (k === key) continue;
    }
    putJsonKey(out, k, o[k]);
  }
  if (!placed) putJsonKey(out, key, value);
  return out;
}

/**
 * Returns the manifest with `argocd.argoproj.io/sync-wave` set to `wave`
 * (default: its group's wave). A wave a construct set itself is kept. Keys
 * stay sorted, as cdk8s writes them.
 */
export function withSyncWave(obj: Record<string, unknown>, wave: number = syncGroupOf(obj).wave): Record<string, unknown> {
  const metadata = (obj.metadata ?? {}) as Record<string, unknown>;
  const annotations = (metadata.annotations ?? {}) as Record<string, unknown>;
  if (annotations[SYNC_WAVE_ANNOTATION] !== undefined) return obj;
  // a copy key by key rather than `{ ...obj }`: see newJsonObject (V8 shapes in apps with thousands of charts)
  const out = newJsonObject();
  for (const key of Object.keys(obj)) putJsonKey(out, key, obj[key]);
  out.metadata = withSortedKey(metadata, 'annotations', withSortedKey(annotations, SYNC_WAVE_ANNOTATION, String(wave)));
  return out;
}
