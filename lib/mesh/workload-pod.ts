import { Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { exceptionAnnotation, inlineSecretsException } from '../validation/policy-annotations';
import { MeshforgeError } from '../validation/meshforge-error';
import { requireDnsLabel } from '../validation/names';
import { checkConfigFiles, configMapData } from './config-files';
import { ConfigFile } from './config-file';
import { APP_LABEL, CONFIG_HASH_ANNOTATION, INJECT_LABEL, requireServiceName, requireWholeSeconds, restrictedContainerSecurity, sortedEntries } from './conventions';
import { DEFAULT_RESOURCES } from './deployment';
import { MeshNamespace } from './mesh-namespace';
import { SchedulingOptions, checkSchedulingOptions, schedulingPodSpec } from './pod-options';
import { ResourceOptions, SecretKeyRef } from './mesh-service-props';
import { checkResources } from './quantities';
import { commonLabels } from './service-context';
import { Workload } from './workload';

/*
 * The pod of the workloads that are not a MeshService's Deployments
 * (MeshStatefulService, MeshJob, MeshCronJob): the same container, security
 * context, config files, env rules and sidecar switches as a MeshService's
 * pods, as typed `k8s` objects (cdk8s-plus 27 has no volumeClaimTemplates,
 * nor native sidecars).
 */

/** What every meshforge pod is made of (shared by MeshStatefulService, MeshJob and MeshCronJob). */
export interface MeshPodOptions extends SchedulingOptions {
  /** Namespace (a MeshNamespace, or the name of one managed elsewhere). */
  readonly namespace: MeshNamespace | string;
  /** Workload name: `app` label, ServiceAccount name, base of the object names. @default - the construct id */
  readonly name?: string;
  /** Container image with an explicit tag or digest. */
  readonly image: string;
  /** Allow an image without a tag or with `:latest`. @default false */
  readonly allowLatestTag?: boolean;
  /** @default - the image's entrypoint */
  readonly command?: readonly string[];
  /** @default - the image's cmd */
  readonly args?: readonly string[];
  /** Plain environment variables; secret-looking values are refused (see MeshServiceProps.env). @default - none */
  readonly env?: Readonly<Record<string, string>>;
  /** Variables of `env` that look like secrets but are not, with the reason. @default - none */
  readonly allowInlineEnv?: Readonly<Record<string, string>>;
  /** Environment variables from keys of existing Secrets. @default - none */
  readonly secretEnv?: Readonly<Record<string, SecretKeyRef>>;
  /** @default - see ResourceOptions */
  readonly resources?: ResourceOptions;
  /** @default Duration.seconds(30) */
  readonly terminationGracePeriod?: Duration;
  /** UID the container runs as. @default 65532 */
  readonly runAsUser?: number;
  /** GID and fsGroup. @default 65532 */
  readonly runAsGroup?: number;
  /** @default true */
  readonly readOnlyRootFilesystem?: boolean;
  /** Paths that get a writable `emptyDir` (e.g. "/tmp"). @default - none */
  readonly writablePaths?: readonly string[];
  /** ServiceAccount the pods run as (their mTLS identity); created by the construct. @default - the workload name */
  readonly serviceAccountName?: string;
  /** Files mounted read-only from a ConfigMap `<name>-config`. @default - none */
  readonly files?: Readonly<Record<string, ConfigFile>>;
  /** @default "/config" */
  readonly configMountPath?: string;
  /** CPU and memory of the injected sidecar (`sidecar.istio.io/proxy*` annotations). @default - the mesh-wide defaults */
  readonly sidecarResources?: ResourceOptions;
  /**
   * Turn on the sidecar's DNS proxy with address auto-allocation (see
   * MeshServiceProps.dnsAutoAllocation): needed in a namespace where a TCP
   * ServiceEntry without addresses is exported. Mesh mode only.
   * @default false
   */
  readonly dnsAutoAllocation?: boolean;
  /** `app.kubernetes.io/part-of`. @default - not set */
  readonly partOf?: string;
  /** Extra pod-template labels (overriding `app` fails the synth). @default - none */
  readonly podLabels?: Readonly<Record<string, string>>;
  /** Extra pod-template annotations; they win over meshforge's. @default - none */
  readonly podAnnotations?: Readonly<Record<string, string>>;
  /**
   * Exceptions from `npm run check` rules for this workload, rule id → reason
   * (e.g. `{ 'env-min-replicas': 'Redis without Sentinel runs once' }`),
   * written as `policy.meshforge.io/allow-<rule>` annotations on the workload.
   * @default - none
   */
  readonly policyExceptions?: Readonly<Record<string, string>>;
}

/** A pod workload's facts, resolved once from its props. */
export interface ResolvedPod {
  readonly path: string;
  readonly name: string;
  readonly namespace: string;
  readonly meshNamespace?: MeshNamespace;
  readonly serviceAccountName: string;
  /** `app.kubernetes.io/*` labels of the workload's objects. */
  readonly labels: Record<string, string>;
  /** `{ app: <name> }`: what Services, PDBs and security select on. */
  readonly selectorLabels: Record<string, string>;
  readonly config?: { readonly mapName: string; readonly hash: string; readonly data: Record<string, string>; readonly binaryData?: Record<string, string> };
}

/**
 * Checks the shared props (name, namespace, image, env, files, resources) and
 * resolves them. `maxNameLength` is the limit of the workload kind (52 for a
 * StatefulSet or a CronJob: their controllers append 11 characters to the
 * name in a label value of at most 63).
 */
export function resolvePod(scope: Construct, id: string, p: MeshPodOptions, maxNameLength: number, kind: string): ResolvedPod {
  const path = scope.node.path;
  const name = p.name ?? id;
  requireServiceName(path, 'name', name);
  checkSchedulingOptions(path, p);
  for (const [rule, reason] of sortedEntries(p.policyExceptions ?? {})) {
    // the check reads only well-formed rule ids and refuses a blank reason (lib/policy/exceptions.ts)
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(rule) || reason.trim() === '') {
      throw new MeshforgeError('invalid policy exception', {
        code: 'POLICY_EXCEPTION',
        path,
        field: `policyExceptions["${rule}"]`,
        value: reason,
        expected: 'a rule id of `npm run check` (e.g. "env-min-replicas") mapped to a sentence saying why this workload needs the exception',
      });
    }
  }
  if (name.length > maxNameLength) {
    throw new MeshforgeError(`name too long for a ${kind}`, {
      code: 'INVALID_NAME',
      path,
      field: 'name',
      value: name,
      expected: `at most ${maxNameLength} characters: the ${kind} controller appends a suffix to it in a label value of at most 63`,
    });
  }
  let meshNamespace: MeshNamespace | undefined;
  let namespace: string;
  if (typeof p.namespace === 'string') namespace = requireDnsLabel(path, 'namespace', p.namespace);
  else {
    meshNamespace = p.namespace;
    namespace = p.namespace.name;
  }
  Workload.checkImage(path, 'image', p.image, p.allowLatestTag);
  Workload.checkAllowedInlineEnv(path, p);
  Workload.checkEnv(path, p.env ?? {}, 'env', p.allowInlineEnv);
  checkConfigFiles(path, p);
  requireWholeSeconds(path, 'terminationGracePeriod', p.terminationGracePeriod, 0);
  checkResources(path, 'resources', { ...DEFAULT_RESOURCES, ...p.resources });
  if (p.sidecarResources) checkResources(path, 'sidecarResources', p.sidecarResources);
  const files = configMapData(path, p.files);
  return {
    path,
    name,
    namespace,
    meshNamespace,
    serviceAccountName: p.serviceAccountName ?? name,
    labels: commonLabels(name, p.partOf),
    selectorLabels: { [APP_LABEL]: name },
    config: files && { mapName: `${name}-config`, ...files },
  };
}

