import { MeshforgeError } from '../validation/meshforge-error';
import { apiGroupOf } from './sync-order';

/** Where one emitted object came from, kept per object so a clash can name both sides. */
export interface EmittedObject {
  /** API group (`''` for core), kind, namespace (absent for cluster-scoped kinds) and name: the identity a cluster sees. */
  readonly group: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  /** The dist/ folder: `<environment>/<app>`, the app name without environments, or `gitops`. */
  readonly app: string;
  /** Construct path of the object, or a description where no construct exists (generated GitOps objects). */
  readonly path: string;
  /** File under that folder. */
  readonly file: string;
}

/** Built-in kinds without a namespace: a `metadata.namespace` on them is ignored by the API server, so by us too. */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition',
  'StorageClass', 'PriorityClass', 'IngressClass', 'RuntimeClass', 'CSIDriver', 'VolumeAttachment',
  'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'APIService',
]);

/** Reads the identity of a rendered manifest. */
export function identityOf(obj: Record<string, unknown>): Pick<EmittedObject, 'group' | 'kind' | 'namespace' | 'name'> {
  const metadata = (obj.metadata ?? {}) as { name?: unknown; namespace?: unknown };
  const kind = String(obj.kind);
  const namespace = CLUSTER_SCOPED_KINDS.has(kind) || typeof metadata.namespace !== 'string' ? undefined : metadata.namespace;
  return { group: apiGroupOf(String(obj.apiVersion)), kind, ...(namespace ? { namespace } : {}), name: String(metadata.name) };
}

/** `apps/Deployment shop/frontend`, `Namespace shop` (core group and cluster scope shown as such). */
export function describeIdentity(o: Pick<EmittedObject, 'group' | 'kind' | 'namespace' | 'name'>): string {
  return `${o.group ? `${o.group}/` : ''}${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}

/**
 * Throws `DUPLICATE_OBJECT` for the first group/kind/namespace/name emitted
 * twice, within one app or across apps: Argo CD and Flux cannot own one
 * object from two places (the syncs fight, or one fails). Objects without a
 * namespace are compared as written (a namespaced object without namespace
 * lands in the applier's default namespace).
 */
export function assertUniqueObjects(objects: readonly EmittedObject[]): void {
  const seen = new Map<string, EmittedObject>();
  for (const o of objects) {
    const key = `${o.group}/${o.kind}/${o.namespace ?? ''}/${o.name}`;
    const first = seen.get(key);
    if (!first) {
      seen.set(key, o);
      continue;
    }
    const where = (x: EmittedObject) => `app "${x.app}" at ${x.path} (dist/${x.app}/${x.file})`;
    throw new MeshforgeError(`${describeIdentity(o)} is emitted twice: by ${where(first)} and by ${where(o)}`, {
      code: 'DUPLICATE_OBJECT',
      path: o.path,
      field: 'metadata.name',
      value: o.name,
      expected: 'one object per group/kind/namespace/name across dist/: rename one of them or emit it from one app only',
    });
  }
}
