import { App, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { ConfigFile, MeshService, MeshServiceProps } from '../../lib';
import { Obj, one, render } from './render';

/*
 * Adopting live objects: deploymentName, deploymentSelector, configMapName,
 * and the collisions they can cause.
 */

const IMAGE = 'ghcr.io/acme/mocha:2.0.0';
const base = { namespace: 'cafe', image: IMAGE };
const files = { 'app.conf': ConfigFile.fromString('a=1\n') };

describe('adopting existing objects', () => {
  it('keeps deployment/mocha (HPA and PDB too) and configmap/mocha-cm, mounted and hashed as before', () => {
    const objs = render((chart) => {
      new MeshService(chart, 'mocha', {
        ...base,
        deploymentName: 'mocha',
        configMapName: 'mocha-cm',
        files,
        autoscaling: { maxReplicas: 4 },
        disruptionBudget: { maxUnavailable: 1 },
      });
    });
    const deployment = one(objs, 'Deployment', 'mocha');
    expect(deployment.spec.selector).toEqual({ matchLabels: { app: 'mocha', version: 'v1' } });
    expect(deployment.spec.template.spec.volumes).toEqual([{ configMap: { name: 'mocha-cm' }, name: 'config' }]);
    expect(one(objs, 'ConfigMap', 'mocha-cm').data).toEqual({ 'app.conf': 'a=1\n' });
    expect(one(objs, 'HorizontalPodAutoscaler', 'mocha').spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'mocha' });
    expect(one(objs, 'PodDisruptionBudget', 'mocha').spec.selector).toEqual({ matchLabels: { app: 'mocha', version: 'v1' } });
    expect(objs.filter((o: Obj) => o.metadata.name.startsWith('mocha-v1'))).toEqual([]);
    // the subset still selects the version label the pods carry
    expect(one(objs, 'DestinationRule', 'mocha').spec.subsets).toEqual([{ name: 'v1', labels: { version: 'v1' } }]);
  });

  it('deploymentSelector keeps the live (immutable) selector and adds its labels to the pods, next to app and version', () => {
    const objs = render((chart) => {
      new MeshService(chart, 'mocha', { ...base, deploymentName: 'mocha', deploymentSelector: { 'app.kubernetes.io/name': 'mocha', tier: 'web' } });
    });
    const deployment = one(objs, 'Deployment', 'mocha');
    expect(deployment.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'mocha', tier: 'web' } });
    expect(deployment.spec.template.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'mocha', tier: 'web', app: 'mocha', version: 'v1' });
    expect(one(objs, 'Service', 'mocha').spec.selector).toEqual({ app: 'mocha' });
  });

  it('DEPLOYMENT_NAME / DEPLOYMENT_SELECTOR: single-version options refuse a second version', () => {
    const make = (props: Partial<MeshServiceProps>) => new MeshService(new Chart(new App(), 'c'), 'mocha', { ...base, ...props });
    expect(() => make({ deploymentName: 'mocha', versions: ['v1', 'v2'] })).toThrowError(
      '[c/mocha] deploymentName on a service with several versions; field: deploymentName; value: "mocha"; expected: a single version (deploymentName applies to its one Deployment; versions: v1, v2), or no deploymentName: each version gets its own Deployment <name>-<version> selecting app and version',
    );
    expect(() => make({ deploymentSelector: { app: 'mocha' } }).addVersion({ name: 'v2' })).toThrowError(
      '[c/mocha] deploymentSelector on a service with several versions; field: deploymentSelector; value: {"app":"mocha"}; expected: a single version (deploymentSelector applies to its one Deployment; versions: v1, v2), or no deploymentSelector: each version gets its own Deployment <name>-<version> selecting app and version',
    );
  });

  it('INVALID_NAME, CONFIG_MAP_NAME, DEPLOYMENT_SELECTOR: bad names and selectors fail at construction', () => {
    const make = (props: Partial<MeshServiceProps>) => () => new MeshService(new Chart(new App(), 'c'), 'mocha', { ...base, ...props });
    expect(make({ deploymentName: 'Mocha' })).toThrowError(
      '[c/mocha] invalid object name; field: deploymentName; value: "Mocha"; expected: a DNS subdomain of at most 253 characters: lowercase letters, digits, "-" and "." (e.g. "mocha")',
    );
    expect(make({ configMapName: 'mocha-cm' })).toThrowError(
      '[c/mocha] configMapName without files; field: configMapName; value: "mocha-cm"; expected: files to put in the ConfigMap, or no configMapName (an existing ConfigMap is read with envFromConfigMaps)',
    );
    expect(make({ deploymentSelector: {} })).toThrowError(
      '[c/mocha] empty deploymentSelector; field: deploymentSelector; value: {}; expected: the matchLabels of the live Deployment\'s spec.selector (an empty selector would select every pod of the namespace)',
    );
    expect(make({ deploymentSelector: { app: 'coffee' } })).toThrowError(
      '[c/mocha] deploymentSelector contradicts the Service selector or subset; field: deploymentSelector.app; value: "coffee"; expected: "mocha" (pods carry app=mocha and version=v1; leave the label out of the selector if the live Deployment does not select on it)',
    );
    expect(make({ deploymentSelector: { tier: 'web frontend' } })).toThrowError(
      '[c/mocha] invalid label in deploymentSelector; field: deploymentSelector.tier; value: "web frontend"; expected: a Kubernetes label: an optional DNS-subdomain prefix and "/", a name of at most 63 characters, a value of at most 63 characters ([A-Za-z0-9-_.])',
    );
  });

  it('DUPLICATE_OBJECT: a chosen name that another object of the kind already has in the namespace names both constructs', () => {
    expect(() =>
      render((chart) => {
        new MeshService(chart, 'latte', { ...base });
        new MeshService(chart, 'mocha', { ...base, deploymentName: 'latte-v1' });
      }),
    ).toThrowError(
      'app "test" failed to synthesize: [c/mocha/Deployment-v1/Resource] apps/Deployment cafe/latte-v1 is emitted twice: by app "test" at c/latte/Deployment-v1/Resource (dist/test/40-workloads.k8s.yaml) and by app "test" at c/mocha/Deployment-v1/Resource (dist/test/40-workloads.k8s.yaml); field: metadata.name; value: "latte-v1"; expected: one object per group/kind/namespace/name across dist/: rename one of them or emit it from one app only',
    );
    expect(() =>
      render((chart) => {
        new MeshService(chart, 'latte', { ...base, files });
        new MeshService(chart, 'mocha', { ...base, files, configMapName: 'latte-config' });
      }),
    ).toThrowError(
      'app "test" failed to synthesize: [c/mocha/ConfigMap/Resource] ConfigMap cafe/latte-config is emitted twice: by app "test" at c/latte/ConfigMap/Resource (dist/test/10-config.k8s.yaml) and by app "test" at c/mocha/ConfigMap/Resource (dist/test/10-config.k8s.yaml); field: metadata.name; value: "latte-config"; expected: one object per group/kind/namespace/name across dist/: rename one of them or emit it from one app only',
    );
  });
});
