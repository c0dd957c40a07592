import { execFileSync } from 'child_process';
import * as path from 'path';
import { ApiObject, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { SYNC_GROUPS, SYNC_WAVE_ANNOTATION, defineApp, synthToDist, synthesizeApp, syncGroupOf, withSortedKey, withSyncWave } from '../../lib';
import { objectsOf, tmpDir } from '../helpers';

describe('syncGroupOf', () => {
  it.each([
    ['v1', 'Namespace', 'namespaces', -10],
    ['apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'namespaces', -10],
    ['v1', 'ServiceAccount', 'config', -5],
    ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'config', -5],
    ['v1', 'ConfigMap', 'config', -5],
    ['networking.k8s.io/v1', 'NetworkPolicy', 'config', -5],
    ['security.istio.io/v1', 'PeerAuthentication', 'mesh-security', -3],
    ['security.istio.io/v1', 'AuthorizationPolicy', 'mesh-security', -3],
    ['v1', 'Service', 'services', 0],
    ['apps/v1', 'Deployment', 'workloads', 5],
    ['batch/v1', 'CronJob', 'workloads', 5],
    ['autoscaling/v2', 'HorizontalPodAutoscaler', 'workloads', 5],
    ['policy/v1', 'PodDisruptionBudget', 'workloads', 5],
    // make-before-break: what pods and routes need exists before the workloads...
    ['networking.istio.io/v1', 'ServiceEntry', 'mesh-config', -2],
    ['networking.istio.io/v1', 'DestinationRule', 'mesh-config', -2],
    ['networking.istio.io/v1', 'Gateway', 'mesh-config', -2],
    ['networking.istio.io/v1', 'Sidecar', 'mesh-config', -2],
    ['networking.istio.io/v1beta1', 'WorkloadEntry', 'mesh-config', -2],
    ['telemetry.istio.io/v1', 'Telemetry', 'mesh-config', -2],
    // ...and routes come after the workloads and the subsets they name
    ['networking.istio.io/v1', 'VirtualService', 'mesh-traffic', 10],
    ['networking.k8s.io/v1', 'Ingress', 'mesh-traffic', 10],
    ['monitoring.coreos.com/v1', 'ServiceMonitor', 'monitoring', 15],
    ['monitoring.coreos.com/v1', 'PrometheusRule', 'monitoring', 15],
    // a custom resource whose kind happens to match a built-in one is still a custom resource
    ['example.com/v1', 'Deployment', 'other', 20],
    ['v1', 'SomethingNew', 'other', 20],
  ])('%s %s → %s (wave %i)', (apiVersion, kind, name, wave) => {
    expect(syncGroupOf({ apiVersion, kind })).toMatchObject({ name, wave });
  });

  it('lists groups in strictly increasing wave and prefix order', () => {
    const waves = SYNC_GROUPS.map((g) => g.wave);
    const prefixes = SYNC_GROUPS.map((g) => g.prefix);
    expect(waves).toEqual([...waves].sort((a, b) => a - b));
    expect(new Set(waves).size).toBe(waves.length);
    expect(prefixes).toEqual([...prefixes].sort());
  });
});

describe('withSyncWave', () => {
  it('adds the annotation with sorted keys and leaves the input untouched', () => {
    const input = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', labels: { x: 'y' }, annotations: { z: '1' } } };
    const out = withSyncWave(input);
    expect(Object.keys(out.metadata as object)).toEqual(['annotations', 'labels', 'name']);
    expect((out.metadata as { annotations: object }).annotations).toEqual({ [SYNC_WAVE_ANNOTATION]: '-5', z: '1' });
    expect(Object.keys((out.metadata as { annotations: object }).annotations)).toEqual([SYNC_WAVE_ANNOTATION, 'z']);
    expect(input.metadata.annotations).toEqual({ z: '1' });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['sorted, key in the middle', { a: 1, c: 3, e: 5 }, 'd'],
    ['sorted, key first', { b: 1, c: 2 }, 'a'],
    ['sorted, key last', { a: 1, b: 2 }, 'z'],
    ['sorted, key present (replaced in place)', { a: 1, b: 2, c: 3 }, 'b'],
    ['empty', {}, 'k'],
    ['unsorted', { name: 'x', labels: {}, annotations: {} }, 'annotations'],
    ['integer-like keys', { '10': 1, '2': 2, b: 3 }, '1'],
    ['integer-like key added to strings', { a: 1, b: 2 }, '7'],
  ])('withSortedKey is a sort of all entries (%s)', (_name, o, key) => {
    const reference = Object.fromEntries(Object.entries({ ...o, [key]: 'v' }).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const out = withSortedKey(o, key, 'v');
    expect(JSON.stringify(out)).toBe(JSON.stringify(reference));
    expect(out).not.toBe(o);
  });

  it('keeps a wave a construct set itself', () => {
    const input = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', annotations: { [SYNC_WAVE_ANNOTATION]: '-20' } } };
    expect(withSyncWave(input)).toBe(input);
  });
});

/** An app with one object of each group, declared in reverse apply order across two charts. */
const mixed = defineApp({
  name: 'mixed',
  description: 'x',
  build(app) {
    const late = new Chart(app, 'late', { namespace: 'shop' });
    new ApiObject(late, 'sm', { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'web' }, spec: { selector: {}, endpoints: [{ port: 'http' }] } });
    new ApiObject(late, 'vs', { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'web' }, spec: { hosts: ['web'] } });
    new ApiObject(late, 'dr', { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'web' }, spec: { host: 'web' } });
    const dep = new kplus.Deployment(late, 'web', { metadata: { name: 'web' }, containers: [{ image: 'nginx:1.27.0', portNumber: 8080 }] });
    dep.exposeViaService({ name: 'web' });
    new ApiObject(late, 'pa', { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default' }, spec: { mtls: { mode: 'STRICT' } } });
    new kplus.ConfigMap(late, 'cm', { metadata: { name: 'web' } });
    const base = new Chart(app, 'base');
    new kplus.Namespace(base, 'ns', { metadata: { name: 'shop' } });
    new kplus.ConfigMap(base, 'cm', { metadata: { name: 'base', namespace: 'shop' } });
  },
});

describe('an app in sync order', () => {
  const out = synthesizeApp(mixed);

  it('writes one file per sync group, in apply order, with fixed names; charts keep their order inside a file', () => {
    expect([...out.files.keys()]).toEqual([
      '00-namespaces.k8s.yaml',
      '10-config.k8s.yaml',
      '20-mesh-security.k8s.yaml',
      '25-mesh-config.k8s.yaml',
      '30-services.k8s.yaml',
      '40-workloads.k8s.yaml',
      '50-mesh-traffic.k8s.yaml',
      '60-monitoring.k8s.yaml',
      'kustomization.yaml',
    ]);
    // 'late' is declared before 'base' in the app: chart order, not file-name order
    expect(parseAllDocuments(out.files.get('10-config.k8s.yaml')!).map((d) => d.toJS().metadata.name)).toEqual(['web', 'base']);
  });

  it('annotates every object with its wave and records its construct path', () => {
    const docs = objectsOf(out);
    expect(docs.map((d) => `${d.kind}=${d.metadata.annotations?.[SYNC_WAVE_ANNOTATION]}`)).toEqual([
      'Namespace=-10', 'ConfigMap=-5', 'ConfigMap=-5', 'PeerAuthentication=-3', 'DestinationRule=-2', 'Service=0', 'Deployment=5', 'VirtualService=10', 'ServiceMonitor=15',
    ]);
    expect(out.objects.map((o) => `${o.kind} ${o.path} ${o.file}`)).toContain('Deployment late/web/Resource 40-workloads.k8s.yaml');
    expect(out.objects.find((o) => o.kind === 'Namespace')).toEqual({ group: '', kind: 'Namespace', name: 'shop', app: 'mixed', path: 'base/ns/Resource', file: '00-namespaces.k8s.yaml' });
  });

  it('`kubectl kustomize` emits the objects in non-decreasing wave order', () => {
    const dist = path.join(tmpDir(), 'dist');
    synthToDist([mixed], dist);
    const built = execFileSync('kubectl', ['kustomize', path.join(dist, 'mixed')], { encoding: 'utf8' });
    const waves = parseAllDocuments(built).map((d) => Number(d.toJS().metadata.annotations[SYNC_WAVE_ANNOTATION]));
    expect(waves).toEqual([-10, -5, -5, -3, -2, 0, 5, 10, 15]);
  });
});
