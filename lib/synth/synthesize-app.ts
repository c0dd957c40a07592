import { App } from 'cdk8s';
import { Environment, IMPLICIT_ENVIRONMENT } from '../environments/environment';
import * as path from 'path';
import { ReleaseTags, readReleases } from '../environments/releases';
import { MeshforgeError } from '../validation/meshforge-error';
import { manifestErrors, throwManifestErrors } from '../validation/rules';
import { schemaErrors } from '../validation/schema-errors';
import { AppDefinition } from './app-definition';
import { planCharts, renderObject } from './collect';
import { IstioApiLevel, checkIstioApiLevel, withIstioApiLevel } from './istio-api-level';
import { KUSTOMIZATION_FILE, renderKustomization } from './kustomization';
import { EmittedObject, assertUniqueObjects, identityOf } from './object-identity';
import { SideFile, SideFileNotice } from '../common/side-file';
import { mapStack } from './source-map-stack';
import { SynthNotice } from '../common/synth-notice';
import { SYNC_GROUPS, syncGroupOf, withSyncWave } from './sync-order';
import { emitYamlDocument, joinYamlDocuments } from './yaml-emitter';

/** Extension of every manifest file meshforge writes. */
export const MANIFEST_EXTENSION = '.k8s.yaml';

/** The synthesized output of one app, in memory: file name → content. */
export interface SynthesizedApp {
  /** The folder under dist/: `<environment>/<app>`, `<app>` without project environments, or `gitops`. */
  readonly name: string;
  /** The app's name (equal to `name` without project environments; `gitops` for the GitOps folder). */
  readonly app?: string;
  /** The environment it was rendered for; undefined without project environments and for `gitops`. */
  readonly environment?: string;
  /** Files in the order they are listed in `kustomization.yaml`, kustomization last. */
  readonly files: ReadonlyMap<string, string>;
  /** Every object written, with the construct path it came from (for cross-app checks). */
  readonly objects: readonly EmittedObject[];
  /**
   * Files written next to the manifests but not listed in `kustomization.yaml`
   * (see {@link SideFile}), path → content.
   */
  readonly sideFiles: ReadonlyMap<string, string>;
  /** What the user must do by hand with a side file (its path under dist/<app>/ and one line of text). */
  readonly notices: readonly SideFileNotice[];
}

/**
 * Hints for errors that come from cdk8s or plain JavaScript rather than from
 * meshforge's own checks (those carry a path and field already).
 */
const HINTS: readonly { readonly pattern: RegExp; readonly hint: string }[] = [
  {
    pattern: /^Not a valid ISO duration/,
    hint: 'Duration.parse takes ISO-8601 durations such as "PT5M" or "PT0.5S"; prefer Duration.minutes(5), Duration.seconds(30) or Duration.millis(250)',
  },
];

/**
 * The first stack frame in the project's own code outside lib/ (the app file
 * that made the bad call), as `apps/shop/index.ts:42:7`; undefined when none.
 */
