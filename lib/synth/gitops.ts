import { MeshforgeError } from '../validation/meshforge-error';
import { isDnsLabel } from '../validation/names';
import { SchemaValidator } from '../validation/schema-validator';
import type { Environment } from '../environments/environment';
import type { AppDefinition } from './app-definition';
import { renderKustomization } from './kustomization';
import { EmittedObject, identityOf } from './object-identity';
import { SYNC_WAVE_ANNOTATION } from './sync-order';
import { emitYaml } from './yaml-emitter';

/** The dist/ folder that holds the generated GitOps entry points; no app may be called this. */
export const GITOPS_FOLDER = 'gitops';

/** Repository-wide GitOps settings (apps/gitops.ts). */
export interface GitOpsConfig {
  /** URL of the Git repository holding dist/, as Argo CD / Flux reach it (e.g. `https://github.com/acme/platform.git`). */
  readonly repoURL: string;
  /**
   * Branch to follow (Argo CD `targetRevision`, Flux `ref.branch`).
   * @default 'main'
   */
  readonly branch?: string;
  /**
   * Path of dist/ inside the repository.
   * @default 'dist'
   */
  readonly distPath?: string;
  /** Argo CD settings shared by every app's Application. */
  readonly argocd?: {
    /**
     * Namespace Argo CD watches for Applications.
     * @default 'argocd'
     */
    readonly namespace?: string;
    /**
     * Cluster API server the apps are deployed to.
     * @default 'https://kubernetes.default.svc' (the cluster Argo CD runs in)
     */
    readonly server?: string;
  };
  /** Flux settings shared by the GitRepository and every app's Kustomization. */
  readonly flux?: {
    /**
     * Namespace of the Flux objects (where kustomize-controller runs).
     * @default 'flux-system'
     */
    readonly namespace?: string;
    /**
     * Name of the GitRepository every Kustomization reads from.
     * @default 'meshforge'
     */
    readonly sourceName?: string;
    /**
     * How often Flux fetches the repository.
     * @default '1m'
     */
    readonly interval?: string;
  };
}

/** Per-app Argo CD options (`defineApp({ gitops: { argocd: { … } } })`). */
export interface ArgoCdAppOptions {
  /**
   * Argo CD project.
   * @default 'default'
   */
  readonly project?: string;
  /**
   * `spec.destination.namespace`: namespace for objects that set none. meshforge objects name their namespace, so it is rarely needed.
   * @default - none
   */
  readonly destinationNamespace?: string;
  /**
   * Delete cluster objects that disappeared from dist/<app>.
   * @default true
   */
  readonly prune?: boolean;
  /**
   * Revert manual changes in the cluster.
   * @default true
   */
  readonly selfHeal?: boolean;
  /**
   * Sync wave of the Application inside the app-of-apps (e.g. -1 for a platform app others depend on).
   * @default 0
   */
  readonly syncWave?: number;
}

/** Per-app Flux options (`defineApp({ gitops: { flux: { … } } })`). */
export interface FluxAppOptions {
  /**
   * Reconciliation interval.
   * @default '10m'
   */
  readonly interval?: string;
  /**
   * Garbage-collect objects removed from dist/<app>.
   * @default true
   */
  readonly prune?: boolean;
  /**
   * Wait until every applied object is ready before the Kustomization reports ready.
   * @default true
   */
  readonly wait?: boolean;
  /**
   * Timeout for apply and health checks.
   * @default '5m'
   */
  readonly timeout?: string;
  /**
   * `spec.targetNamespace`: overrides the namespace of EVERY namespaced object; only for single-namespace apps.
   * @default - none (objects keep their own namespaces)
   */
  readonly targetNamespace?: string;
  /**
   * Apps (with Flux enabled) whose Kustomization must be ready first, e.g. the
   * app that installs what this one's custom resources need.
   * @default - none
   */
  readonly dependsOn?: readonly string[];
  /**
   * Kustomizations managed outside meshforge whose readiness this app needs,
   * e.g. the one installing Istio's CRDs and istiod (`{ name: 'istio' }`).
   * Only real dependencies: Flux waits for each to be ready, so a dependency
   * that never gets ready blocks every deploy of this app.
   * @default - none
   */
  readonly externalDependsOn?: readonly { readonly name: string; readonly namespace?: string }[];
}

