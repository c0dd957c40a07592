import { Duration } from 'cdk8s';
import { VirtualServiceSpecHttp } from '../../imports/networking.istio.io';
import { MeshforgeError } from '../validation/meshforge-error';
import { istioDuration, requireIstioDuration } from './conventions';
import { Exposures } from './exposure';
import { HttpRouteMatch, HttpRouteOptions, RetryPolicy, WeightedVersion, checkRetries, checkRoute, routeToIstio } from './http-route';
import { AbVariant, AppProtocol, MeshServiceProps } from './mesh-service-props';
import { ReportError, ServiceContext } from './service-context';
import { HTTP_PROTOCOLS } from './service-ports';
import { checkConnectionPool, checkOutlierDetection } from './traffic-policy';

interface RecordedRoute {
  /** The route as declared. */
  readonly options: HttpRouteOptions;
  /** Field named in errors, e.g. `addRoute[0]` or `abTest[1]`. */
  readonly field: string;
}

/**
 * The routing of a MeshService: its HTTP routes and release strategy
 * (canary, blue/green, A/B test), checked against the declared versions
 * and rendered as the VirtualService spec.
 */
export class Traffic {
  private readonly routes: RecordedRoute[] = [];
  private defaultSplit?: { readonly field: string; readonly destinations: readonly WeightedVersion[] };

  constructor(private readonly ctx: ServiceContext, private readonly exposures: Exposures) {}

  /** Construction-time checks of the routing and traffic-policy props (durations, ranges). */
  public static checkProps(path: string, p: MeshServiceProps): void {
    requireIstioDuration(path, 'timeout', p.timeout);
    checkRetries(path, 'retries', p.retries);
    checkConnectionPool(path, p.connectionPool);
    checkOutlierDetection(path, p.outlierDetection);
    requireIstioDuration(path, 'loadBalancer.ttl', p.loadBalancer?.cookieTtl);
  }

  /** See `MeshService.addRoute`. */
  public addRoute(route: HttpRouteOptions): void {
    const field = `routes[${this.routes.length}]`;
    checkRoute(this.ctx.path, field, route);
    this.routes.push({ options: route, field });
  }

  /** See `MeshService.canary`. */
  public canary(weights: Readonly<Record<string, number>>): void {
    this.setDefaultSplit(
      'canary',
      Object.entries(weights).map(([version, weight]) => ({ version, weight })),
    );
  }

  /** See `MeshService.blueGreen`. */
  public blueGreen(active: string): void {
    this.setDefaultSplit('blueGreen', [{ version: active, weight: 100 }]);
  }

  /** See `MeshService.abTest`. */
  public abTest(variants: readonly AbVariant[], defaultVersion: string): void {
    variants.forEach((v, i) => {
      const match: HttpRouteMatch[] = isMatchList(v.match) ? [...v.match] : [v.match];
      this.routes.push({
        options: { name: `ab-${i}-${v.version}`, match, destinations: [{ version: v.version, weight: 100 }] },
        field: `abTest[${i}]`,
      });
    });
    this.setDefaultSplit('abTest.defaultVersion', [{ version: defaultVersion, weight: 100 }]);
  }

  /** Cross-object checks of the routing against `versions` (the declared versions) and the exposures. */
  public check(versions: readonly string[], err: ReportError): void {
    const declared = `one of the declared versions: ${versions.join(', ')}`;
    if (!this.ctx.mesh) {
      // Without a sidecar nothing enforces routes: kube-proxy splits by replica count, not by weight.
      const meshOnly = [
        ...(this.defaultSplit ? [this.defaultSplit.field] : []),
        ...this.routes.map((r) => r.field),
        ...this.exposures.list.map((_, i) => `exposeVia[${i}]`),
      ];
      for (const field of meshOnly) {
        err('MESH_DISABLED', 'traffic management on a service outside the mesh', field, 'mesh: false',
          'mesh: true, or remove the routes / release strategy / gateway exposure (plain Services balance by replica count)');
      }
    }

    if (this.defaultSplit) {
      const { field, destinations } = this.defaultSplit;
      for (const d of destinations) {
        if (!versions.includes(d.version)) {
          err('UNKNOWN_VERSION', 'release target has no Deployment', field, d.version, `${declared} (add it with versions or addVersion)`);
        }
      }
      checkWeights(destinations, field, err);
    }
    const hasHttp = this.hasHttpPort();
    const { retries, timeout } = this.ctx.props;
    if (hasHttp) checkRetryBudget(retries, timeout, 'retries', err);
    for (const { options, field } of this.routes) {
      // routes that set neither use the service's values, checked above
      if (hasHttp && (options.retries || options.timeout)) {
        checkRetryBudget(options.retries ?? retries, options.timeout ?? timeout, options.retries ? `${field}.retries` : `${field}.timeout`, err);
      }
      if (!hasHttp) {
        err('ROUTE_PROTOCOL', 'HTTP route on a service without HTTP ports', field, options.name ?? field,
          `a port with protocol ${HTTP_PROTOCOLS.join(', ')}; TCP and TLS ports only follow the default split (canary / blueGreen)`);
      }
      const dests = options.destinations ?? [];
      for (const d of dests) {
        if (!versions.includes(d.version)) {
          err('UNKNOWN_SUBSET', 'route destination names an unknown subset', `${field}.destinations`, d.version, declared);
        }
      }
      if (options.mirror && !versions.includes(options.mirror.version)) {
        err('UNKNOWN_SUBSET', 'mirror names an unknown subset', `${field}.mirror.version`, options.mirror.version, declared);
      }
      if (dests.length > 0) checkWeights(dests, `${field}.destinations`, err);
      (options.match ?? []).forEach((m, j) => {
        if (m.cookie && m.headers && Object.keys(m.headers).some((h) => h.toLowerCase() === 'cookie')) {
          err('ROUTE_MATCH', 'cookie and headers.cookie in one match', `${field}.match[${j}]`, m.cookie.name,
            'either cookie or a headers.cookie condition: both become the one cookie header match');
        }
      });
      const known = ['mesh', ...this.exposures.gatewayRefs];
      for (const g of options.gateways ?? []) {
        if (!known.includes(g)) {
          err('UNKNOWN_GATEWAY', 'route references a gateway the service is not exposed through', `${field}.gateways`, g,
            `one of ${known.map((k) => `"${k}"`).join(', ')} (expose the service with exposeVia(gateway) first)`);
        }
      }
    }
  }