/** Refuses a sidecar in a namespace whose PSA level would reject istio-init (same rule as MeshService). */
export function checkSidecarAdmission(path: string, ns: MeshNamespace | undefined, mesh: boolean, field: string): void {
  if (mesh && ns && ns.enforcedPodSecurity === 'restricted' && !ns.cni) {
    // istio-init (NET_ADMIN, NET_RAW, root) would be rejected by the namespace's PSA level
    throw new MeshforgeError('sidecar cannot be admitted: namespace enforces PSA restricted without Istio CNI', {
      code: 'POD_SECURITY',
      path,
      field,
      value: true,
      expected: `no sidecar, or namespace ${ns.name} with injection: true (enforce privileged) or cni: true`,
    });
  }
}

/** The ServiceAccount (no token mounted) and the ConfigMap of `files`, children of `scope`. */
export function createPodIdentityAndConfig(scope: Construct, r: ResolvedPod): void {
  const metadata = (name: string) => ({ name, namespace: r.namespace, labels: r.labels });
  new k8s.KubeServiceAccount(scope, 'ServiceAccount', { metadata: metadata(r.serviceAccountName), automountServiceAccountToken: false });
  if (r.config) {
    new k8s.KubeConfigMap(scope, 'ConfigMap', { metadata: metadata(r.config.mapName), data: r.config.data, binaryData: r.config.binaryData });
  }
}

