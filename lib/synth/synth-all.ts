import { MeshforgeError } from '../validation/meshforge-error';
import { AppDefinition, assertNotReserved } from './app-definition';
import { DistRepairOptions, writeDistWith } from './dist-writer';
import { GITOPS_FOLDER, GitOpsConfig, generateGitOps } from './gitops';
import { IstioApiLevel } from './istio-api-level';
import { assertUniqueObjects } from './object-identity';
import { SynthesizedApp, synthesizeApp } from './synthesize-app';

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
}

/**
 * Synthesizes every app in memory first; only when all of them succeeded is
 * `outdir` replaced. A failing app throws (naming the app) and nothing is
 * written. Adds dist/gitops/ when an app asks for GitOps objects, and checks
 * that no object (group/kind/namespace/name) is emitted twice across dist/.
 */
export function synthesizeAll(apps: readonly AppDefinition[], options: SynthOptions = {}): SynthesizedApp[] {
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
  const result = apps.map((a) => synthesizeApp(a, { istioApiLevel: options.istioApiLevel }));
  const gitops = generateGitOps(apps, options.gitops);
  if (gitops) result.push({ name: GITOPS_FOLDER, ...gitops, sideFiles: new Map(), notices: [] });
  assertUniqueObjects(result.flatMap((a) => a.objects));
  return result;
}

/**
 * Synthesizes every app and replaces `outdir` with the result, crash-safe:
 * under the lock of `outdir` and after its start-up repair (see writeDistWith).
 */
export function synthToDist(apps: readonly AppDefinition[], outdir: string, options: SynthOptions & DistRepairOptions = {}): SynthesizedApp[] {
  return writeDistWith(outdir, () => synthesizeAll(apps, options), options);
}
