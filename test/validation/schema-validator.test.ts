import { describe, expect, it } from 'vitest';
import { MeshforgeError } from '../../lib';
import { KnownFields } from '../../lib/validation/known-fields';
import { SchemaValidator } from '../../lib/validation/schema-validator';
import { ISTIO_FIXTURES, KUBERNETES_FIXTURES, MONITORING_FIXTURES, cdk8sPlusFixtures } from './fixtures';

const v = SchemaValidator.default();
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const byKind = (list: Record<string, unknown>[], kind: string) => clone(list.find((o) => o.kind === kind)!);
const label = (o: Record<string, unknown>) => `${o.apiVersion} ${o.kind} ${(o.metadata as { name: string }).name}`;

describe('SchemaValidator accepts valid objects', () => {
  it.each([...KUBERNETES_FIXTURES, ...ISTIO_FIXTURES, ...MONITORING_FIXTURES].map((o) => [label(o), o]))('%s', (_l, o) => {
    expect(v.validate(o)).toEqual([]);
  });

  it.each(cdk8sPlusFixtures().map((o) => [label(o), o]))('cdk8s-plus-27 output: %s', (_l, o) => {
    expect(v.validate(o)).toEqual([]);
  });

  it('covers every kind the constructs emit', () => {
    const needed = [
      'v1/Namespace', 'v1/ServiceAccount', 'v1/ConfigMap', 'v1/Secret', 'v1/Service', 'v1/PersistentVolumeClaim',
      'apps/v1/Deployment', 'apps/v1/StatefulSet', 'apps/v1/DaemonSet', 'batch/v1/Job', 'batch/v1/CronJob',
      'autoscaling/v2/HorizontalPodAutoscaler', 'policy/v1/PodDisruptionBudget',
      'rbac.authorization.k8s.io/v1/Role', 'rbac.authorization.k8s.io/v1/RoleBinding',
      'rbac.authorization.k8s.io/v1/ClusterRole', 'rbac.authorization.k8s.io/v1/ClusterRoleBinding',
      'networking.k8s.io/v1/NetworkPolicy', 'networking.k8s.io/v1/Ingress',
      'networking.istio.io/v1/VirtualService', 'networking.istio.io/v1/DestinationRule', 'networking.istio.io/v1/Gateway',
      'networking.istio.io/v1/ServiceEntry', 'networking.istio.io/v1/Sidecar', 'security.istio.io/v1/PeerAuthentication',
      'security.istio.io/v1/AuthorizationPolicy', 'security.istio.io/v1/RequestAuthentication', 'telemetry.istio.io/v1/Telemetry',
      'monitoring.coreos.com/v1/ServiceMonitor', 'monitoring.coreos.com/v1/PodMonitor', 'monitoring.coreos.com/v1/PrometheusRule',
      'argoproj.io/v1alpha1/Application', 'kustomize.toolkit.fluxcd.io/v1/Kustomization', 'source.toolkit.fluxcd.io/v1/GitRepository',
    ];
    const have = new Set(v.kinds().map((k) => k.kind));
    expect(needed.filter((k) => !have.has(k))).toEqual([]);
  });
});

