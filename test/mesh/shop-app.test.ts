import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { synthesizeApp } from '../../lib';
import { environments } from '../../apps';
import shop from '../../apps/shop';
import { Obj, one, routeFor } from './render';

// prod: the environment with the canary and production sizes
const out = synthesizeApp(shop, { environment: environments.find((e) => e.name === 'prod') });
// Independent of how synth lays objects out in files (per chart, per sync wave...).
const all: Obj[] = [...out.files]
  .filter(([f]) => f.endsWith('.k8s.yaml'))
  .flatMap(([, text]) => parseAllDocuments(text).map((d) => d.toJS() as Obj));
/** The objects of one service: named `<name>` or `<name>-…`. */
const file = (name: string): Obj[] => all.filter((o) => o.metadata.name === name || o.metadata.name.startsWith(`${name}-`));

describe('apps/shop', () => {
  it('emits the namespace, gateway, external database, three services, the queue, the nightly job and their security policies', () => {
    const ids = all.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    expect(ids).toEqual(
      [
        'Namespace/shop',
        'Gateway/public',
        'VirtualService/storefront-gateway',
        'Service/orders-db',
        'ServiceEntry/orders-db',
        ...['catalog', 'cart', 'storefront'].flatMap((s) => [`ServiceAccount/${s}`, `Service/${s}`, `VirtualService/${s}`, `DestinationRule/${s}`]),
        'ConfigMap/cart-config',
        'ConfigMap/storefront-config',
        'Deployment/catalog-v1',
        'Deployment/cart-v1',
        'Deployment/cart-v2',
        'Deployment/storefront-v1',
        'HorizontalPodAutoscaler/catalog-v1',
        'PodDisruptionBudget/catalog-v1',
        'PodDisruptionBudget/cart-v1',
        'PodDisruptionBudget/cart-v2',
        'PodDisruptionBudget/storefront-v1',
        ...['ServiceAccount', 'Service', 'VirtualService', 'DestinationRule', 'StatefulSet', 'PodDisruptionBudget', 'AuthorizationPolicy', 'NetworkPolicy'].map((k) => `${k}/queue`),
        'Service/queue-headless',
        'ConfigMap/queue-config',
        'ServiceAccount/nightly-report',
        'CronJob/nightly-report',
        // the job admits nobody; its NetworkPolicy lets Prometheus scrape the sidecar Istio annotates for scraping
        'AuthorizationPolicy/nightly-report',
        'NetworkPolicy/nightly-report',
        'PeerAuthentication/default',
        'AuthorizationPolicy/allow-nothing',
        'NetworkPolicy/default-deny-ingress',
        ...['catalog', 'cart', 'storefront'].flatMap((s) => [`AuthorizationPolicy/${s}`, `NetworkPolicy/${s}`]),
      ].sort(),
    );
    expect(all.filter((o) => o.kind !== 'Namespace').every((o) => o.metadata.namespace === 'shop')).toBe(true);
  });

  it('the nightly job is reachable by nobody, and only Prometheus reaches its sidecar metrics', () => {
    const policy = one(all, 'AuthorizationPolicy', 'nightly-report');
    expect(policy.spec).toEqual({ action: 'ALLOW', selector: { matchLabels: { app: 'nightly-report' } } });
    const np = one(all, 'NetworkPolicy', 'nightly-report');
    expect(np.spec.podSelector).toEqual({ matchLabels: { app: 'nightly-report' } });
    expect(np.spec.ingress).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }],
        ports: [{ port: 15020, protocol: 'TCP' }, { port: 15090, protocol: 'TCP' }],
      },
    ]);
  });

  it('admits only declared callers: gateway → storefront → catalog, cart; cart → catalog', () => {
    const callers = (name: string): string[] =>
      (all.find((o) => o.kind === 'AuthorizationPolicy' && o.metadata.name === name)!.spec.rules as Obj[]).flatMap((r) => r.from[0].source.principals);
    expect(callers('storefront')).toEqual(['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account']);
    expect(callers('catalog')).toEqual(['cluster.local/ns/shop/sa/storefront', 'cluster.local/ns/shop/sa/cart', 'cluster.local/ns/shop/sa/nightly-report']);
    expect(callers('queue')).toEqual(['cluster.local/ns/shop/sa/cart']);
    expect(callers('cart')).toEqual(['cluster.local/ns/shop/sa/storefront']);
    expect(all.find((o) => o.kind === 'PeerAuthentication')!.spec).toEqual({ mtls: { mode: 'STRICT' } });
  });

  it('storefront is public through the gateway, with its config files mounted', () => {
    const objs = file('storefront');
    expect(one(objs, 'VirtualService', 'storefront').spec).not.toHaveProperty('gateways');
    const edge = one(objs, 'VirtualService', 'storefront-gateway');
    expect(edge.spec.gateways).toEqual(['shop/public']);
    expect(edge.spec.hosts).toEqual(['shop.example.com']);
    // only the listed paths go out through the gateway: anything else finds no route there (Envoy's 404)
    for (const path of ['/', '/static/app.js', '/api/v1/products', '/api/v1/products/42', '/login', '/logout', '/checkout', '/checkout/confirm', '/robots.txt']) {
      expect(routeFor(edge, 'shop/public', path), path).toBeDefined();
    }
    for (const path of ['/admin', '/admin/users', '/api/v1/orders', '/metrics', '/api/v1/productsx']) {
      expect(routeFor(edge, 'shop/public', path), path).toBeUndefined();
    }
    // inside the mesh every path still reaches the storefront (its default route)
    expect(routeFor(one(objs, 'VirtualService', 'storefront'), 'mesh', '/admin')).toBe('default');
    expect(Object.keys(one(objs, 'ConfigMap').data)).toEqual(['robots.txt', 'storefront.yaml']);
    expect(one(objs, 'ConfigMap').data['storefront.yaml']).toContain('catalog: catalog.shop.svc.cluster.local:9090');
  });

  it('catalog is gRPC with ROUND_ROBIN, locality failover and circuit breaking, spread across zones', () => {
    const objs = file('catalog');
    expect(one(objs, 'Service').spec.ports[0]).toMatchObject({ name: 'grpc', appProtocol: 'grpc' });
    const tp = one(objs, 'DestinationRule').spec.trafficPolicy;
    expect(tp.loadBalancer).toEqual({ simple: 'ROUND_ROBIN', localityLbSetting: { enabled: true } });
    expect(one(objs, 'Deployment').spec.template.spec.topologySpreadConstraints).toEqual([
      { labelSelector: { matchLabels: { app: 'catalog', version: 'v1' } }, matchLabelKeys: ['pod-template-hash'], maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' },
    ]);
    expect(tp.connectionPool.tcp.maxConnections).toBe(100);
    expect(tp.outlierDetection.consecutive5xxErrors).toBe(5);
  });

  it('cart runs a 90/10 canary between v1 and v2 and reads the DB password from a Secret', () => {
    const objs = file('cart');
    expect(one(objs, 'VirtualService').spec.http.at(-1).route.map((r: Obj) => [r.destination.subset, r.weight])).toEqual([
      ['v1', 90],
      ['v2', 10],
    ]);
    const env = one(objs, 'Deployment', 'cart-v2').spec.template.spec.containers[0].env;
    expect(env.find((e: Obj) => e.name === 'DB_PASSWORD')).toEqual({ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'cart-db', key: 'password' } } });
  });

  it('the database is an ExternalService, applied before the workloads, seen only in its namespace, without a port-wide capture', () => {
    const objs = file('orders-db');
    expect(objs.map((o) => o.kind)).toEqual(['ServiceEntry', 'Service']);
    const se = one(objs, 'ServiceEntry');
    expect(se.spec.exportTo).toEqual(['.']);
    expect(se.metadata.annotations['networking.meshforge.io/address-allocation']).toBe('istio-dns-auto-allocate');
    // its only client resolves the host through the sidecar's DNS proxy with auto-allocation
    const config = JSON.parse(one(file('cart'), 'Deployment', 'cart-v1').spec.template.metadata.annotations['proxy.istio.io/config']);
    expect(config.proxyMetadata).toEqual({ ISTIO_META_DNS_AUTO_ALLOCATE: 'true', ISTIO_META_DNS_CAPTURE: 'true' });
  });

  it('queue is Redis on a StatefulSet with a volume, bound to 0.0.0.0 for the sidecar, reached by cart', () => {
    const sts = one(all, 'StatefulSet', 'queue');
    expect(sts.spec.serviceName).toBe('queue-headless');
    expect(one(all, 'Service', 'queue-headless').spec.clusterIP).toBe('None');
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('10Gi');
    expect(one(all, 'ConfigMap', 'queue-config').data['redis.conf']).toContain('bind 0.0.0.0');
    expect(one(all, 'VirtualService', 'queue').spec.tcp[0].match).toEqual([{ port: 6379 }]);
    const cartEnv = one(all, 'Deployment', 'cart-v1').spec.template.spec.containers[0].env;
    expect(cartEnv).toContainEqual({ name: 'QUEUE_ADDR', value: 'queue.shop.svc.cluster.local:6379' });
  });

  it('nightly-report is a CronJob at 03:30 Paris time that stops its sidecar itself (every supported Kubernetes and Istio)', () => {
    const cron = one(all, 'CronJob', 'nightly-report');
    expect(cron.spec).toMatchObject({ schedule: '30 3 * * *', timeZone: 'Europe/Paris', concurrencyPolicy: 'Forbid' });
    const pod = cron.spec.jobTemplate.spec.template;
    // no native sidecar: Kubernetes 1.27/1.28 and Istio 1.22/1.23 would leave the Job running forever
    expect(pod.metadata.annotations?.['sidecar.istio.io/nativeSidecar']).toBeUndefined();
    const [container] = pod.spec.containers;
    expect(container.command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(container.command[2]).toContain('http://127.0.0.1:15020/quitquitquit');
    expect(container.command[2]).toMatch(/exit \$rc$/);
    expect(container.command.slice(3)).toEqual(['/usr/local/bin/nightly-report', '--catalog', 'catalog.shop.svc.cluster.local:9090']);
  });

  it('every workload meets PSA restricted and the policy checker rules by default', () => {
    const deployments = all.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
    expect(deployments.length).toBe(5);
    for (const d of deployments) {
      const spec = d.spec.template.spec;
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      for (const c of spec.containers) {
        expect(c.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true });
        expect(Object.keys(c.resources.requests).sort()).toEqual(['cpu', 'memory']);
        expect(Object.keys(c.resources.limits).sort()).toEqual(['cpu', 'memory']);
        expect(c.livenessProbe).toBeDefined();
        expect(c.readinessProbe).toBeDefined();
        expect(c.image).toMatch(/:[0-9][\w.-]*$/);
      }
    }
  });
});
