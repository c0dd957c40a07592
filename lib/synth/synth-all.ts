import * as path from 'path';
import { defineEnvironments } from '../environments/define-environments';
import { Environment } from '../environments/environment';
import { ReleaseTags, Releases, readReleases } from '../environments/releases';
import { MeshforgeError } from '../validation/meshforge-error';
import { AppDefinition, SynthContext, assertNotReserved } from './app-definition';
import { DistRepairOptions, writeDistWith } from './dist-writer';
import { GITOPS_FOLDER, GitOpsConfig, generateGitOps } from './gitops';
import { IstioApiLevel } from './istio-api-level';
import { assertUniqueObjects } from './object-identity';
import { SynthesizedApp, releaseTagsOf, synthesizeApp } from './synthesize-app';

/** Synth-wide options. */
export interface SynthOptions {
  /**
   * Repository settings for the Argo CD / Flux objects of apps that set `gitops`.
   * @default - none; an app that sets `gitops` then fails with GITOPS_CONFIG_MISSING
   */
  readonly gitops?: GitOpsConfig;
  /**
   * Istio API versions of every app's output: "v1" needs Istio >= 1.22,
   * "v1beta1" serves Istio 1.18-1.21 (see istio-api-level.ts).
   * @default "v1"
   */
  readonly istioApiLevel?: IstioApiLevel;
  /**
   * The project's environments (apps/environments.ts): every app is rendered
   * once per environment it deploys to, into `dist/<environment>/<app>/`.
   * @default - none: one implicit environment, output `dist/<app>/`
   */
  readonly environments?: readonly Environment[];
  /**
   * Releases to use instead of an app's releases file, by app name (how
   * `npm run promote` renders a tag before writing it).
   * @default - every app's `releases` file
   */
  readonly releases?: Readonly<Record<string, Releases>>;
  /**
   * Render only this environment's apps and no dist/gitops/ (`npm run promote`).
   * @default - every environment, and dist/gitops/
   */
  readonly onlyEnvironment?: string;
}

/** Where each app deploys: its declared environments, checked against the project's list. */
export function deploymentsOf(app: AppDefinition, environments: readonly Environment[]): readonly string[] {
  const known = environments.map((e) => e.name);
  if (app.environments === undefined) return known;
  if (app.environments.length === 0) {
    throw new MeshforgeError('app deploys to no environment', {
      code: 'APP_UNKNOWN_ENVIRONMENT',
      path: app.name,
      field: 'environments',
      value: [],
      expected: `at least one of: ${known.join(', ')} (or leave environments out for all of them)`,
    });
  }
  app.environments.forEach((name, i) => {
    if (!known.includes(name)) {
      throw new MeshforgeError(known.length === 0 ? 'app declares environments but the project has none' : 'app deploys to an unknown environment', {
        code: 'APP_UNKNOWN_ENVIRONMENT',
        path: app.name,
        field: `environments[${i}]`,
        value: name,
        expected: known.length === 0 ? 'environments passed to synth (apps/environments.ts), or no `environments` on the app' : `one of: ${known.join(', ')}`,
      });
    }
  });
  // project order, so dist/ and the GitOps objects do not depend on how the app lists them
  return known.filter((n) => app.environments!.includes(n));
}

/** The shown path of an app's releases file (relative to the working directory, as users type it). */
function shownPath(file: string): string {
  return path.relative(process.cwd(), file) || file;
}

/** Reads (once) and checks the releases of every app that has a releases file or an override. */
function releasesOf(app: AppDefinition, deploysTo: readonly string[] | undefined, options: SynthOptions): { data?: Releases; source?: string } {
  const source = app.releases === undefined ? undefined : shownPath(app.releases);
  const override = options.releases?.[app.name];
  if (override) return { data: override, source: source ?? `releases of ${app.name}` };
  if (app.releases === undefined) return {};
  return { data: readReleases(app.releases, deploysTo, source), source };
}

