import { App, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { ExternalService, MeshGateway, MeshService, MeshServiceProps, MeshStatefulService, RouteTarget, StringMatch, synthesizeApp, defineApp } from '../../lib';
import { analyzeObjects } from '../../lib/analysis/analyze';
import { Obj, one, render, routeFor } from './render';

/*
 * Routes beyond the service's own versions (ports, other services, external
 * and explicit hosts), gateway references, and what a gateway exposes.
 */

const IMAGE = 'ghcr.io/acme/web:1.0.0';

/** web (c/web, namespace shop) with `extra` applied, rendered through the real synth. */
function web(extra: (svc: MeshService, chart: Chart) => void, props: Partial<MeshServiceProps> = {}): Obj[] {
  return render((chart) => extra(new MeshService(chart, 'web', { namespace: 'shop', image: IMAGE, ...props }), chart));
}

const validation = (detail: string, path = 'c/web') => `app "test" failed to synthesize: validation failed with 1 error(s):\n  [${path}] ${detail}`;

describe('route destinations', () => {
  it('names a port of the service, another MeshService (any namespace), an ExternalService or an explicit host; subsets only on its own versions', () => {
    const objs = web((svc, chart) => {
      const reviews = new MeshService(chart, 'reviews', { namespace: 'books', image: IMAGE, ports: [{ port: 9080, protocol: 'http' }] });
      const api = new ExternalService(chart, 'payments', {
        namespace: 'shop', host: 'api.payments.example.com', ports: [{ number: 80, protocol: 'HTTP' }],
      });
      svc
        .addRoute({ name: 'own-port', match: [{ uri: StringMatch.prefix('/v2/') }], destinations: [{ version: 'v2', port: 8080, weight: 100 }] })
        .addRoute({
          name: 'split-out',
          match: [{ uri: StringMatch.prefix('/reviews/') }],
          destinations: [{ version: 'v1', weight: 80 }, { to: RouteTarget.service(reviews), weight: 20 }],
        })
        .addRoute({ name: 'pay', match: [{ uri: StringMatch.prefix('/pay/') }], destinations: [{ to: RouteTarget.external(api), weight: 100 }] })
        .addRoute({ name: 'legacy', match: [{ uri: StringMatch.prefix('/legacy/') }], destinations: [{ to: RouteTarget.host('legacy.old-shop.svc.cluster.local'), port: 80, weight: 100 }] });
    }, { versions: ['v1', 'v2'] });
    const http = one(objs, 'VirtualService', 'web').spec.http as Obj[];
    const routeOf = (name: string) => http.find((r) => r.name === name)!.route;
    expect(routeOf('own-port')).toEqual([{ destination: { host: 'web.shop.svc.cluster.local', subset: 'v2', port: { number: 8080 } } }]);
    expect(routeOf('split-out')).toEqual([
      { destination: { host: 'web.shop.svc.cluster.local', subset: 'v1' }, weight: 80 },
      { destination: { host: 'reviews.books.svc.cluster.local' }, weight: 20 },
    ]);
    expect(routeOf('pay')).toEqual([{ destination: { host: 'api.payments.example.com' } }]);
    expect(routeOf('legacy')).toEqual([{ destination: { host: 'legacy.old-shop.svc.cluster.local', port: { number: 80 } } }]);
    // the DestinationRule keeps only the service's own subsets
    expect(one(objs, 'DestinationRule', 'web').spec.subsets.map((s: Obj) => s.name)).toEqual(['v1', 'v2']);
  });

  it('FOREIGN_SUBSET: a version on another host', () => {
    expect(() =>
      web((svc, chart) => {
        const reviews = new MeshService(chart, 'reviews', { namespace: 'books', image: IMAGE });
        svc.addRoute({ destinations: [{ to: RouteTarget.service(reviews), version: 'v1', weight: 100 }] });
      }),
    ).toThrowError(
      validation(
        'route destination names a subset of another host; field: routes[0].destinations[0].version; value: "v1"; expected: no version: subsets exist only for this service\'s own versions (v1); reviews.books.svc.cluster.local is routed to as a whole (its own VirtualService split does not apply to this route)',
      ),
    );
  });

  it('ROUTE_DESTINATION: an HTTP route to a TCP port of another service (a StatefulSet Redis) is refused', () => {
    expect(() =>
      web((svc, chart) => {
        const queue = new MeshStatefulService(chart, 'queue', { namespace: 'shop', image: 'docker.io/library/redis:7.2.5', ports: [{ port: 6379, protocol: 'tcp', name: 'tcp-redis' }] });
        svc.addRoute({ destinations: [{ to: RouteTarget.service(queue), weight: 100 }] });
      }),
    ).toThrowError(
      validation('HTTP route to a port that is not HTTP; field: routes[0].destinations[0].port; value: 6379; expected: a port of queue.shop.svc.cluster.local named http, http2, grpc or grpc-web (Istio reads the protocol from the port name); a TCP service is reached directly by its callers, not through an HTTP route'),
    );
  });

  it('DESTINATION_PORT: a port the destination does not have, or none when it has several', () => {
    expect(() => web((svc) => svc.addRoute({ destinations: [{ version: 'v1', port: 9999, weight: 100 }] }))).toThrowError(
      validation('route destination port is not a port of the service; field: routes[0].destinations[0].port; value: 9999; expected: one of 8080'),
    );
    expect(() =>
      web((svc, chart) => {
        const api = new MeshService(chart, 'api', { namespace: 'shop', image: IMAGE, ports: [{ port: 8080, protocol: 'http' }, { port: 9090, protocol: 'grpc' }] });
        svc.addRoute({ destinations: [{ to: RouteTarget.service(api), weight: 100 }] });
      }),
    ).toThrowError(
      validation('route destination has several ports and names none; field: routes[0].destinations[0].port; value: undefined; expected: one of 8080, 9090 (Istio requires the port when the host has several)'),
    );
    expect(() =>
      web((svc, chart) => {
        const api = new MeshService(chart, 'api', { namespace: 'shop', image: IMAGE });
        svc.addRoute({ destinations: [{ to: RouteTarget.service(api), port: 80, weight: 100 }] });
      }),
    ).toThrowError(
      validation('route destination port is not a port of the destination; field: routes[0].destinations[0].port; value: 80; expected: one of 8080 (ports of api.shop.svc.cluster.local)'),
    );
  });

  it('UNKNOWN_SUBSET: an own destination without a version', () => {
    expect(() => web((svc) => svc.addRoute({ destinations: [{ weight: 100 }] }))).toThrowError(
      validation('route destination names an unknown subset; field: routes[0].destinations; value: undefined; expected: one of the declared versions: v1'),
    );
  });

  it('INVALID_HOST: an explicit host must be fully qualified', () => {
    const svc = new MeshService(new Chart(new App(), 'c'), 'web', { namespace: 'shop', image: IMAGE });
    expect(() => svc.addRoute({ destinations: [{ to: RouteTarget.host('reviews'), weight: 100 }] })).toThrowError(
      '[c/web] route destination host is not a fully qualified DNS name; field: routes[0].destinations[0].to; value: "reviews"; expected: a lowercase DNS name with a dot, e.g. "reviews.bookinfo.svc.cluster.local" (a short name would mean the VirtualService\'s namespace; for a MeshService or ExternalService pass the object)',
    );
  });

  it('EXPORT_TO and ROUTE_DESTINATION: an ExternalService must be in the registry and visible where the route runs', () => {
    const external = (chart: Chart, props: { exportTo?: string[]; serviceEntry?: boolean; namespace?: string }) =>
      new ExternalService(chart, 'payments', { namespace: props.namespace ?? 'shop', host: 'api.payments.example.com', ports: [{ number: 80, protocol: 'HTTP' }], ...props });
    // exportTo "." in another namespace: web's callers' sidecars in shop never see the host
    expect(() =>
      web((svc, chart) => svc.addRoute({ destinations: [{ to: RouteTarget.external(external(chart, { namespace: 'payments' })), weight: 100 }] })),
    ).toThrowError(
      validation(
        'route destination is not visible to the proxies that execute the route; field: routes[0].destinations[0].to; value: "api.payments.example.com"; expected: exportTo of the ExternalService including "shop" (the route runs in the sidecars of web\'s callers in shop; exportTo is ["."])',
      ),
    );
    // a gateway route runs in the ingress gateway pods (istio-system by default)
    expect(() =>
      web((svc, chart) => {
        const gw = new MeshGateway(chart, 'public', { namespace: 'shop', hosts: ['shop.example.com'] });
        svc.exposeVia(gw).addRoute({ gateways: [gw], destinations: [{ to: RouteTarget.external(external(chart, {})), weight: 100 }] });
      }),
    ).toThrowError(
      validation(
        'route destination is not visible to the proxies that execute the route; field: routes[0].destinations[0].to; value: "api.payments.example.com"; expected: exportTo of the ExternalService including "istio-system" (the route runs in the ingress gateway pods of shop/public in istio-system (MeshGateway workload.namespace); exportTo is ["."])',
      ),
    );
    expect(() =>
      web((svc, chart) => {
        const gw = new MeshGateway(chart, 'public', { namespace: 'shop', hosts: ['shop.example.com'] });
        svc.exposeVia(gw).addRoute({ gateways: [gw], destinations: [{ to: RouteTarget.external(external(chart, { exportTo: ['.', 'istio-system'] })), weight: 100 }] });
      }),
    ).not.toThrow();
    // plain HTTP to a TLS port would fail: meshforge emits no TLS origination
    expect(() =>
      web((svc, chart) => {
        const tls = new ExternalService(chart, 'bank', { namespace: 'shop', host: 'api.bank.example.com', ports: [{ number: 443, protocol: 'HTTPS' }] });
        svc.addRoute({ destinations: [{ to: RouteTarget.external(tls), weight: 100 }] });
      }),
    ).toThrowError(
      validation(
        'HTTP route to a TLS port of an ExternalService; field: routes[0].destinations[0].port; value: 443; expected: a port with protocol HTTP or GRPC: the route forwards plain HTTP, and a TLS port would need TLS origination (a DestinationRule with tls mode SIMPLE for the host, istio.io "Egress TLS Origination"), which meshforge does not emit',
      ),
    );
    expect(() =>
      web((svc, chart) => svc.addRoute({ destinations: [{ to: RouteTarget.external(external(chart, { serviceEntry: false })), weight: 100 }] })),
    ).toThrowError(
      validation(
        'route to an ExternalService without a ServiceEntry; field: routes[0].destinations[0].to; value: "api.payments.example.com"; expected: serviceEntry: true on the ExternalService (Istio routes only to hosts in its registry)',
      ),
    );
  });
});

describe('gateway exposure', () => {
  it('bindFrom: a host a service exposes binds only VirtualServices of its namespace; others stay bare; any: all bare', () => {
    const build = (bindFrom?: 'any' | 'exposing-namespaces') => (chart: Chart) => {
      const gw = new MeshGateway(chart, 'public', { namespace: 'ingress', hosts: ['shop.example.com', '*.example.com', 'admin.example.com'], bindFrom });
      new MeshService(chart, 'web', { namespace: 'shop', image: IMAGE }).exposeVia(gw, { hosts: ['shop.example.com'], exposeAll: true });
      new MeshService(chart, 'blog', { namespace: 'blog', image: IMAGE }).exposeVia(gw, { hosts: ['blog.example.com'], exposeAll: true });
    };
    // by default the wildcard stays bare: another team's VirtualService (promo.example.com in marketing) may bind under it
    expect(one(render(build()), 'Gateway', 'public').spec.servers[0].hosts).toEqual(['shop/shop.example.com', '*.example.com', 'admin.example.com']);
    const objs = render(build('exposing-namespaces'));
    // *.example.com covers both exposed hosts; admin.example.com nobody exposes (a VirtualService of yours may)
    expect(one(objs, 'Gateway', 'public').spec.servers[0].hosts).toEqual(['shop/shop.example.com', 'blog/*.example.com', 'shop/*.example.com', 'admin.example.com']);
    // what istiod does with it: each service's gateway VirtualService still binds (IST0132 otherwise)
    const report = analyzeObjects(objs.map((manifest, index) => ({ manifest, file: 'dist.yaml', index })));
    expect(report.findings.filter((f) => f.code === 'IST0132')).toEqual([]);
    expect(one(render(build('any')), 'Gateway', 'public').spec.servers[0].hosts).toEqual(['shop.example.com', '*.example.com', 'admin.example.com']);
  });


  it('publishes only the listed routes: any other path finds no route on the gateway (404), the mesh keeps every path', () => {
    const objs = web((svc, chart) => {
      const gw = new MeshGateway(chart, 'public', { namespace: 'shop', hosts: ['shop.example.com'] });
      svc.exposeVia(gw)
        .addRoute({ name: 'pages', match: [{ uri: StringMatch.exact('/') }, { uri: StringMatch.prefix('/static/') }], gateways: [gw] })
        .addRoute({ name: 'admin-ui', match: [{ uri: StringMatch.prefix('/admin') }], timeout: undefined });
    });
    const edge = one(objs, 'VirtualService', 'web-gateway');
    expect(edge.spec.http.map((r: Obj) => r.name)).toEqual(['pages']);
    expect(routeFor(edge, 'shop/public', '/')).toBe('pages');
    expect(routeFor(edge, 'shop/public', '/static/app.css')).toBe('pages');
    expect(routeFor(edge, 'shop/public', '/admin')).toBeUndefined();
    expect(routeFor(edge, 'shop/public', '/index.html')).toBeUndefined();
    const mesh = one(objs, 'VirtualService', 'web');
    expect(routeFor(mesh, 'mesh', '/admin')).toBe('admin-ui');
    expect(routeFor(mesh, 'shop/public', '/')).toBeUndefined();
  });

  it('exposeAll binds the default route to that gateway only; a route for mesh and a gateway goes to both VirtualServices', () => {
    const objs = web((svc, chart) => {
      const a = new MeshGateway(chart, 'a', { namespace: 'shop', hosts: ['a.example.com'] });
      const b = new MeshGateway(chart, 'b', { namespace: 'shop', hosts: ['b.example.com'] });
      svc.exposeVia(a, { exposeAll: true }).exposeVia(b)
        .addRoute({ name: 'api', match: [{ uri: StringMatch.prefix('/api/') }], gateways: ['mesh', b] });
    });
    const edge = one(objs, 'VirtualService', 'web-gateway');
    expect(edge.spec.gateways).toEqual(['shop/a', 'shop/b']);
    expect(edge.spec.hosts).toEqual(['a.example.com', 'b.example.com']);
    expect(edge.spec.http).toEqual([
      { name: 'api', match: [{ uri: { prefix: '/api/' }, gateways: ['shop/b'] }], route: [{ destination: { host: 'web.shop.svc.cluster.local', subset: 'v1' } }] },
      { name: 'default', match: [{ gateways: ['shop/a'] }], route: [{ destination: { host: 'web.shop.svc.cluster.local', subset: 'v1' } }] },
    ]);
    expect(routeFor(edge, 'shop/a', '/admin')).toBe('default');
    expect(routeFor(edge, 'shop/b', '/admin')).toBeUndefined();
    expect(one(objs, 'VirtualService', 'web').spec.http.map((r: Obj) => r.name)).toEqual(['api', 'default']);
  });

  it('GATEWAY_NO_ROUTES: an exposure no route is bound to (nothing is published by default)', () => {
    expect(() =>
      web((svc, chart) => {
        svc.exposeVia(new MeshGateway(chart, 'public', { namespace: 'shop', hosts: ['shop.example.com'] }));
        svc.addRoute({ match: [{ uri: StringMatch.prefix('/') }] });
      }),
    ).toThrowError(
      validation(
        'service exposed through a gateway that no route is bound to; field: exposeVia[0]; value: "shop/public"; expected: routes that list the gateway for the paths to publish (addRoute({ match, gateways: [gateway] })), or exposeVia(gateway, { exposeAll: true }) to publish every path',
      ),
    );
  });

  it('ROUTE_PROTOCOL: a gateway exposure of a service without HTTP ports', () => {
    expect(() =>
      web((svc, chart) => svc.exposeVia(new MeshGateway(chart, 'public', { namespace: 'shop', hosts: ['shop.example.com'] }), { exposeAll: true }), {
        ports: [{ port: 6379, protocol: 'tcp' }],
      }),
    ).toThrowError(
      validation('gateway exposure of a service without HTTP ports; field: exposeVia[0]; value: "shop/public"; expected: a port with protocol http, http2, grpc (the gateway forwards HTTP routes only)'),
    );
  });

  it('references a gateway by object, by name (the service\'s namespace) or as namespace/name', () => {
    const objs = web((svc, chart) => {
      const local = new MeshGateway(chart, 'public', { namespace: 'shop', hosts: ['shop.example.com'] });
      const edge = new MeshGateway(chart, 'edge', { namespace: 'istio-system', hosts: ['edge.example.com'] });
      svc.exposeVia(local).exposeVia(edge)
        .addRoute({ name: 'by-object', match: [{ uri: StringMatch.prefix('/a/') }], gateways: [local] })
        .addRoute({ name: 'by-name', match: [{ uri: StringMatch.prefix('/b/') }], gateways: ['public'] })
        .addRoute({ name: 'by-ref', match: [{ uri: StringMatch.prefix('/c/') }], gateways: ['istio-system/edge'] });
    });
    const http = one(objs, 'VirtualService', 'web-gateway').spec.http as Obj[];
    expect(http.map((r) => [r.name, r.match[0].gateways])).toEqual([
      ['by-object', ['shop/public']],
      ['by-name', ['shop/public']],
      ['by-ref', ['istio-system/edge']],
    ]);
  });

  it('UNKNOWN_GATEWAY says how a short name was read; INVALID_GATEWAY_REF says what is wrong with the format', () => {
    expect(() =>
      web((svc, chart) => {
        const edge = new MeshGateway(chart, 'public', { namespace: 'istio-system', hosts: ['shop.example.com'] });
        svc.exposeVia(edge, { exposeAll: true }).addRoute({ gateways: ['public'] });
      }),
    ).toThrowError(
      validation(
        'route references a gateway the service is not exposed through; field: routes[0].gateways[0]; value: "public"; expected: one of "mesh", "istio-system/public" ("public" means shop/public: a name without namespace is the service\'s namespace, as in Istio); expose the service with exposeVia(gateway) first',
      ),
    );
    const svc = new MeshService(new Chart(new App(), 'c'), 'web', { namespace: 'shop', image: IMAGE });
    for (const bad of ['istio-system/public/x', 'Public', 'istio-system/', '']) {
      expect(() => svc.addRoute({ gateways: [bad] })).toThrowError(
        `[c/web] invalid gateway reference; field: routes[0].gateways[0]; value: ${JSON.stringify(bad)}; expected: "mesh", a MeshGateway object, a gateway name in the service's namespace ("public") or "<namespace>/<name>" ("istio-system/public"), made of DNS labels`,
      );
    }
  });

  it('a "*" gateway host (clients by IP) is exposed on a gateway-only VirtualService, with a synth notice', () => {
    const out = synthesizeApp(
      defineApp({
        name: 'test',
        description: 'wildcard gateway',
        build(app) {
          const chart = new Chart(app, 'c');
          const gw = new MeshGateway(chart, 'any', { namespace: 'shop', hosts: ['*'] });
          new MeshService(chart, 'web', { namespace: 'shop', image: IMAGE })
            .exposeVia(gw)
            .addRoute({ name: 'home', match: [{ uri: StringMatch.exact('/') }], gateways: [gw] });
        },
      }),
    );
    const text = [...out.files.values()].join('\n');
    expect(text).toMatch(/name: web-gateway\n {2}namespace: shop\nspec:\n {2}gateways:\n {4}- shop\/any\n {2}hosts:\n {4}- "\*"/);
    expect(out.notices).toEqual([
      { file: '', text: 'c/any/WildcardHost: gateway shop/any accepts host "*": requests with any Host header (or none, by IP) reach every route exposed through it on 80' },
    ]);
  });
});