/** Which GitOps objects to generate for an app. `true` means "with defaults". */
export interface AppGitOpsOptions {
  /** @default - no Argo CD Application */
  readonly argocd?: boolean | ArgoCdAppOptions;
  /** @default - no Flux Kustomization */
  readonly flux?: boolean | FluxAppOptions;
}

/** Generated files of dist/gitops/ and the objects in them. */
export interface GitOpsOutput {
  readonly files: ReadonlyMap<string, string>;
  readonly objects: readonly EmittedObject[];
}

const option = <T extends object>(x: boolean | T | undefined): T | undefined => (x === true ? ({} as T) : x || undefined);
const MANIFEST = (stem: string) => `${stem}.k8s.yaml`;

/** A manifest with one annotation, keys sorted as cdk8s writes them. */
function manifest(apiVersion: string, kind: string, name: string, namespace: string, wave: number, spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion, kind, metadata: { annotations: { [SYNC_WAVE_ANNOTATION]: String(wave) }, name, namespace }, spec };
}

/** The apps deploying to one environment (what the fleet GitOps objects are generated from). */
export interface EnvironmentDeployments {
  readonly environment: Environment;
  readonly apps: readonly AppDefinition[];
}

/** Checks an app's Flux dependencies against the apps with Flux enabled (in one environment, when `env` is set). */
function checkFluxDependencies(app: AppDefinition, o: FluxAppOptions, fluxApps: ReadonlySet<string>, env?: string): void {
  const where = env === undefined ? `gitops/flux/${app.name}` : `gitops/flux/${env}/${app.name}`;
  for (const [i, dep] of (o.dependsOn ?? []).entries()) {
    if (!fluxApps.has(dep) || dep === app.name) {
      throw new MeshforgeError(env === undefined ? 'Flux dependency is not another app with Flux enabled' : `Flux dependency is not another app with Flux enabled in environment "${env}"`, {
        code: 'GITOPS_UNKNOWN_DEPENDENCY',
        path: where,
        field: `gitops.flux.dependsOn[${i}]`,
        value: dep,
        expected: `one of: ${[...fluxApps].filter((n) => n !== app.name).join(', ') || `(no other app has gitops.flux${env === undefined ? '' : ` in ${env}`})`}`,
      });
    }
  }
  (o.externalDependsOn ?? []).forEach((dep, i) => {
    if (!isDnsLabel(dep.name) || (dep.namespace !== undefined && !isDnsLabel(dep.namespace))) {
      throw new MeshforgeError('invalid external Flux dependency', {
        code: 'GITOPS_UNKNOWN_DEPENDENCY',
        path: where,
        field: `gitops.flux.externalDependsOn[${i}]`,
        value: dep,
        expected: 'the name (and namespace) of a Flux Kustomization: DNS labels, e.g. { name: "istio", namespace: "flux-system" }',
      });
    }
  });
}

/** The spec of an app's Flux Kustomization reading `path`. */
function fluxSpec(o: FluxAppOptions, path: string, sourceName: string): Record<string, unknown> {
  const dependsOn = [
    ...(o.dependsOn ?? []).map((name) => ({ name })),
    ...(o.externalDependsOn ?? []).map((d) => (d.namespace ? { name: d.name, namespace: d.namespace } : { name: d.name })),
  ];
  return {
    ...(dependsOn.length ? { dependsOn } : {}),
    interval: o.interval ?? '10m',
    path,
    prune: o.prune ?? true,
    sourceRef: { kind: 'GitRepository', name: sourceName },
    ...(o.targetNamespace ? { targetNamespace: o.targetNamespace } : {}),
    timeout: o.timeout ?? '5m',
    wait: o.wait ?? true,
  };
}

