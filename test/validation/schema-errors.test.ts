import { ApiObject, App, Chart, JsonPatch } from 'cdk8s';
import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { AppSynthError, ManifestRulesError, MeshService, MeshforgeError, allowKindWithoutSchema, defineApp, readTree, synthToDist, synthesizeApp } from '../../lib';
import { SchemaCache } from '../../lib/validation/schema-cache';
import { pointerToField, schemaErrors } from '../../lib/validation/schema-errors';
import { tmpDir } from '../helpers';

const service = (chart: Chart) => new MeshService(chart, 'cart', { namespace: 'shop', image: 'ghcr.io/acme/cart:1.4.2', versions: ['v1'] });
const deployment = (chart: Chart) => ApiObject.of(chart.node.findAll().find((c) => c instanceof ApiObject && c.kind === 'Deployment')!);

/** Synthesizes `build` into an out dir that already holds a good synth; returns the error and asserts dist/ did not change. */
function failure(build: (chart: Chart) => void): MeshforgeError[] {
  const out = tmpDir();
  synthToDist([defineApp({ name: 'shop', description: 'ok', build: (app) => service(new Chart(app, 'c')) })], out);
  const before = readTree(out);
  let caught: unknown;
  try {
    synthToDist([defineApp({ name: 'shop', description: 'bad', build: (app) => build(new Chart(app, 'c')) })], out);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(AppSynthError);
  expect(readTree(out)).toEqual(before);
  const cause = (caught as AppSynthError).cause;
  return cause instanceof ManifestRulesError ? [...cause.errors] : [cause as MeshforgeError];
}

describe('synth validates every object against its schema', () => {
  it('a JsonPatch giving a field the wrong type fails synth, names app, construct path, field, value and type', () => {
    const errors = failure((c) => {
      service(c);
      deployment(c).addJsonPatch(JsonPatch.replace('/spec/revisionHistoryLimit', 'ten'));
    });
    expect(errors.map((e) => e.message)).toEqual([
      '[c/cart/Deployment-v1/Resource] Deployment/shop/cart-v1: schema violation: must be integer; field: spec.revisionHistoryLimit; value: "ten"; expected: a value of type integer',
    ]);
    expect(errors[0]).toMatchObject({ code: 'SCHEMA_INVALID', path: 'c/cart/Deployment-v1/Resource', field: 'spec.revisionHistoryLimit', value: 'ten' });
  });

  it('the app is named in the error synth raises', () => {
    expect(() =>
      synthesizeApp(defineApp({ name: 'shop', description: 'bad', build: (app) => deployment((service(new Chart(app, 'c')), app.node.findChild('c') as Chart)).addJsonPatch(JsonPatch.add('/spec/pausd', true)) })),
    ).toThrowError(
      'app "shop" failed to synthesize: [c/cart/Deployment-v1/Resource] Deployment/shop/cart-v1: schema violation: unknown field "pausd"; field: spec.pausd; value: true; expected: only fields of the apps/v1 Deployment schema (check the spelling, or remove it)',
    );
  });

  it('an unknown field deep inside a pod template (strict field validation)', () => {
    const errors = failure((c) => {
      service(c);
      deployment(c).addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/imagePullPolicyy', 'Always'));
    });
    expect(errors.map((e) => [e.code, e.field, e.value])).toEqual([['SCHEMA_INVALID', 'spec.template.spec.containers[0].imagePullPolicyy', 'Always']]);
  });

  it('a bad enum in an Istio custom resource lists the valid values', () => {
    const errors = failure((c) => {
      service(c);
      new ApiObject(c, 'pa', { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'cart', namespace: 'shop' }, spec: { mtls: { mode: 'STRICTER' } } });
    });
    expect(errors.map((e) => e.message)).toEqual([
      '[c/pa] PeerAuthentication/shop/cart: schema violation: must be equal to one of the allowed values: "UNSET", "DISABLE", "PERMISSIVE", "STRICT"; field: spec.mtls.mode; value: "STRICTER"; expected: one of "UNSET", "DISABLE", "PERMISSIVE", "STRICT"',
    ]);
  });

  it('an Istio object at the v1beta1 API level is checked against the v1 schema', () => {
    const build = (app: import('cdk8s').App) => {
      const c = new Chart(app, 'c');
      service(c);
      new ApiObject(c, 'dr', { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'db', namespace: 'shop' }, spec: { host: 'db', trafficPolicy: { loadBalancer: { simple: 'FASTEST' } } } });
    };
    expect(() => synthesizeApp(defineApp({ name: 'shop', description: 'bad', build }), { istioApiLevel: 'v1beta1' })).toThrowError(
      /DestinationRule\/shop\/db: schema violation: must be equal to one of the allowed values: "UNSPECIFIED", "LEAST_CONN", "RANDOM", "PASSTHROUGH", "ROUND_ROBIN", "LEAST_REQUEST"; field: spec.trafficPolicy.loadBalancer.simple; value: "FASTEST"/,
    );
  });

  it('a kind without a schema is an error (SCHEMA_UNKNOWN_KIND), not a pass', () => {
    const errors = failure((c) => {
      service(c);
      new ApiObject(c, 'cert', { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'cart', namespace: 'shop' }, spec: {} });
    });
    expect(errors.map((e) => [e.code, e.path, e.field, e.value])).toEqual([['SCHEMA_UNKNOWN_KIND', 'c/cert', 'kind', 'Certificate']]);
    expect(errors[0].message).toContain('no schema for cert-manager.io/v1/Certificate');
  });

  it('schema errors are aggregated with the manifest rules\' errors, and a field a rule names is not reported twice', () => {
    const errors = failure((c) => {
      service(c);
      const d = deployment(c);
      d.addJsonPatch(JsonPatch.replace('/spec/replicas', 10_000_000_000)); // K8S_REPLICAS, also not int32 for the schema
      d.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/env', [{ name: 'LOG LEVEL', value: 'x' }, { name: 'OK', valu: 'y' }]));
    });
    expect(errors.map((e) => [e.code, e.field])).toEqual([
      ['K8S_ENV_NAME', 'spec.template.spec.containers[0].env[0].name'],
      ['K8S_REPLICAS', 'spec.replicas'],
      ['SCHEMA_INVALID', 'spec.template.spec.containers[0].env[1].valu'],
    ]);
  });
});

