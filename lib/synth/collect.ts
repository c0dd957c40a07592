import { ApiObject, App, Chart, DependencyGraph } from 'cdk8s';
import { IConstruct } from 'constructs';
import { MeshforgeError, MeshforgeValidationError } from '../validation/meshforge-error';

/** The manifests of one top-level chart, in cdk8s's dependency order. */
export interface ChartManifests {
  readonly chart: Chart;
  readonly objects: readonly Record<string, unknown>[];
}

/**
 * Runs every construct validation once for the whole app and throws one
 * `MeshforgeValidationError` listing all failures with their construct paths.
 */
export function validateApp(app: App): void {
  const failures: { path: string; message: string }[] = [];
  for (const c of app.node.findAll()) {
    for (const message of c.node.validate()) failures.push({ path: c.node.path, message });
  }
  if (failures.length > 0) throw new MeshforgeValidationError(failures);
}

/**
 * Turns implicit construct dependencies into explicit chart and API object
 * dependencies, the same rules as `cdk8s.App.synth()`, but run once for the
 * whole app (cdk8s's `Chart.toJson()` re-runs it per chart, which is
 * quadratic in the number of charts).
 */
function resolveDependencies(all: readonly IConstruct[]): void {
  const deps: { source: IConstruct; target: IConstruct }[] = [];
  for (const c of all) {
    if (c instanceof Chart) {
      for (const child of c.node.children) if (child instanceof Chart) c.node.addDependency(child);
    }
    for (const target of c.node.dependencies) deps.push({ source: c, target });
  }
  for (const { source, target } of deps) {
    const sourceChart = Chart.of(source);
    const targetChart = Chart.of(target);
    if (sourceChart !== targetChart) sourceChart.node.addDependency(targetChart);
    const targets = target.node.findAll().filter((x) => x instanceof ApiObject && Chart.of(x) === targetChart);
    const sources = source.node.findAll().filter((x) => x instanceof ApiObject && Chart.of(x) === sourceChart);
    for (const t of targets) for (const s of sources) if (t !== s) s.node.addDependency(t);
  }
}

/**
 * The order cdk8s's `new DependencyGraph(scope.node).topology()` gives, for
 * constructs of which none has a dependency: its vertices are the constructs
 * keyed by path in a plain object, so the order is the `Object.values` order
 * of that object (insertion order, except that integer-like paths come
 * first). Building that object is much cheaper than building the graph. With
 * any dependency, the real graph is used.
 */
function topology(scope: IConstruct, constructs: readonly IConstruct[]): IConstruct[] {
  if (constructs.some((c) => c.node.dependencies.length > 0)) return new DependencyGraph(scope.node).topology();
  const byPath: Record<string, IConstruct> = {};
  for (const c of constructs) byPath[c.node.path] = c;
  return Object.values(byPath);
}

/**
 * Validates the app, resolves dependencies and renders every chart's API
 * objects to JSON, charts and objects in the order cdk8s uses (`App.charts`,
 * then each chart's dependency order). Nothing is written.
 */
export function collectManifests(app: App): ChartManifests[] {
  validateApp(app);
  resolveDependencies(app.node.findAll());
  const all = app.node.findAll();
  const charts = topology(app, all).filter((x): x is Chart => x instanceof Chart);
  return charts.map((chart) => {
    const objects = topology(chart, chart.node.findAll())
      .filter((x): x is ApiObject => x instanceof ApiObject && Chart.of(x) === chart)
      .map((o) => {
        try {
          return o.toJson() as Record<string, unknown>;
        } catch (e) {
          if (e instanceof MeshforgeError) throw e;
          throw new MeshforgeError(`cannot render object: ${(e as Error).message}`, {
            code: 'RENDER_FAILED',
            path: o.node.path,
          });
        }
      });
    return { chart, objects };
  });
}
