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
  validateConstructs(app.node.findAll());
}

function validateConstructs(all: readonly IConstruct[]): void {
  const failures: { path: string; message: string }[] = [];
  for (const c of all) {
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
 * The charts whose subtree holds a construct with dependencies: only those
 * need cdk8s's `DependencyGraph` to order their objects.
 */
function chartsWithDependencies(all: readonly IConstruct[]): Set<IConstruct> {
  const dirty = new Set<IConstruct>();
  for (const c of all) {
    if (c.node.dependencies.length === 0) continue;
    for (const scope of c.node.scopes) if (scope instanceof Chart) dirty.add(scope);
    dirty.add(c.node.root); // the app-level chart order changes too
  }
  return dirty;
}

/**
 * `new DependencyGraph(scope.node).topology()` restricted to `wanted`, cheaply
 * when nothing under `scope` depends on anything: the graph's vertices are
 * the constructs keyed by path in a plain object, so without edges its order
 * is that object's `Object.values` order (insertion order, except that
 * integer-like paths come first). Filtering before or after gives the same
 * relative order, so only the wanted constructs are keyed.
 */
function topology<T extends IConstruct>(scope: IConstruct, dirty: boolean, wanted: (c: IConstruct) => c is T, all = scope.node.findAll()): T[] {
  if (dirty) return new DependencyGraph(scope.node).topology().filter(wanted);
  const byPath: Record<string, T> = {};
  for (const c of all) if (wanted(c)) byPath[c.node.path] = c;
  return Object.values(byPath);
}

/** A chart and its API objects in dependency order, not rendered yet. */
export interface ChartPlan {
  readonly chart: Chart;
  readonly apiObjects: readonly ApiObject[];
}

/**
 * Validates the app, resolves dependencies once and lists the charts and
 * their API objects in the order cdk8s uses (`App.charts`, then each chart's
 * dependency order). Nothing is rendered: see {@link renderObject}.
 */
export function planCharts(app: App): ChartPlan[] {
  // one traversal serves validation, dependency resolution, chart order and each chart's objects: none of them adds constructs
  const all = app.node.findAll();
  validateConstructs(all);
  resolveDependencies(all);
  const dirty = chartsWithDependencies(all);
  const isChart = (x: IConstruct): x is Chart => x instanceof Chart;
  const objectsByChart = apiObjectsByChart(all);
  return topology(app, dirty.has(app), isChart, all).map((chart) => ({
    chart,
    // Without dependencies a chart's objects come in construct-tree preorder: what its DependencyGraph
    // gives (an object's path contains "/", so the graph's path-keyed order never moves integer-like keys first).
    apiObjects: dirty.has(chart)
      ? new DependencyGraph(chart.node).topology().filter((x): x is ApiObject => x instanceof ApiObject && Chart.of(x) === chart)
      : (objectsByChart.get(chart) ?? []),
  }));
}

/**
 * The API objects of each chart (their nearest enclosing chart, as
 * `Chart.of`), in preorder. `all` is the app's `findAll()` (preorder), so a
 * construct's scope is always seen before it.
 */
function apiObjectsByChart(all: readonly IConstruct[]): Map<Chart, ApiObject[]> {
  const nearestChart = new Map<IConstruct, Chart | undefined>();
  const byChart = new Map<Chart, ApiObject[]>();
  for (const c of all) {
    const scope = c.node.scope;
    const chart = Chart.isChart(c) ? c : scope && nearestChart.get(scope);
    nearestChart.set(c, chart);
    if (chart && c instanceof ApiObject) {
      const list = byChart.get(chart);
      if (list) list.push(c);
      else byChart.set(chart, [c]);
    }
  }
  return byChart;
}

/** Renders one API object to JSON (`ApiObject.toJson`), naming its construct path on failure. */
export function renderObject(o: ApiObject): Record<string, unknown> {
  try {
    return o.toJson() as Record<string, unknown>;
  } catch (e) {
    if (e instanceof MeshforgeError) throw e;
    throw new MeshforgeError(`cannot render object: ${(e as Error).message}`, {
      code: 'RENDER_FAILED',
      path: o.node.path,
    });
  }
}

/**
 * Validates the app, resolves dependencies and renders every chart's API
 * objects to JSON, in cdk8s's order. Nothing is written. (Synth itself renders
 * object by object with {@link planCharts} so rendered JSON does not pile up.)
 */
export function collectManifests(app: App): ChartManifests[] {
  return planCharts(app).map(({ chart, apiObjects }) => ({ chart, objects: apiObjects.map(renderObject) }));
}