function checkNames(apps: readonly AppDefinition[]): void {
  const seen = new Set<string>();
  for (const a of apps) {
    if (seen.has(a.name)) {
      throw new MeshforgeError('two apps share a name', {
        code: 'DUPLICATE_APP',
        field: 'name',
        value: a.name,
        expected: 'a unique name per app (it is the dist/ folder name)',
      });
    }
    assertNotReserved(a.name);
    seen.add(a.name);
  }
}

/**
 * Synthesizes every app in memory first; only when all of them succeeded is
 * `outdir` replaced. A failing app throws (naming the app and environment)
 * and nothing is written. With environments, each app is rendered once per
 * environment it deploys to (`<env>/<app>`, environments in project order);
 * adds dist/gitops/ when an app asks for GitOps objects, and checks that no
 * object (group/kind/namespace/name) is emitted twice inside one environment
 * (each environment is its own cluster) nor inside dist/gitops/.
 */
export function synthesizeAll(apps: readonly AppDefinition[], options: SynthOptions = {}): SynthesizedApp[] {
  checkNames(apps);
  const environments = options.environments === undefined ? undefined : defineEnvironments(options.environments);
  if (environments === undefined) {
    for (const a of apps) deploymentsOf(a, []);
    const result = apps.map((a) => {
      const { data, source } = releasesOf(a, ['default'], options);
      return synthesizeApp(a, { istioApiLevel: options.istioApiLevel, releases: new ReleaseTags(a.name, 'default', data?.default, source) });
    });
    const gitops = generateGitOps(apps, options.gitops);
    if (gitops) result.push({ name: GITOPS_FOLDER, ...gitops, sideFiles: new Map(), notices: [] });
    assertUniqueObjects(result.flatMap((a) => a.objects));
    return result;
  }
  if (options.onlyEnvironment !== undefined && !environments.some((e) => e.name === options.onlyEnvironment)) {
    throw new MeshforgeError('unknown environment', {
      code: 'UNKNOWN_ENVIRONMENT',
      field: 'onlyEnvironment',
      value: options.onlyEnvironment,
      expected: `one of: ${environments.map((e) => e.name).join(', ')}`,
    });
  }
  const deployments = new Map(apps.map((a) => [a, deploymentsOf(a, environments)]));
  const releases = new Map(apps.map((a) => [a, releasesOf(a, deployments.get(a)!, options)]));
  const result: SynthesizedApp[] = [];
  for (const environment of environments) {
    if (options.onlyEnvironment !== undefined && environment.name !== options.onlyEnvironment) continue;
    const rendered = apps
      .filter((a) => deployments.get(a)!.includes(environment.name))
      .map((a) => {
        const { data, source } = releases.get(a)!;
        const tags = new ReleaseTags(a.name, environment.name, data?.[environment.name], source);
        return synthesizeApp(a, { istioApiLevel: options.istioApiLevel, environment, releases: tags });
      });
    assertUniqueObjects(rendered.flatMap((a) => a.objects));
    result.push(...rendered);
  }
  if (options.onlyEnvironment === undefined) {
    const gitops = generateGitOps(apps, options.gitops, environments.map((e) => ({ environment: e, apps: apps.filter((a) => deployments.get(a)!.includes(e.name)) })));
    // one object per name inside each folder by construction; the Flux folders repeat the GitRepository (one per cluster)
    if (gitops) result.push({ name: GITOPS_FOLDER, ...gitops, sideFiles: new Map(), notices: [] });
  }
  return result;
}

/**
 * Synthesizes every app and replaces `outdir` with the result, crash-safe:
 * under the lock of `outdir` and after its start-up repair (see writeDistWith).
 */
export function synthToDist(apps: readonly AppDefinition[], outdir: string, options: SynthOptions & DistRepairOptions = {}): SynthesizedApp[] {
  return writeDistWith(outdir, () => synthesizeAll(apps, options), options);
}

/**
 * A context to build `definition` for `environment` outside synth (e.g. to
 * read another app's MeshServices): its tags there come from its releases file.
 */
export function scratchContext<S>(definition: AppDefinition<S>, environment: Environment<S>): SynthContext<S> {
  return { appName: definition.name, environment, releases: releaseTagsOf(definition as AppDefinition, environment.name) };
}