/** The workload's own annotations: the `allowInlineEnv` reasons as the inline-secrets policy exception (as on a MeshService's Deployment). */
export function workloadAnnotations(p: MeshPodOptions, extra: Record<string, string> = {}): Record<string, string> | undefined {
  const annotations: Record<string, string> = { ...extra };
  for (const [rule, reason] of sortedEntries(p.policyExceptions ?? {})) Object.assign(annotations, exceptionAnnotation(rule, reason));
  Object.assign(annotations, inlineSecretsException(p.allowInlineEnv));
  return Object.keys(annotations).length > 0 ? annotations : undefined;
}

/** What differs between the kinds of pod. */
export interface PodShape {
  /** Whether the pod runs with a sidecar. */
  readonly mesh: boolean;
  readonly restartPolicy: 'Always' | 'Never' | 'OnFailure';
  /** Extra pod labels (e.g. `version`) before `podLabels`. */
  readonly labels?: Record<string, string>;
  /** Extra pod annotations before `podAnnotations` (e.g. the native-sidecar switch). */
  readonly annotations?: Record<string, string>;
  /** Start the app only once the sidecar is ready (`proxy.istio.io/config`). */
  readonly holdApplicationUntilProxyStarts: boolean;
  readonly ports?: readonly { readonly name: string; readonly containerPort: number }[];
  readonly probes?: { readonly liveness?: k8s.Probe; readonly readiness?: k8s.Probe; readonly startup?: k8s.Probe };
  /** Mounts of the app container besides config and writable paths (e.g. volume claims). */
  readonly volumeMounts?: readonly k8s.VolumeMount[];
  /** Command and args as run (MeshJob wraps them for the quit endpoint). */
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  /** Change volume ownership only when the root differs (large persistent volumes). @default "Always" */
  readonly fsGroupChangePolicy?: 'Always' | 'OnRootMismatch';
}

