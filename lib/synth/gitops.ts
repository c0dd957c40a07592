import { MeshforgeError } from '../validation/meshforge-error';
import { isDnsLabel } from '../validation/names';
import { SchemaValidator } from '../validation/schema-validator';
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

/**
 * Builds dist/gitops/: `argocd/<app>.k8s.yaml` (one Application per opted-in
 * app) and `flux/<app>.k8s.yaml` (one Kustomization each) plus
 * `flux/source.gitrepository.k8s.yaml`, each folder with its own
 * kustomization.yaml (the app-of-apps entry point). Every object is checked
 * with the schema validator. Returns undefined when no app opts in.
 */
export function generateGitOps(apps: readonly AppDefinition[], config: GitOpsConfig | undefined): GitOpsOutput | undefined {
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
  for (const app of argo) {
    const o = option<ArgoCdAppOptions>(app.gitops?.argocd)!;
    const destination = { ...(o.destinationNamespace ? { namespace: o.destinationNamespace } : {}), server: config.argocd?.server ?? 'https://kubernetes.default.svc' };
    add('argocd', app.name, manifest('argoproj.io/v1alpha1', 'Application', app.name, argoNs, o.syncWave ?? 0, {
      destination,
      project: o.project ?? 'default',
      source: { path: `${dist}/${app.name}`, repoURL: config.repoURL, targetRevision: branch },
      syncPolicy: {
        automated: { prune: o.prune ?? true, selfHeal: o.selfHeal ?? true },
        // SSA: no last-applied annotation, so large ConfigMaps (dashboards) stay under the 256 kB annotation limit;
        // PruneLast: remove old objects only after the new ones are healthy.
        syncOptions: ['PruneLast=true', 'ServerSideApply=true'],
      },
    }), `gitops/argocd/${app.name}`);
  }

  const fluxNs = config.flux?.namespace ?? 'flux-system';
  const sourceName = config.flux?.sourceName ?? 'meshforge';
  if (flux.length > 0) {
    add('flux', 'source.gitrepository', manifest('source.toolkit.fluxcd.io/v1', 'GitRepository', sourceName, fluxNs, -1, {
      interval: config.flux?.interval ?? '1m',
      ref: { branch },
      url: config.repoURL,
    }), `gitops/flux/${sourceName}`);
  }
  const fluxApps = new Set(flux.map((a) => a.name));
  for (const app of flux) {
    const o = option<FluxAppOptions>(app.gitops?.flux)!;
    for (const [i, dep] of (o.dependsOn ?? []).entries()) {
      if (!fluxApps.has(dep) || dep === app.name) {
        throw new MeshforgeError('Flux dependency is not another app with Flux enabled', {
          code: 'GITOPS_UNKNOWN_DEPENDENCY',
          path: `gitops/flux/${app.name}`,
          field: `gitops.flux.dependsOn[${i}]`,
          value: dep,
          expected: `one of: ${[...fluxApps].filter((n) => n !== app.name).join(', ') || '(no other app has gitops.flux)'}`,
        });
      }
    }
    (o.externalDependsOn ?? []).forEach((dep, i) => {
      if (!isDnsLabel(dep.name) || (dep.namespace !== undefined && !isDnsLabel(dep.namespace))) {
        throw new MeshforgeError('invalid external Flux dependency', {
          code: 'GITOPS_UNKNOWN_DEPENDENCY',
          path: `gitops/flux/${app.name}`,
          field: `gitops.flux.externalDependsOn[${i}]`,
          value: dep,
          expected: 'the name (and namespace) of a Flux Kustomization: DNS labels, e.g. { name: "istio", namespace: "flux-system" }',
        });
      }
    });
    const dependsOn = [
      ...(o.dependsOn ?? []).map((name) => ({ name })),
      ...(o.externalDependsOn ?? []).map((d) => (d.namespace ? { name: d.name, namespace: d.namespace } : { name: d.name })),
    ];
    add('flux', app.name, manifest('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', app.name, fluxNs, 0, {
      ...(dependsOn.length ? { dependsOn } : {}),
      interval: o.interval ?? '10m',
      path: `./${dist}/${app.name}`,
      prune: o.prune ?? true,
      sourceRef: { kind: 'GitRepository', name: sourceName },
      ...(o.targetNamespace ? { targetNamespace: o.targetNamespace } : {}),
      timeout: o.timeout ?? '5m',
      wait: o.wait ?? true,
    }), `gitops/flux/${app.name}`);
  }

  for (const folder of ['argocd', 'flux']) {
    const resources = [...files.keys()].filter((f) => f.startsWith(`${folder}/`)).map((f) => f.slice(folder.length + 1));
    if (resources.length > 0) files.set(`${folder}/kustomization.yaml`, renderKustomization(resources));
  }
  return { files, objects };
}
