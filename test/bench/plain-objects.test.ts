import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Yaml } from 'cdk8s';
import { afterAll, describe, expect, it } from 'vitest';
import { addK8sService } from '../../bench/k8s-service';
import { plainServiceObjects } from '../../bench/plain-objects';
import { addMeshforgeService } from '../../bench/services';
import { BenchServiceSpec, benchServiceSpec } from '../../bench/spec';
import { defineApp, synthToDist, withSyncWave } from '../../lib';

type Add = (chart: Chart, spec: BenchServiceSpec) => unknown;

/** What cdk8s renders for one service added by `add` to a chart with id `chartId` (objects, in order). */
function rendered(add: Add, spec: BenchServiceSpec, chartId: string): unknown[] {
  const chart = new Chart(new App({ outdir: '/nonexistent' }), chartId);
  add(chart, spec);
  return chart.toJson();
}

/** Every YAML document under `dir` (kustomization files aside), as written, sorted. */
function documents(dir: string): string[] {
  const docs: string[] = [];
  for (const file of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
    if (!file.endsWith('.yaml') || path.basename(file) === 'kustomization.yaml') continue;
    // cdk8s and meshforge both separate documents with a "---" line
    docs.push(...fs.readFileSync(path.join(dir, file), 'utf8').split(/^---\n/m));
  }
  return docs.sort();
}

describe('benchmark services: MeshService, hand-built cdk8s and plain objects render the same objects', () => {
  it.each([0, 7, 1234])('service %i: same kinds, names, values and key order from all three', (i) => {
    const spec = benchServiceSpec(i);
    const plain = JSON.stringify(plainServiceObjects(spec));
    for (const chartId of ['services', spec.name]) {
      // meshforge's synth adds the sync wave to what the construct renders
      const meshforge = rendered(addMeshforgeService, spec, chartId) as Record<string, unknown>[];
      expect(JSON.stringify(meshforge.map((o) => withSyncWave(o)))).toBe(plain);
      expect(JSON.stringify(rendered(addK8sService, spec, chartId))).toBe(plain);
    }
  });

  it('are the objects the issue asks for: 2 versions, 90/10 canary, circuit breaking, a mounted config file', () => {
    const spec = benchServiceSpec(3);
    const objects = plainServiceObjects(spec) as { kind: string; metadata: { name: string }; spec?: Record<string, unknown> }[];
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ServiceAccount/svc-0003',
      'ConfigMap/svc-0003-config',
      'Service/svc-0003',
      'Deployment/svc-0003-v1',
      'Deployment/svc-0003-v2',
      'VirtualService/svc-0003',
      'DestinationRule/svc-0003',
    ]);
    const vs = objects[5].spec as { http: { route: { weight: number }[] }[] };
    expect(vs.http[0].route.map((r) => r.weight)).toEqual([90, 10]);
    const dr = objects[6].spec as { trafficPolicy: Record<string, unknown> };
    expect(Object.keys(dr.trafficPolicy)).toEqual(expect.arrayContaining(['connectionPool', 'outlierDetection']));
    const deployment = JSON.stringify(objects[3]);
    expect(deployment).toContain('"mountPath":"/etc/svc-0003"');
    expect(deployment).toContain('"configMap":{"name":"svc-0003-config"}');
  });

  describe.each(['one-chart', 'chart-per-service'] as const)('written by each benchmark variant (%s)', (layout) => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'meshforge-bench-test-'));
    afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
    const specs = [0, 1, 2].map(benchServiceSpec);
    const chartId = (s: BenchServiceSpec) => (layout === 'one-chart' ? 'services' : s.name);
    const addCharts = (app: App, add: Add) => {
      const charts = new Map<string, Chart>();
      for (const s of specs) {
        const id = chartId(s);
        if (!charts.has(id)) charts.set(id, new Chart(app, id));
        add(charts.get(id)!, s);
      }
    };

    it('meshforge synthToDist, raw cdk8s app.synth() and yaml of the plain objects write the same documents, byte for byte', () => {
      const meshforge = path.join(tmp, 'meshforge');
      synthToDist([defineApp({ name: 'bench', description: 'benchmark services', build: (a) => addCharts(a, addMeshforgeService) })], meshforge);
      const raw = path.join(tmp, 'cdk8s');
      const app = new App({ outdir: raw });
      addCharts(app, addK8sService);
      app.synth();
      const expected = specs.flatMap((s) => plainServiceObjects(s).map((o) => Yaml.stringify(o))).sort();
      expect(expected).toHaveLength(21);
      expect(documents(raw)).toEqual(expected);
      expect(documents(meshforge)).toEqual(expected);
    });
  });
});
