import { JsonObject, arr, isKind, metadataOf, obj, str } from './manifest';
import { Manifest } from './types';

/** A pod spec found in a workload, with the path that leads to it. */
export interface PodTemplate {
  /** The pod spec (`spec` of a Pod, `spec.template.spec` of a Deployment...). */
  readonly spec: JsonObject;
  /** The pod's metadata (the template's metadata; a bare Pod's own metadata). */
  readonly metadata: JsonObject;
  /** Dotted path of `spec` inside the manifest, e.g. `spec.template.spec`. */
  readonly path: string;
  /** Dotted path of the pod's metadata, e.g. `spec.template.metadata` (`metadata` for a bare Pod). */
  readonly metadataPath: string;
  /** Whether the pods are expected to keep running (so probes make sense). */
  readonly longRunning: boolean;
}

/** Which list of the pod spec a container sits in. */
export type ContainerList = 'containers' | 'initContainers' | 'ephemeralContainers';

/** One container of a pod spec. */
export interface ContainerRef {
  readonly container: JsonObject;
  readonly list: ContainerList;
  /** The container's name (`#<index>` when it has none). */
  readonly name: string;
  /** `container "web"`, `init container "setup"`, `ephemeral container "debug"`. */
  readonly label: string;
  /** Dotted path of the container, e.g. `spec.template.spec.containers[0]`. */
  readonly path: string;
  /** Native sidecar: an init container with `restartPolicy: Always` runs for the pod's whole life. */
  readonly sidecar: boolean;
}

const LABEL_PREFIX: Record<ContainerList, string> = {
  containers: 'container',
  initContainers: 'init container',
  ephemeralContainers: 'ephemeral container',
};

/** Workload kinds whose pod template sits at `spec.template`, with their API groups and whether they run forever. */
const TEMPLATED: readonly { kind: string; groups: readonly string[]; longRunning: boolean }[] = [
  { kind: 'Deployment', groups: ['apps', 'extensions'], longRunning: true },
  { kind: 'StatefulSet', groups: ['apps'], longRunning: true },
  { kind: 'DaemonSet', groups: ['apps', 'extensions'], longRunning: true },
  { kind: 'ReplicaSet', groups: ['apps', 'extensions'], longRunning: true },
  { kind: 'ReplicationController', groups: [''], longRunning: true },
  { kind: 'Job', groups: ['batch'], longRunning: false },
];

/** The pod template of a workload, or undefined when the object holds none. */
export function podTemplateOf(manifest: Manifest): PodTemplate | undefined {
  if (isKind(manifest, 'Pod', [''])) {
    const spec = obj(manifest.spec);
    // A bare Pod that restarts on exit is a long-running server; Never/OnFailure is a run-to-completion task.
    const restart = str(spec.restartPolicy) ?? 'Always';
    return { spec, metadata: metadataOf(manifest), path: 'spec', metadataPath: 'metadata', longRunning: restart === 'Always' };
  }
  if (isKind(manifest, 'CronJob', ['batch'])) {
    const template = obj(obj(obj(obj(manifest.spec).jobTemplate).spec).template);
    return { spec: obj(template.spec), metadata: obj(template.metadata), path: 'spec.jobTemplate.spec.template.spec', metadataPath: 'spec.jobTemplate.spec.template.metadata', longRunning: false };
  }
  for (const t of TEMPLATED) {
    if (isKind(manifest, t.kind, t.groups)) {
      const template = obj(obj(manifest.spec).template);
      return { spec: obj(template.spec), metadata: obj(template.metadata), path: 'spec.template.spec', metadataPath: 'spec.template.metadata', longRunning: t.longRunning };
    }
  }
  return undefined;
}

/** Every container of a pod spec: regular, init and ephemeral, in that order. */
export function containersOf(pod: PodTemplate): ContainerRef[] {
  const out: ContainerRef[] = [];
  for (const list of ['containers', 'initContainers', 'ephemeralContainers'] as const) {
    arr(pod.spec[list]).forEach((c, i) => {
      const container = obj(c);
      const name = str(container.name) ?? `#${i}`;
      out.push({
        container,
        list,
        name,
        label: `${LABEL_PREFIX[list]} ${JSON.stringify(name)}`,
        path: `${pod.path}.${list}[${i}]`,
        sidecar: list === 'initContainers' && container.restartPolicy === 'Always',
      });
    });
  }
  return out;
}

/** The container's securityContext (empty when unset). */
export function securityContextOf(ref: ContainerRef): JsonObject {
  return obj(ref.container.securityContext);
}

/** The pod-level securityContext (empty when unset). */
export function podSecurityContextOf(pod: PodTemplate): JsonObject {
  return obj(pod.spec.securityContext);
}
