import { inlineSecretsException } from '../validation/policy-annotations';
import { ApiObject, Duration, JsonPatch, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { INJECT_LABEL, VERSION_LABEL, restrictedContainerSecurity, sortedEntries } from './conventions';
import { PlainJson } from './fast-render';
import { HealthCheck } from './health-check';
import { MeshServiceProps, MeshServiceVersion } from './mesh-service-props';
import { applyPodOptions, hasPodOptions } from './pod-options';
import { ServiceContext, deploymentNameOf, deploymentSelectorOf } from './service-context';

/*
 * One version's Deployment, two ways: the cdk8s-plus object
 * (`createDeployment`, with JSON patches for what cdk8s-plus cannot say) and
 * the same manifest as plain JSON for the stand-in (`deploymentJson`);
 * `test/mesh/fast-render.test.ts` compares the two for many props.
 */

/** Deployment annotation naming a ServiceAccount the service expects to exist (`existingServiceAccount`). */
export const EXISTING_SERVICE_ACCOUNT_ANNOTATION = 'meshforge.io/existing-service-account';

/**
 * The Deployment's own annotations (not the pod's: they do not roll the pods):
 * the ServiceAccount made elsewhere, and the `allowInlineEnv` reasons as the
 * inline-secrets policy exception so `npm run check` honours what synth
 * accepted; undefined without any.
 */
function deploymentAnnotations(ctx: ServiceContext): Record<string, string> | undefined {
  const annotations: Record<string, string> = {};
  const existing = ctx.props.existingServiceAccount;
  if (existing !== undefined) annotations[EXISTING_SERVICE_ACCOUNT_ANNOTATION] = existing;
  Object.assign(annotations, inlineSecretsException(ctx.props.allowInlineEnv));
  return Object.keys(annotations).length > 0 ? annotations : undefined;
}

/** Resources of the application container when `resources` leaves them out. */
export const DEFAULT_RESOURCES = { cpuRequest: '100m', cpuLimit: '500m', memoryRequest: '128Mi', memoryLimit: '256Mi' };

/** Pod-template labels and annotations of a version. */
export interface PodTemplate {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

/**
 * Whether `deploymentJson` models these props (and the Service stand-in the
 * service type): anything else builds cdk8s-plus objects right away.
 */
export function standInModels(p: MeshServiceProps): boolean {
  return !hasPodOptions(p) && !p.strategy && !p.autoscaling && !p.secretEnv && !p.envFromConfigMaps?.length
    && !p.envFromSecrets?.length && !p.writablePaths?.length && (p.serviceType ?? kplus.ServiceType.CLUSTER_IP) === kplus.ServiceType.CLUSTER_IP;
}

/** The cdk8s-plus Deployment of `version`, a child of the service. */
export function createDeployment(ctx: ServiceContext, version: MeshServiceVersion, pod: PodTemplate): kplus.Deployment {
  const p = ctx.props;
  const res = versionResources(p, version);
  const args = version.args ?? p.args;
  const user = p.runAsUser ?? 65532;
  const group = p.runAsGroup ?? 65532;
  const { labels: podLabels, annotations } = pod;
  const envVariables: Record<string, kplus.EnvValue> = {};
  for (const [k, v] of sortedEntries({ ...p.env, ...version.env })) envVariables[k] = kplus.EnvValue.fromValue(v);
  for (const [k, ref] of sortedEntries(p.secretEnv ?? {})) {
    const secret = kplus.Secret.fromSecretName(ctx.scope, `secret-${version.name}-${k}`, ref.secret);
    envVariables[k] = kplus.EnvValue.fromSecretValue({ secret, key: ref.key });
  }
  const envFrom = [
    ...(p.envFromConfigMaps ?? []).map((n, i) => kplus.Env.fromConfigMap(kplus.ConfigMap.fromConfigMapName(ctx.scope, `envcm-${version.name}-${i}`, n))),
    ...(p.envFromSecrets ?? []).map((n, i) => kplus.Env.fromSecret(kplus.Secret.fromSecretName(ctx.scope, `envsecret-${version.name}-${i}`, n))),
  ];

  const deployment = new kplus.Deployment(ctx.scope, `Deployment-${version.name}`, {
    metadata: { name: deploymentNameOf(ctx, version.name), namespace: ctx.namespace, labels: podLabelsWithoutInject(podLabels), annotations: deploymentAnnotations(ctx) },
    replicas: p.autoscaling ? undefined : (version.replicas ?? p.replicas ?? 2),
    strategy: p.strategy ?? kplus.DeploymentStrategy.rollingUpdate(),
    select: false,
    podMetadata: { labels: podLabels, annotations },
    serviceAccount: kplus.ServiceAccount.fromServiceAccountName(ctx.scope, `sa-${version.name}`, ctx.serviceAccountName),
    automountServiceAccountToken: false,
    terminationGracePeriod: p.terminationGracePeriod ?? Duration.seconds(30),
    securityContext: { ensureNonRoot: true, user, group, fsGroup: group },
    containers: [
      {
        name: ctx.name,
        image: version.image ?? p.image,
        // tags are pinned (IMAGE_TAG), so the node's copy is the right one
        imagePullPolicy: p.imagePullPolicy ?? kplus.ImagePullPolicy.IF_NOT_PRESENT,
        ports: ctx.ports.map((port) => ({ number: port.targetPort, name: port.name, protocol: kplus.Protocol.TCP })),
        command: p.command && [...p.command],
        args: args && [...args],
        envVariables,
        envFrom,
        // set below, verbatim: cdk8s-plus would rewrite memory in Mi (1G -> 953.67...Mi)
        resources: {},
        securityContext: {
          ensureNonRoot: true,
          user,
          group,
          privileged: false,
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: p.readOnlyRootFilesystem ?? true,
          // cdk8s-plus 27 lists capabilities one by one but has no ALL; PSA restricted requires drop ALL.
          capabilities: { drop: ['ALL' as kplus.Capability] },
        },
      },
    ],
  });
  deployment.select(kplus.LabelSelector.of({ labels: deploymentSelectorOf(ctx, version.name) }));
  const container = deployment.containers[0];
  const configMap = ctx.configMap();
  if (configMap) {
    const vol = kplus.Volume.fromConfigMap(deployment, 'config', configMap, { name: 'config' });
    container.mount(p.configMountPath ?? '/config', vol, { readOnly: true });
  }
  (p.writablePaths ?? []).forEach((path, i) => {
    const vol = kplus.Volume.fromEmptyDir(deployment, `writable-${i}`, `writable-${i}`);
    container.mount(path, vol);
  });
  applyPodOptions(deployment, p, { user, group, selectorLabels: { ...ctx.selectorLabels, [VERSION_LABEL]: version.name }, allowLatestTag: p.allowLatestTag });

  const api = ApiObject.of(deployment);
  api.addJsonPatch(
    // Quantity objects: the typed KubeDeployment re-serialises patched values through k8s.Quantity
    JsonPatch.add('/spec/template/spec/containers/0/resources', {
      limits: { cpu: k8s.Quantity.fromString(res.cpuLimit), memory: k8s.Quantity.fromString(res.memoryLimit) },
      requests: { cpu: k8s.Quantity.fromString(res.cpuRequest), memory: k8s.Quantity.fromString(res.memoryRequest) },
    }),
  );
  // cdk8s-plus 27 cannot set seccompProfile (required by PSA restricted) nor gRPC probes.
  api.addJsonPatch(JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }));
  // cdk8s-plus labels every pod with its construct address (for its own network policies);
  // meshforge selects on app/version only, so drop it to keep pod labels stable across refactors.
  api.addJsonPatch(JsonPatch.remove('/spec/template/metadata/labels/cdk8s.io~1metadata.addr'));
  const probePort = ctx.ports[0].targetPort;
  const probes: [string, HealthCheck | undefined][] = [
    ['livenessProbe', p.liveness ?? HealthCheck.tcp()],
    ['readinessProbe', p.readiness ?? HealthCheck.tcp()],
    ['startupProbe', p.startup],
  ];
  for (const [field, check] of probes) {
    if (check) api.addJsonPatch(JsonPatch.add(`/spec/template/spec/containers/0/${field}`, check.toKube(probePort)));
  }
  return deployment;
}