export function callSite(error: Error, root = process.cwd()): string | undefined {
  // the transpiled modules of `npm run synth` (build/synth/) are mapped back to their sources here
  for (const line of mapStack(error.stack ?? '').split('\n').slice(1)) {
    const m = /\(?([^()\s]+):(\d+):(\d+)\)?\s*$/.exec(line);
    if (!m) continue;
    const file = m[1].replace(/^file:\/\//, '');
    if (!file.startsWith(root) || /[\\/](node_modules|lib)[\\/]/.test(file.slice(root.length))) continue;
    return `${file.slice(root.length + 1).replace(/^build[\\/]/, '').replace(/\.js$/, '.ts')}:${m[2]}:${m[3]}`;
  }
  return undefined;
}

/** Raised when an app fails to build or synthesize; names the app (and the environment, when there are several). */
export class AppSynthError extends MeshforgeError {
  public readonly appName: string;
  public readonly environment?: string;
  public readonly cause: unknown;
  constructor(appName: string, cause: unknown, environment?: string) {
    let reason = cause instanceof Error ? cause.message : String(cause);
    if (cause instanceof Error && !(cause instanceof MeshforgeError)) {
      const at = callSite(cause);
      if (at) reason += ` (at ${at})`;
      const hint = HINTS.find((h) => h.pattern.test(cause.message));
      if (hint) reason += `; ${hint.hint}`;
    }
    super(`app "${appName}" failed to synthesize${environment === undefined ? '' : ` for environment "${environment}"`}: ${reason}`, { code: 'APP_SYNTH_FAILED' });
    this.name = 'AppSynthError';
    this.appName = appName;
    this.environment = environment;
    this.cause = cause;
  }
}

/** The tags of `definition` in `environment` from its releases file (none when it has no file). */
export function releaseTagsOf(definition: AppDefinition, environment: string): ReleaseTags {
  if (definition.releases === undefined) return new ReleaseTags(definition.name, environment, undefined, undefined);
  const shown = path.relative(process.cwd(), definition.releases) || definition.releases;
  return new ReleaseTags(definition.name, environment, readReleases(definition.releases, undefined, shown)[environment], shown);
}

/** The file of one sync-order group, e.g. `40-workloads.k8s.yaml`. */
function groupFile(group: { readonly prefix: string; readonly name: string }): string {
  return `${group.prefix}-${group.name}${MANIFEST_EXTENSION}`;
}

/**
 * Builds one app in a fresh cdk8s `App` and renders it to files in memory:
 * one `<prefix>-<group>.k8s.yaml` per sync-order group that has objects (see
 * sync-order.ts), in apply order, plus `kustomization.yaml`. Inside a file,
 * objects follow chart order, then cdk8s's dependency order. Grouping by apply
 * order rather than by chart keeps file names fixed and the file count
 * independent of the number of charts (thousands of small files are slow to
 * write, check out and apply).
 * Every object gets its `argocd.argoproj.io/sync-wave` annotation, and Istio
 * objects the apiVersion of `options.istioApiLevel`. Any failure
 * is rethrown as an `AppSynthError` naming the app.
 */
/** Options of `synthesizeApp` (synth-wide settings, see `SynthOptions`). */
export interface SynthesizeAppOptions {
  /** Istio API versions of the output. @default "v1" (Istio >= 1.22) */
  readonly istioApiLevel?: IstioApiLevel;
  /**
   * The environment to render for; its name becomes the folder `<environment>/<app>`.
   * @default - the implicit environment: folder `<app>`
   */
  readonly environment?: Environment;
  /**
   * The app's tags in that environment.
   * @default - the environment's tags in the app's `releases` file, if it has one
   */
  readonly releases?: ReleaseTags;
}

export function synthesizeApp(definition: AppDefinition, options: SynthesizeAppOptions = {}): SynthesizedApp {
  const istioApiLevel = checkIstioApiLevel(options.istioApiLevel ?? 'v1');
  const environment = options.environment ?? IMPLICIT_ENVIRONMENT;
  const envName = options.environment?.name;
  const folder = envName === undefined ? definition.name : `${envName}/${definition.name}`;
  try {
    // outdir is never written to: meshforge renders in memory and writes dist/ itself.
    const app = new App({ outdir: '/nonexistent-meshforge-outdir' });
    const releases = options.releases ?? releaseTagsOf(definition, environment.name);
    definition.build(app, { appName: definition.name, environment, releases });
    const unused = releases.unused();
    if (unused.length > 0) {
      // A tag no service reads never deploys: most likely a typo of a service name, or a service removed.
      throw new MeshforgeError('releases file has tags no service reads', {
        code: 'RELEASES_UNUSED_TAG',
        path: releases.source,
        field: unused.map((s) => `${environment.name}.${s}`).join(', '),
        expected: `only services the app reads with context.releases.tag()/image() in "${environment.name}": remove the entries or fix their names`,
      });
    }
    // group index → YAML documents; charts keep their order inside a group. Each object is
    // written as soon as it is rendered, so only text outlives the loop, not every object's JSON tree.
    const byGroup: string[][] = SYNC_GROUPS.map(() => []);
    const objects: EmittedObject[] = [];
    const invalid: MeshforgeError[] = [];
    for (const { apiObjects } of planCharts(app)) {
      for (const apiObject of apiObjects) {
        const obj = withIstioApiLevel(renderObject(apiObject), istioApiLevel);
        // checked at once, so only the errors (not every object's JSON) outlive the loop
        const ruleErrors = manifestErrors(obj, apiObject.node.path);
        const group = syncGroupOf(obj);
        const emitted = withSyncWave(obj, group.wave);
        const document = emitYamlDocument(emitted);
        // and what is written against its kind's schema (lib/validation/schema-errors.ts)
        invalid.push(...ruleErrors, ...schemaErrors(emitted, apiObject, document, ruleErrors));
        byGroup[SYNC_GROUPS.indexOf(group)].push(document);
        objects.push({ ...identityOf(obj), app: folder, path: apiObject.node.path, file: groupFile(group) });
      }
    }
    const files = new Map<string, string>();
    SYNC_GROUPS.forEach((group, i) => {
      if (byGroup[i].length > 0) files.set(groupFile(group), joinYamlDocuments(byGroup[i]));
    });
    if (files.size === 0) {
      throw new MeshforgeError('app produced no Kubernetes objects', {
        code: 'EMPTY_APP',
        expected: 'at least one chart with at least one object',
      });
    }
    // Values the API server, the kubelet or istiod would refuse never reach dist/.
    throwManifestErrors(invalid);
    assertUniqueObjects(objects);
    files.set(KUSTOMIZATION_FILE, renderKustomization([...files.keys()]));
    const sideFiles = new Map<string, string>();
    const notices: SideFileNotice[] = [];
    for (const side of SideFile.of(app)) {
      if (sideFiles.has(side.path)) {
        throw new MeshforgeError('two side files share a path', { code: 'DUPLICATE_SIDE_FILE', path: side.node.path, field: 'path', value: side.path, expected: 'one SideFile per path' });
      }
      sideFiles.set(side.path, side.render());
      if (side.notice !== undefined) notices.push({ file: side.path, text: side.notice });
    }
    // not about a file: printed under the app's folder, with the construct that raised it
    for (const notice of SynthNotice.of(app)) notices.push({ file: '', text: `${notice.node.path}: ${notice.text}` });
    return { name: folder, app: definition.name, ...(envName === undefined ? {} : { environment: envName }), files, objects, sideFiles, notices };
  } catch (e) {
    if (e instanceof AppSynthError) throw e;
    throw new AppSynthError(definition.name, e, envName);
  }
}
