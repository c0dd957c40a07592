import { describe, expect, it } from 'vitest';
import { analyzeYaml, BASE, codeLines, deployment, lines, routeTo } from './helpers';
import { stringify } from 'yaml';
import { MeshService } from '../../lib';
import { render } from '../mesh/render';

const service = (name: string, ns: string, extra = '') => `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${ns}${extra}}
spec:
  selector: {app: ${name}}
  ports: [{name: http, port: 80}]`;

const stripe = (ns: string, exportTo?: string[]) => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: stripe, namespace: ${ns}}
spec:
  hosts: [api.stripe.com]
  location: MESH_EXTERNAL
  resolution: DNS
  ports: [{name: https, number: 443, protocol: HTTPS}]
${exportTo ? `  exportTo: ${JSON.stringify(exportTo)}` : ''}`;

describe('mesh analyzer: the base mesh is clean', () => {
  it('reports nothing for a consistent mesh', () => {
    expect(lines(analyzeYaml(...BASE))).toEqual([]);
  });
});

describe('IST0101 ReferencedResourceNotFound', () => {
  it('finds a missing gateway; a Gateway in the VS namespace or named <ns>/<name> resolves it', () => {
    const vs = routeTo('web', 'shop', 'cart', { gateways: ['public', 'istio-system/edge', 'mesh'], hosts: ['shop.example.com'] });
    expect(codeLines('IST0101', ...BASE, vs)).toEqual([
      'IST0101 error VirtualService/shop/web: Referenced gateway not found: "public"',
      'IST0101 error VirtualService/shop/web: Referenced gateway not found: "istio-system/edge"',
    ]);
    const gw = (name: string, ns: string) => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: [shop.example.com]}]`;
    expect(codeLines('IST0101', ...BASE, vs, gw('public', 'shop'), gw('edge', 'istio-system'))).toEqual([]);
    // A Gateway of that name in another namespace does not count.
    expect(codeLines('IST0101', ...BASE, vs, gw('public', 'web'), gw('edge', 'istio-system'))).toEqual(['IST0101 error VirtualService/shop/web: Referenced gateway not found: "public"']);
  });

  it('resolves short hosts relative to the VirtualService namespace, FQDNs across namespaces', () => {
    expect(codeLines('IST0101', ...BASE, routeTo('web', 'web', 'cart', { hosts: ['web'] }))).toEqual([
      'IST0101 error VirtualService/web/web: Referenced host not found: "cart"',
    ]);
    expect(codeLines('IST0101', ...BASE, routeTo('web', 'web', 'cart.shop.svc.cluster.local', { hosts: ['web'] }))).toEqual([]);
    expect(codeLines('IST0101', ...BASE, routeTo('pay', 'shop', 'payments'))).toEqual(['IST0101 error VirtualService/shop/pay: Referenced host not found: "payments"']);
    expect(codeLines('IST0101', ...BASE, routeTo('pay', 'shop', 'payments'), service('payments', 'shop'))).toEqual([]);
  });

  it('honours ServiceEntry exportTo and the Service networking.istio.io/exportTo annotation', () => {
    const fromWeb = routeTo('stripe', 'web', 'api.stripe.com');
    expect(codeLines('IST0101', ...BASE, stripe('shop', ['.']), fromWeb)).toEqual(['IST0101 error VirtualService/web/stripe: Referenced host not found: "api.stripe.com"']);
    expect(codeLines('IST0101', ...BASE, stripe('shop', ['.', 'web']), fromWeb)).toEqual([]);
    expect(codeLines('IST0101', ...BASE, stripe('shop'), fromWeb)).toEqual([]);
    const local = service('payments', 'shop', ', annotations: {networking.istio.io/exportTo: "."}');
    expect(codeLines('IST0101', ...BASE, local, routeTo('pay', 'web', 'payments.shop.svc.cluster.local', { hosts: ['pay'] }))).toEqual([
      'IST0101 error VirtualService/web/pay: Referenced host not found: "payments.shop.svc.cluster.local"',
    ]);
    expect(codeLines('IST0101', ...BASE, local, routeTo('pay', 'shop', 'payments'))).toEqual([]);
  });

  it('finds a subset no DestinationRule defines, a mirror host and a port the host does not have', () => {
    const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: cart-next, namespace: shop}
spec:
  hosts: [cart-next]
  gateways: [mesh]
  http:
    - mirror: {host: cart-shadow}
      route:
        - {destination: {host: cart, subset: v3, port: {number: 8080}}}`;
    expect(codeLines('IST0101', ...BASE, vs)).toEqual([
      'IST0101 error VirtualService/shop/cart-next: Referenced host:port not found: "cart:8080"',
      'IST0101 error VirtualService/shop/cart-next: Referenced mirror host not found: "cart-shadow"',
      'IST0101 error VirtualService/shop/cart-next: Referenced host+subset in destinationrule not found: "cart+v3"',
    ]);
    const fixed = vs.replace('v3, port: {number: 8080}', 'v2, port: {number: 80}').replace('cart-shadow', 'cart');
    expect(codeLines('IST0101', ...BASE, fixed)).toEqual([]);
  });
});

describe('IST0112 VirtualServiceDestinationPortSelectorRequired', () => {
  const twoPorts = service('api', 'shop').replace('ports: [{name: http, port: 80}]', 'ports: [{name: http, port: 80}, {name: grpc, port: 9090}]');
  it('reports a destination without port to a host with several ports', () => {
    expect(codeLines('IST0112', ...BASE, twoPorts, routeTo('api', 'shop', 'api'))).toEqual([
      'IST0112 error VirtualService/shop/api: This VirtualService routes to a service "api" that exposes multiple ports [80 9090]. Specifying a port in the destination is required to disambiguate.',
    ]);
  });
  it('accepts a destination port, or a host with one port', () => {
    expect(codeLines('IST0112', ...BASE, twoPorts, routeTo('api', 'shop', 'api', { port: 9090 }))).toEqual([]);
    expect(codeLines('IST0112', ...BASE)).toEqual([]);
  });
});

describe('IST0132 VirtualServiceHostNotFoundInGateway', () => {
  const gateway = (hosts: string[]) => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: istio-ingress}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ${JSON.stringify(hosts)}}]`;
  const vs = routeTo('web', 'shop', 'cart', { hosts: ['shop.example.com'], gateways: ['istio-ingress/public'] });
  it('warns when no host of the VirtualService is served by its gateway', () => {
    expect(codeLines('IST0132', ...BASE, vs, gateway(['api.example.com', 'shop/www.example.com']))).toEqual([
      'IST0132 warning VirtualService/shop/web: one or more host [shop.example.com] defined in VirtualService shop/web not found in Gateway istio-ingress/public.',
    ]);
    // `./host` is the gateway's own namespace, not the VirtualService's.
    expect(codeLines('IST0132', ...BASE, vs, gateway(['./shop.example.com']))).toHaveLength(1);
  });
  it('accepts exact, wildcard and namespace-scoped gateway hosts', () => {
    for (const hosts of [['shop.example.com'], ['*.example.com'], ['shop/shop.example.com'], ['*/shop.example.com'], ['*/*']]) {
      expect(codeLines('IST0132', ...BASE, vs, gateway(hosts))).toEqual([]);
    }
  });
});

