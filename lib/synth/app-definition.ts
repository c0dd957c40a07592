import { App } from 'cdk8s';
import { MeshforgeError } from '../validation/meshforge-error';
import { isDnsLabel } from '../validation/names';
import { AppGitOpsOptions, GITOPS_FOLDER } from './gitops';

/**
 * What an app's `build` function receives besides the cdk8s `App` to fill.
 * New synth-wide parameters (e.g. the target environment) are added here, so
 * apps opt into them without a change of signature.
 */
export interface SynthContext {
  /** Name of the app being synthesized; equals the `dist/<name>/` folder. */
  readonly appName: string;
}

/** A deployable unit: one folder under `apps/`, one folder under `dist/`. */
export interface AppDefinition {
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
  build(app: App, context: SynthContext): void;
  /**
   * Generate an Argo CD Application and/or a Flux Kustomization for this app
   * under dist/gitops/ (see docs/gitops.md).
   * @default - none
   */
  readonly gitops?: AppGitOpsOptions;
}

/** Declares an app. Validates the name early so a typo fails before any synth. */
export function defineApp(definition: AppDefinition): AppDefinition {
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
