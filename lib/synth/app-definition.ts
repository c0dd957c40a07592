import { App } from 'cdk8s';
import type { Environment } from '../environments/environment';
import type { ReleaseTags } from '../environments/releases';
import { MeshforgeError } from '../validation/meshforge-error';
import { isDnsLabel } from '../validation/names';
import { AppGitOpsOptions, GITOPS_FOLDER } from './gitops';

/**
 * What an app's `build` function receives besides the cdk8s `App` to fill.
 * New synth-wide parameters (e.g. the target environment) are added here, so
 * apps opt into them without a change of signature.
 */
export interface SynthContext<S = unknown> {
  /** Name of the app being synthesized; equals the `dist/<environment>/<name>/` folder. */
  readonly appName: string;
  /**
   * The environment being rendered: `build` runs once per environment the app
   * deploys to. Without project environments, an implicit one named `default`
   * whose settings are `{}`.
   */
  readonly environment: Environment<S>;
  /** Image tags of this app in this environment, from its releases file (`tag('cart')`, `image(repo, 'cart')`). */
  readonly releases: ReleaseTags;
}

/**
 * A deployable unit: one folder under `apps/`, one folder `dist/<environment>/<name>/`
 * per environment it deploys to. `S` is the project's environment settings type.
 */
export interface AppDefinition<S = unknown> {
  /**
   * Folder name under `dist/` and the name used in error messages. A DNS
   * label: lowercase letters, digits and `-`.
   */
  readonly name: string;
  /** One line for humans (docs, CLI listing). */
  readonly description: string;
  /**
   * Adds the app's charts to `app`. The charts do not decide the files: synth
   * writes one `dist/<app>/<prefix>-<group>.k8s.yaml` per sync group, objects in
   * chart order (see sync-order.ts).
   */
  build(app: App, context: SynthContext<S>): void;
  /**
   * Environments (names from the project's list) this app deploys to, e.g. `['dev']`
   * for a sandbox. An unknown name fails synth.
   * @default - every environment of the project
   */
  readonly environments?: readonly string[];
  /**
   * Path of the app's releases file: JSON, environment → service → image tag
   * (see docs/environments.md). `npm run promote` changes it.
   * @default - none: `context.releases.tag()` fails with RELEASE_MISSING_TAG
   */
  readonly releases?: string;
  /**
   * Generate an Argo CD Application and/or a Flux Kustomization for this app
   * under dist/gitops/ (see docs/gitops.md).
   * @default - none
   */
  readonly gitops?: AppGitOpsOptions;
}

/** Declares an app. Validates the name early so a typo fails before any synth. */
export function defineApp<S = unknown>(definition: AppDefinition<S>): AppDefinition<S> {
  if (!isDnsLabel(definition.name)) {
    throw new MeshforgeError('invalid app name', {
      code: 'INVALID_APP_NAME',
      field: 'name',
      value: definition.name,
      expected: 'a DNS label: lowercase letters, digits and "-", at most 63 characters (e.g. "shop")',
    });
  }
  assertNotReserved(definition.name);
  return definition;
}

/** Rejects `gitops`: dist/gitops/ is meshforge's own folder. Also run by synth for definitions not made with defineApp. */
export function assertNotReserved(name: string): void {
  if (name === GITOPS_FOLDER) {
    throw new MeshforgeError('app name is reserved', {
      code: 'RESERVED_APP_NAME',
      field: 'name',
      value: name,
      expected: `another name: dist/${GITOPS_FOLDER}/ holds the generated Argo CD and Flux objects`,
    });
  }
}
