import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { MeshforgeError } from '../validation/meshforge-error';
import { requirePinnedImage } from '../validation/images';
import { requireDnsLabel } from '../validation/names';
import { detectSecret } from '../validation/secret-detector';
import { APP_LABEL, CONFIG_HASH_ANNOTATION, INJECT_LABEL, VERSION_LABEL, requireIntInRange, requireWholeSeconds, sortedEntries } from './conventions';
import { DEFAULT_RESOURCES, PodTemplate, createDeployment, deploymentJson, podVolumeNames, versionResources } from './deployment';
import { AutoscalingOptions, DisruptionBudgetOptions, MeshServiceProps, MeshServiceVersion, SidecarOptions } from './mesh-service-props';
import { checkResources } from './quantities';
import { ReportError, ServiceContext, commonLabels } from './service-context';
import { StandIns } from './stand-ins';


/**
 * The workload of a MeshService: per version a Deployment (a stand-in until
 * an escape hatch needs the cdk8s-plus object), an HPA and a PDB; and the
 * sidecar containers added to every version's pod.
 */
export class Workload {
  private readonly _versions: string[] = [];
  private readonly _deployments = new Map<string, kplus.Deployment>();
  /** Pod-template labels of each version as created (check() reads them while the Deployments are stand-ins). */
  private readonly podLabelsOf = new Map<string, Record<string, string>>();
  /** Lowest replica count of each version (HPA minimum or fixed replicas). */
  private readonly minReplicas = new Map<string, number>();
  private readonly _autoscalers = new Map<string, kplus.HorizontalPodAutoscaler>();
  private readonly _disruptionBudgets = new Map<string, k8s.KubePodDisruptionBudget>();
  private readonly sidecars: { readonly container: k8s.Container; readonly options: SidecarOptions }[] = [];
  /**
   * Per Deployment: whether the pod's volume list and the app container's
   * mount list exist in the output, and whether a sidecar patch created them
   * whole (cdk8s-plus volumes added later would then be overwritten).
   */
  private readonly podLists = new Map<kplus.Deployment, { volumes: boolean; mounts: boolean; createdVolumes: boolean; createdMounts: boolean }>();

  constructor(private readonly ctx: ServiceContext, private readonly standIns: StandIns) {}

  /** Construction-time checks of the workload props Kubernetes would reject (ranges, durations, quantities). */
  public static checkProps(path: string, p: MeshServiceProps): void {
    requireWholeSeconds(path, 'terminationGracePeriod', p.terminationGracePeriod, 0);
    for (const field of ['liveness', 'readiness', 'startup'] as const) p[field]?._check(path, field);
    requireIntInRange('INVALID_REPLICAS', 'replicas out of range', path, 'replicas', p.replicas, 0, Number.MAX_SAFE_INTEGER);
    const a = p.autoscaling;
    if (a) {
      const min = a.minReplicas ?? 2;
      requireIntInRange('AUTOSCALING', 'minReplicas out of range', path, 'autoscaling.minReplicas', min, 1, Number.MAX_SAFE_INTEGER);
      requireIntInRange('AUTOSCALING', 'maxReplicas below minReplicas', path, 'autoscaling.maxReplicas', a.maxReplicas, min, Number.MAX_SAFE_INTEGER);
      requireIntInRange('AUTOSCALING', 'utilization target out of range', path, 'autoscaling.cpuUtilization', a.cpuUtilization, 1, 100);
      requireIntInRange('AUTOSCALING', 'utilization target out of range', path, 'autoscaling.memoryUtilization', a.memoryUtilization, 1, 100);
    }
    checkResources(path, 'resources', { ...DEFAULT_RESOURCES, ...p.resources });
    if (p.sidecarResources) checkResources(path, 'sidecarResources', p.sidecarResources);
  }

  /** Refuses an image without a pinned tag or digest, unless `allowLatestTag`. */
  public static checkImage(path: string, field: string, image: string, allowLatestTag: boolean | undefined): void {
    requirePinnedImage(path, field, image, allowLatestTag);
  }

