import { ApiObject, App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { collectManifests } from '../../lib';

/** Chart ids and object names in the order cdk8s itself uses (App.charts, Chart.toJson) after synthesis resolved dependencies. */
function cdk8sOrder(build: (app: App) => void): { chart: string; names: string[] }[] {
  const app = new App({ outdir: '/nonexistent' });
  build(app);
  app.synthYaml(); // resolves implicit dependencies, as App.synth() does before listing charts
  return app.charts.map((c) => ({ chart: c.node.path, names: c.toJson().map((o: { metadata: { name: string } }) => o.metadata.name) }));
}

function meshforgeOrder(build: (app: App) => void): { chart: string; names: string[] }[] {
  const app = new App({ outdir: '/nonexistent' });
  build(app);
  return collectManifests(app).map(({ chart, objects }) => ({
    chart: chart.node.path,
    names: objects.map((o) => (o.metadata as { name: string }).name),
  }));
}

const cm = (scope: Chart, id: string): ApiObject => ApiObject.of(new kplus.ConfigMap(scope, id, { metadata: { name: id } }));

describe('collectManifests ordering', () => {
  it.each<[string, (app: App) => void]>([
    [
      'no dependencies, integer-like chart ids (sorted first by cdk8s)',
      (app) => {
        for (const id of ['b', '42', 'a', '7', '007', 'c']) {
          const c = new Chart(app, id);
          for (const o of ['z', '3', 'm', '1']) cm(c, `${id}-${o}`);
        }
      },
    ],
    [
      'no dependencies, objects under nested plain constructs with integer-like ids',
      (app) => {
        for (const id of ['x', '5']) {
          const c = new Chart(app, id);
          cm(c, `${id}-top`);
          for (const g of ['9', 'g', '1']) {
            const group = new Construct(c, g);
            for (const o of ['2', 'k', '0']) ApiObject.of(new kplus.ConfigMap(group, o, { metadata: { name: `${id}-${g}-${o}` } }));
          }
          cm(c, `${id}-last`);
        }
      },
    ],
    [
      'dependencies between objects of one chart',
      (app) => {
        const c = new Chart(app, 'c');
        const late = cm(c, 'late');
        const mid = cm(c, 'mid');
        const early = cm(c, 'early');
        late.node.addDependency(mid);
        mid.node.addDependency(early);
        const d = new Chart(app, 'd');
        cm(d, 'd1');
        cm(d, 'd2');
      },
    ],
    [
      'dependencies between charts and nested charts',
      (app) => {
        const a = new Chart(app, 'a');
        const b = new Chart(app, 'b');
        const nested = new Chart(b, 'nested');
        cm(a, 'a1');
        cm(b, 'b1');
        cm(nested, 'n1');
        a.node.addDependency(b);
      },
    ],
    [
      'cross-chart object dependency',
      (app) => {
        const a = new Chart(app, 'a');
        const b = new Chart(app, 'b');
        const a1 = cm(a, 'a1');
        cm(a, 'a2');
        const b1 = cm(b, 'b1');
        a1.node.addDependency(b1);
      },
    ],
  ])('matches cdk8s: %s', (_name, build) => {
    expect(meshforgeOrder(build)).toEqual(cdk8sOrder(build));
  });
});
