import { ApiObject, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { MeshforgeError } from '../validation/meshforge-error';
import { requirePinnedImage } from '../validation/images';

/*
 * Pod-spec knobs any meshforge workload can take (a MeshService version's
 * Deployment, and equally a StatefulSet or Job pod template): extra
 * containers and volumes held to the same restricted security context as the
 * application container, image pull secrets, and scheduling. `checkPodOptions`
 * refuses what cdk8s-plus would throw on (as a plain Error) or what cannot
 * work; the API server's own rules on the rendered pod spec (tolerations,
 * topology spread, priority class, node selector) are checked with every
 * other manifest rule in lib/validation/rules/kubernetes.ts.
 */

/** Where pods of a workload are spread (a `topologySpreadConstraints` entry on the workload's own pods). */
export class TopologySpread {
  /** Spread across zones (`topology.kubernetes.io/zone`). */
  public static acrossZones(options: TopologySpreadOptions = {}): TopologySpread {
    return new TopologySpread('topology.kubernetes.io/zone', options);
  }
  /** Spread across nodes (`kubernetes.io/hostname`). */
  public static acrossNodes(options: TopologySpreadOptions = {}): TopologySpread {
    return new TopologySpread('kubernetes.io/hostname', options);
  }
  /** Spread across the values of any node label, e.g. "topology.kubernetes.io/region". */
  public static across(topologyKey: string, options: TopologySpreadOptions = {}): TopologySpread {
    return new TopologySpread(topologyKey, options);
  }

  private constructor(
    /** Node label whose values are the domains pods are spread over. */
    public readonly topologyKey: string,
    private readonly options: TopologySpreadOptions,
  ) {}

  /**
   * The constraint for pods selected by `selectorLabels` (a workload's own
   * pods: for a MeshService version, `app` and `version`).
   */
  public toKube(selectorLabels: Readonly<Record<string, string>>): k8s.TopologySpreadConstraint {
    return {
      labelSelector: { matchLabels: { ...selectorLabels } },
      // Spread each Deployment revision on its own: without it a rolling update counts the old pods
      // too, and the new ones pile up where the old ones were fewest. The scheduler ignores a key the
      // pod does not carry (StatefulSet and Job pods have no pod-template-hash); beta, on by default
      // since Kubernetes 1.27 (MatchLabelKeysInPodTopologySpread), dropped by older API servers.
      // https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/#spread-constraint-definition
      matchLabelKeys: ['pod-template-hash'],
      maxSkew: this.options.maxSkew ?? 1,
      topologyKey: this.topologyKey,
      whenUnsatisfiable: this.options.required ? 'DoNotSchedule' : 'ScheduleAnyway',
    };
  }
}

/** Options of a `TopologySpread`. */
export interface TopologySpreadOptions {
  /** Largest allowed difference in matching pods between two domains. @default 1 */
  readonly maxSkew?: number;
  /**
   * Leave a pod Pending rather than break the spread (`DoNotSchedule`).
   * Nodes without the topology label are then never chosen, e.g. on a
   * local cluster whose nodes have no zone label.
   * @default false (`ScheduleAnyway`: a preference the scheduler may break)
   */
  readonly required?: boolean;
}

/** Where and how the pods are scheduled and pulled: every meshforge workload's pods take these. */
export interface SchedulingOptions {
  /** Secrets of type `kubernetes.io/dockerconfigjson` the kubelet pulls the images with. @default - none (the ServiceAccount's or the node's credentials) */
  readonly imagePullSecrets?: readonly string[];
  /** Node labels a node must have to run the pods. @default - any node */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /** Taints the pods tolerate. @default - none */
  readonly tolerations?: readonly k8s.Toleration[];
  /** Node affinity, pod affinity and anti-affinity, as Kubernetes takes them. @default - none */
  readonly affinity?: k8s.Affinity;
  /** Spread of each workload's pods, e.g. `[TopologySpread.acrossZones()]`. @default - none (the scheduler's default spreading) */
  readonly topologySpread?: readonly TopologySpread[];
  /** PriorityClass of the pods (it must exist). @default - the cluster's default priority */
  readonly priorityClassName?: string;
}

/** Pod-spec knobs of a MeshService's Deployments: scheduling, and containers and volumes through cdk8s-plus. */
export interface PodOptions extends SchedulingOptions {
  /**
   * Containers run to completion, in order, before the application starts.
   * Each gets the application's security context (non-root with its UID/GID,
   * no privilege escalation, read-only root filesystem, all capabilities
   * dropped), `IfNotPresent` and the default resources unless it sets its own.
   * With an Istio sidecar they run before the proxy exists: see docs/mesh.md
   * "Init containers and the mesh".
   * @default - none
   */
  readonly initContainers?: readonly kplus.ContainerProps[];
  /**
   * Containers next to the application in every pod (same defaults as
   * `initContainers`). For a container given as a raw Kubernetes object, use
   * `addSidecar`.
   * @default - none
   */
  readonly extraContainers?: readonly kplus.ContainerProps[];
  /** Pod volumes that no mount brings in (mounted volumes are added automatically). @default - none */
  readonly extraVolumes?: readonly kplus.Volume[];
  /** Extra mounts of the application container (e.g. a volume an init container filled). @default - none */
  readonly volumeMounts?: readonly kplus.VolumeMount[];
}

/** The PodOptions fields, to tell whether any is set. */
const POD_OPTION_KEYS: readonly (keyof PodOptions)[] = [
  'imagePullSecrets', 'initContainers', 'extraContainers', 'extraVolumes', 'volumeMounts',
  'nodeSelector', 'tolerations', 'affinity', 'topologySpread', 'priorityClassName',
];

/** True when any pod option is set. */
export function hasPodOptions(o: PodOptions): boolean {
  return POD_OPTION_KEYS.some((k) => o[k] !== undefined);
}

/** What the pod options are applied with: the workload's identity and defaults. */
export interface PodOptionsContext {
  /** UID the extra containers run as (the application's). */
  readonly user: number;
  /** GID the extra containers run as (the application's). */
  readonly group: number;
  /** Labels of the workload's own pods: topology spread counts these. */
  readonly selectorLabels: Readonly<Record<string, string>>;
  /** Allow extra-container images without a pinned tag. @default false */
  readonly allowLatestTag?: boolean;
  /** JSON pointer of the pod spec in the workload's manifest. @default "/spec/template/spec" (Deployment, StatefulSet, Job) */
  readonly podSpecPointer?: string;
}

/** Resources of extra containers that set none (meshforge's application default, not cdk8s-plus's 1 CPU / 512Mi). */
const EXTRA_CONTAINER_RESOURCES: kplus.ContainerResources = {
  cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) },
  memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) },
};

