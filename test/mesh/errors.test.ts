import { App, Chart, Duration } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { ExternalService, HealthCheck, MeshGateway, MeshNamespace, MeshService, MeshServiceProps, MeshforgeError, StringMatch } from '../../lib';
import { render } from './render';

const IMAGE = 'ghcr.io/acme/cart:1.4.2';

/** Builds a service in chart `c` (path `c/cart`) and runs the real synth pipeline. */
function synth(props: Partial<MeshServiceProps> = {}, extra?: (svc: MeshService, chart: Chart) => void): void {
  render((chart) => {
    const svc = new MeshService(chart, 'cart', { namespace: 'shop', image: IMAGE, versions: ['v1', 'v2'], ...props });
    extra?.(svc, chart);
  });
}

/** The message synth reports for one failed validation of `c/cart`. */
const validation = (detail: string) => `app "test" failed to synthesize: validation failed with 1 error(s):\n  [c/cart] ${detail}`;

describe('synth-time cross-object checks', () => {
  it('ROUTE_WEIGHTS: canary weights must sum to 100', () => {
    expect(() => synth({}, (s) => s.canary({ v1: 80, v2: 10 }))).toThrowError(
      validation(
        'route weights sum to 90; field: canary; value: {"v1":80,"v2":10}; expected: whole, non-negative weights that sum to 100 (Istio would silently normalise them)',
      ),
    );
  });

  it('ROUTE_WEIGHTS: route destinations must sum to 100 and be whole and non-negative', () => {
    expect(() =>
      synth({}, (s) =>
        s.addRoute({
          destinations: [
            { version: 'v1', weight: 110 },
            { version: 'v2', weight: -10 },
          ],
        }),
      ),
    ).toThrowError(
      validation(
        'route weights sum to 100; field: routes[0].destinations; value: {"v1":110,"v2":-10}; expected: whole, non-negative weights that sum to 100 (Istio would silently normalise them)',
      ),
    );
  });

  it('UNKNOWN_SUBSET: a route destination names a version that is not declared', () => {
    expect(() => synth({}, (s) => s.addRoute({ destinations: [{ version: 'v3', weight: 100 }] }))).toThrowError(
      validation('route destination names an unknown subset; field: routes[0].destinations; value: "v3"; expected: one of the declared versions: v1, v2'),
    );
  });

  it('UNKNOWN_SUBSET: a mirror names a version that is not declared', () => {
    expect(() => synth({}, (s) => s.addRoute({ mirror: { version: 'shadow' } }))).toThrowError(
      validation('mirror names an unknown subset; field: routes[0].mirror.version; value: "shadow"; expected: one of the declared versions: v1, v2'),
    );
  });

  it('UNKNOWN_VERSION: a canary target has no Deployment', () => {
    expect(() => synth({}, (s) => s.canary({ v1: 90, v3: 10 }))).toThrowError(
      validation('release target has no Deployment; field: canary; value: "v3"; expected: one of the declared versions: v1, v2 (add it with versions or addVersion)'),
    );
  });

  it('UNKNOWN_VERSION: an A/B default and blue-green target must exist', () => {
    expect(() => synth({}, (s) => s.abTest([{ match: { uri: StringMatch.prefix('/b') }, version: 'v2' }], 'v0'))).toThrowError(
      validation('release target has no Deployment; field: abTest.defaultVersion; value: "v0"; expected: one of the declared versions: v1, v2 (add it with versions or addVersion)'),
    );
    expect(() => synth({}, (s) => s.blueGreen('green'))).toThrowError(
      validation('release target has no Deployment; field: blueGreen; value: "green"; expected: one of the declared versions: v1, v2 (add it with versions or addVersion)'),
    );
  });

  it('UNKNOWN_SUBSET: an A/B variant targets an unknown version', () => {
    expect(() => synth({}, (s) => s.abTest([{ match: { uri: StringMatch.prefix('/b') }, version: 'v9' }], 'v1'))).toThrowError(
      validation('route destination names an unknown subset; field: abTest[0].destinations; value: "v9"; expected: one of the declared versions: v1, v2'),
    );
  });

  it('a version added after the canary satisfies the check (validation runs at synth time)', () => {
    expect(() =>
      synth({ versions: ['v1'] }, (s) => {
        s.canary({ v1: 90, v2: 10 });
        s.addVersion({ name: 'v2' });
      }),
    ).not.toThrow();
  });

  it('UNKNOWN_GATEWAY: a route names a gateway the service is not exposed through', () => {
    expect(() => synth({}, (s) => s.addRoute({ gateways: ['istio-system/public'] }))).toThrowError(
      validation(
        'route references a gateway the service is not exposed through; field: routes[0].gateways[0]; value: "istio-system/public"; expected: one of "mesh"; expose the service with exposeVia(gateway) first',
      ),
    );
  });

  it('SELECTOR_MISMATCH: pod labels changed through the escape hatch no longer match the Service and subset', () => {
    expect(() => synth({ versions: ['v1'] }, (s) => s.deployments.get('v1')!.podMetadata.addLabel('app', 'basket'))).toThrowError(
      validation(
        'pod labels do not match the Service selector and subset; field: deployments.v1.podMetadata.labels.app; value: "basket"; expected: "cart" (the Service selects app=cart; subset v1 selects version=v1)',
      ),
    );
  });

  it('ROUTE_PROTOCOL: HTTP routes need an HTTP port', () => {
    expect(() => synth({ ports: [{ port: 6379, protocol: 'tcp' }] }, (s) => s.addRoute({ name: 'by-path', match: [{ uri: StringMatch.prefix('/') }] }))).toThrowError(
      validation(
        'HTTP route on a service without HTTP ports; field: routes[0]; value: "by-path"; expected: a port with protocol http, http2, grpc; TCP and TLS ports only follow the default split (canary / blueGreen)',
      ),
    );
  });

  it('DISRUPTION_BUDGET: a budget that allows no eviction for some version', () => {
    expect(() => synth({ versions: ['v1', { name: 'v2', replicas: 1 }], disruptionBudget: { minAvailable: 1 } })).toThrowError(
      validation(
        'PodDisruptionBudget of v2 allows no eviction with 1 replica(s); field: disruptionBudget; value: {"minAvailable":1}; expected: minAvailable below the replicas of every version (or maxUnavailable ≥ 1), or node drains block forever',
      ),
    );
    expect(() => synth({ versions: ['v1'], disruptionBudget: { maxUnavailable: 0 } })).toThrowError('allows no eviction with 2 replica(s)');
  });

  it('INVALID_DURATION: Istio rejects durations under 1ms (at construction, with path and field)', () => {
    expect(() => synth({ timeout: Duration.seconds(0) })).toThrowError(
      /^app "test" failed to synthesize: \[c\/cart\] duration too short for Istio; field: timeout; value: "0ms"; expected: a whole number of milliseconds, at least 1ms \(Istio rejects shorter durations\)$/,
    );
  });

  it('ROUTE_MATCH: a cookie condition cannot be combined with a cookie header condition', () => {
    expect(() =>
      synth({}, (s) => s.addRoute({ match: [{ uri: StringMatch.prefix('/') }, { cookie: { name: 'g', value: 'b' }, headers: { Cookie: StringMatch.regex('.*') } }] })),
    ).toThrowError(
      validation(
        'cookie and headers.cookie in one match; field: routes[0].match[1]; value: "g"; expected: either cookie or a headers.cookie condition: both become the one cookie header match',
      ),
    );
  });

  it('MESH_DISABLED: routes and release strategies need the mesh', () => {
    expect(() => synth({ mesh: false }, (s) => s.canary({ v1: 90, v2: 10 }))).toThrowError(
      validation(
        'traffic management on a service outside the mesh; field: canary; value: "mesh: false"; expected: mesh: true, or remove the routes / release strategy / gateway exposure (plain Services balance by replica count)',
      ),
    );
  });

  it('SELECTOR_MISMATCH: podLabels may not override app or version', () => {
    expect(() => synth({ versions: ['v1'], podLabels: { version: 'stable' } })).toThrowError(
      validation(
        'pod labels do not match the Service selector and subset; field: deployments.v1.podMetadata.labels.version; value: "stable"; expected: "v1" (the Service selects app=cart; subset v1 selects version=v1)',
      ),
    );
  });

  it('DUPLICATE_HOST: two services cannot share a public host on one gateway', () => {
    expect(() =>
      render((chart) => {
        const gw = new MeshGateway(chart, 'public', { namespace: 'edge', hosts: ['shop.example.com'] });
        new MeshService(chart, 'storefront', { namespace: 'shop', image: IMAGE }).exposeVia(gw, { exposeAll: true });
        new MeshService(chart, 'cart', { namespace: 'shop', image: IMAGE }).exposeVia(gw, { exposeAll: true });
      }),
    ).toThrowError(
      'app "test" failed to synthesize: validation failed with 1 error(s):\n  [c/public] host exposed by two services: c/storefront and c/cart; field: hosts; value: "shop.example.com"; expected: one service per host on edge/public; give c/cart its own host in exposeVia, or route to it from c/storefront\'s gateway routes (destinations: [{ to: RouteTarget.service(...) }])',
    );
  });

  it('reports every failure at once, and check() returns them with their codes', () => {
    let codes: string[] = [];
    let message = '';
    try {
      synth({}, (s) => {
        s.canary({ v1: 50, v2: 10 });
        s.addRoute({ destinations: [{ version: 'v7', weight: 100 }], gateways: ['x/y'] });
        codes = s.check().map((e) => e.code);
      });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(codes).toEqual(['ROUTE_WEIGHTS', 'UNKNOWN_SUBSET', 'UNKNOWN_GATEWAY']);
    expect(message).toContain('validation failed with 3 error(s)');
  });
});

describe('construction-time checks', () => {
  const build = (props: Partial<MeshServiceProps>) => () => new MeshService(new Chart(new App(), 'c'), 'cart', { namespace: 'shop', image: IMAGE, ...props });

  it('IMAGE_TAG: refuses untagged and latest images unless allowed', () => {
    const expected = 'expected: an explicit tag or digest, e.g. "ghcr.io/acme/cart:1.4.2" (set allowLatestTag: true to accept it)';
    expect(build({ image: 'ghcr.io/acme/cart' })).toThrowError(`[c/cart] image has no pinned tag; field: image; value: "ghcr.io/acme/cart"; ${expected}`);
    expect(build({ image: 'localhost:5000/cart:latest' })).toThrowError(`[c/cart] image has no pinned tag; field: image; value: "localhost:5000/cart:latest"; ${expected}`);
    expect(build({ image: 'localhost:5000/cart' })).toThrowError(`[c/cart] image has no pinned tag; field: image; value: "localhost:5000/cart"; ${expected}`);
    expect(build({ versions: [{ name: 'v2', image: 'cart:latest' }] })).toThrowError(
      `[c/cart] image has no pinned tag; field: versions[0].image; value: "cart:latest"; ${expected}`,
    );
    expect(build({ image: 'ghcr.io/acme/cart@sha256:' + 'a'.repeat(64) })).not.toThrow();
    expect(build({ image: 'cart:latest', allowLatestTag: true })).not.toThrow();
  });

  it('DUPLICATE_PORT: no two ports share a name or number', () => {
    expect(build({ ports: [{ port: 8080 }, { port: 8080, name: 'http-alt' }] })).toThrowError(
      '[c/cart] ports[0] and ports[1] share a port; field: ports[1].port; value: 8080; expected: a port not used by another port',
    );
    expect(build({ ports: [{ port: 8080 }, { port: 8081, name: 'http' }] })).toThrowError(
      '[c/cart] ports[0] and ports[1] share a name; field: ports[1].name; value: "http"; expected: a name not used by another port',
    );
    expect(build({ ports: [{ port: 80, targetPort: 8080 }, { port: 8080, name: 'http-2' }] })).toThrowError(
      '[c/cart] ports[0] and ports[1] share a targetPort; field: ports[1].targetPort; value: 8080; expected: a targetPort not used by another port',
    );
  });

  it('PORT_NAME_PROTOCOL: port names follow Istio protocol selection', () => {
    expect(build({ ports: [{ port: 9090, protocol: 'grpc', name: 'http-api' }] })).toThrowError(
      '[c/cart] port name does not follow Istio protocol selection; field: ports[0].name; value: "http-api"; expected: "grpc" or "grpc-<suffix>" (at most 15 lowercase characters) for protocol grpc; prefixes: http, http2, grpc, tcp, tls',
    );
    expect(build({ ports: [{ port: 8080, name: 'web' }] })).toThrowError('field: ports[0].name; value: "web"');
    expect(build({ ports: [{ port: 8080, protocol: 'http2', name: 'http-x' }] })).toThrowError('field: ports[0].name; value: "http-x"');
  });

  it('INLINE_SECRET: secret-looking env values must come from a Secret', () => {
    expect(build({ env: { DB_PASSWORD: 'hunter2' } })).toThrowError(
      "[c/cart] secret-looking value inlined in env (secret-like name \"DB_PASSWORD\"); field: env.DB_PASSWORD; value: \"<redacted>\"; expected: a reference to an existing Secret: secretEnv: { DB_PASSWORD: { secret: '<name>', key: '<key>' } }; or, if it is not a secret, allowInlineEnv: { DB_PASSWORD: '<why not>' }",
    );
  });

  it('RELEASE_STRATEGY: one release strategy per service', () => {
    expect(() => {
      const s = build({ versions: ['v1', 'v2'] })();
      s.canary({ v1: 90, v2: 10 });
      s.blueGreen('v2');
    }).toThrowError('[c/cart] release strategy already set; field: blueGreen; value: "v2=100"; expected: one of canary, blueGreen or abTest per service (already set by canary)');
  });

  it('PROBE_THRESHOLD: liveness and startup need successThreshold 1', () => {
    expect(build({ liveness: HealthCheck.http('/healthz', { successThreshold: 2 }) })).toThrowError(
      '[c/cart] successThreshold must be 1; field: liveness.successThreshold; value: 2; expected: 1 for liveness and startup probes (Kubernetes rejects anything else)',
    );
    expect(build({ readiness: HealthCheck.http('/ready', { successThreshold: 2 }) })).not.toThrow();
  });

  it('POD_SECURITY: a sidecar cannot join a namespace enforcing restricted without CNI', () => {
    const chart = new Chart(new App(), 'c');
    const ns = new MeshNamespace(chart, 'batch', { injection: false });
    expect(() => new MeshService(chart, 'cart', { namespace: ns, image: IMAGE, mesh: true })).toThrowError(
      '[c/cart] sidecar cannot be admitted: namespace enforces PSA restricted without Istio CNI; field: mesh; value: true; expected: mesh: false, or namespace batch with injection: true (enforce privileged) or cni: true',
    );
    expect(() => new MeshService(chart, 'plain', { namespace: ns, image: IMAGE })).not.toThrow();
  });

  it('DUPLICATE_VERSION and INVALID_NAME', () => {
    expect(build({ versions: ['v1', 'v1'] })).toThrowError(
      '[c/cart] duplicate version; field: versions[1].name; value: "v1"; expected: a version name not yet declared (declared: v1)',
    );
    expect(build({ versions: ['V1'] })).toThrowError('[c/cart] invalid name; field: versions[0].name; value: "V1"');
    expect(build({ name: 'Cart' })).toThrowError('[c/cart] invalid Service name; field: name; value: "Cart"');
  });

  it('MONITOR_KIND: a ServiceMonitor cannot scrape a meshed service', () => {
    expect(build({ metrics: { port: 8080, monitor: 'service' } })).toThrowError(
      '[c/cart] ServiceMonitor cannot scrape a meshed service; field: metrics.monitor; value: "service"; expected: "pod": under STRICT mTLS only the sidecar\'s merged endpoint (:15020) is scrapable, and it is not a Service port',
    );
    const undeclared =
      '[c/cart] metrics port is not a declared port; field: metrics.port; value: 9464; expected: a targetPort of one of the ports (8080); Prometheus Operator drops targets on undeclared ports';
    expect(build({ mesh: false, metrics: { port: 9464, monitor: 'service' } })).toThrowError(undeclared);
    expect(build({ mesh: false, metrics: { port: 9464, monitor: 'pod' } })).toThrowError(undeclared);
    // in mesh mode the sidecar merges the app's metrics from localhost: no declared port needed
    expect(build({ metrics: { port: 9464, monitor: 'pod' } })).not.toThrow();
  });

  it('DISRUPTION_BUDGET: only one of minAvailable and maxUnavailable', () => {
    expect(build({ disruptionBudget: { minAvailable: 1, maxUnavailable: 1 } })).toThrowError(
      '[c/cart] both minAvailable and maxUnavailable set; field: disruptionBudget; value: {"minAvailable":1,"maxUnavailable":1}; expected: exactly one of minAvailable or maxUnavailable',
    );
  });

  it('INVALID_HOST: exposure hosts are DNS names served by the gateway', () => {
    const setup = () => {
      const chart = new Chart(new App(), 'c');
      const gw = new MeshGateway(chart, 'public', { namespace: 'edge', hosts: ['*.example.com'] });
      return { gw, svc: new MeshService(chart, 'cart', { namespace: 'shop', image: IMAGE }) };
    };
    const a = setup();
    expect(() => a.svc.exposeVia(a.gw, { hosts: ['Shop.example.com'] })).toThrowError(
      '[c/cart] invalid host; field: exposeVia[0].hosts; value: "Shop.example.com"; expected: a DNS name without wildcard, such as "shop.example.com", or "*" on a gateway with host "*"',
    );
    expect(() => a.svc.exposeVia(a.gw, { hosts: ['shop.example.org'] })).toThrowError(
      '[c/cart] host not served by the gateway; field: exposeVia[0].hosts; value: "shop.example.org"; expected: a host covered by gateway edge/public: *.example.com',
    );
    expect(() => a.svc.exposeVia(a.gw)).toThrowError(
      '[c/cart] invalid host; field: exposeVia[0].hosts; value: "*.example.com"; expected: a DNS name without wildcard, such as "shop.example.com", or "*" on a gateway with host "*" (pass hosts: the gateway has "*." wildcard hosts)',
    );
  });
});

describe('edge constructs', () => {
  const chart = () => new Chart(new App(), 'c');

  it('MeshGateway: INVALID_HOST and GATEWAY_TLS', () => {
    expect(() => new MeshGateway(chart(), 'gw', { namespace: 'edge', hosts: ['shop_example.com'] })).toThrowError(
      '[c/gw] invalid host; field: hosts; value: "shop_example.com"; expected: a DNS name such as "shop.example.com", optionally with a leading "*." wildcard',
    );
    expect(() => new MeshGateway(chart(), 'gw', { namespace: 'edge', hosts: ['shop.example.com'], servers: [{ protocol: 'HTTPS' }] })).toThrowError(
      '[c/gw] HTTPS listener without a certificate; field: servers[0].credentialName; value: undefined; expected: the name of a kubernetes.io/tls Secret in the ingress gateway namespace',
    );
  });

  it('ExternalService: INVALID_HOST with the issue\'s pattern', () => {
    expect(() => new ExternalService(chart(), 'db', { namespace: 'shop', host: 'DB.example.com', ports: [{ number: 5432 }] })).toThrowError(
      '[c/db] invalid host; field: host; value: "DB.example.com"; expected: a lowercase DNS name matching [a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)* (e.g. "db.example.com")',
    );
    expect(() => new ExternalService(chart(), 'db', { namespace: 'shop', host: 'db-.example.com', ports: [{ number: 5432 }] })).toThrowError(MeshforgeError);
  });
});

describe('retry budget (RETRY_BUDGET)', () => {
  const build = (props: Partial<MeshServiceProps>, extra?: (svc: MeshService) => void) => {
    const svc = new MeshService(new Chart(new App(), 'c'), 'cart', { namespace: 'shop', image: IMAGE, ...props });
    extra?.(svc);
    return svc.check().map((e) => e.message);
  };

  it('fails when (1 + attempts) × perTryTimeout exceeds the timeout: attempts counts retries after the first try', () => {
    expect(build({ timeout: Duration.seconds(3), retries: { attempts: 3, perTryTimeout: Duration.seconds(1) } })).toEqual([
      '[c/cart] retries cannot fit in the route timeout: (1 + 3) × 1s = 4000ms > 3s; field: retries; value: {"attempts":3,"perTryTimeout":"1s","timeout":"3s"}; '
        + 'expected: (1 + attempts) × perTryTimeout at most the timeout (attempts counts the retries after the first try), e.g. attempts 2 or a perTryTimeout of at most 750ms; or retries.allowExceedingTimeout: true',
    ]);
    // exactly the timeout fits; no timeout or no per-try timeout has nothing to exceed
    expect(build({ timeout: Duration.seconds(3), retries: { attempts: 2, perTryTimeout: Duration.seconds(1) } })).toEqual([]);
    expect(build({ retries: { attempts: 5, perTryTimeout: Duration.seconds(1) } })).toEqual([]);
    expect(build({ timeout: Duration.seconds(1), retries: { attempts: 5 } })).toEqual([]);
    expect(build({ timeout: Duration.seconds(1), retries: { attempts: 5, perTryTimeout: Duration.seconds(1), allowExceedingTimeout: true } })).toEqual([]);
  });

  it('checks each route with its own values over the service defaults', () => {
    const errors = build({ timeout: Duration.seconds(2) }, (svc) => {
      svc.addRoute({ name: 'slow', retries: { attempts: 1, perTryTimeout: Duration.millis(1500) } });
      svc.addRoute({ name: 'fits', retries: { attempts: 1, perTryTimeout: Duration.millis(1500) }, timeout: Duration.seconds(3) });
    });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('(1 + 1) × 1500ms = 3000ms > 2s; field: routes[0].retries;');
  });
});