  /**
   * Refuses plain environment variables whose name or value looks like a
   * secret (the same detector as `npm run check`), unless `allowed` names the
   * variable with a reason.
   */
  public static checkEnv(path: string, env: Readonly<Record<string, string>>, field: string, allowed: Readonly<Record<string, string>> = {}): void {
    for (const [name, value] of Object.entries(env)) {
      const why = detectSecret(name, value);
      if (why === undefined || allowed[name] !== undefined) continue;
      // `why` names the pattern or the variable, never the value.
      throw new MeshforgeError(`secret-looking value inlined in env (${why})`, {
        code: 'INLINE_SECRET',
        path,
        field: `${field}.${name}`,
        value: '<redacted>',
        expected: `a reference to an existing Secret: secretEnv: { ${name}: { secret: '<name>', key: '<key>' } }; or, if it is not a secret, allowInlineEnv: { ${name}: '<why not>' }`,
      });
    }
  }

  /** Each `allowInlineEnv` entry names a variable of `env` and gives a reason. */
  public static checkAllowedInlineEnv(path: string, p: Pick<MeshServiceProps, 'env' | 'versions' | 'allowInlineEnv'>): void {
    const names = new Set([...Object.keys(p.env ?? {}), ...(p.versions ?? []).flatMap((v) => (typeof v === 'string' ? [] : Object.keys(v.env ?? {})))]);
    for (const [name, reason] of Object.entries(p.allowInlineEnv ?? {})) {
      if (!names.has(name)) {
        throw new MeshforgeError('allowInlineEnv names no environment variable', {
          code: 'INLINE_SECRET',
          path,
          field: `allowInlineEnv.${name}`,
          value: name,
          expected: `one of the variables in env: ${[...names].sort().join(', ') || '(none)'}`,
        });
      }
      if (reason.trim() === '') {
        throw new MeshforgeError('an inline-secret exception needs a reason', {
          code: 'INLINE_SECRET',
          path,
          field: `allowInlineEnv.${name}`,
          value: reason,
          expected: 'why the value is not a secret, e.g. "public key, shipped to browsers"',
        });
      }
    }
  }

  /** Declared version names, in declaration order. */
  public get versions(): readonly string[] {
    return [...this._versions];
  }
  /** The Deployment of each version built so far (none while they are stand-ins). */
  public get deployments(): ReadonlyMap<string, kplus.Deployment> {
    return new Map(this._deployments);
  }
  public get autoscalers(): ReadonlyMap<string, kplus.HorizontalPodAutoscaler> {
    return new Map(this._autoscalers);
  }
  public get disruptionBudgets(): ReadonlyMap<string, k8s.KubePodDisruptionBudget> {
    return new Map(this._disruptionBudgets);
  }

