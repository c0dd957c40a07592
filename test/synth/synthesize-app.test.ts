import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  AppSynthError,
  MeshforgeError,
  MeshforgeValidationError,
  defineApp,
  renderKustomization,
  synthesizeAll,
  synthesizeApp,
} from '../../lib';
import { invalidApp, namespaceApp, throwingApp } from '../helpers';

describe('synthesizeApp', () => {
  it('writes one file per sync group (<prefix>-<group>.k8s.yaml), plus a kustomization listing them in apply order', () => {
    const def = defineApp({
      name: 'two-charts',
      description: 'x',
      build(app) {
        const base = new Chart(app, 'base');
        new kplus.Namespace(base, 'ns', { metadata: { name: 'shop' } });
        const svc = new Chart(app, 'frontend', { namespace: 'shop' });
        new kplus.ConfigMap(svc, 'cfg', { metadata: { name: 'frontend' }, data: { a: '1' } });
        new Chart(app, 'empty'); // charts without objects produce no file
      },
    });
    const out = synthesizeApp(def);
    expect([...out.files.keys()]).toEqual(['00-namespaces.k8s.yaml', '10-config.k8s.yaml', 'kustomization.yaml']);
    const kustomization = parseAllDocuments(out.files.get('kustomization.yaml')!)[0].toJS();
    expect(kustomization).toEqual({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: ['00-namespaces.k8s.yaml', '10-config.k8s.yaml'],
      sortOptions: { order: 'fifo' },
    });
    const cm = parseAllDocuments(out.files.get('10-config.k8s.yaml')!)[0].toJS();
    expect(cm).toMatchObject({ kind: 'ConfigMap', metadata: { name: 'frontend', namespace: 'shop' }, data: { a: '1' } });
  });

  it('orders objects by declared dependencies, like cdk8s, inside one sync group', () => {
    const def = defineApp({
      name: 'deps',
      description: 'x',
      build(app) {
        const c = new Chart(app, 'c');
        const late = new kplus.ConfigMap(c, 'cm', { metadata: { name: 'late' } });
        const early = new kplus.ConfigMap(c, 'cm2', { metadata: { name: 'early' } });
        late.node.addDependency(early);
      },
    });
    const docs = parseAllDocuments(synthesizeApp(def).files.get('10-config.k8s.yaml')!).map((d) => d.toJS());
    expect(docs.map((d) => d.metadata.name)).toEqual(['early', 'late']);
  });

  it('matches cdk8s App.synthYaml() byte for byte, apart from the sync-wave annotation', async () => {
    const { App } = await import('cdk8s');
    const build = (app: InstanceType<typeof App>): void => {
      const c = new Chart(app, 'c', { namespace: 'x' });
      new kplus.Deployment(c, 'd', { containers: [{ image: 'nginx:1.27.0', portNumber: 8080 }] });
    };
    const reference = new App({ outdir: '/nonexistent' });
    build(reference);
    const ours = synthesizeApp(defineApp({ name: 'ref', description: 'x', build }));
    const yaml = ours.files.get('40-workloads.k8s.yaml')!;
    expect(yaml).toContain('  annotations:\n    argocd.argoproj.io/sync-wave: "5"\n  name: ');
    expect(yaml.replace('  annotations:\n    argocd.argoproj.io/sync-wave: "5"\n', '')).toBe(reference.synthYaml());
  });

  it('names the app when its build throws', () => {
    expect(() => synthesizeApp(throwingApp('broken'))).toThrowError(
      'app "broken" failed to synthesize: boom: replicas must be a number',
    );
    try {
      synthesizeApp(throwingApp('broken'));
    } catch (e) {
      expect(e).toBeInstanceOf(AppSynthError);
      expect((e as AppSynthError).appName).toBe('broken');
    }
  });

  it('reports every failed construct validation with its construct path', () => {
    let caught: unknown;
    try {
      synthesizeApp(invalidApp('bad-weights'));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(AppSynthError);
    const cause = (caught as AppSynthError).cause;
    expect(cause).toBeInstanceOf(MeshforgeValidationError);
    expect((cause as MeshforgeValidationError).failures).toEqual([
      { path: 'base/ns', message: 'weights sum to 90, expected 100' },
    ]);
    expect((caught as Error).message).toContain('[base/ns] weights sum to 90, expected 100');
  });

  it('rejects an app without objects', () => {
    const def = defineApp({ name: 'nothing', description: 'x', build: () => undefined });
    expect(() => synthesizeApp(def)).toThrowError(/app "nothing" failed to synthesize: app produced no Kubernetes objects/);
  });
});

describe('defineApp and synthesizeAll', () => {
  it('rejects an app name that is not a DNS label', () => {
    expect(() => namespaceApp('Shop_1')).toThrowError(
      'invalid app name; field: name; value: "Shop_1"; expected: a DNS label: lowercase letters, digits and "-", at most 63 characters (e.g. "shop")',
    );
    expect(() => namespaceApp('Shop_1')).toThrowError(MeshforgeError);
  });

  it('rejects two apps with the same name', () => {
    expect(() => synthesizeAll([namespaceApp('a'), namespaceApp('a', 'b')])).toThrowError(
      'two apps share a name; field: name; value: "a"',
    );
  });

  it('renders a stable kustomization header', () => {
    expect(renderKustomization(['x.k8s.yaml'])).toBe(
      '# Generated by meshforge (npm run synth). Do not edit; change apps/ instead.\n' +
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - x.k8s.yaml\nsortOptions:\n  order: fifo\n',
    );
  });
});
