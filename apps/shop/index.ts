import * as path from 'path';
import { Chart, Duration } from 'cdk8s';
import {
  Caller,
  ConfigFile,
  ExternalService,
  HealthCheck,
  LoadBalancer,
  LocalityLoadBalancing,
  MeshGateway,
  MeshNamespace,
  MeshSecurity,
  MeshService,
  StringMatch,
  TopologySpread,
  defineApp,
  projectRoot,
} from '../../lib';
import { nightlyReport } from './nightly-report';
import { shopQueue } from './queue';
import type { Settings } from '../environments';

/** Config files live next to this module in the sources (also when run from build/). */
const CONFIG_DIR = path.join(projectRoot(__dirname), 'apps', 'shop', 'config');

/**
 * An online shop on the mesh:
 * - `storefront`: HTTP front end, public through the `public` gateway (HTTPS, HTTP→HTTPS redirect) on
 *   the listed paths only;
 * - `catalog`: internal gRPC service, ROUND_ROBIN with a circuit breaker, autoscaled;
 * - `cart`: HTTP service in a 90/10 canary between v1 and v2, reading its
 *   database password from an existing Secret;
 * - `orders-db`: the managed PostgreSQL outside the cluster;
 * - `queue`: Redis on a StatefulSet, used by cart; `nightly-report`: a CronJob reading the catalog.
 */