  /** See `MeshService.addVersion`. */
  public addVersion(version: MeshServiceVersion): void {
    const { ctx } = this;
    const path = ctx.path;
    const field = `versions[${this._versions.length}]`;
    // A label value and a subset name: a DNS label. The Deployment `<name>-<version>` is a DNS subdomain
    // (up to 253 characters), so any valid service name leaves room for any valid version.
    requireDnsLabel(path, `${field}.name`, version.name);
    if (this._versions.includes(version.name)) {
      throw new MeshforgeError('duplicate version', {
        code: 'DUPLICATE_VERSION',
        path,
        field: `${field}.name`,
        value: version.name,
        expected: `a version name not yet declared (declared: ${this._versions.join(', ')})`,
      });
    }
    const p = ctx.props;
    if (version.image !== undefined) Workload.checkImage(path, `${field}.image`, version.image, p.allowLatestTag);
    requireIntInRange('INVALID_REPLICAS', 'replicas out of range', path, `${field}.replicas`, version.replicas, 0, Number.MAX_SAFE_INTEGER);
    Workload.checkEnv(path, version.env ?? {}, `${field}.env`, p.allowInlineEnv);
    if (version.resources) checkResources(path, `${field}.resources`, versionResources(p, version));
    this._versions.push(version.name);
    this.minReplicas.set(version.name, p.autoscaling ? (p.autoscaling.minReplicas ?? 2) : (version.replicas ?? p.replicas ?? 2));
    for (const [field, check] of [['liveness', p.liveness], ['startup', p.startup]] as const) {
      if (check && check.successThreshold !== 1) {
        throw new MeshforgeError('successThreshold must be 1', {
          code: 'PROBE_THRESHOLD',
          path,
          field: `${field}.successThreshold`,
          value: check.successThreshold,
          expected: '1 for liveness and startup probes (Kubernetes rejects anything else)',
        });
      }
    }
    const pod = this.podTemplate(version);
    this.podLabelsOf.set(version.name, pod.labels);
    this.standIns.defer(`Deployment-${version.name}`, deploymentJson(ctx, version, pod), () => {
      const deployment = createDeployment(ctx, version, pod);
      this._deployments.set(version.name, deployment);
      for (const sidecar of this.sidecars) this.patchSidecar(deployment, sidecar.container, sidecar.options);
    });
    if (p.autoscaling) this._autoscalers.set(version.name, this.createAutoscaler(this._deployments.get(version.name)!, version.name, p.autoscaling));
    if (p.disruptionBudget) this._disruptionBudgets.set(version.name, this.createDisruptionBudget(version.name, p.disruptionBudget));
  }

  /** See `MeshService.addSidecar`; the Deployments must be real (not stand-ins). */
  public addSidecar(container: k8s.Container, options: SidecarOptions): void {
    const field = `addSidecar[${this.sidecars.length}]`;
    const conflict = (f: string, value: string, expected: string) =>
      new MeshforgeError('sidecar conflicts with the pod', { code: 'SIDECAR_CONFLICT', path: this.ctx.path, field: `${field}.${f}`, value, expected });
    const p = this.ctx.props;
    const taken = [this.ctx.name, ...[...(p.initContainers ?? []), ...(p.extraContainers ?? [])].map((c) => c.name ?? ''), ...this.sidecars.map((x) => x.container.name)];
    if (taken.includes(container.name)) throw conflict('container.name', container.name, `a container name not in use (${taken.join(', ')})`);
    const first = this._deployments.values().next().value;
    const volumes = [
      ...(first ? podVolumeNames(first) : []),
      ...this.sidecars.flatMap((x) => (x.options.volumes ?? []).map((v) => v.name)),
    ];
    for (const v of options.volumes ?? []) {
      if (volumes.includes(v.name)) throw conflict('volumes', v.name, `a volume name not in use (${volumes.join(', ')})`);
      volumes.push(v.name);
    }
    const own = (options.volumes ?? []).map((v) => v.name);
    for (const m of options.appVolumeMounts ?? []) {
      if (!own.includes(m.name)) throw conflict('appVolumeMounts', m.name, `the name of one of this sidecar's volumes (${own.join(', ') || 'none given'})`);
    }
    for (const [key, value] of sortedEntries(options.podAnnotations ?? {})) {
      const current: string | undefined = first?.podMetadata.toJson().annotations?.[key];
      if (current !== undefined && current !== value) {
        throw conflict(`podAnnotations.${key}`, value, `no other value for this annotation on the pod (already "${current}")`);
      }
    }
    this.sidecars.push({ container, options });
    for (const deployment of this._deployments.values()) this.patchSidecar(deployment, container, options);
  }