/** The pod template: restricted security context, resources, env, config mount, sidecar switches. */
export function podTemplate(r: ResolvedPod, p: MeshPodOptions, shape: PodShape): k8s.PodTemplateSpec {
  const res = { ...DEFAULT_RESOURCES, ...p.resources };
  const user = p.runAsUser ?? 65532;
  const group = p.runAsGroup ?? 65532;
  const labels: Record<string, string> = { ...r.labels, ...r.selectorLabels, ...shape.labels };
  // Only say so on the pod when it differs from (or cannot be known from) the namespace.
  const nsInjects = r.meshNamespace?.injection;
  if (nsInjects === undefined || nsInjects !== shape.mesh) labels[INJECT_LABEL] = String(shape.mesh);
  Object.assign(labels, p.podLabels);
  if (labels[APP_LABEL] !== r.name) {
    throw new MeshforgeError('pod labels do not match the selector', {
      code: 'SELECTOR_MISMATCH',
      path: r.path,
      field: `podLabels.${APP_LABEL}`,
      value: labels[APP_LABEL],
      expected: `"${r.name}" (Services, budgets and security policies select ${APP_LABEL}=${r.name})`,
    });
  }
  const annotations: Record<string, string> = {};
  const proxyConfig: Record<string, unknown> = {};
  if (shape.holdApplicationUntilProxyStarts) proxyConfig.holdApplicationUntilProxyStarts = true;
  // per-pod DNS proxying (istio.io "DNS Proxying": proxyMetadata in the proxy.istio.io/config annotation)
  if (p.dnsAutoAllocation) proxyConfig.proxyMetadata = { ISTIO_META_DNS_AUTO_ALLOCATE: 'true', ISTIO_META_DNS_CAPTURE: 'true' };
  if (shape.mesh && Object.keys(proxyConfig).length > 0) annotations['proxy.istio.io/config'] = JSON.stringify(proxyConfig);
  if (r.config) annotations[CONFIG_HASH_ANNOTATION] = r.config.hash;
  const sidecar = p.sidecarResources;
  if (shape.mesh && sidecar) {
    for (const [key, value] of [['proxyCPU', sidecar.cpuRequest], ['proxyCPULimit', sidecar.cpuLimit], ['proxyMemory', sidecar.memoryRequest], ['proxyMemoryLimit', sidecar.memoryLimit]]) {
      if (value !== undefined) annotations[`sidecar.istio.io/${key}`] = value;
    }
  }
  Object.assign(annotations, shape.annotations, p.podAnnotations);

  const env: k8s.EnvVar[] = sortedEntries({ ...p.env }).map(([name, value]) => ({ name, value }));
  for (const [name, ref] of sortedEntries(p.secretEnv ?? {})) env.push({ name, valueFrom: { secretKeyRef: { name: ref.secret, key: ref.key } } });
  const volumes: k8s.Volume[] = [];
  const mounts: k8s.VolumeMount[] = [...(shape.volumeMounts ?? [])];
  if (r.config) {
    volumes.push({ name: 'config', configMap: { name: r.config.mapName } });
    mounts.push({ name: 'config', mountPath: p.configMountPath ?? '/config', readOnly: true });
  }
  (p.writablePaths ?? []).forEach((mountPath, i) => {
    volumes.push({ name: `writable-${i}`, emptyDir: {} });
    mounts.push({ name: `writable-${i}`, mountPath });
  });
  const container: k8s.Container = {
    name: r.name,
    image: p.image,
    // tags are pinned (IMAGE_TAG), so the node's copy is the right one
    imagePullPolicy: 'IfNotPresent',
    command: shape.command && [...shape.command],
    args: shape.args && [...shape.args],
    env: env.length > 0 ? env : undefined,
    ports: shape.ports?.map((port) => ({ containerPort: port.containerPort, name: port.name, protocol: 'TCP' })),
    livenessProbe: shape.probes?.liveness,
    readinessProbe: shape.probes?.readiness,
    startupProbe: shape.probes?.startup,
    resources: {
      limits: { cpu: k8s.Quantity.fromString(res.cpuLimit), memory: k8s.Quantity.fromString(res.memoryLimit) },
      requests: { cpu: k8s.Quantity.fromString(res.cpuRequest), memory: k8s.Quantity.fromString(res.memoryRequest) },
    },
    securityContext: restrictedContainerSecurity(user, group, p.readOnlyRootFilesystem ?? true),
    volumeMounts: mounts.length > 0 ? mounts : undefined,
  };
  return {
    metadata: { labels, annotations: Object.keys(annotations).length > 0 ? annotations : undefined },
    spec: {
      automountServiceAccountToken: false,
      serviceAccountName: r.serviceAccountName,
      restartPolicy: shape.restartPolicy,
      terminationGracePeriodSeconds: (p.terminationGracePeriod ?? Duration.seconds(30)).toSeconds(),
      securityContext: {
        fsGroup: group,
        fsGroupChangePolicy: shape.fsGroupChangePolicy ?? 'Always',
        runAsGroup: group,
        runAsNonRoot: true,
        runAsUser: user,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containers: [container],
      volumes: volumes.length > 0 ? volumes : undefined,
      // topology spread counts this workload's pods (app, version): a StatefulSet's or Job's pods have
      // no pod-template-hash, which the scheduler then ignores in matchLabelKeys
      ...schedulingPodSpec(p, r.selectorLabels),
    },
  };
}