describe('pointerToField', () => {
  it('turns a JSON pointer into the dotted field path and finds the value', () => {
    const obj = { metadata: { annotations: { 'example.com/tier': 'a' } }, spec: { list: [{ x: 1 }] } };
    expect(pointerToField(obj, '/spec/list/0/x')).toEqual({ field: 'spec.list[0].x', value: 1 });
    expect(pointerToField(obj, '/metadata/annotations/example.com~1tier')).toEqual({ field: 'metadata.annotations.example.com/tier', value: 'a' });
    expect(pointerToField(obj, '/spec/missing/deeper')).toEqual({ field: 'spec.missing.deeper', value: undefined });
  });
});

describe('SchemaCache', () => {
  const fp = Buffer.alloc(20, 1);
  it('remembers valid documents across runs, and forgets them when the fingerprint changes', () => {
    const file = path.join(tmpDir(), 'cache.bin');
    const first = new SchemaCache(file, fp);
    const key = SchemaCache.key('kind: Namespace\n');
    expect(first.has(key)).toBe(false);
    first.add(key);
    first.save();
    expect(new SchemaCache(file, fp).has(key)).toBe(true);
    expect(new SchemaCache(file, Buffer.alloc(20, 2)).has(key)).toBe(false);
    fs.writeFileSync(file, 'torn');
    expect(new SchemaCache(file, fp).has(key)).toBe(false);
  });

  it('two runs at once add up instead of overwriting each other', () => {
    const file = path.join(tmpDir(), 'cache.bin');
    const [a, b] = [new SchemaCache(file, fp), new SchemaCache(file, fp)];
    a.add(SchemaCache.key('a'));
    b.add(SchemaCache.key('b'));
    a.save();
    b.save();
    const after = new SchemaCache(file, fp);
    expect([after.has(SchemaCache.key('a')), after.has(SchemaCache.key('b'))]).toEqual([true, true]);
  });

  it('never skips an invalid document: only valid ones are recorded', () => {
    const obj = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a', labelz: {} } };
    const doc = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labelz: {}\n';
    expect(schemaErrors(obj, 'p', doc).map((e) => e.field)).toEqual(['metadata.labelz']);
    expect(SchemaCache.shared()?.has(SchemaCache.key(doc)) ?? false).toBe(false);
    expect(schemaErrors(obj, 'p', doc).map((e) => e.field)).toEqual(['metadata.labelz']);
  });
});

describe('allowKindWithoutSchema', () => {
  const gatewayApi = (c: Chart) => new ApiObject(c, 'route', { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'cart', namespace: 'shop' }, spec: {} });
  it('lets an object of a kind without a schema through, with a reason', () => {
    const out = synthesizeApp(defineApp({ name: 'shop', description: 'ok', build: (app) => allowKindWithoutSchema(gatewayApi(new Chart(app, 'c')), 'Gateway API CRDs are not in imports/') }));
    expect(out.objects.map((o) => [o.group, o.kind, o.path])).toEqual([['gateway.networking.k8s.io', 'HTTPRoute', 'c/route']]);
  });

  it('needs a reason', () => {
    expect(() => allowKindWithoutSchema(gatewayApi(new Chart(new App(), 'c')), ' ')).toThrowError(
      '[c/route] an object without a schema needs a reason; field: reason; value: " "; expected: a non-empty reason',
    );
  });
});