export default defineApp<Settings>({
  name: 'shop',
  description: 'An online shop on Istio: gateway, gRPC backend with circuit breaking, a canary and an external database.',
  // No dependency on the observability app: the shop's NetworkPolicies admit its Prometheus whether it
  // runs or not, and waiting for its health (Secrets made by hand) would block every shop deploy. The
  // real prerequisite is Istio (CRDs and istiod), installed before this app syncs.
  gitops: { argocd: true, flux: true },
  // image tags per environment: changed by `npm run promote` (docs/environments.md)
  releases: path.join(projectRoot(__dirname), 'apps', 'shop', 'releases.json'),
  build(app, { environment: { settings: env }, releases }) {
    const partOf = 'shop';
    // shop.dev.example.com, shop.test.example.com, shop.example.com; its certificate Secret is named after it
    const host = `shop.${env.domain}`;
    const small = env.size === 'small';
    const ns = new MeshNamespace(new Chart(app, 'namespace'), 'shop', { labels: { 'app.kubernetes.io/part-of': partOf } });

    const gateway = new MeshGateway(new Chart(app, 'gateway'), 'public', {
      namespace: ns,
      hosts: [host],
      servers: [
        { protocol: 'HTTPS', credentialName: `${host.replace(/\./g, '-')}-tls` },
        { protocol: 'HTTP', httpsRedirect: true },
      ],
    });

    const db = new ExternalService(new Chart(app, 'orders-db'), 'orders-db', {
      namespace: ns,
      host: 'orders.cluster-c9x2k1.eu-west-1.rds.amazonaws.com',
      ports: [{ number: 5432, protocol: 'TCP', name: 'tcp-postgres' }],
      // RDS has no stable IP to put in `addresses`: clients (cart) resolve the host through the
      // sidecar's DNS proxy, which allocates a virtual IP, so 5432 is not captured port-wide.
      autoAllocateAddress: true,
    });

    const catalog = new MeshService(new Chart(app, 'catalog'), 'catalog', {
      dnsAutoAllocation: true, // see cart
      namespace: ns,
      partOf,
      image: releases.image('ghcr.io/acme-shop/catalog', 'catalog'),
      ports: [{ port: 9090, protocol: 'grpc' }],
      liveness: HealthCheck.grpc({ period: Duration.seconds(10) }),
      readiness: HealthCheck.grpc({ period: Duration.seconds(5) }),
      resources: small
        ? { cpuRequest: '50m', cpuLimit: '500m', memoryRequest: '128Mi', memoryLimit: '128Mi' }
        : { cpuRequest: '200m', cpuLimit: '1', memoryRequest: '256Mi', memoryLimit: '256Mi' },
      loadBalancer: LoadBalancer.roundRobin(),
      connectionPool: { maxConnections: 100, connectTimeout: Duration.millis(500), http2MaxRequests: 1000, maxRequestsPerConnection: 100 },
      outlierDetection: { consecutive5xxErrors: 5, interval: Duration.seconds(10), baseEjectionTime: Duration.seconds(30), maxEjectionPercent: 50 },
      // stay in the caller's zone; leave it once outlier detection ejected the zone's endpoints
      locality: LocalityLoadBalancing.failover(),
      topologySpread: [TopologySpread.acrossZones()], // soft: replicas in every zone when there are zones
      timeout: Duration.seconds(2),
      // (1 + 2 tries) × 600ms = 1.8s: every try fits in the 2s timeout, with room for Envoy's backoff
      retries: { attempts: 2, perTryTimeout: Duration.millis(600), retryOn: 'unavailable,connect-failure,refused-stream,reset' },
      autoscaling: { minReplicas: env.replicas, maxReplicas: env.maxReplicas, cpuUtilization: 70 },
      disruptionBudget: { maxUnavailable: 1 },
      // Scraped through the pod annotations (Istio rewrites them to :15020). No PodMonitor:
      // apps/observability runs Prometheus without the operator, so its CRD is not installed.
      metrics: { port: 9464 },
    });

    const queue = shopQueue(app, ns, partOf);
    const report = nightlyReport(app, ns, partOf, releases);

    const cart = new MeshService(new Chart(app, 'cart'), 'cart', {
      namespace: ns,
      partOf,
      image: releases.image('ghcr.io/acme-shop/cart', 'cart'),
      // the canary (its own tag, `cart-canary`) runs only where the environment rolls out by canary
      // two canary pods: with one, a restart leaves the v2 subset without endpoints and its 10% of requests get 503s
      versions: env.canary ? ['v1', { name: 'v2', image: releases.image('ghcr.io/acme-shop/cart', 'cart-canary'), replicas: 2 }] : undefined,
      replicas: env.replicas,
      ports: [{ port: 8080, protocol: 'http' }],
      liveness: HealthCheck.http('/healthz'),
      readiness: HealthCheck.http('/ready', { period: Duration.seconds(5) }),
      startup: HealthCheck.http('/healthz', { failureThreshold: 30, period: Duration.seconds(2) }),
      // the ServiceEntry's own host: its VIP comes from the sidecar's DNS proxy, so Istio routes the connection as
      // orders-db. The ExternalName Service is only an alias: through it kube-dns resolves the real address, which
      // Istio would pass through (or drop under REGISTRY_ONLY) outside the ServiceEntry.
      env: { DB_HOST: db.host, DB_PORT: '5432', DB_USER: 'cart', QUEUE_ADDR: `${queue.host}:6379` },
      secretEnv: { DB_PASSWORD: { secret: 'cart-db', key: 'password' } },
      // Every meshed pod of the namespace the orders-db ServiceEntry (TCP, no addresses) is exported to
      // allocates addresses in its own DNS proxy, so no sidecar here gets a 0.0.0.0:5432 listener (IST0134).
      dnsAutoAllocation: true,
      files: { 'cart.properties': ConfigFile.fromFile('cart.properties', CONFIG_DIR) },
      configMountPath: '/etc/cart',
      writablePaths: ['/tmp'],
      timeout: Duration.seconds(3),
      // (1 + 2 tries) × 900ms = 2.7s inside the 3s timeout
      // only failures before the request reached a pod: cart takes POSTs, and retrying a 5xx could add an item twice
      retries: { attempts: 2, perTryTimeout: Duration.millis(900), retryOn: 'connect-failure,refused-stream' },
      outlierDetection: { consecutive5xxErrors: 3 },
      // maxUnavailable, not minAvailable: in dev each version runs one pod, and minAvailable 1 would block every node drain
      disruptionBudget: { maxUnavailable: 1 },
      metrics: { port: 8080, path: '/metrics' },
    });
    if (env.canary) cart.canary({ v1: 90, v2: 10 });

    const storefront = new MeshService(new Chart(app, 'storefront'), 'storefront', {
      dnsAutoAllocation: true, // see cart
      namespace: ns,
      partOf,
      image: releases.image('ghcr.io/acme-shop/storefront', 'storefront'),
      ports: [{ port: 80, targetPort: 8080, protocol: 'http' }],
      liveness: HealthCheck.http('/healthz'),
      readiness: HealthCheck.http('/ready'),
      files: {
        'storefront.yaml': ConfigFile.fromFile('storefront.yaml', CONFIG_DIR),
        'robots.txt': ConfigFile.fromString('User-agent: *\nDisallow: /checkout\n'),
      },
      writablePaths: ['/tmp'],
      replicas: env.replicas,
      sidecarResources: { cpuRequest: '50m', cpuLimit: '500m', memoryRequest: '64Mi', memoryLimit: '256Mi' },
      // a node drain takes one front-end pod at a time (test and prod require a budget above one replica)
      disruptionBudget: { maxUnavailable: 1 },
      timeout: Duration.seconds(10),
      metrics: { port: 8080 },
    });
    // Only the listed paths go out through the gateway; anything else (e.g. /admin, /internal/) gets a 404
    // there and stays reachable from inside the mesh only (no exposeAll).
    storefront.exposeVia(gateway, { hosts: [host] });
    storefront.addRoute({
      name: 'static',
      match: [{ uri: StringMatch.prefix('/static/') }],
      gateways: [gateway],
      cors: { allowOrigins: [StringMatch.exact(`https://${host}`)], allowMethods: ['GET'], maxAge: Duration.hours(1) },
    });
    storefront.addRoute({
      name: 'public-pages',
      match: [
        { uri: StringMatch.exact('/') },
        { uri: StringMatch.exact('/api/v1/products') },
        { uri: StringMatch.prefix('/api/v1/products/') },
        { uri: StringMatch.exact('/login') },
        { uri: StringMatch.exact('/logout') },
        { uri: StringMatch.exact('/checkout') },
        { uri: StringMatch.prefix('/checkout/') },
        { uri: StringMatch.exact('/robots.txt') },
      ],
      gateways: [gateway],
    });

    // Zero trust: mTLS STRICT, deny by default; each service admits only its declared callers
    // (storefront gets the ingress gateway automatically because it is exposed through one).
    const security = new MeshSecurity(new Chart(app, 'security'), 'security');
    security.protect(storefront);
    security.protect(catalog).allowFrom(Caller.workload(storefront)).allowFrom(Caller.workload(cart)).allowFrom(Caller.workload(report));
    security.protect(cart).allowFrom(Caller.workload(storefront), { paths: ['/api/cart', '/api/cart/*'] });
    security.protect(queue).allowFrom(Caller.workload(cart));
    // the job serves nothing; protecting it admits only Prometheus to its sidecar's metrics (Istio's injector
    // annotates every injected pod for scraping, and default-deny would otherwise turn each run into a down target)
    security.protect(report);
  },
});