describe('IST0109 ConflictingMeshGatewayVirtualServiceHosts', () => {
  it('reports every VirtualService of a mesh host defined twice (short and FQDN spellings are one host)', () => {
    const second = routeTo('cart-canary', 'shop', 'cart', { hosts: ['cart'], subset: 'v2' });
    const found = analyzeYaml(...BASE, second).findings.filter((f) => f.code === 'IST0109');
    expect(found.map((f) => `${f.object.name}: ${f.message}`)).toEqual([
      'cart: The VirtualServices shop/cart,shop/cart-canary associated with mesh gateway define the same host */cart.shop.svc.cluster.local which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.',
      'cart-canary: The VirtualServices shop/cart,shop/cart-canary associated with mesh gateway define the same host */cart.shop.svc.cluster.local which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.',
    ]);
  });

  it('does not report a gateway-bound VirtualService for the same host, or exportTo scopes that do not overlap', () => {
    expect(codeLines('IST0109', ...BASE, routeTo('cart-edge', 'shop', 'cart', { hosts: ['cart'], gateways: ['public'] }))).toEqual([]);
    const a = routeTo('a', 'shop', 'payments', { exportTo: ['.'] });
    const b = routeTo('b', 'shop', 'payments', { exportTo: ['web'] });
    expect(codeLines('IST0109', ...BASE, service('payments', 'shop'), a, b)).toEqual([]);
    // A namespace-scoped VirtualService still conflicts with one exported everywhere.
    expect(codeLines('IST0109', ...BASE, service('payments', 'shop'), a, routeTo('c', 'shop', 'payments'))).toHaveLength(2);
  });
});