/**
 * The JSON cdk8s-plus renders for `createDeployment(ctx, version, pod)` (with
 * its JSON patches), for the stand-in; `test/mesh/fast-render.test.ts`
 * compares the two for many props.
 */
export function deploymentJson(ctx: ServiceContext, version: MeshServiceVersion, pod: PodTemplate): PlainJson {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: deploymentNameOf(ctx, version.name), namespace: ctx.namespace, labels: podLabelsWithoutInject(pod.labels), annotations: deploymentAnnotations(ctx) },
    // produced at synth: holding every Deployment's JSON from construction on costs garbage-collector time
    spec: Lazy.any({ produce: () => deploymentSpec(ctx, version, pod) }),
  };
}

/** The Deployment spec `createDeployment` renders, as plain JSON. */
function deploymentSpec(ctx: ServiceContext, version: MeshServiceVersion, pod: PodTemplate): Record<string, unknown> {
  const p = ctx.props;
  const res = versionResources(p, version);
  const args = version.args ?? p.args;
  const user = p.runAsUser ?? 65532;
  const group = p.runAsGroup ?? 65532;
  const probePort = ctx.ports[0].targetPort;
  const env = sortedEntries({ ...p.env, ...version.env }).map(([name, value]) => ({ name, value }));
  const container = {
    args: args && [...args],
    command: p.command && [...p.command],
    env: env.length > 0 ? env : undefined,
    image: version.image ?? p.image,
    imagePullPolicy: p.imagePullPolicy ?? 'IfNotPresent',
    livenessProbe: (p.liveness ?? HealthCheck.tcp())._toPlain(probePort),
    name: ctx.name,
    ports: ctx.ports.map((port) => ({ containerPort: port.targetPort, name: port.name, protocol: 'TCP' })),
    readinessProbe: (p.readiness ?? HealthCheck.tcp())._toPlain(probePort),
    resources: { limits: { cpu: res.cpuLimit, memory: res.memoryLimit }, requests: { cpu: res.cpuRequest, memory: res.memoryRequest } },
    securityContext: restrictedContainerSecurity(user, group, p.readOnlyRootFilesystem ?? true),
    startupProbe: p.startup?._toPlain(probePort),
    volumeMounts: ctx.config?.mapName ? [{ mountPath: p.configMountPath ?? '/config', name: 'config', readOnly: true }] : undefined,
  };
  return {
    minReadySeconds: 0,
    progressDeadlineSeconds: 600,
    replicas: version.replicas ?? p.replicas ?? 2,
    selector: { matchLabels: deploymentSelectorOf(ctx, version.name) },
    strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
    template: {
      metadata: { annotations: Object.keys(pod.annotations).length > 0 ? { ...pod.annotations } : undefined, labels: { ...pod.labels } },
      spec: {
        automountServiceAccountToken: false,
        containers: [container],
        dnsPolicy: 'ClusterFirst',
        hostNetwork: false,
        restartPolicy: 'Always',
        securityContext: { fsGroup: group, fsGroupChangePolicy: 'Always', runAsGroup: group, runAsNonRoot: true, runAsUser: user, seccompProfile: { type: 'RuntimeDefault' } },
        serviceAccountName: ctx.serviceAccountName,
        setHostnameAsFQDN: false,
        terminationGracePeriodSeconds: (p.terminationGracePeriod ?? Duration.seconds(30)).toSeconds(),
        volumes: ctx.config ? [{ configMap: { name: ctx.config.mapName }, name: 'config' }] : undefined,
      },
    },
  };
}

/** Resources of a version's container: meshforge's defaults, under the service's, under the version's. */
export function versionResources(p: MeshServiceProps, version: MeshServiceVersion): Required<NonNullable<MeshServiceProps['resources']>> {
  return { ...DEFAULT_RESOURCES, ...p.resources, ...version.resources };
}

/** The Deployment's own labels: the pod's, minus the injection switch (it only means something on pods). */
function podLabelsWithoutInject(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([k]) => k !== INJECT_LABEL));
}

/** Names of the pod's volumes: added directly, or through a container mount (cdk8s-plus collects those at synth). */
export function podVolumeNames(deployment: kplus.Deployment): string[] {
  const names = [...deployment.volumes, ...deployment.containers.flatMap((c) => c.mounts.map((m) => m.volume))].map((v) => v.name);
  return [...new Set(names)];
}