/**
 * Refuses extra containers cdk8s-plus would reject with a plain Error
 * (probes on init containers), that would break the pod (a missing or
 * duplicate name) or pull an unpinned image. `taken`: container names
 * already in the pod. Field prefix: none (`initContainers[0].name`).
 */
/**
 * Containers Istio's injector adds: a pod container with one of these names is
 * merged into the injected one as an override (istio.io, "Customizing
 * injection"), so an init or extra container must not use them.
 */
const ISTIO_CONTAINER_NAMES: readonly string[] = ['istio-proxy', 'istio-init', 'istio-validation'];

export function checkPodOptions(path: string, o: PodOptions, taken: readonly string[], allowLatestTag = false, takenVolumes: readonly string[] = []): void {
  checkVolumeNames(path, o, takenVolumes);
  const names = [...taken];
  for (const list of ['initContainers', 'extraContainers'] as const) {
    (o[list] ?? []).forEach((c, i) => {
      const field = `${list}[${i}]`;
      if (c.name === undefined || names.includes(c.name) || ISTIO_CONTAINER_NAMES.includes(c.name)) {
        const istio = c.name !== undefined && ISTIO_CONTAINER_NAMES.includes(c.name);
        throw new MeshforgeError(c.name === undefined ? 'container without a name' : istio ? 'container name reserved by Istio' : 'duplicate container name', {
          code: 'CONTAINER_NAME',
          path,
          field: `${field}.name`,
          value: c.name,
          expected: `a DNS-1123 label not used by another container of the pod (in use: ${names.join(', ')}) nor by Istio's injector (${ISTIO_CONTAINER_NAMES.join(', ')}: a container of that name overrides the injected one)`,
        });
      }
      names.push(c.name);
      requirePinnedImage(path, `${field}.image`, c.image, allowLatestTag, 'busybox:1.36.1');
      if (list === 'initContainers') {
        // core validation: init containers may not have probes (without restartPolicy: Always)
        for (const probe of ['liveness', 'readiness', 'startup'] as const) {
          if (c[probe] !== undefined) {
            throw new MeshforgeError('init container with a probe', {
              code: 'INIT_CONTAINER',
              path,
              field: `${field}.${probe}`,
              value: probe,
              expected: 'no liveness, readiness or startup probe (an init container runs to completion; Kubernetes rejects probes on it)',
            });
          }
        }
      }
    });
  }
  checkSchedulingOptions(path, o);
}