describe('IST0134 ServiceEntryAddressesRequired', () => {
  const se = (ports: string, extra = '') => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: orders-db, namespace: shop}
spec:
  hosts: [orders.example.rds.amazonaws.com]
  location: MESH_EXTERNAL
  resolution: DNS
  ports: ${ports}
${extra}`;

  it('reports each TCP or protocol-less port of a ServiceEntry without addresses, as an error', () => {
    const report = analyzeYaml(se('[{name: tcp-postgres, number: 5432, protocol: TCP}, {name: other, number: 6000}, {name: https, number: 443, protocol: HTTPS}]'));
    expect(report.findings.map((f) => [f.code, f.level, f.field])).toEqual([
      ['IST0134', 'error', 'spec.ports[0]'],
      ['IST0134', 'error', 'spec.ports[1]'],
    ]);
    expect(report.findings[0].message).toBe(
      'ServiceEntry addresses are required for this protocol. (port 5432/TCP: every sidecar in every namespace (no exportTo) sends all outbound traffic on port 5432 that matches no other Service IP to orders.example.rds.amazonaws.com)',
    );
  });

  it('does not report with addresses, non-TCP protocols, or a mesh config that auto-allocates addresses', () => {
    const tcp = '[{name: tcp-postgres, number: 5432, protocol: TCP}]';
    expect(codeLines('IST0134', se(tcp, '  addresses: [10.20.0.7/32]'))).toEqual([]);
    expect(codeLines('IST0134', se('[{name: https, number: 443, protocol: HTTPS}, {name: tls, number: 9443, protocol: TLS}]'))).toEqual([]);
    const meshConfig = (capture: string) => `apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    defaultConfig:
      proxyMetadata:
        ISTIO_META_DNS_CAPTURE: "${capture}"
        ISTIO_META_DNS_AUTO_ALLOCATE: "true"`;
    expect(codeLines('IST0134', se(tcp), meshConfig('true'))).toEqual([]);
    // Auto-allocation needs DNS capture too (Istio's condition).
    expect(codeLines('IST0134', se(tcp), meshConfig('false'))).toHaveLength(1);
  });

  it('accepts an entry exported to its own namespace only when every meshed pod there allocates addresses itself', () => {
    const tcp = '[{name: tcp-postgres, number: 5432, protocol: TCP}]';
    const pod = (name: string, proxyConfig?: string, inject = 'true') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: shop}
spec:
  template:
    metadata:
      labels: {app: ${name}, sidecar.istio.io/inject: "${inject}"}
      annotations: ${proxyConfig ? `{proxy.istio.io/config: '${proxyConfig}'}` : '{}'}
    spec: {containers: [{name: app, image: x:1}]}`;
    const allocating = '{"proxyMetadata":{"ISTIO_META_DNS_CAPTURE":"true","ISTIO_META_DNS_AUTO_ALLOCATE":"true"}}';
    const own = se(tcp, '  exportTo: ["."]');
    expect(codeLines('IST0134', own, pod('cart', allocating), pod('batch', undefined, 'false'))).toEqual([]);
    // one meshed pod without it still gets the 0.0.0.0:5432 listener
    expect(codeLines('IST0134', own, pod('cart', allocating), pod('catalog', '{"holdApplicationUntilProxyStarts":true}'))).toHaveLength(1);
    // exported everywhere: pods elsewhere are not in the input, so it is reported
    expect(codeLines('IST0134', se(tcp), pod('cart', allocating))).toHaveLength(1);
    // no pod at all: nothing proves the clients allocate
    expect(codeLines('IST0134', own)).toHaveLength(1);
  });
});