/** The spec of an app's Argo CD Application syncing `path` to `server`. */
function argoSpec(o: ArgoCdAppOptions, path: string, server: string, config: GitOpsConfig): Record<string, unknown> {
  return {
    destination: { ...(o.destinationNamespace ? { namespace: o.destinationNamespace } : {}), server },
    project: o.project ?? 'default',
    source: { path, repoURL: config.repoURL, targetRevision: config.branch ?? 'main' },
    syncPolicy: {
      automated: { prune: o.prune ?? true, selfHeal: o.selfHeal ?? true },
      // SSA: no last-applied annotation, so large ConfigMaps (dashboards) stay under the 256 kB annotation limit;
      // PruneLast: remove old objects only after the new ones are healthy.
      syncOptions: ['PruneLast=true', 'ServerSideApply=true'],
    },
  };
}

/**
 * Builds dist/gitops/: `argocd/<app>.k8s.yaml` (one Application per opted-in
 * app) and `flux/<app>.k8s.yaml` (one Kustomization each) plus
 * `flux/source.gitrepository.k8s.yaml`, each folder with its own
 * kustomization.yaml (the app-of-apps entry point). With environments
 * (`fleet`), `argocd/<app>.k8s.yaml` holds an ApplicationSet instead (one
 * Application per environment the app deploys to, on that environment's
 * cluster) and Flux gets one folder per environment, `flux/<env>/`, for that
 * environment's cluster (see docs/environments.md). Every object is checked
 * with the schema validator. Returns undefined when no app opts in.
 */
