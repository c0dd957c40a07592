import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { loadPolicyObjects } from '../../lib/policy';
import { PolicyObject } from '../../lib/policy/types';
import { buildModel, protocolOf, relatedObservability } from '../../lib/report/model';

const ROOT = path.resolve(__dirname, '../..');
const shop = (): PolicyObject[] => loadPolicyObjects(['dist/prod/shop'], { cwd: ROOT });

function objects(...manifests: Record<string, unknown>[]): PolicyObject[] {
  return manifests.map((manifest, index) => ({ manifest, file: 'fixture.yaml', index }));
}

describe('report model from dist/prod/shop', () => {
  const model = buildModel(shop());

  it('finds the services with their versions, images, replicas and ports', () => {
    // queue-headless governs the queue StatefulSet next to the client Service queue: one service
    expect(model.services.map((s) => s.id)).toEqual(['shop/cart', 'shop/catalog', 'shop/orders-db', 'shop/queue', 'shop/storefront']);
    expect(model.services.find((s) => s.name === 'queue')!.versions.map((v) => [v.version, v.workload, v.kind])).toEqual([['v1', 'queue', 'StatefulSet']]);
    const cart = model.services.find((s) => s.name === 'cart')!;
    expect(cart.versions.map((v) => [v.version, v.workload, v.replicas, v.serviceAccount])).toEqual([
      ['v1', 'cart-v1', '3', 'cart'],
      ['v2', 'cart-v2', '2', 'cart'],
    ]);
    expect(cart.versions[1].images[0]).toMatch(/^ghcr\.io\/acme-shop\/cart:/);
    expect(model.services.find((s) => s.name === 'catalog')!.ports).toEqual([{ name: 'grpc', port: 9090, protocol: 'grpc', targetPort: '9090' }]);
    // An autoscaled workload shows its HPA range rather than a replica count.
    expect(model.services.find((s) => s.name === 'catalog')!.versions[0].replicas).toBe('HPA 3–10');
    expect(model.services.find((s) => s.name === 'orders-db')!.externalName).toBe('orders.cluster-c9x2k1.eu-west-1.rds.amazonaws.com');
  });

  it('reads the cart canary weights and the storefront routes with their matches', () => {
    const cart = model.routes.find((r) => r.id === 'shop/cart')!;
    expect(cart.routes).toHaveLength(1);
    expect(cart.routes[0].destinations.map((d) => [d.subset, d.weight, d.service])).toEqual([
      ['v1', 90, 'shop/cart'],
      ['v2', 10, 'shop/cart'],
    ]);
    const storefront = model.routes.find((r) => r.id === 'shop/storefront')!;
    expect(storefront.gateways).toEqual([]);
    expect(storefront.routes.map((h) => [h.name, h.match])).toEqual([['default', []]]);
    // the gateway serves the listed paths only
    const edge = model.routes.find((r) => r.id === 'shop/storefront-gateway')!;
    expect(edge.gateways).toEqual(['shop/public']);
    expect(edge.routes.map((h) => [h.name, h.match])).toEqual([
      ['static', ['uri prefix /static/ and gateway shop/public']],
      [
        'public-pages',
        [
          'uri exact / and gateway shop/public',
          'uri exact /api/v1/products and gateway shop/public',
          'uri prefix /api/v1/products/ and gateway shop/public',
          'uri exact /login and gateway shop/public',
          'uri exact /logout and gateway shop/public',
          'uri exact /checkout and gateway shop/public',
          'uri prefix /checkout/ and gateway shop/public',
          'uri exact /robots.txt and gateway shop/public',
        ],
      ],
    ]);
    expect(model.routes.find((r) => r.id === 'shop/catalog')!.routes[0].retries).toBe('2× per try 600ms on unavailable,connect-failure,refused-stream,reset');
  });

  it('maps AuthorizationPolicy principals to the calling services', () => {
    expect(model.callers.map((c) => [c.from, c.to, c.operations.join(' | ')])).toEqual([
      ['shop/storefront', 'shop/cart', 'paths /api/cart, /api/cart/*'],
      // a CronJob is no Service: its principal stands for it
      ['cluster.local/ns/shop/sa/nightly-report', 'shop/catalog', ''],
      ['shop/cart', 'shop/catalog', ''],
      ['shop/storefront', 'shop/catalog', ''],
      ['shop/cart', 'shop/queue', ''],
      ['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account', 'shop/storefront', ''],
    ]);
    expect(model.callers[0].fromService).toBe(true);
    expect(model.callers[5].fromService).toBe(false);
    const allowNothing = model.authorization.find((a) => a.name === 'allow-nothing')!;
    expect(allowNothing).toMatchObject({ action: 'ALLOW', scope: 'namespace-wide', denyAll: true, rules: [] });
    expect(allowNothing.targets).toEqual(['shop/cart', 'shop/catalog', 'shop/queue', 'shop/storefront']);
  });

  it('reads gateways, external hosts, mTLS, traffic policy and declared dependencies', () => {
    expect(model.gateways).toEqual([
      {
        id: 'shop/public',
        namespace: 'shop',
        name: 'public',
        selector: { istio: 'ingressgateway' },
        servers: [
          { hosts: ['shop/shop.example.com'], port: 443, protocol: 'HTTPS', tls: 'SIMPLE' },
          { hosts: ['shop/shop.example.com'], port: 80, protocol: 'HTTP', tls: 'redirect to HTTPS' },
        ],
      },
    ]);
    expect(model.externals.map((e) => [e.id, e.hosts, e.ports.map((p) => `${p.protocol} ${p.port}`)])).toEqual([['shop/orders-db', ['orders.cluster-c9x2k1.eu-west-1.rds.amazonaws.com'], ['tcp 5432']]]);
    expect(model.peerAuthentications.map((p) => [p.id, p.scope, p.mode])).toEqual([['shop/default', 'namespace-wide', 'STRICT']]);
    const cartDr = model.trafficPolicies.find((t) => t.id === 'shop/cart')!;
    expect(cartDr).toMatchObject({ service: 'shop/cart', tls: 'ISTIO_MUTUAL', subsets: ['v1 (version=v1)', 'v2 (version=v2)'] });
    expect(cartDr.outlierDetection).toContain('consecutive5xxErrors 3');
    expect(model.references).toEqual([
      { from: 'shop/cart', to: 'external:shop/orders-db', via: 'env DB_HOST' },
      { from: 'shop/cart', to: 'shop/queue', via: 'env QUEUE_ADDR' },
    ]);
  });

  it('finds the shop alerts and dashboards that the observability app defines', () => {
    expect(model.alerts).toEqual([]);
    const context = loadPolicyObjects(['dist/prod'], { cwd: ROOT });
    const related = relatedObservability(context, model.namespaces);
    expect(related.alerts.filter((a) => a.labels.service === 'cart').map((a) => a.alert)).toEqual(['MeshServiceHighErrorRate', 'MeshServiceHighLatencyP99', 'MeshServiceNoTraffic']);
    // Cluster-wide alerts (no namespace label, no namespace in the expression) are not the shop's.
    expect(related.alerts.some((a) => a.alert === 'TargetDown')).toBe(false);
    expect(related.dashboards.map((d) => d.title)).toEqual(['RED: shop/catalog', 'TCP: shop/queue', 'RED: shop/cart', 'RED: shop/storefront']);
  });
});

