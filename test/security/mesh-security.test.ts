import { Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { Caller, IMeshWorkload, MeshSecurity, MtlsMode, collectManifests } from '../../lib';

function workload(name: string, namespace = 'shop', overrides: Partial<IMeshWorkload> = {}): IMeshWorkload {
  return {
    name,
    namespace,
    serviceAccountName: name,
    selectorLabels: { app: name },
    workloadPorts: [
      { name: 'http', port: 80, targetPort: 8080 },
      { name: 'grpc-admin', port: 9000, targetPort: 9000 },
    ],
    meshEnabled: true,
    ...overrides,
  };
}

type Manifest = { kind: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string> }; spec: Record<string, unknown> };

function synth(chart: Chart): Manifest[] {
  return Testing.synth(chart) as Manifest[];
}
function find(docs: Manifest[], kind: string, name: string, namespace = 'shop'): Manifest {
  const d = docs.find((x) => x.kind === kind && x.metadata.name === name && x.metadata.namespace === namespace);
  if (!d) throw new Error(`no ${kind} ${namespace}/${name} in ${docs.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return d;
}

describe('MeshSecurity', () => {
  it('locks down each namespace: mTLS STRICT, allow-nothing, default-deny ingress', () => {
    const chart = Testing.chart();
    new MeshSecurity(chart, 'sec').protect(workload('catalog'));
    const docs = synth(chart);
    expect(find(docs, 'PeerAuthentication', 'default').spec).toEqual({ mtls: { mode: 'STRICT' } });
    expect(find(docs, 'AuthorizationPolicy', 'allow-nothing').spec).toEqual({});
    expect(find(docs, 'NetworkPolicy', 'default-deny-ingress').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
  });

  it('PERMISSIVE only by explicit opt-in with a reason, recorded on the object', () => {
    const chart = Testing.chart();
    const sec = new MeshSecurity(chart, 'sec');
    sec.namespace('legacy', { mtls: MtlsMode.permissive('batch jobs outside the mesh until Q3') });
    sec.protect(workload('billing', 'legacy'));
    const pa = find(synth(chart), 'PeerAuthentication', 'default', 'legacy');
    expect(pa.spec).toEqual({ mtls: { mode: 'PERMISSIVE' } });
    expect(pa.metadata.annotations).toEqual({ 'security.meshforge.io/permissive-reason': 'batch jobs outside the mesh until Q3' });
    expect(() => MtlsMode.permissive(' ')).toThrowError(
      'PERMISSIVE mTLS needs a reason; field: mtls; value: " "; expected: MtlsMode.permissive("why plain text is still needed, and until when")',
    );
  });

  it('allows only declared callers, by principal, with optional ports, paths and methods', () => {
    const chart = Testing.chart();
    const sec = new MeshSecurity(chart, 'sec');
    const frontend = workload('frontend');
    sec.protect(frontend).allowFrom(Caller.ingressGateway(), { ports: ['http'] });
    sec.protect(workload('catalog'))
      .allowFrom(Caller.workload(frontend), { ports: [80], paths: ['/api/*'], methods: ['GET'] })
      .allowFrom(Caller.serviceAccount('batch', 'indexer'));
    const docs = synth(chart);
    expect(find(docs, 'AuthorizationPolicy', 'catalog').spec).toEqual({
      action: 'ALLOW',
      selector: { matchLabels: { app: 'catalog' } },
      rules: [
        {
          from: [{ source: { principals: ['cluster.local/ns/shop/sa/frontend'] } }],
          to: [{ operation: { methods: ['GET'], paths: ['/api/*'], ports: ['8080'] } }],
        },
        { from: [{ source: { principals: ['cluster.local/ns/batch/sa/indexer'] } }] },
      ],
    });
    expect(find(docs, 'AuthorizationPolicy', 'frontend').spec.rules).toEqual([
      {
        from: [{ source: { principals: ['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'] } }],
        to: [{ operation: { ports: ['8080'] } }],
      },
    ]);
  });

  it('an undeclared caller is denied: no callers means an ALLOW policy without rules', () => {
    const chart = Testing.chart();
    new MeshSecurity(chart, 'sec', { prometheus: false }).protect(workload('vault'));
    const docs = synth(chart);
    expect(find(docs, 'AuthorizationPolicy', 'vault').spec).toEqual({ action: 'ALLOW', selector: { matchLabels: { app: 'vault' } } });
    expect(find(docs, 'NetworkPolicy', 'vault').spec).toEqual({ podSelector: { matchLabels: { app: 'vault' } }, policyTypes: ['Ingress'] });
  });

  it('NetworkPolicy admits declared callers on their ports and Prometheus on the sidecar metrics ports', () => {
    const chart = Testing.chart();
    const sec = new MeshSecurity(chart, 'sec');
    const frontend = workload('frontend');
    sec.protect(frontend);
    sec.protect(workload('catalog', 'shop', { metricsPort: 9090 })).allowFrom(Caller.workload(frontend), { ports: ['http'] }).allowFrom(Caller.namespace('ops'));
    expect(find(synth(chart), 'NetworkPolicy', 'catalog').spec).toEqual({
      podSelector: { matchLabels: { app: 'catalog' } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchLabels: { app: 'frontend' } } }],
          ports: [{ port: 8080, protocol: 'TCP' }],
        },
        { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ops' } } }], ports: [{ port: 8080, protocol: 'TCP' }, { port: 9000, protocol: 'TCP' }] },
        {
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }],
          ports: [{ port: 9090, protocol: 'TCP' }, { port: 15020, protocol: 'TCP' }, { port: 15090, protocol: 'TCP' }],
        },
      ],
    });
    expect(find(synth(chart), 'AuthorizationPolicy', 'catalog').spec.rules).toContainEqual({ from: [{ source: { namespaces: ['ops'] } }] });
  });

  it('without the mesh emits only NetworkPolicies, and rejects L7 restrictions', () => {
    const chart = Testing.chart();
    const sec = new MeshSecurity(chart, 'sec');
    const legacy = workload('legacy', 'plain', { meshEnabled: false, metricsPort: 8080 });
    const access = sec.protect(legacy).allowFrom(Caller.namespace('shop'));
    const kinds = synth(chart).map((d) => d.kind).sort();
    expect(kinds).toEqual(['NetworkPolicy', 'NetworkPolicy']);
    expect(() => access.allowFrom(Caller.namespace('x'), { paths: ['/admin'] })).toThrowError(
      '[test/sec/plain-legacy] paths need the mesh; field: paths; value: ["/admin"]; expected: mesh: true on the service, or no path/method restriction (NetworkPolicy only sees ports)',
    );
  });

  it('resolves callers by name and fails at synth when a declared caller does not exist', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    const sec = new MeshSecurity(chart, 'sec');
    sec.protect(workload('frontend'));
    sec.protect(workload('catalog')).allowFrom(Caller.service('frontend'));
    const ok = collectManifests(app).flatMap((c) => c.objects) as unknown as Manifest[];
    expect(find(ok, 'AuthorizationPolicy', 'catalog').spec.rules).toEqual([{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/frontend'] } }] }]);

    const app2 = Testing.app();
    const chart2 = new Chart(app2, 'c');
    const sec2 = new MeshSecurity(chart2, 'sec');
    sec2.protect(workload('frontend'));
    sec2.protect(workload('catalog')).allowFrom(Caller.service('fronted'));
    expect(() => collectManifests(app2)).toThrowError(
      '[c/sec/shop-catalog] declared caller does not exist; field: allowFrom; value: "shop/fronted"; expected: one of the services protected in this app (shop/catalog, shop/frontend), or Caller.serviceAccount()/Caller.namespace() for callers outside it',
    );
  });

  it('rejects an unknown port, a bad namespace and a namespace locked down twice', () => {
    const chart = Testing.chart();
    const sec = new MeshSecurity(chart, 'sec');
    expect(() => sec.protect(workload('a')).allowFrom(Caller.namespace('x'), { ports: ['metrics'] })).toThrowError(
      '[test/sec/shop-a] unknown port in allowFrom; field: ports; value: "metrics"; expected: a port of a: http/80, grpc-admin/9000',
    );
    expect(() => Caller.namespace('Bad_NS')).toThrowError('invalid caller; field: namespace; value: "Bad_NS"; expected: a DNS label (lowercase letters, digits and "-")');
    expect(() => sec.namespace('shop')).toThrowError(/\[test\/sec\] namespace is already locked down; field: namespace; value: "shop"/);
    sec.namespace('plain', { mesh: false });
    expect(() => sec.protect(workload('b', 'plain'))).toThrowError(/meshed workload in a namespace locked down without the mesh/);
  });
});

describe('MeshSecurity with MeshService', () => {
  it('protects real MeshServices and admits the ingress gateway on exposed services only', async () => {
    const { MeshGateway, MeshService, HealthCheck } = await import('../../lib');
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    const common = {
      namespace: 'shop',
      liveness: HealthCheck.tcp(),
      readiness: HealthCheck.tcp(),
    };
    const gw = new MeshGateway(chart, 'public', { namespace: 'shop', hosts: ['shop.example.com'], servers: [{ protocol: 'HTTP' }] });
    const web = new MeshService(chart, 'web', {
      ...common,
      image: 'web:1.0.0',
      ports: [{ port: 80, targetPort: 8080, protocol: 'http' }, { port: 9000, protocol: 'tcp', name: 'tcp-admin' }],
    });
    web.exposeVia(gw, { exposeAll: true });
    const api = new MeshService(chart, 'api', { ...common, image: 'api:1.0.0', ports: [{ port: 9090, protocol: 'grpc' }] });
    const sec = new MeshSecurity(chart, 'sec');
    sec.protect(web);
    sec.protect(api).allowFrom(Caller.workload(web));
    const docs = collectManifests(app).flatMap((c) => c.objects) as unknown as Manifest[];
    expect(find(docs, 'AuthorizationPolicy', 'web').spec.rules).toEqual([
      {
        from: [{ source: { principals: ['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'] } }],
        to: [{ operation: { ports: ['8080'] } }],
      },
    ]);
    expect(find(docs, 'AuthorizationPolicy', 'api').spec.rules).toEqual([
      { from: [{ source: { principals: [`cluster.local/ns/shop/sa/${web.serviceAccountName}`] } }] },
    ]);
    const netpol = find(docs, 'NetworkPolicy', 'api').spec as { ingress: { from: unknown[]; ports: unknown[] }[] };
    expect(netpol.ingress[0]).toEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchLabels: web.selectorLabels } }],
      ports: [{ port: 9090, protocol: 'TCP' }],
    });
  });
});

describe('MeshSecurity and gateways', () => {
  /** Principals and NetworkPolicy peers admitted to `name`. */
  const admitted = (docs: Manifest[], name: string) => ({
    principals: ((find(docs, 'AuthorizationPolicy', name).spec.rules ?? []) as { from: { source: { principals: string[] } }[]; to?: unknown }[])
      .map((r) => [r.from[0].source.principals.join(','), JSON.stringify(r.to ?? null)]),
    peers: ((find(docs, 'NetworkPolicy', name).spec as { ingress?: { from: unknown[]; ports: unknown[] }[] }).ingress ?? []).map((r) => r.from[0]),
  });

  it('admits each gateway with its own workload identity (namespace, service account, labels) and trust domain', async () => {
    const { MeshGateway, MeshService, StringMatch } = await import('../../lib');
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    const gw = new MeshGateway(chart, 'public', {
      namespace: 'shop',
      hosts: ['shop.example.com'],
      selector: { app: 'edge-gateway' },
      workload: { namespace: 'istio-ingress', serviceAccountName: 'edge-gateway' },
    });
    const web = new MeshService(chart, 'web', { namespace: 'shop', image: 'web:1.0.0' });
    web.exposeVia(gw).addRoute({ match: [{ uri: StringMatch.prefix('/') }], gateways: [gw] });
    new MeshSecurity(chart, 'sec', { trustDomain: 'prod.acme.internal' }).protect(web);
    const docs = collectManifests(app).flatMap((c) => c.objects) as unknown as Manifest[];
    const { principals, peers } = admitted(docs, 'web');
    expect(principals).toEqual([['prod.acme.internal/ns/istio-ingress/sa/edge-gateway', 'null']]);
    expect(peers).toContainEqual({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-ingress' } },
      podSelector: { matchLabels: { app: 'edge-gateway' } },
    });
  });

  it('falls back to MeshSecurity ingressGateway, then to the default profile (istio-system, istio-ingressgateway-service-account)', async () => {
    const { MeshGateway, MeshService } = await import('../../lib');
    const principalsWith = (ingressGateway?: { namespace?: string; serviceAccountName?: string }) => {
      const app = Testing.app();
      const chart = new Chart(app, 'c');
      const gw = new MeshGateway(chart, 'public', { namespace: 'shop', hosts: ['shop.example.com'] });
      const web = new MeshService(chart, 'web', { namespace: 'shop', image: 'web:1.0.0' }).exposeVia(gw, { exposeAll: true });
      new MeshSecurity(chart, 'sec', { ingressGateway }).protect(web);
      return admitted(collectManifests(app).flatMap((c) => c.objects) as unknown as Manifest[], 'web').principals.map(([p]) => p);
    };
    expect(principalsWith()).toEqual(['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account']);
    expect(principalsWith({ namespace: 'istio-ingress', serviceAccountName: 'istio-ingress' })).toEqual(['cluster.local/ns/istio-ingress/sa/istio-ingress']);
  });

  it('admits the gateway where its routes send requests: the destination of a gateway-bound route, not an exposed service it only routes through, nor mesh-only routes', async () => {
    const { MeshGateway, MeshService, RouteTarget, StringMatch } = await import('../../lib');
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    const gw = new MeshGateway(chart, 'public', { namespace: 'shop', hosts: ['shop.example.com'] });
    const web = new MeshService(chart, 'web', { namespace: 'shop', image: 'web:1.0.0' });
    const api = new MeshService(chart, 'api', { namespace: 'shop', image: 'api:1.0.0', ports: [{ port: 8080, protocol: 'http' }, { port: 9090, protocol: 'grpc' }] });
    const reports = new MeshService(chart, 'reports', { namespace: 'shop', image: 'reports:1.0.0' });
    web.exposeVia(gw)
      .addRoute({ name: 'api', match: [{ uri: StringMatch.prefix('/api/') }], gateways: [gw], destinations: [{ to: RouteTarget.service(api), port: 8080, weight: 100 }] })
      .addRoute({ name: 'reports', match: [{ uri: StringMatch.prefix('/reports/') }], destinations: [{ to: RouteTarget.service(reports), weight: 100 }] });
    const sec = new MeshSecurity(chart, 'sec');
    sec.protect(web);
    sec.protect(api);
    sec.protect(reports);
    const docs = collectManifests(app).flatMap((c) => c.objects) as unknown as Manifest[];
    expect(admitted(docs, 'api').principals).toEqual([
      ['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account', JSON.stringify([{ operation: { ports: ['8080'] } }])],
    ]);
    // a mesh-only route is executed by web's callers' sidecars: nothing is admitted implicitly
    expect(admitted(docs, 'reports').principals).toEqual([]);
    // web is exposed, but the gateway only routes through it to api: web itself never hears from the gateway
    expect(admitted(docs, 'web').principals).toEqual([]);
  });
});

describe('MeshSecurity checks and labels', () => {
  it('rejects a caller without a sidecar into a STRICT service, and accepts it under PERMISSIVE', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    const sec = new MeshSecurity(chart, 'sec');
    const batch = workload('batch', 'jobs', { meshEnabled: false });
    sec.protect(workload('api')).allowFrom(Caller.workload(batch));
    expect(() => collectManifests(app)).toThrowError(
      '[c/sec/shop-api] declared caller has no sidecar and cannot reach a STRICT mTLS service; field: allowFrom; value: "jobs/batch"; expected: mesh: true on the caller, or MtlsMode.permissive(reason) for namespace "shop"',
    );

    const app2 = Testing.app();
    const sec2 = new MeshSecurity(new Chart(app2, 'c'), 'sec');
    sec2.namespace('shop', { mtls: MtlsMode.permissive('batch jobs migrate in Q3') });
    sec2.protect(workload('api')).allowFrom(Caller.workload(batch));
    expect(() => collectManifests(app2)).not.toThrow();
  });

  it('labels every security object as managed by meshforge', () => {
    const chart = Testing.chart();
    new MeshSecurity(chart, 'sec').protect(workload('api'));
    for (const d of synth(chart) as (Manifest & { metadata: { labels?: Record<string, string> } })[]) {
      expect(d.metadata.labels?.['app.kubernetes.io/managed-by'], `${d.kind}/${d.metadata.name}`).toBe('meshforge');
    }
  });
});