  /** Cross-object checks: late escape-hatch volumes, PDBs that block drains, pod labels the selectors need. */
  public check(err: ReportError): void {
    const { ctx } = this;
    for (const [version, deployment] of this._deployments) {
      const lists = this.podLists.get(deployment);
      const late = [
        ...(lists?.createdVolumes ? podVolumeNames(deployment) : []),
        ...(lists?.createdMounts ? deployment.containers[0].mounts.map((m) => m.path) : []),
      ];
      if (late.length > 0) {
        err('SIDECAR_CONFLICT', 'volumes or mounts added through the escape hatch after addSidecar would be overwritten', `deployments.${version}`, late,
          'add volumes and mounts through deployments before addSidecar (its patch creates the lists whole)');
      }
    }
    const budget = ctx.props.disruptionBudget;
    for (const [version, replicas] of this.minReplicas) {
      const blocks = typeof budget?.minAvailable === 'number' ? budget.minAvailable >= replicas : budget?.maxUnavailable === 0;
      if (budget && blocks) {
        err('DISRUPTION_BUDGET', `PodDisruptionBudget of ${version} allows no eviction with ${replicas} replica(s)`, 'disruptionBudget', budget,
          `minAvailable below the replicas of every version (or maxUnavailable ≥ 1), or node drains block forever`);
      }
    }
    for (const version of this._versions) {
      // a stand-in's labels are the ones podTemplate set; a real Deployment's may have been changed
      const deployment = this._deployments.get(version);
      const podLabels: Record<string, string | undefined> = (deployment ? deployment.podMetadata.toJson().labels : this.podLabelsOf.get(version)) ?? {};
      const required = { ...ctx.selectorLabels, [VERSION_LABEL]: version };
      for (const [k, v] of sortedEntries(required)) {
        if (podLabels[k] !== v) {
          err('SELECTOR_MISMATCH', 'pod labels do not match the Service selector and subset', `deployments.${version}.podMetadata.labels.${k}`,
            podLabels[k], `"${v}" (the Service selects ${APP_LABEL}=${ctx.name}; subset ${version} selects ${VERSION_LABEL}=${version})`);
        }
      }
    }
  }

  /**
   * cdk8s-plus has no way to add a raw container or volume, so they go in as
   * JSON patches; a list that is not yet in the output is added whole.
   */
  private patchSidecar(deployment: kplus.Deployment, container: k8s.Container, options: SidecarOptions): void {
    const api = ApiObject.of(deployment);
    const lists = this.podLists.get(deployment) ?? {
      volumes: podVolumeNames(deployment).length > 0,
      mounts: deployment.containers[0].mounts.length > 0,
      createdVolumes: false,
      createdMounts: false,
    };
    this.podLists.set(deployment, lists);
    api.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/-', container));
    for (const [key, value] of sortedEntries(options.podAnnotations ?? {})) deployment.podMetadata.addAnnotation(key, value);
    /** Appends to the list, or adds it whole; returns true when it created the list. */
    const append = (listPath: string, items: readonly unknown[], exists: boolean): boolean => {
      if (items.length === 0) return false;
      if (exists) for (const item of items) api.addJsonPatch(JsonPatch.add(`${listPath}/-`, item));
      else api.addJsonPatch(JsonPatch.add(listPath, [...items]));
      return !exists;
    };
    if (append('/spec/template/spec/volumes', options.volumes ?? [], lists.volumes)) lists.createdVolumes = lists.volumes = true;
    if (append('/spec/template/spec/containers/0/volumeMounts', options.appVolumeMounts ?? [], lists.mounts)) lists.createdMounts = lists.mounts = true;
  }

