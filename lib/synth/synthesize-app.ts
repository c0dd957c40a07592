import { App, Chart } from 'cdk8s';
import { MeshforgeError } from '../validation/meshforge-error';
import { AppDefinition } from './app-definition';
import { planCharts, renderObject } from './collect';
import { KUSTOMIZATION_FILE, renderKustomization } from './kustomization';
import { EmittedObject, assertUniqueObjects, identityOf } from './object-identity';
import { SYNC_GROUPS, syncGroupOf, withSyncWave } from './sync-order';
import { emitYamlDocument, joinYamlDocuments } from './yaml-emitter';

/** Extension of every manifest file meshforge writes. */
export const MANIFEST_EXTENSION = '.k8s.yaml';

/** The synthesized output of one app, in memory: file name → content. */
export interface SynthesizedApp {
  readonly name: string;
  /** Files in the order they are listed in `kustomization.yaml`, kustomization last. */
  readonly files: ReadonlyMap<string, string>;
  /** Every object written, with the construct path it came from (for cross-app checks). */
  readonly objects: readonly EmittedObject[];
}

/** Raised when an app fails to build or synthesize; names the app. */
export class AppSynthError extends MeshforgeError {
  public readonly appName: string;
  public readonly cause: unknown;
  constructor(appName: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`app "${appName}" failed to synthesize: ${reason}`, { code: 'APP_SYNTH_FAILED' });
    this.name = 'AppSynthError';
    this.appName = appName;
    this.cause = cause;
  }
}

const FILE_STEM = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Stable file stem for a chart: its path below the app, joined with "-". */
function chartFileStem(chart: Chart): string {
  const stem = chart.node.scopes
    .slice(1)
    .map((s) => s.node.id)
    .join('-');
  if (!FILE_STEM.test(stem)) {
    throw new MeshforgeError('chart id cannot be used as a file name', {
      code: 'INVALID_CHART_ID',
      path: chart.node.path,
      field: 'id',
      value: chart.node.id,
      expected: 'lowercase letters, digits, "-" and "." (e.g. "frontend")',
    });
  }
  return stem;
}

/**
 * Builds one app in a fresh cdk8s `App` and renders it to files in memory:
 * one `<prefix>-<group>.<chart>.k8s.yaml` per sync-order group and chart that
 * has objects (see sync-order.ts), in apply order, plus `kustomization.yaml`.
 * Every object gets its `argocd.argoproj.io/sync-wave` annotation. Any failure
 * is rethrown as an `AppSynthError` naming the app.
 */
export function synthesizeApp(definition: AppDefinition): SynthesizedApp {
  try {
    // outdir is never written to: meshforge renders in memory and writes dist/ itself.
    const app = new App({ outdir: '/nonexistent-meshforge-outdir' });
    definition.build(app, { appName: definition.name });
    // group index → file → YAML documents; charts keep their order inside a group. Each object is
    // written as soon as it is rendered, so only text outlives the loop, not every object's JSON tree.
    const byGroup = SYNC_GROUPS.map(() => new Map<string, string[]>());
    const objects: EmittedObject[] = [];
    for (const { chart, apiObjects } of planCharts(app)) {
      if (apiObjects.length === 0) continue;
      const stem = chartFileStem(chart);
      for (const apiObject of apiObjects) {
        const obj = renderObject(apiObject);
        const group = syncGroupOf(obj);
        const file = `${group.prefix}-${group.name}.${stem}${MANIFEST_EXTENSION}`;
        const files = byGroup[SYNC_GROUPS.indexOf(group)];
        const yaml = emitYamlDocument(withSyncWave(obj, group.wave));
        const list = files.get(file);
        if (list) list.push(yaml);
        else files.set(file, [yaml]);
        objects.push({ ...identityOf(obj), app: definition.name, path: apiObject.node.path, file });
      }
    }
    const files = new Map<string, string>();
    for (const group of byGroup) for (const [file, docs] of group) files.set(file, joinYamlDocuments(docs));
    if (files.size === 0) {
      throw new MeshforgeError('app produced no Kubernetes objects', {
        code: 'EMPTY_APP',
        expected: 'at least one chart with at least one object',
      });
    }
    assertUniqueObjects(objects);
    files.set(KUSTOMIZATION_FILE, renderKustomization([...files.keys()]));
    return { name: definition.name, files, objects };
  } catch (e) {
    if (e instanceof AppSynthError) throw e;
    throw new AppSynthError(definition.name, e);
  }
}
