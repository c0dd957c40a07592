import { ApiObject, App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { describe, expect, it } from 'vitest';
import { AppDefinition, MeshforgeError, allowKindWithoutSchema, defineApp, synthesizeAll, synthesizeApp } from '../../lib';
import { namespaceApp } from '../helpers';

const configMapApp = (name: string, namespace: string, cmName = 'settings'): AppDefinition =>
  defineApp({
    name,
    description: 'x',
    build(app: App) {
      new kplus.ConfigMap(new Chart(app, 'config', { namespace }), 'cm', { metadata: { name: cmName } });
    },
  });

function errorOf(f: () => unknown): MeshforgeError {
  try {
    f();
  } catch (e) {
    return ((e as { cause?: unknown }).cause ?? e) as MeshforgeError;
  }
  throw new Error('expected an error');
}

describe('no object is emitted twice across dist/ (DUPLICATE_OBJECT)', () => {
  it('rejects the same object from two charts of one app, naming both construct paths', () => {
    const def = defineApp({
      name: 'shop',
      description: 'x',
      build(app) {
        new kplus.ConfigMap(new Chart(app, 'a', { namespace: 'shop' }), 'cm', { metadata: { name: 'settings' } });
        new kplus.ConfigMap(new Chart(app, 'b', { namespace: 'shop' }), 'other', { metadata: { name: 'settings' } });
      },
    });
    expect(() => synthesizeApp(def)).toThrowError(
      'app "shop" failed to synthesize: [b/other/Resource] ConfigMap shop/settings is emitted twice: ' +
        'by app "shop" at a/cm/Resource (dist/shop/10-config.k8s.yaml) and by app "shop" at b/other/Resource (dist/shop/10-config.k8s.yaml); ' +
        'field: metadata.name; value: "settings"; expected: one object per group/kind/namespace/name across dist/: rename one of them or emit it from one app only',
    );
    expect(errorOf(() => synthesizeApp(def)).code).toBe('DUPLICATE_OBJECT');
  });

  it('rejects the same object emitted by two apps, naming both apps', () => {
    expect(() => synthesizeAll([configMapApp('shop', 'common'), configMapApp('billing', 'common')])).toThrowError(
      '[config/cm/Resource] ConfigMap common/settings is emitted twice: ' +
        'by app "shop" at config/cm/Resource (dist/shop/10-config.k8s.yaml) and by app "billing" at config/cm/Resource (dist/billing/10-config.k8s.yaml); ' +
        'field: metadata.name; value: "settings"; expected: one object per group/kind/namespace/name across dist/: rename one of them or emit it from one app only',
    );
    expect(errorOf(() => synthesizeAll([configMapApp('shop', 'common'), configMapApp('billing', 'common')])).code).toBe('DUPLICATE_OBJECT');
  });

  it('rejects two apps that both create one namespace (cluster-scoped: no namespace in the identity)', () => {
    expect(() => synthesizeAll([namespaceApp('a', 'shared'), namespaceApp('b', 'shared')])).toThrowError(
      '[base/ns/Resource] Namespace shared is emitted twice: by app "a" at base/ns/Resource (dist/a/00-namespaces.k8s.yaml) and by app "b"',
    );
  });

  it('treats a namespace written on a cluster-scoped object as absent', () => {
    const clusterRole = (name: string, namespace: string) =>
      defineApp({
        name,
        description: 'x',
        build(app) {
          new ApiObject(new Chart(app, 'rbac', { namespace }), 'cr', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'reader' } });
        },
      });
    expect(() => synthesizeAll([clusterRole('a', 'one'), clusterRole('b', 'two')])).toThrowError(/rbac\.authorization\.k8s\.io\/ClusterRole reader is emitted twice/);
  });

  it('accepts the same name in another namespace, kind or API group', () => {
    const sameNameElsewhere = defineApp({
      name: 'ok',
      description: 'x',
      build(app) {
        const c = new Chart(app, 'c', { namespace: 'shop' });
        new kplus.ConfigMap(c, 'cm', { metadata: { name: 'web' } });
        new kplus.ConfigMap(c, 'cm2', { metadata: { name: 'web', namespace: 'other' } });
        new kplus.Secret(c, 'secret', { metadata: { name: 'web' } });
        new ApiObject(c, 'gw1', { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'web' } });
        const gatewayApi = new ApiObject(c, 'gw2', { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'web' } });
        allowKindWithoutSchema(gatewayApi, 'Gateway API CRDs are not in imports/');
      },
    });
    expect(synthesizeAll([sameNameElsewhere, configMapApp('other-app', 'shop', 'settings')]).flatMap((a) => a.objects)).toHaveLength(6);
  });
});