describe('IST0118 PortNameIsNotUnderNamingConvention', () => {
  const svc = (ports: string, labels = '') => `apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop${labels}}
spec:
  selector: {app: db}
  ports: ${ports}`;

  it('reports ports whose protocol neither the name prefix nor appProtocol tells (Istio level: info)', () => {
    expect(codeLines('IST0118', svc('[{name: postgres, port: 5432, targetPort: 5432}, {port: 8080}, {name: web, port: 80, appProtocol: postgresql}]'))).toEqual([
      'IST0118 info Service/shop/db: Port name postgres (port: 5432, targetPort: 5432) doesn\'t follow the naming convention of Istio port.',
      'IST0118 info Service/shop/db: Port name  (port: 8080, targetPort: 8080) doesn\'t follow the naming convention of Istio port.',
      'IST0118 info Service/shop/db: Port name web (port: 80, targetPort: 80) doesn\'t follow the naming convention of Istio port.',
    ]);
  });

  it('accepts protocol prefixes, appProtocol, well-known TCP ports, UDP and the Istio control plane', () => {
    expect(
      codeLines(
        'IST0118',
        svc('[{name: tcp-postgres, port: 5432}, {name: HTTP2, port: 81}, {name: grpc-web-ui, port: 82}, {name: web, port: 83, appProtocol: http}, {name: ws, port: 84, appProtocol: kubernetes.io/ws}, {name: mysql-main, port: 3306}, {port: 3306}, {name: dns, port: 53, protocol: UDP}]'),
        svc('[{name: status-port, port: 15021}]', ', labels: {istio: ingressgateway}'),
      ),
    ).toEqual([]);
  });
});