export function generateGitOps(apps: readonly AppDefinition[], config: GitOpsConfig | undefined, fleet?: readonly EnvironmentDeployments[]): GitOpsOutput | undefined {
  const argo = apps.filter((a) => option(a.gitops?.argocd)).sort((a, b) => (a.name < b.name ? -1 : 1));
  const flux = apps.filter((a) => option(a.gitops?.flux)).sort((a, b) => (a.name < b.name ? -1 : 1));
  if (argo.length + flux.length === 0) return undefined;
  if (!config) {
    throw new MeshforgeError('apps ask for GitOps objects but no GitOps config was given', {
      code: 'GITOPS_CONFIG_MISSING',
      field: 'gitops',
      value: [...new Set([...argo, ...flux].map((a) => a.name))],
      expected: 'a GitOpsConfig (repoURL, branch) passed to synth, e.g. exported from apps/gitops.ts',
    });
  }
  const branch = config.branch ?? 'main';
  const dist = (config.distPath ?? 'dist').replace(/^\.\/|\/$/g, '');
  const files = new Map<string, string>();
  const objects: EmittedObject[] = [];
  const add = (folder: string, stem: string, obj: Record<string, unknown>, source: string): void => {
    SchemaValidator.default().assertValid(obj, source);
    const file = `${folder}/${MANIFEST(stem)}`;
    files.set(file, emitYaml([obj]));
    objects.push({ ...identityOf(obj), app: GITOPS_FOLDER, path: source, file });
  };
  const argoNs = config.argocd?.namespace ?? 'argocd';
  const fluxNs = config.flux?.namespace ?? 'flux-system';
  const sourceName = config.flux?.sourceName ?? 'meshforge';
  const addSource = (folder: string): void =>
    add(folder, 'source.gitrepository', manifest('source.toolkit.fluxcd.io/v1', 'GitRepository', sourceName, fluxNs, -1, {
      interval: config.flux?.interval ?? '1m',
      ref: { branch },
      url: config.repoURL,
    }), `gitops/${folder}/${sourceName}`);

  if (fleet) {
    for (const app of argo) {
      const o = option<ArgoCdAppOptions>(app.gitops?.argocd)!;
      const elements = fleet
        .filter((d) => d.apps.includes(app))
        .map(({ environment: e }) => ({ cluster: e.cluster.name, environment: e.name, server: e.cluster.server }));
      if (elements.length === 0) continue;
      const wave = { [SYNC_WAVE_ANNOTATION]: String(o.syncWave ?? 0) };
      // Go templates with missingkey=error: a misspelt parameter fails the ApplicationSet instead of
      // rendering an empty path or server (https://argo-cd.readthedocs.io/en/stable/operator-manual/applicationset/GoTemplate/).
      add('argocd', app.name, manifest('argoproj.io/v1alpha1', 'ApplicationSet', app.name, argoNs, o.syncWave ?? 0, {
        generators: [{ list: { elements } }],
        // Without it the controller puts resources-finalizer.argocd.argoproj.io on every Application it
        // generates, so deleting or renaming the ApplicationSet (or dropping an environment) deletes the
        // apps' objects, PersistentVolumeClaims included (Argo CD docs, ApplicationSet "Application Pruning
        // & Resource Deletion"). Removing an app from the cluster stays an explicit act.
        syncPolicy: { preserveResourcesOnDeletion: true },
        goTemplate: true,
        goTemplateOptions: ['missingkey=error'],
        template: {
          metadata: {
            annotations: wave,
            labels: { 'app.kubernetes.io/part-of': app.name, 'meshforge.io/environment': '{{.environment}}' },
            name: `${app.name}-{{.environment}}`,
          },
          spec: argoSpec(o, `${dist}/{{.environment}}/${app.name}`, '{{.server}}', config),
        },
      }), `gitops/argocd/${app.name}`);
    }
    for (const { environment, apps: deployed } of fleet) {
      const here = flux.filter((a) => deployed.includes(a));
      if (here.length === 0) continue;
      const folder = `flux/${environment.name}`;
      addSource(folder);
      const fluxApps = new Set(here.map((a) => a.name));
      for (const app of here) {
        const o = option<FluxAppOptions>(app.gitops?.flux)!;
        checkFluxDependencies(app, o, fluxApps, environment.name);
        add(folder, app.name, manifest('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', app.name, fluxNs, 0, fluxSpec(o, `./${dist}/${environment.name}/${app.name}`, sourceName)), `gitops/${folder}/${app.name}`);
      }
    }
  } else {
    for (const app of argo) {
      const o = option<ArgoCdAppOptions>(app.gitops?.argocd)!;
      add('argocd', app.name, manifest('argoproj.io/v1alpha1', 'Application', app.name, argoNs, o.syncWave ?? 0,
        argoSpec(o, `${dist}/${app.name}`, config.argocd?.server ?? 'https://kubernetes.default.svc', config)), `gitops/argocd/${app.name}`);
    }
    if (flux.length > 0) addSource('flux');
    const fluxApps = new Set(flux.map((a) => a.name));
    for (const app of flux) {
      const o = option<FluxAppOptions>(app.gitops?.flux)!;
      checkFluxDependencies(app, o, fluxApps);
      add('flux', app.name, manifest('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', app.name, fluxNs, 0, fluxSpec(o, `./${dist}/${app.name}`, sourceName)), `gitops/flux/${app.name}`);
    }
  }

  // one kustomization.yaml per folder of manifests: the entry point Argo CD's app-of-apps or a cluster's Flux reads
  const folders = [...new Set([...files.keys()].map((f) => f.slice(0, f.lastIndexOf('/'))))].sort();
  for (const folder of folders) {
    const resources = [...files.keys()].filter((f) => f.startsWith(`${folder}/`) && !f.slice(folder.length + 1).includes('/')).map((f) => f.slice(folder.length + 1));
    files.set(`${folder}/kustomization.yaml`, renderKustomization(resources));
  }
  return { files, objects };
}
