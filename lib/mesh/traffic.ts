import { Duration } from 'cdk8s';
import { VirtualServiceSpecHttp } from '../../imports/networking.istio.io';
import { MeshforgeError } from '../validation/meshforge-error';
import { istioDuration, requireIstioDuration } from './conventions';
import { Exposures } from './exposure';
import { DEFAULT_INGRESS_GATEWAY } from './conventions';
import {
  HttpRouteMatch,
  HttpRouteOptions,
  RetryPolicy,
  RouteDestination,
  WeightedVersion,
  checkRetries,
  checkRoute,
  resolveGatewayRef,
  routeToIstio,
} from './http-route';
import { MeshGateway } from './mesh-gateway';
import { AbVariant, AppProtocol, MeshServiceProps } from './mesh-service-props';
import { ReportError, ServiceContext } from './service-context';
import { HTTP_PROTOCOLS } from './service-ports';
import { checkConnectionPool, checkOutlierDetection } from './traffic-policy';

/** A host a route sends traffic to (not the service itself), and who executes the route. */
export interface RoutedDestination {
  /** `destination.host`. */
  readonly host: string;
  /** The MeshService or ExternalService object, when the route named one. */
  readonly target?: object;
  readonly port?: number;
  /** Gateways executing the route (their pods call the destination). */
  readonly gateways: readonly MeshGateway[];
  /** Whether the route applies to in-mesh callers (their sidecars call the destination). */
  readonly mesh: boolean;
}

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
      this.checkDestinations(options.destinations ?? [], this.gatewaysOf(options), field, versions, err);
      if (options.mirror && !versions.includes(options.mirror.version)) {
        err('UNKNOWN_SUBSET', 'mirror names an unknown subset', `${field}.mirror.version`, options.mirror.version, declared);
      }
      (options.match ?? []).forEach((m, j) => {
        if (m.cookie && m.headers && Object.keys(m.headers).some((h) => h.toLowerCase() === 'cookie')) {
          err('ROUTE_MATCH', 'cookie and headers.cookie in one match', `${field}.match[${j}]`, m.cookie.name,
            'either cookie or a headers.cookie condition: both become the one cookie header match');
        }
      });
      const known = ['mesh', ...this.exposures.gatewayRefs];
      (options.gateways ?? []).forEach((g, j) => {
        const ref = resolveGatewayRef(g, this.ctx.namespace);
        if (!known.includes(ref)) {
          const given = typeof g === 'string' ? g : g.ref;
          const resolved = given === ref ? '' : ` ("${given}" means ${ref}: a name without namespace is the service's namespace, as in Istio)`;
          err('UNKNOWN_GATEWAY', 'route references a gateway the service is not exposed through', `${field}.gateways[${j}]`, given,
            `one of ${known.map((k) => `"${k}"`).join(', ')}${resolved}; expose the service with exposeVia(gateway) first`);
        }
      });
    }
    this.exposures.list.forEach((e, i) => {
      if (!this.ctx.mesh) return;
      const routed = this.routes.some(({ options }) => this.gatewaysOf(options).includes(e.gateway.ref));
      if (!hasHttp) {
        err('ROUTE_PROTOCOL', 'gateway exposure of a service without HTTP ports', `exposeVia[${i}]`, e.gateway.ref,
          `a port with protocol ${HTTP_PROTOCOLS.join(', ')} (the gateway forwards HTTP routes only)`);
      } else if (!routed && !e.exposeAll) {
        // Nothing is published by default: the gateway answers 404 for every path no route lists.
        err('GATEWAY_NO_ROUTES', 'service exposed through a gateway that no route is bound to', `exposeVia[${i}]`, e.gateway.ref,
          `routes that list the gateway for the paths to publish (addRoute({ match, gateways: [gateway] })), or exposeVia(gateway, { exposeAll: true }) to publish every path`);
      }
    });
  }

  /**
   * The hosts the routes send traffic to other than this service, with the
   * gateways that execute them (security admits those gateways there).
   */
  public get routedDestinations(): readonly RoutedDestination[] {
    const out: RoutedDestination[] = [];
    for (const { options } of this.routes) {
      const refs = this.gatewaysOf(options);
      const gateways = this.exposures.list.map((e) => e.gateway).filter((g) => refs.includes(g.ref));
      for (const d of options.destinations ?? []) {
        if (d.to && d.to.host !== this.ctx.host) out.push({ host: d.to.host, target: d.to.target, port: d.port, gateways, mesh: refs.includes('mesh') });
      }
    }
    return out;
  }

  /**
   * The gateways that send requests to this service itself: a route listing
   * the gateway with a destination on the service (or the default split),
   * or `exposeAll`. Security admits only these gateways on the service.
   */
  public get gatewaysServingSelf(): readonly MeshGateway[] {
    return this.exposures.list.map((e) => e.gateway).filter((g) =>
      this.exposures.list.some((e) => e.gateway === g && e.exposeAll) ||
      this.routes.some(({ options }) => this.gatewaysOf(options).includes(g.ref) &&
        (options.destinations === undefined || options.destinations.some((d) => !d.to || d.to.host === this.ctx.host))));
  }

  /** Resolved gateways of a route: `mesh` and/or `<namespace>/<name>`. */
  private gatewaysOf(options: HttpRouteOptions): string[] {
    return (options.gateways ?? ['mesh']).map((g) => resolveGatewayRef(g, this.ctx.namespace));
  }

  /**
   * Own destinations name a declared version; other hosts name none (their
   * subsets are not ours), a port they have, and must be visible (exportTo)
   * to the proxies that execute the route.
   */
  private checkDestinations(dests: readonly RouteDestination[], gateways: readonly string[], field: string, versions: readonly string[], err: ReportError): void {
    const declared = `one of the declared versions: ${versions.join(', ')}`;
    const own = this.ctx.ports.map((p) => p.port);
    dests.forEach((d, j) => {
      const f = `${field}.destinations[${j}]`;
      const to = d.to && d.to.host !== this.ctx.host ? d.to : undefined;
      if (!to) {
        if (d.version === undefined || !versions.includes(d.version)) {
          err('UNKNOWN_SUBSET', 'route destination names an unknown subset', `${field}.destinations`, d.version, declared);
        }
        if (d.port !== undefined && !own.includes(d.port)) {
          err('DESTINATION_PORT', 'route destination port is not a port of the service', `${f}.port`, d.port, `one of ${own.join(', ')}`);
        }
        return;
      }
      if (d.version !== undefined) {
        err('FOREIGN_SUBSET', 'route destination names a subset of another host', `${f}.version`, d.version,
          `no version: subsets exist only for this service's own versions (${versions.join(', ')}); ${to.host} is routed to as a whole (its own VirtualService split does not apply to this route)`);
      }
      if (to.ports && d.port === undefined && to.ports.length > 1) {
        err('DESTINATION_PORT', 'route destination has several ports and names none', `${f}.port`, undefined, `one of ${to.ports.join(', ')} (Istio requires the port when the host has several)`);
      } else if (to.ports && d.port !== undefined && !to.ports.includes(d.port)) {
        err('DESTINATION_PORT', 'route destination port is not a port of the destination', `${f}.port`, d.port, `one of ${to.ports.join(', ')} (ports of ${to.host})`);
      }
      const port = d.port ?? (to.ports?.length === 1 ? to.ports[0] : undefined);
      if (to.kind === 'service' && port !== undefined && (to.nonHttpPorts ?? []).includes(port)) {
        // an HTTP route's traffic would reach a TCP/TLS listener (e.g. Redis) as HTTP
        err('ROUTE_DESTINATION', 'HTTP route to a port that is not HTTP', `${f}.port`, port,
          `a port of ${to.host} named http, http2, grpc or grpc-web (Istio reads the protocol from the port name); a TCP service is reached directly by its callers, not through an HTTP route`);
      }
      if (to.kind === 'external') {
        if (!to.hasServiceEntry) {
          err('ROUTE_DESTINATION', 'route to an ExternalService without a ServiceEntry', `${f}.to`, to.host,
            'serviceEntry: true on the ExternalService (Istio routes only to hosts in its registry)');
          return;
        }
        if (port !== undefined && (to.tlsPorts ?? []).includes(port)) {
          // Istio's egress TLS origination needs a DestinationRule with tls SIMPLE for the host, which meshforge does not emit
          err('ROUTE_DESTINATION', 'HTTP route to a TLS port of an ExternalService', `${f}.port`, port,
            'a port with protocol HTTP or GRPC: the route forwards plain HTTP, and a TLS port would need TLS origination (a DestinationRule with tls mode SIMPLE for the host, istio.io "Egress TLS Origination"), which meshforge does not emit');
        }
        const exportTo = to.exportTo ?? ['.'];
        const visible = (ns: string) => exportTo.includes('*') || exportTo.includes(ns) || (exportTo.includes('.') && ns === to.namespace);
        const runners = gateways.map((g) => {
          if (g === 'mesh') return { ns: this.ctx.namespace, who: `the sidecars of ${this.ctx.name}'s callers in ${this.ctx.namespace}` };
          const gw = this.exposures.list.find((e) => e.gateway.ref === g)?.gateway;
          const ns = gw?.workloadIdentity.namespace ?? DEFAULT_INGRESS_GATEWAY.namespace;
          return { ns, who: `the ingress gateway pods of ${g} in ${ns} (MeshGateway workload.namespace)` };
        });
        for (const { ns, who } of runners) {
          if (!visible(ns)) {
            err('EXPORT_TO', 'route destination is not visible to the proxies that execute the route', `${f}.to`, to.host,
              `exportTo of the ExternalService including "${ns}" (the route runs in ${who}; exportTo is ${JSON.stringify(exportTo)})`);
          }
        }
      }
    });
    if (dests.length > 0) {
      checkWeights(dests.map((d) => ({ version: d.to && d.to.host !== this.ctx.host ? `${d.to.host}${d.port ? `:${d.port}` : ''}` : (d.version ?? ''), weight: d.weight })), `${field}.destinations`, err);
    }
  }

  /**
   * The mesh VirtualService spec (bound to `mesh` only): the routes that
   * apply to `mesh`, then the default route; TCP and TLS ports follow the
   * default split.
   */
  public virtualServiceSpec(versions: readonly string[]) {
    const { host, ports, props } = this.ctx;
    const fallback = this.defaultSplit?.destinations ?? [{ version: versions[0], weight: 100 }];
    const defaults = { retries: props.retries, timeout: props.timeout };
    let http: VirtualServiceSpecHttp[] | undefined;
    if (this.hasHttpPort()) {
      http = this.routes.flatMap(({ options }, i) => (this.gatewaysOf(options).includes('mesh')
        ? [routeToIstio(host, options.name ?? `route-${i}`, options, options.destinations ?? fallback, defaults)] : []));
      http.push(routeToIstio(host, 'default', {}, fallback, defaults));
    }
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
    const tcp = opaque('tcp').map(({ port, route }) => ({ match: [{ port }], route }));
    // TLS is routed on SNI: clients must send the service's FQDN.
    const tls = opaque('tls').map(({ port, route }) => ({ match: [{ port, sniHosts: [host] }], route }));
    return { hosts: [host], http, tcp: tcp.length > 0 ? tcp : undefined, tls: tls.length > 0 ? tls : undefined };
  }

  /**
   * The gateway VirtualService spec, undefined without `exposeVia`: bound to
   * the gateways only (so a `"*"` host is valid), with only the routes that
   * list a gateway, each matched on its gateways, and the default route only
   * for the exposures with `exposeAll`. Any other request gets Envoy's 404.
   */
  public gatewayVirtualServiceSpec(versions: readonly string[]) {
    const refs = this.exposures.gatewayRefs;
    if (refs.length === 0 || !this.hasHttpPort()) return undefined;
    const { host, props } = this.ctx;
    const fallback = this.defaultSplit?.destinations ?? [{ version: versions[0], weight: 100 }];
    const defaults = { retries: props.retries, timeout: props.timeout };
    const http = this.routes.flatMap(({ options }, i) => {
      const own = this.gatewaysOf(options).filter((g) => g !== 'mesh' && refs.includes(g));
      return own.length > 0 ? [routeToIstio(host, options.name ?? `route-${i}`, options, options.destinations ?? fallback, defaults, own)] : [];
    });
    const all = this.exposures.list.filter((e) => e.exposeAll).map((e) => e.gateway.ref);
    if (all.length > 0) http.push(routeToIstio(host, 'default', {}, fallback, defaults, all));
    return { hosts: this.exposures.hosts, gateways: [...refs], http };
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