describe('SchemaValidator rejects bad objects', () => {
  describe('Kubernetes (Deployment)', () => {
    const dep = () => byKind(KUBERNETES_FIXTURES, 'Deployment') as { spec: Record<string, unknown> & { template: { spec: { containers: Record<string, unknown>[] } } } };
    it('wrong type', () => {
      const d = dep();
      d.spec.replicas = 'two';
      expect(v.validate(d)).toEqual([{ pointer: '/spec/replicas', message: 'must be integer', expected: 'a value of type integer' }]);
    });
    it('missing required field', () => {
      const d = dep();
      delete d.spec.selector;
      // kubernetes-models' compiled validators word it without quotes
      expect(v.validate(d)).toEqual([{ pointer: '/spec', message: 'must have required property selector', expected: 'the required field "selector"' }]);
    });
    it('unknown field (strict field validation, also inside lists and metadata)', () => {
      const d = dep() as unknown as { metadata: Record<string, unknown>; spec: { template: { spec: { containers: Record<string, unknown>[] } } } };
      d.spec.template.spec.containers[0].imagePullPolicyy = 'Always';
      d.metadata.label = { a: 'b' };
      expect(v.validate(d)).toEqual([
        { pointer: '/metadata', message: 'unknown field "label"' },
        { pointer: '/spec/template/spec/containers/0', message: 'unknown field "imagePullPolicyy"' },
      ]);
    });
    it('bad enum', () => {
      const d = dep();
      d.spec.strategy = { type: 'BlueGreen' };
      expect(v.validate(d)).toEqual([
        { pointer: '/spec/strategy/type', message: 'must be equal to one of the allowed values: "Recreate", "RollingUpdate"', expected: 'one of "Recreate", "RollingUpdate"' },
      ]);
    });
  });

  describe('Istio (VirtualService / PeerAuthentication)', () => {
    const vs = () => byKind(ISTIO_FIXTURES, 'VirtualService') as { spec: { hosts?: unknown; http: { route: { weight: unknown; destination: Record<string, unknown> }[] }[] } & Record<string, unknown> };
    it('wrong type', () => {
      const o = vs();
      o.spec.http[0].route[0].weight = '90';
      expect(v.validate(o)).toEqual([{ pointer: '/spec/http/0/route/0/weight', message: 'must be integer', expected: 'a value of type integer' }]);
    });
    it('missing required field', () => {
      const o = vs();
      delete o.spec.http[0].route[0].destination.host;
      expect(v.validate(o)).toEqual([{ pointer: '/spec/http/0/route/0/destination', message: "must have required property 'host'", expected: 'the required field "host"' }]);
    });
    it('unknown field', () => {
      const o = vs();
      o.spec.http[0].route[0].destination.subsett = 'v1';
      o.spec.retry = {};
      expect(v.validate(o)).toEqual([
        { pointer: '/spec', message: 'unknown field "retry"' },
        { pointer: '/spec/http/0/route/0/destination', message: 'unknown field "subsett"' },
      ]);
    });
    it('bad enum', () => {
      const pa = byKind(ISTIO_FIXTURES, 'PeerAuthentication') as { spec: { mtls: { mode: string } } };
      pa.spec.mtls.mode = 'STRICTER';
      expect(v.validate(pa)).toEqual([
        { pointer: '/spec/mtls/mode', message: 'must be equal to one of the allowed values: "UNSET", "DISABLE", "PERMISSIVE", "STRICT"', expected: 'one of "UNSET", "DISABLE", "PERMISSIVE", "STRICT"' },
      ]);
    });
    it('bad metadata (name type, unknown metadata field)', () => {
      const o = vs() as unknown as { metadata: Record<string, unknown> };
      o.metadata.name = 5;
      o.metadata.namespacee = 'shop';
      expect(v.validate(o)).toEqual([
        { pointer: '/metadata/name', message: 'must be a non-empty string' },
        { pointer: '/metadata', message: 'unknown field "namespacee"' },
        { pointer: '/metadata/name', message: 'must be string', expected: 'a value of type string' },
      ]);
    });
    it('wrong apiVersion for the kind', () => {
      const o = vs();
      (o as Record<string, unknown>).apiVersion = 'networking.istio.io/v1alpha3';
      expect(v.validate(o)).toEqual([{ pointer: '/kind', message: 'no schema for networking.istio.io/v1alpha3/VirtualService: unknown apiVersion/kind' }]);
    });
  });

  describe('monitoring.coreos.com (ServiceMonitor)', () => {
    const sm = () => byKind(MONITORING_FIXTURES, 'ServiceMonitor') as { spec: Record<string, unknown> & { endpoints: Record<string, unknown>[] } };
    it('wrong type', () => {
      const o = sm();
      o.spec.endpoints = { port: 'http' } as unknown as Record<string, unknown>[];
      expect(v.validate(o)).toEqual([{ pointer: '/spec/endpoints', message: 'must be array', expected: 'a value of type array' }]);
    });
    it('missing required field', () => {
      const o = sm();
      delete o.spec.selector;
      expect(v.validate(o)).toEqual([{ pointer: '/spec', message: "must have required property 'selector'", expected: 'the required field "selector"' }]);
    });
    it('unknown field', () => {
      const o = sm();
      o.spec.endpoints[0].intervall = '30s';
      expect(v.validate(o)).toEqual([{ pointer: '/spec/endpoints/0', message: 'unknown field "intervall"' }]);
    });
    it('bad enum', () => {
      const o = sm();
      o.spec.endpoints[0].scheme = 'ftp';
      expect(v.validate(o)).toEqual([{ pointer: '/spec/endpoints/0/scheme', message: 'must be equal to one of the allowed values: "http", "https", "HTTP", "HTTPS"', expected: 'one of "http", "https", "HTTP", "HTTPS"' }]);
    });
  });

  it('keeps fields marked x-kubernetes-preserve-unknown-fields open (Istio status)', () => {
    const o = { ...byKind(ISTIO_FIXTURES, 'Gateway'), status: { anything: { goes: 1 } } };
    expect(v.validate(o)).toEqual([]);
  });

  it('has strict field lists for the Kubernetes 1.27 kinds except v1 Event', () => {
    const kf = KnownFields.k8s127();
    expect(kf.covers('apps/v1', 'Deployment')).toBe(true);
    expect(kf.covers('autoscaling/v2', 'HorizontalPodAutoscaler')).toBe(true);
    expect(kf.covers('rbac.authorization.k8s.io/v1', 'ClusterRole')).toBe(true);
    const uncovered = v
      .kinds()
      .filter((k) => k.source === 'kubernetes-1.27')
      .map((k) => k.kind)
      .filter((k) => !kf.covers(k.slice(0, k.lastIndexOf('/')), k.slice(k.lastIndexOf('/') + 1)));
    expect(uncovered).toEqual(['v1/Event']);
  });

  it('rejects an unknown kind instead of accepting it', () => {
    expect(v.validate({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })).toEqual([
      { pointer: '/kind', message: 'no schema for example.com/v1/Widget: unknown apiVersion/kind' },
    ]);
  });

  it('rejects a non-object and an object without apiVersion/kind', () => {
    expect(v.validate('kind: Namespace')).toEqual([{ pointer: '', message: 'must be an object' }]);
    expect(v.validate({ kind: 'Namespace' })).toEqual([{ pointer: '', message: 'must have string fields "apiVersion" and "kind"' }]);
  });

  it('rejects an object without a name', () => {
    expect(v.validate({ apiVersion: 'v1', kind: 'Namespace', metadata: { generateName: 'ns-' } })).toEqual([
      { pointer: '/metadata/name', message: 'must be a non-empty string' },
    ]);
  });

  it('assertValid throws a MeshforgeError naming the object and every violation', () => {
    const o = byKind(MONITORING_FIXTURES, 'ServiceMonitor') as { spec: { endpoints: Record<string, unknown>[] } };
    o.spec.endpoints[0].scheme = 'ftp';
    o.spec.endpoints[0].intervall = '30s';
    expect(() => v.assertValid(o, 'shop/monitor')).toThrowError(
      new MeshforgeError('monitoring.coreos.com/v1 ServiceMonitor shop/frontend does not match its schema', {
        code: 'SCHEMA_INVALID',
        path: 'shop/monitor',
        field: '/spec/endpoints/0, /spec/endpoints/0/scheme',
        value: ['/spec/endpoints/0: unknown field "intervall"', '/spec/endpoints/0/scheme: must be equal to one of the allowed values: "http", "https", "HTTP", "HTTPS"'],
        expected: 'an object valid for its apiVersion/kind (Kubernetes 1.27, the Istio / Prometheus Operator CRDs in imports/, Argo CD, Flux)',
      }).message,
    );
    expect(() => v.assertValid(byKind(MONITORING_FIXTURES, 'PodMonitor'))).not.toThrow();
  });
});