  /** Pod-template labels and annotations of a version. */
  private podTemplate(version: MeshServiceVersion): PodTemplate {
    const p = this.ctx.props;
    const podLabels: Record<string, string> = {
      ...commonLabels(this.ctx.name, p.partOf, version.name),
      ...this.ctx.selectorLabels,
      [VERSION_LABEL]: version.name,
    };
    // Only say so on the pod when it differs from (or cannot be known from) the namespace.
    const nsInjects = this.ctx.meshNamespace?.injection;
    if (nsInjects === undefined || nsInjects !== this.ctx.mesh) podLabels[INJECT_LABEL] = String(this.ctx.mesh);

    Object.assign(podLabels, p.podLabels);
    const annotations: Record<string, string> = {};
    if (this.ctx.mesh) {
      const proxyConfig: Record<string, unknown> = {};
      if (p.holdApplicationUntilProxyStarts ?? true) proxyConfig.holdApplicationUntilProxyStarts = true;
      // per-pod DNS proxying (istio.io "DNS Proxying": proxyMetadata in the proxy.istio.io/config annotation)
      if (p.dnsAutoAllocation) proxyConfig.proxyMetadata = { ISTIO_META_DNS_AUTO_ALLOCATE: 'true', ISTIO_META_DNS_CAPTURE: 'true' };
      if (Object.keys(proxyConfig).length > 0) annotations['proxy.istio.io/config'] = JSON.stringify(proxyConfig);
    }
    if (this.ctx.config) annotations[CONFIG_HASH_ANNOTATION] = this.ctx.config.hash;
    const sidecar = p.sidecarResources;
    if (this.ctx.mesh && sidecar) {
      const set = (key: string, value?: string) => {
        if (value !== undefined) annotations[`sidecar.istio.io/${key}`] = value;
      };
      set('proxyCPU', sidecar.cpuRequest);
      set('proxyCPULimit', sidecar.cpuLimit);
      set('proxyMemory', sidecar.memoryRequest);
      set('proxyMemoryLimit', sidecar.memoryLimit);
    }
    if (this.ctx.appMetrics) {
      // The application's own endpoint: with merging on, the injector rewrites these to 15020.
      annotations['prometheus.io/scrape'] = 'true';
      annotations['prometheus.io/port'] = String(this.ctx.appMetrics.port);
      annotations['prometheus.io/path'] = this.ctx.appMetrics.path;
    }
    Object.assign(annotations, p.podAnnotations);
    return { labels: podLabels, annotations };
  }

  private createAutoscaler(target: kplus.Deployment, version: string, o: AutoscalingOptions): kplus.HorizontalPodAutoscaler {
    const metrics = [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(o.cpuUtilization ?? 70))];
    if (o.memoryUtilization !== undefined) metrics.push(kplus.Metric.resourceMemory(kplus.MetricTarget.averageUtilization(o.memoryUtilization)));
    return new kplus.HorizontalPodAutoscaler(this.ctx.scope, `Autoscaler-${version}`, {
      metadata: { name: `${this.ctx.name}-${version}`, namespace: this.ctx.namespace, labels: commonLabels(this.ctx.name, this.ctx.props.partOf, version) },
      target,
      minReplicas: o.minReplicas ?? 2,
      maxReplicas: o.maxReplicas,
      metrics,
    });
  }

  private createDisruptionBudget(version: string, o: DisruptionBudgetOptions): k8s.KubePodDisruptionBudget {
    if (o.minAvailable !== undefined && o.maxUnavailable !== undefined) {
      throw new MeshforgeError('both minAvailable and maxUnavailable set', {
        code: 'DISRUPTION_BUDGET',
        path: this.ctx.path,
        field: 'disruptionBudget',
        value: o,
        expected: 'exactly one of minAvailable or maxUnavailable',
      });
    }
    const intOrString = (v: number | string) => (typeof v === 'number' ? k8s.IntOrString.fromNumber(v) : k8s.IntOrString.fromString(v));
    return new k8s.KubePodDisruptionBudget(this.ctx.scope, `DisruptionBudget-${version}`, {
      metadata: { name: `${this.ctx.name}-${version}`, namespace: this.ctx.namespace, labels: commonLabels(this.ctx.name, this.ctx.props.partOf, version) },
      spec: {
        selector: { matchLabels: { ...this.ctx.selectorLabels, [VERSION_LABEL]: version } },
        minAvailable: o.minAvailable !== undefined ? intOrString(o.minAvailable) : undefined,
        maxUnavailable: o.minAvailable === undefined ? intOrString(o.maxUnavailable ?? 1) : undefined,
      },
    });
  }
}