describe('IST0173 DestinationRuleSubsetNotSelectPods (and IST0174 UnknownDestinationRuleHost)', () => {
  const dr = (labels: string, host = 'cart') => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: cart-next, namespace: shop}
spec:
  host: ${host}
  subsets: [{name: v3, labels: ${labels}}]`;

  it('reports a subset whose labels no pod template behind the host carries', () => {
    expect(codeLines('IST0173', ...BASE, dr('{version: v3}'))).toEqual([
      'IST0173 error DestinationRule/shop/cart-next: The Subset v3 defined in the DestinationRule does not select any pods. Which may lead to 503 UH (NoHealthyUpstream). (host cart: no pod template in namespace shop has labels {"app":"cart","version":"v3"})',
    ]);
    // Pods with those labels behind another Service, or in another namespace, do not count.
    expect(codeLines('IST0173', ...BASE, dr('{version: v3}'), deployment('other-v3', 'shop', { app: 'other', version: 'v3' }), deployment('cart-v3', 'web', { app: 'cart', version: 'v3' }))).toHaveLength(1);
  });

  it('accepts a subset matching a pod template behind the host', () => {
    expect(codeLines('IST0173', ...BASE, dr('{version: v3}'), deployment('cart-v3', 'shop', { app: 'cart', version: 'v3' }))).toEqual([]);
    expect(codeLines('IST0173', ...BASE, dr('{version: v2}'))).toEqual([]);
  });

  it('warns (IST0174) instead when the host is unknown', () => {
    expect(lines(analyzeYaml(...BASE, dr('{version: v1}', 'nowhere')))).toEqual([
      'IST0174 warning DestinationRule/shop/cart-next: The host nowhere defined in the DestinationRule does not match any services in the mesh.',
    ]);
  });
});

describe('MF0001 RetryBudgetExceedsTimeout', () => {
  it('reports (1 + attempts) × perTryTimeout over the route timeout, with the values that would fit', () => {
    const bad = BASE[5].replace('attempts: 2, perTryTimeout: 1s', 'attempts: 3, perTryTimeout: 1s');
    const [f] = analyzeYaml(...BASE.slice(0, 5), bad).findings;
    expect([f.code, f.level, f.field]).toEqual(['MF0001', 'error', 'spec.http[0].retries']);
    expect(f.message).toBe('http[0] ("default"): (1 try + 3 retries) × perTryTimeout 1s = 4s, over the route timeout 3s: the last retries can never run');
    expect(f.fix).toBe('set spec.http[0].retries.attempts to 2, perTryTimeout to 750ms, or spec.http[0].timeout to 4s');
    const catalog = BASE[5].replace('timeout: 3s', 'timeout: 2s').replace('perTryTimeout: 1s', 'perTryTimeout: 800ms');
    expect(codeLines('MF0001', ...BASE.slice(0, 5), catalog)).toEqual([
      'MF0001 error VirtualService/shop/cart: http[0] ("default"): (1 try + 2 retries) × perTryTimeout 800ms = 2.4s, over the route timeout 2s: the last retries can never run',
    ]);
  });

  it('accepts a budget that fits exactly, and routes without timeout or perTryTimeout', () => {
    expect(codeLines('MF0001', ...BASE)).toEqual([]); // (1 + 2) × 1s = 3s
    expect(codeLines('MF0001', ...BASE.slice(0, 5), BASE[5].replace('      timeout: 3s\n', ''))).toEqual([]);
    expect(codeLines('MF0001', ...BASE.slice(0, 5), BASE[5].replace(', perTryTimeout: 1s', ''))).toEqual([]);
  });
});

describe('MF0002 ServiceAccountNotFound', () => {
  it('reports a serviceAccountName that nothing in the input creates', () => {
    const w = deployment('payments', 'shop', { app: 'payments' }, '      serviceAccountName: payments\n');
    expect(codeLines('MF0002', ...BASE, w)).toEqual([
      'MF0002 error Deployment/shop/payments: spec.template.spec.serviceAccountName names ServiceAccount shop/payments, which nothing in the checked input creates; the API server refuses its pods until it exists',
    ]);
    // An account of that name in another namespace does not count.
    expect(codeLines('MF0002', ...BASE, deployment('cart', 'web', { app: 'cart' }, '      serviceAccountName: cart\n'))).toHaveLength(1);
  });

  it('accepts an existing account, default, and a workload annotated as using an account made elsewhere', () => {
    expect(codeLines('MF0002', ...BASE, deployment('p', 'shop', { app: 'p' }, '      serviceAccountName: default\n'))).toEqual([]);
    const annotatedTemplate = deployment('p', 'shop', { app: 'p' }, '      serviceAccountName: external\n').replace(
      '    metadata:\n',
      '    metadata:\n      annotations: {meshforge.io/existing-service-account: "true"}\n',
    );
    expect(codeLines('MF0002', annotatedTemplate)).toEqual([]);
    const annotatedWorkload = deployment('p', 'shop', { app: 'p' }, '      serviceAccountName: external\n').replace(
      'metadata: {name: p, namespace: shop}',
      'metadata: {name: p, namespace: shop, annotations: {meshforge.io/existing-service-account: "true"}}',
    );
    expect(codeLines('MF0002', annotatedWorkload)).toEqual([]);
    // MeshService existingServiceAccount writes the account's own name; another name does not count
    const named = (value: string) => deployment('p', 'shop', { app: 'p' }, '      serviceAccountName: external\n').replace(
      'metadata: {name: p, namespace: shop}',
      `metadata: {name: p, namespace: shop, annotations: {meshforge.io/existing-service-account: ${value}}}`,
    );
    expect(codeLines('MF0002', named('external'))).toEqual([]);
    expect(codeLines('MF0002', named('other'))).toHaveLength(1);
  });

  it('accepts what MeshService emits for existingServiceAccount', () => {
    const objects = render((c) => new MeshService(c, 'cart', { namespace: 'shop', image: 'ghcr.io/acme/cart:1.4.2', existingServiceAccount: 'payments-sa' }));
    expect(analyzeYaml(objects.map((o) => stringify(o)).join('---\n')).findings.filter((f) => f.code === 'MF0002')).toEqual([]);
  });
});

describe('MF0003 RouteWeightsNotHundred', () => {
  it('reports weights of a multi-destination route that do not sum to 100', () => {
    expect(codeLines('MF0003', ...BASE.slice(0, 5), BASE[5].replace('weight: 10', 'weight: 20'))).toEqual([
      'MF0003 error VirtualService/shop/cart: http[0] route weights sum to 110 (90 + 20), not 100; Istio rescales them to shares of the total',
    ]);
    expect(codeLines('MF0003', ...BASE.slice(0, 5), BASE[5].replace(', weight: 90', '').replace(', weight: 10', ''))).toEqual([
      'MF0003 error VirtualService/shop/cart: http[0] route weights sum to 0 (0 + 0), not 100; Istio rejects an all-zero route',
    ]);
  });

  it('accepts 100 and a single destination without weight', () => {
    expect(codeLines('MF0003', ...BASE, routeTo('pay', 'shop', 'cart', { hosts: ['pay'] }))).toEqual([]);
  });
});

describe('MF0004 GatewayCredentialNotInGatewayNamespace', () => {
  const gateway = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers:
    - port: {number: 443, name: https, protocol: HTTPS}
      hosts: [shop.example.com]
      tls: {mode: SIMPLE, credentialName: shop-tls}`;
  const secret = (ns: string) => `apiVersion: v1
kind: Secret
metadata: {name: shop-tls, namespace: ${ns}}
type: kubernetes.io/tls
data: {tls.crt: "", tls.key: ""}`;
  const ingress = deployment('istio-ingressgateway', 'istio-system', { istio: 'ingressgateway' });

  it('errors when the Secret is created outside the namespace of the gateway pods in the input', () => {
    expect(codeLines('MF0004', gateway, secret('shop'), ingress)).toEqual([
      'MF0004 error Gateway/shop/public: credentialName "shop-tls": the Secret is created in shop, but the gateway pods (istio=ingressgateway) run in istio-system, where Istio looks for it',
    ]);
  });

  it('warns when the gateway pods are not in the input and none run where the Secret is', () => {
    expect(codeLines('MF0004', gateway, secret('shop'))).toEqual([
      'MF0004 warning Gateway/shop/public: credentialName "shop-tls": the Secret is created in shop, where no pod template matches the gateway selector istio=ingressgateway; Istio reads it from the gateway pods\' namespace (istio-system for the default profile)',
    ]);
    const certificate = `apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: shop, namespace: shop}
spec: {secretName: shop-tls, dnsNames: [shop.example.com], issuerRef: {name: letsencrypt, kind: ClusterIssuer}}`;
    expect(codeLines('MF0004', gateway, certificate)).toHaveLength(1);
  });

  it('accepts the Secret in the gateway pods\' namespace, and a Secret made outside the input', () => {
    expect(codeLines('MF0004', gateway, secret('istio-system'), ingress)).toEqual([]);
    expect(codeLines('MF0004', gateway, ingress)).toEqual([]);
    expect(codeLines('MF0004', gateway)).toEqual([]);
  });
});