describe('report model from YAML meshforge did not write', () => {
  it('normalises weights, resolves short hosts and namespace-relative gateways', () => {
    const m = buildModel(
      objects(
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'x' }, spec: { selector: { app: 'api' }, ports: [{ name: 'http-web', port: 80 }, { port: 5000, protocol: 'UDP' }] } },
        {
          apiVersion: 'networking.istio.io/v1beta1',
          kind: 'VirtualService',
          metadata: { name: 'api', namespace: 'x' },
          spec: {
            hosts: ['api'],
            gateways: ['edge'],
            http: [
              { match: [{ headers: { 'x-canary': { exact: 'yes' } } }, { uri: { regex: '^/v2' } }], route: [{ destination: { host: 'api', subset: 'b' } }] },
              { route: [{ destination: { host: 'api', subset: 'a' }, weight: 1 }, { destination: { host: 'api', subset: 'b' }, weight: 3 }] },
            ],
            tcp: [{ route: [{ destination: { host: 'db.other.svc.cluster.local', port: { number: 5432 } } }] }],
          },
        },
      ),
    );
    expect(m.services[0].ports.map((p) => p.protocol)).toEqual(['http', 'udp']);
    const vs = m.routes[0];
    expect(vs.gateways).toEqual(['x/edge']);
    expect(vs.routes[0].match).toEqual(['header x-canary exact yes', 'uri regex ^/v2']);
    expect(vs.routes[0].destinations).toEqual([{ host: 'api', subset: 'b', weight: 100, service: 'x/api' }]);
    // Istio normalises 1:3 to 25/75.
    expect(vs.routes[1].destinations.map((d) => d.weight)).toEqual([25, 75]);
    expect(vs.routes[2]).toMatchObject({ kind: 'tcp', destinations: [{ host: 'db.other.svc.cluster.local', port: 5432, weight: 100 }] });
  });

  it('reads namespace sources, DENY policies and PrometheusRule alerts', () => {
    const m = buildModel(
      objects(
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'x' }, spec: { selector: { app: 'api' } } },
        { apiVersion: 'security.istio.io/v1beta1', kind: 'AuthorizationPolicy', metadata: { name: 'ns', namespace: 'x' }, spec: { selector: { matchLabels: { app: 'api' } }, rules: [{ from: [{ source: { namespaces: ['web'] } }], to: [{ operation: { methods: ['GET'] } }] }] } },
        { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'deny', namespace: 'x' }, spec: { action: 'DENY', rules: [{ from: [{ source: { notNamespaces: ['x'] } }] }] } },
        { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'r', namespace: 'x' }, spec: { groups: [{ name: 'g', rules: [{ record: 'x:y' }, { alert: 'ApiDown', expr: 'up{job="api"} == 0', for: '1m', labels: { severity: 'critical' } }] }] } },
      ),
    );
    expect(m.callers).toEqual([{ from: 'namespace:web', fromService: false, to: 'x/api', operations: ['methods GET'], policy: 'x/ns' }]);
    expect(m.authorization.find((a) => a.name === 'deny')).toMatchObject({ action: 'DENY', scope: 'namespace-wide', rules: ['from any except notNamespaces ["x"]'], denyAll: false });
    expect(m.alerts).toEqual([{ group: 'g', alert: 'ApiDown', severity: 'critical', for: '1m', expr: 'up{job="api"} == 0', labels: { severity: 'critical' }, source: 'PrometheusRule x/r', summary: undefined }]);
  });

  it('tolerates wrongly-typed fields', () => {
    const m = buildModel(objects({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'v' }, spec: { hosts: 'not-a-list', http: [{ route: 'nope' }, 7] } }));
    expect(m.routes[0]).toMatchObject({ id: 'default/v', hosts: [], routes: [{ destinations: [] }, { destinations: [] }] });
  });

  it('chooses protocols the way Istio does', () => {
    expect(protocolOf({ name: 'web', appProtocol: 'HTTP2' })).toBe('http2');
    expect(protocolOf({ name: 'grpc-api' })).toBe('grpc');
    expect(protocolOf({ name: 'web' })).toBe('tcp');
    expect(protocolOf({ name: 'web', protocol: 'UDP' })).toBe('udp');
  });
});