  /** The VirtualService spec: HTTP routes then the default route; TCP and TLS ports follow the default split. */
  public virtualServiceSpec(versions: readonly string[]) {
    const { host, ports, props } = this.ctx;
    const refs = this.exposures.gatewayRefs;
    const gateways = refs.length > 0 ? ['mesh', ...refs] : undefined;
    const hosts = [host, ...this.exposures.hosts];
    const fallback = this.defaultSplit?.destinations ?? [{ version: versions[0], weight: 100 }];
    const defaults = { retries: props.retries, timeout: props.timeout };
    let http: VirtualServiceSpecHttp[] | undefined;
    if (this.hasHttpPort()) {
      http = this.routes.map(({ options }, i) =>
        routeToIstio(host, options.name ?? `route-${i}`, options, options.destinations ?? fallback, defaults),
      );
      http.push(routeToIstio(host, 'default', {}, fallback, defaults));
    }
    // TCP and TLS ports get the default split per port; gateways only carry HTTP here.
    const onlyMesh = gateways ? ['mesh'] : undefined;
    const opaque = (protocol: AppProtocol) =>
      ports
        .filter((p) => p.protocol === protocol)
        .map((p) => ({
          port: p.port,
          route: fallback.map((d) => ({
            destination: { host, subset: d.version, port: { number: p.port } },
            weight: fallback.length > 1 ? d.weight : undefined,
          })),
        }));
    const tcp = opaque('tcp').map(({ port, route }) => ({ match: [{ port, gateways: onlyMesh }], route }));
    // TLS is routed on SNI: clients must send the service's FQDN.
    const tls = opaque('tls').map(({ port, route }) => ({ match: [{ port, sniHosts: [host], gateways: onlyMesh }], route }));
    return { hosts, gateways, http, tcp: tcp.length > 0 ? tcp : undefined, tls: tls.length > 0 ? tls : undefined };
  }

  private hasHttpPort(): boolean {
    return this.ctx.ports.some((p) => HTTP_PROTOCOLS.includes(p.protocol));
  }

  private setDefaultSplit(field: string, destinations: readonly WeightedVersion[]): void {
    if (this.defaultSplit) {
      throw new MeshforgeError('release strategy already set', {
        code: 'RELEASE_STRATEGY',
        path: this.ctx.path,
        field,
        value: destinations.map((d) => `${d.version}=${d.weight}`).join(', '),
        expected: `one of canary, blueGreen or abTest per service (already set by ${this.defaultSplit.field})`,
      });
    }
    this.defaultSplit = { field, destinations };
  }
}

/**
 * The tries of a retry policy fit in the route timeout: Istio's `attempts` is
 * the number of retries after the first try, and `perTryTimeout` bounds
 * "each attempt, including the initial call and any retries" (istio.io,
 * VirtualService reference, HTTPRetry), so the worst case is
 * `(1 + attempts) × perTryTimeout`, plus Envoy's backoff (25 ms and up)
 * between tries.
 */
function checkRetryBudget(retries: RetryPolicy | undefined, timeout: Duration | undefined, field: string, err: ReportError): void {
  if (!retries?.perTryTimeout || !timeout || retries.allowExceedingTimeout) return;
  const perTry = retries.perTryTimeout.toMilliseconds();
  const total = (1 + retries.attempts) * perTry;
  const limit = timeout.toMilliseconds();
  if (total > limit) {
    err('RETRY_BUDGET', `retries cannot fit in the route timeout: (1 + ${retries.attempts}) × ${istioDuration(retries.perTryTimeout)} = ${total}ms > ${istioDuration(timeout)}`,
      field, { attempts: retries.attempts, perTryTimeout: istioDuration(retries.perTryTimeout), timeout: istioDuration(timeout) },
      `(1 + attempts) × perTryTimeout at most the timeout (attempts counts the retries after the first try), e.g. attempts ${Math.max(0, Math.floor(limit / perTry) - 1)} or a perTryTimeout of at most ${Math.floor(limit / (1 + retries.attempts))}ms; or retries.allowExceedingTimeout: true`);
  }
}

/** Whole, non-negative weights summing to 100 (Istio would silently normalise others). */
function checkWeights(destinations: readonly WeightedVersion[], field: string, err: ReportError): void {
  const sum = destinations.reduce((n, d) => n + d.weight, 0);
  const negative = destinations.some((d) => d.weight < 0 || !Number.isInteger(d.weight));
  if (sum !== 100 || negative) {
    err('ROUTE_WEIGHTS', `route weights sum to ${sum}`, field,
      Object.fromEntries(destinations.map((d) => [d.version, d.weight])),
      'whole, non-negative weights that sum to 100 (Istio would silently normalise them)');
  }
}

function isMatchList(m: HttpRouteMatch | readonly HttpRouteMatch[]): m is readonly HttpRouteMatch[] {
  return Array.isArray(m);
}