describe('suppression and hand-written input', () => {
  it('honours galley.istio.io/analyze-suppress like istioctl (listed codes or *)', () => {
    const bad = BASE[5].replace('attempts: 2', 'attempts: 3').replace('weight: 10', 'weight: 20');
    const suppress = (value: string) => bad.replace('metadata: {name: cart, namespace: shop}', `metadata: {name: cart, namespace: shop, annotations: {galley.istio.io/analyze-suppress: "${value}"}}`);
    const one = analyzeYaml(...BASE.slice(0, 5), suppress('MF0001'));
    expect(one.findings.map((f) => f.code)).toEqual(['MF0003']);
    expect(one.suppressed.map((f) => f.code)).toEqual(['MF0001']);
    expect(analyzeYaml(...BASE.slice(0, 5), suppress('*')).findings).toEqual([]);
  });

  it('reads Helm-rendered YAML: comments, no namespace (default, as istioctl assumes)', () => {
    const helm = `# Source: shop/templates/vs.yaml
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: shop
spec:
  hosts: [shop]
  http:
    - route:
        - destination: {host: shop}`;
    expect(lines(analyzeYaml(helm))).toEqual(['IST0101 error VirtualService//shop: Referenced host not found: "shop"']);
    expect(lines(analyzeYaml(helm, '# Source: shop/templates/svc.yaml\napiVersion: v1\nkind: Service\nmetadata: {name: shop}\nspec: {ports: [{name: http, port: 80}]}'))).toEqual([]);
  });
});

describe('mesh analyzer at scale', () => {
  it('analyzes 3000 services (15000 objects) and finds the one broken subset', async () => {
    const { analyzeObjects } = await import('../../lib/analysis');
    const manifests: Record<string, unknown>[] = [];
    for (let i = 0; i < 3000; i++) {
      const ns = `team-${i % 50}`;
      const name = `svc-${i}`;
      const labels = { app: name, version: 'v1', 'app.kubernetes.io/part-of': 'shop' };
      manifests.push(
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns }, spec: { template: { metadata: { labels }, spec: { serviceAccountName: name, containers: [{ name, image: 'x:1' }] } } } },
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns } },
        { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 80 }] } },
        { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name, namespace: ns }, spec: { host: name, subsets: [{ name: 'v1', labels: { version: i === 2999 ? 'v9' : 'v1' } }] } },
        {
          apiVersion: 'networking.istio.io/v1',
          kind: 'VirtualService',
          metadata: { name, namespace: ns },
          spec: { hosts: [name], exportTo: ['.'], http: [{ timeout: '3s', retries: { attempts: 2, perTryTimeout: '1s' }, route: [{ destination: { host: name, subset: 'v1' } }] }] },
        },
      );
    }
    const report = analyzeObjects(manifests.map((manifest, index) => ({ manifest, file: 'scale.yaml', index })));
    expect(report.findings.map((f) => `${f.code} ${f.object.namespace}/${f.object.name}`)).toEqual(['IST0173 team-49/svc-2999']);
  });
});
