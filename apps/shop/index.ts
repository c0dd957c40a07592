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
export default defineApp({
  name: 'shop',
  description: 'An online shop on Istio: gateway, gRPC backend with circuit breaking, a canary and an external database.',
  // No dependency on the observability app: the shop's NetworkPolicies admit its Prometheus whether it
  // runs or not, and waiting for its health (Secrets made by hand) would block every shop deploy. The
  // real prerequisite is Istio (CRDs and istiod), installed before this app syncs.
  gitops: { argocd: true, flux: true },
  build(app) {
    const partOf = 'shop';
    const ns = new MeshNamespace(new Chart(app, 'namespace'), 'shop', { labels: { 'app.kubernetes.io/part-of': partOf } });

    const gateway = new MeshGateway(new Chart(app, 'gateway'), 'public', {
      namespace: ns,
      hosts: ['shop.example.com'],
      servers: [
        { protocol: 'HTTPS', credentialName: 'shop-example-com-tls' },
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
      image: 'ghcr.io/acme-shop/catalog:3.8.0',
      ports: [{ port: 9090, protocol: 'grpc' }],
      liveness: HealthCheck.grpc({ period: Duration.seconds(10) }),
      readiness: HealthCheck.grpc({ period: Duration.seconds(5) }),
      resources: { cpuRequest: '200m', cpuLimit: '1', memoryRequest: '256Mi', memoryLimit: '256Mi' },
      loadBalancer: LoadBalancer.roundRobin(),
      connectionPool: { maxConnections: 100, connectTimeout: Duration.millis(500), http2MaxRequests: 1000, maxRequestsPerConnection: 100 },
      outlierDetection: { consecutive5xxErrors: 5, interval: Duration.seconds(10), baseEjectionTime: Duration.seconds(30), maxEjectionPercent: 50 },
      // stay in the caller's zone; leave it once outlier detection ejected the zone's endpoints
      locality: LocalityLoadBalancing.failover(),
      topologySpread: [TopologySpread.acrossZones()], // soft: replicas in every zone when there are zones
      timeout: Duration.seconds(2),
      // (1 + 2 tries) × 600ms = 1.8s: every try fits in the 2s timeout, with room for Envoy's backoff
      retries: { attempts: 2, perTryTimeout: Duration.millis(600), retryOn: 'unavailable,connect-failure,refused-stream,reset' },
      autoscaling: { minReplicas: 2, maxReplicas: 10, cpuUtilization: 70 },
      disruptionBudget: { maxUnavailable: 1 },
      // Scraped through the pod annotations (Istio rewrites them to :15020). No PodMonitor:
      // apps/observability runs Prometheus without the operator, so its CRD is not installed.
      metrics: { port: 9464 },
    });

    const queue = shopQueue(app, ns, partOf);
    const report = nightlyReport(app, ns, partOf);

    const cart = new MeshService(new Chart(app, 'cart'), 'cart', {
      namespace: ns,
      partOf,
      image: 'ghcr.io/acme-shop/cart:1.4.2',
      versions: ['v1', { name: 'v2', image: 'ghcr.io/acme-shop/cart:1.5.0', replicas: 1 }],
      ports: [{ port: 8080, protocol: 'http' }],
      liveness: HealthCheck.http('/healthz'),
      readiness: HealthCheck.http('/ready', { period: Duration.seconds(5) }),
      startup: HealthCheck.http('/healthz', { failureThreshold: 30, period: Duration.seconds(2) }),
      env: { DB_HOST: `${db.name}.${db.namespace}.svc.cluster.local`, DB_PORT: '5432', DB_USER: 'cart', QUEUE_ADDR: `${queue.host}:6379` },
      secretEnv: { DB_PASSWORD: { secret: 'cart-db', key: 'password' } },
      // Every meshed pod of the namespace the orders-db ServiceEntry (TCP, no addresses) is exported to
      // allocates addresses in its own DNS proxy, so no sidecar here gets a 0.0.0.0:5432 listener (IST0134).
      dnsAutoAllocation: true,
      files: { 'cart.properties': ConfigFile.fromFile('cart.properties', CONFIG_DIR) },
      configMountPath: '/etc/cart',
      writablePaths: ['/tmp'],
      timeout: Duration.seconds(3),
      // (1 + 2 tries) × 900ms = 2.7s inside the 3s timeout
      retries: { attempts: 2, perTryTimeout: Duration.millis(900), retryOn: '5xx,connect-failure,refused-stream' },
      outlierDetection: { consecutive5xxErrors: 3 },
      // maxUnavailable, not minAvailable: v2 runs one pod, and minAvailable 1 would block every node drain
      disruptionBudget: { maxUnavailable: 1 },
      metrics: { port: 8080, path: '/metrics' },
    });
    cart.canary({ v1: 90, v2: 10 });

    const storefront = new MeshService(new Chart(app, 'storefront'), 'storefront', {
      dnsAutoAllocation: true, // see cart
      namespace: ns,
      partOf,
      image: 'ghcr.io/acme-shop/storefront:2.3.1',
      ports: [{ port: 80, targetPort: 8080, protocol: 'http' }],
      liveness: HealthCheck.http('/healthz'),
      readiness: HealthCheck.http('/ready'),
      files: {
        'storefront.yaml': ConfigFile.fromFile('storefront.yaml', CONFIG_DIR),
        'robots.txt': ConfigFile.fromString('User-agent: *\nDisallow: /checkout\n'),
      },
      writablePaths: ['/tmp'],
      replicas: 3,
      sidecarResources: { cpuRequest: '50m', cpuLimit: '500m', memoryRequest: '64Mi', memoryLimit: '256Mi' },
      timeout: Duration.seconds(10),
      metrics: { port: 8080 },
    });
    // Only the listed paths go out through the gateway; anything else (e.g. /admin, /internal/) gets a 404
    // there and stays reachable from inside the mesh only (no exposeAll).
    storefront.exposeVia(gateway, { hosts: ['shop.example.com'] });
    storefront.addRoute({
      name: 'static',
      match: [{ uri: StringMatch.prefix('/static/') }],
      gateways: [gateway],
      cors: { allowOrigins: [StringMatch.exact('https://shop.example.com')], allowMethods: ['GET'], maxAge: Duration.hours(1) },
    });
    storefront.addRoute({
      name: 'public-pages',
      match: [
        { uri: StringMatch.exact('/') },
        { uri: StringMatch.exact('/api/v1/products') },
        { uri: StringMatch.prefix('/api/v1/products/') },
        { uri: StringMatch.exact('/login') },
        { uri: StringMatch.exact('/logout') },
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
  },
});