/** Checks what construction can know of the scheduling options (the rest are manifest rules at synth). */
export function checkSchedulingOptions(path: string, o: SchedulingOptions): void {
  (o.topologySpread ?? []).forEach((t, i) => {
    const skew = t.toKube({}).maxSkew;
    if (!Number.isInteger(skew) || skew < 1 || skew > 2147483647) {
      throw new MeshforgeError('maxSkew out of range', { code: 'TOPOLOGY_SPREAD', path, field: `topologySpread[${i}].maxSkew`, value: skew, expected: 'a whole number ≥ 1' });
    }
  });
}

/** The pod spec fields of the scheduling options (for pod templates written as `k8s` objects). */
export function schedulingPodSpec(o: SchedulingOptions, selectorLabels: Readonly<Record<string, string>>): Partial<k8s.PodSpec> {
  return {
    imagePullSecrets: o.imagePullSecrets?.map((name) => ({ name })),
    nodeSelector: o.nodeSelector && { ...o.nodeSelector },
    tolerations: o.tolerations && [...o.tolerations],
    affinity: o.affinity,
    topologySpreadConstraints: o.topologySpread?.map((t) => t.toKube(selectorLabels)),
    priorityClassName: o.priorityClassName,
  };
}

/**
 * Each volume name stands for one volume: cdk8s-plus throws a plain Error at
 * synth for two different volumes of one name, and the pod's own volumes
 * (`takenVolumes`, e.g. the config volume) may not be shadowed.
 */
function checkVolumeNames(path: string, o: PodOptions, takenVolumes: readonly string[]): void {
  const seen = new Map<string, kplus.Volume>();
  const mounts: [string, kplus.Volume][] = [
    ...(o.extraVolumes ?? []).map((v, i): [string, kplus.Volume] => [`extraVolumes[${i}]`, v]),
    ...(o.volumeMounts ?? []).map((m, i): [string, kplus.Volume] => [`volumeMounts[${i}].volume`, m.volume]),
    ...(['initContainers', 'extraContainers'] as const).flatMap((list) =>
      (o[list] ?? []).flatMap((c, i) => (c.volumeMounts ?? []).map((m, j): [string, kplus.Volume] => [`${list}[${i}].volumeMounts[${j}].volume`, m.volume]))),
  ];
  for (const [field, volume] of mounts) {
    const other = seen.get(volume.name);
    if (takenVolumes.includes(volume.name) || (other !== undefined && other !== volume)) {
      throw new MeshforgeError('two volumes with one name', {
        code: 'VOLUME_NAME',
        path,
        field,
        value: volume.name,
        expected: `a volume name not used by another volume of the pod (the pod's own: ${takenVolumes.join(', ') || 'none'}); reuse the same Volume object to mount it twice`,
      });
    }
    seen.set(volume.name, volume);
  }
}

/** An extra container with the application's restricted defaults under what it sets itself. */
function withDefaults(c: kplus.ContainerProps, ctx: PodOptionsContext): kplus.ContainerProps {
  return {
    ...c,
    imagePullPolicy: c.imagePullPolicy ?? kplus.ImagePullPolicy.IF_NOT_PRESENT,
    resources: c.resources ?? EXTRA_CONTAINER_RESOURCES,
    securityContext: {
      ensureNonRoot: true,
      user: ctx.user,
      group: ctx.group,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      // PSA restricted requires drop ALL; cdk8s-plus 27 has no ALL constant
      capabilities: { drop: ['ALL' as kplus.Capability] },
      ...c.securityContext,
    },
  };
}

/**
 * Applies the pod options to a cdk8s-plus workload (Deployment, StatefulSet,
 * Job; `podSpecPointer` for a CronJob): containers and volumes through
 * cdk8s-plus, the rest as JSON patches. Call `checkPodOptions` first. The
 * application container is the workload's first container.
 */
export function applyPodOptions(workload: kplus.Workload, o: PodOptions, ctx: PodOptionsContext): void {
  for (const c of o.initContainers ?? []) workload.addInitContainer(withDefaults(c, ctx));
  for (const c of o.extraContainers ?? []) workload.addContainer(withDefaults(c, ctx));
  for (const v of o.extraVolumes ?? []) workload.addVolume(v);
  const app = workload.containers[0];
  for (const m of o.volumeMounts ?? []) {
    const { volume, path, ...options } = m;
    app.mount(path, volume, options);
  }
  const api = ApiObject.of(workload);
  const at = ctx.podSpecPointer ?? '/spec/template/spec';
  const set = (field: string, value: unknown) => {
    if (value !== undefined) api.addJsonPatch(JsonPatch.add(`${at}/${field}`, value));
  };
  for (const [field, value] of Object.entries(schedulingPodSpec(o, ctx.selectorLabels))) set(field, value);
}
