import * as fs from 'fs';
import * as path from 'path';
import { Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { describe, expect, it } from 'vitest';
import {
  ConfigFile,
  HealthCheck,
  LoadBalancer,
  MeshGateway,
  MeshNamespace,
  MeshService,
  MeshServiceProps,
  StringMatch,
} from '../../lib';
import { tmpDir } from '../helpers';
import { Obj, kinds, one, render } from './render';

const IMAGE = 'ghcr.io/acme/cart:1.4.2';

function service(props: Partial<MeshServiceProps> = {}, extra?: (svc: MeshService, chart: Chart) => void): Obj[] {
  return render((chart) => {
    const svc = new MeshService(chart, 'cart', { namespace: 'shop', image: IMAGE, ...props });
    extra?.(svc, chart);
  });
}

describe('MeshService workload', () => {
  const objects = service();
  const deployment = one(objects, 'Deployment', 'cart-v1');
  const pod = deployment.spec.template;
  const container = pod.spec.containers[0];

  it('emits ServiceAccount, Service, Deployment, VirtualService and DestinationRule by default, the DestinationRule before the Deployment and the VirtualService after it', () => {
    expect(kinds(objects)).toEqual(['ServiceAccount', 'DestinationRule', 'Service', 'Deployment', 'VirtualService']);
    expect(objects.every((o) => o.metadata.namespace === 'shop')).toBe(true);
  });

  it('labels pods with app and version (Istio) and app.kubernetes.io/*, selecting on app+version', () => {
    expect(pod.metadata.labels).toEqual({
      app: 'cart',
      version: 'v1',
      'app.kubernetes.io/name': 'cart',
      'app.kubernetes.io/version': 'v1',
      'app.kubernetes.io/managed-by': 'meshforge',
      // namespace given by name: injection cannot be known, so the pod says it
      'sidecar.istio.io/inject': 'true',
    });
    expect(deployment.spec.selector).toEqual({ matchLabels: { app: 'cart', version: 'v1' } });
  });

  it('runs under a restricted security context', () => {
    expect(pod.spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      fsGroup: 65532,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsGroup: 65532,
      runAsNonRoot: true,
      runAsUser: 65532,
    });
    expect(pod.spec.automountServiceAccountToken).toBe(false);
    expect(pod.spec.serviceAccountName).toBe('cart');
  });

  it('defaults: 2 replicas, RollingUpdate 25%/25%, 30s grace, requests and limits, TCP probes on the first port', () => {
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
    expect(pod.spec.terminationGracePeriodSeconds).toBe(30);
    expect(container.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
    expect(container.livenessProbe.tcpSocket).toEqual({ port: 8080 });
    expect(container.readinessProbe.tcpSocket).toEqual({ port: 8080 });
    expect(container.startupProbe).toBeUndefined();
    expect(container.image).toBe(IMAGE);
    expect(container.imagePullPolicy).toBe('IfNotPresent');
  });

  it('names ports after their protocol and sets appProtocol; the Service selects on app only', () => {
    const objs = service({
      ports: [
        { port: 80, targetPort: 8080, protocol: 'http' },
        { port: 9090, protocol: 'grpc' },
        { port: 9091, protocol: 'grpc' },
        { port: 5000, protocol: 'tcp', name: 'tcp-legacy' },
      ],
      serviceType: kplus.ServiceType.LOAD_BALANCER,
    });
    const svc = one(objs, 'Service');
    expect(svc.spec.type).toBe('LoadBalancer');
    expect(svc.spec.selector).toEqual({ app: 'cart' });
    expect(svc.spec.ports).toEqual([
      { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP', appProtocol: 'http' },
      { name: 'grpc', port: 9090, targetPort: 9090, protocol: 'TCP', appProtocol: 'grpc' },
      { name: 'grpc-9091', port: 9091, targetPort: 9091, protocol: 'TCP', appProtocol: 'grpc' },
      { name: 'tcp-legacy', port: 5000, targetPort: 5000, protocol: 'TCP', appProtocol: 'tcp' },
    ]);
    expect(one(objs, 'Deployment').spec.template.spec.containers[0].ports.map((p: Obj) => [p.name, p.containerPort])).toEqual([
      ['http', 8080],
      ['grpc', 9090],
      ['grpc-9091', 9091],
      ['tcp-legacy', 5000],
    ]);
  });

  it('supports HTTP, gRPC, TCP and exec probes with timings', () => {
    const c = one(
      service({
        ports: [{ port: 9090, protocol: 'grpc' }, { port: 8081, protocol: 'http' }],
        liveness: HealthCheck.grpc({ service: 'cart', period: Duration.seconds(20) }),
        readiness: HealthCheck.http('/ready', { port: 8081, failureThreshold: 5, timeout: Duration.seconds(2) }),
        startup: HealthCheck.exec(['/bin/check'], { initialDelay: Duration.seconds(5) }),
      }),
      'Deployment',
    ).spec.template.spec.containers[0];
    expect(c.livenessProbe).toEqual({
      grpc: { port: 9090, service: 'cart' },
      initialDelaySeconds: 0,
      periodSeconds: 20,
      timeoutSeconds: 1,
      failureThreshold: 3,
      successThreshold: 1,
    });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/ready', port: 8081, scheme: 'HTTP' }, failureThreshold: 5, timeoutSeconds: 2 });
    expect(c.startupProbe).toMatchObject({ exec: { command: ['/bin/check'] }, initialDelaySeconds: 5 });
    expect(one(service({ liveness: HealthCheck.tcp({ port: 7000 }) }), 'Deployment').spec.template.spec.containers[0].livenessProbe.tcpSocket).toEqual({ port: 7000 });
  });

  it('takes command, args, env, Secret and ConfigMap references, Recreate, grace period, user and writable paths', () => {
    const objs = service({
      command: ['/app/cart'],
      args: ['--port=8080'],
      env: { LOG_LEVEL: 'info' },
      secretEnv: { DB_PASSWORD: { secret: 'cart-db', key: 'password' } },
      envFromConfigMaps: ['cart-env'],
      envFromSecrets: ['cart-api'],
      strategy: kplus.DeploymentStrategy.recreate(),
      terminationGracePeriod: Duration.seconds(60),
      runAsUser: 1001,
      writablePaths: ['/tmp', '/var/cache/cart'],
      replicas: 4,
    });
    const spec = one(objs, 'Deployment').spec;
    const c = spec.template.spec.containers[0];
    expect(spec.replicas).toBe(4);
    expect(spec.strategy).toEqual({ type: 'Recreate' });
    expect(spec.template.spec.terminationGracePeriodSeconds).toBe(60);
    expect(c.command).toEqual(['/app/cart']);
    expect(c.args).toEqual(['--port=8080']);
    expect(c.env).toEqual([
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'cart-db', key: 'password' } } },
    ]);
    expect(c.envFrom).toEqual([{ configMapRef: { name: 'cart-env' } }, { secretRef: { name: 'cart-api' } }]);
    expect(c.securityContext.runAsUser).toBe(1001);
    expect(c.volumeMounts).toEqual([
      { mountPath: '/tmp', name: 'writable-0' },
      { mountPath: '/var/cache/cart', name: 'writable-1' },
    ]);
    expect(spec.template.spec.volumes).toEqual([
      { name: 'writable-0', emptyDir: {} },
      { name: 'writable-1', emptyDir: {} },
    ]);
    // no Secret object is ever emitted: references only
    expect(kinds(objs)).not.toContain('Secret');
  });

  it('holds the application until the sidecar is ready (mesh mode), and takes extra pod labels and annotations', () => {
    expect(one(service(), 'Deployment').spec.template.metadata.annotations).toEqual({
      'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts":true}',
    });
    expect(one(service({ holdApplicationUntilProxyStarts: false }), 'Deployment').spec.template.metadata).not.toHaveProperty('annotations');
    const pod = one(
      service({ podLabels: { team: 'payments' }, podAnnotations: { 'proxy.istio.io/config': '{"concurrency":2}', 'example.com/owner': 'payments' } }),
      'Deployment',
    ).spec.template.metadata;
    expect(pod.labels.team).toBe('payments');
    expect(pod.annotations).toEqual({ 'proxy.istio.io/config': '{"concurrency":2}', 'example.com/owner': 'payments' });
  });

  it('creates the ServiceAccount it runs as, also under a custom name', () => {
    const objs = service({ serviceAccountName: 'shared' });
    expect(one(objs, 'ServiceAccount').metadata.name).toBe('shared');
    expect(one(objs, 'Deployment').spec.template.spec.serviceAccountName).toBe('shared');
    expect(one(objs, 'Deployment').metadata.annotations?.['meshforge.io/existing-service-account']).toBeUndefined();
  });

  it('runs as an account made elsewhere only when asked explicitly, and says so on the Deployment', () => {
    const objs = service({ existingServiceAccount: 'platform-sa' });
    expect(kinds(objs)).not.toContain('ServiceAccount');
    const deployment = one(objs, 'Deployment');
    expect(deployment.spec.template.spec.serviceAccountName).toBe('platform-sa');
    expect(deployment.metadata.annotations['meshforge.io/existing-service-account']).toBe('platform-sa');
    expect(() => service({ existingServiceAccount: 'a', serviceAccountName: 'b' })).toThrowError(
      '[c/cart] both serviceAccountName and existingServiceAccount set; field: existingServiceAccount; value: "a"; '
        + 'expected: serviceAccountName (created by this service) or existingServiceAccount (created elsewhere), not both',
    );
  });

  it('exposes its data for security and observability', () => {
    render((chart) => {
      const svc = new MeshService(chart, 'cart', {
        namespace: 'shop',
        image: IMAGE,
        versions: ['v1', 'v2'],
        metrics: { port: 9464 },
      });
      expect(svc.name).toBe('cart');
      expect(svc.namespace).toBe('shop');
      expect(svc.host).toBe('cart.shop.svc.cluster.local');
      expect(svc.versions).toEqual(['v1', 'v2']);
      expect([...svc.deployments.keys()]).toEqual(['v1', 'v2']);
      expect(svc.serviceAccountName).toBe('cart');
      expect(svc.selectorLabels).toEqual({ app: 'cart' });
      expect(svc.ports).toEqual([{ port: 8080, targetPort: 8080, protocol: 'http', name: 'http' }]);
      expect(svc.virtualService).toBeDefined();
      expect(svc.destinationRule).toBeDefined();
      expect(svc.metricsPort).toBe(15020);
      expect(svc.metricsPath).toBe('/stats/prometheus');
      expect(svc.appMetrics).toEqual({ port: 9464, path: '/metrics' });
      // the shape lib/security's IMeshWorkload reads
      expect(svc.workloadPorts).toEqual([{ name: 'http', port: 8080, targetPort: 8080 }]);
      expect(svc.meshEnabled).toBe(true);
    });
  });
});

describe('MeshService versions', () => {
  it('creates a Deployment per version with its own image and replicas, and a subset per version', () => {
    const objs = service({ versions: ['v1', { name: 'v2', image: 'ghcr.io/acme/cart:1.5.0', replicas: 1, env: { FEATURE_X: 'on' } }] });
    const v2 = one(objs, 'Deployment', 'cart-v2');
    expect(v2.spec.replicas).toBe(1);
    expect(v2.spec.template.spec.containers[0].image).toBe('ghcr.io/acme/cart:1.5.0');
    expect(v2.spec.template.spec.containers[0].env).toEqual([{ name: 'FEATURE_X', value: 'on' }]);
    expect(one(objs, 'Deployment', 'cart-v1').spec.template.spec.containers[0].image).toBe(IMAGE);
    expect(one(objs, 'DestinationRule').spec.subsets).toEqual([
      { name: 'v1', labels: { version: 'v1' } },
      { name: 'v2', labels: { version: 'v2' } },
    ]);
  });

  it('addVersion grows the service after construction', () => {
    const objs = service({}, (svc) => svc.addVersion({ name: 'v2' }));
    expect(one(objs, 'Deployment', 'cart-v2').spec.template.metadata.labels.version).toBe('v2');
  });
});

describe('MeshService config files', () => {
  it('mounts a ConfigMap read-only at /config with a content hash on the pod template', () => {
    const objs = service({ files: { 'b.yaml': ConfigFile.fromString('b: 2\n'), 'a.txt': ConfigFile.fromString('hello') } });
    const cm = one(objs, 'ConfigMap', 'cart-config');
    expect(cm.data).toEqual({ 'a.txt': 'hello', 'b.yaml': 'b: 2\n' });
    expect(Object.keys(cm.data)).toEqual(['a.txt', 'b.yaml']);
    const pod = one(objs, 'Deployment').spec.template;
    expect(pod.spec.containers[0].volumeMounts).toEqual([{ mountPath: '/config', name: 'config', readOnly: true }]);
    expect(pod.spec.volumes).toEqual([{ name: 'config', configMap: { name: 'cart-config' } }]);
    expect(pod.metadata.annotations['meshforge.io/config-hash']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('the hash depends on content only: same data in another order is equal, a changed file is not', () => {
    const hash = (files: Record<string, string>) =>
      one(
        service({ files: Object.fromEntries(Object.entries(files).map(([k, v]) => [k, ConfigFile.fromString(v)])) }),
        'Deployment',
      ).spec.template.metadata.annotations['meshforge.io/config-hash'];
    const h = hash({ 'a.txt': '1', 'b.txt': '2' });
    expect(hash({ 'b.txt': '2', 'a.txt': '1' })).toBe(h);
    expect(hash({ 'a.txt': '1', 'b.txt': '3' })).not.toBe(h);
    // key/value boundaries count: "a.txt"+"12" is not "a.txt1"+"2"
    expect(hash({ 'a.txt': '12' })).not.toBe(hash({ 'a.txt1': '2' }));
  });

  it('reads files from disk relative to the base dir, at a configurable mount path', () => {
    const dir = tmpDir();
    fs.mkdirSync(path.join(dir, 'conf'));
    fs.writeFileSync(path.join(dir, 'conf', 'cart.properties'), 'db.port=5432\n');
    const objs = service({ files: { 'cart.properties': ConfigFile.fromFile('conf/cart.properties', dir) }, configMountPath: '/etc/cart' });
    expect(one(objs, 'ConfigMap').data).toEqual({ 'cart.properties': 'db.port=5432\n' });
    expect(one(objs, 'Deployment').spec.template.spec.containers[0].volumeMounts[0].mountPath).toBe('/etc/cart');
  });

  it('fails with CONFIG_FILE_NOT_FOUND when a file is missing', () => {
    const dir = tmpDir();
    expect(() => service({ files: { 'app.yaml': ConfigFile.fromFile('missing.yaml', dir) } })).toThrowError(
      `[c/cart] config file not found; field: files.app.yaml; value: "missing.yaml"; expected: an existing file; looked for ${path.join(dir, 'missing.yaml')} (paths are relative to the baseDir passed to ConfigFile.fromFile)`,
    );
  });
});

describe('MeshService sidecar injection and mesh mode', () => {
  it('omits the pod inject label when the MeshNamespace already decides', () => {
    const objs = render((chart) => {
      const ns = new MeshNamespace(chart, 'shop');
      new MeshService(chart, 'cart', { namespace: ns, image: IMAGE });
    });
    expect(one(objs, 'Deployment').spec.template.metadata.labels).not.toHaveProperty(['sidecar.istio.io/inject']);
  });

  it('labels the pod inject=false when a service opts out of a meshed namespace, and emits no Istio objects', () => {
    const objs = render((chart) => {
      const ns = new MeshNamespace(chart, 'shop');
      new MeshService(chart, 'cart', { namespace: ns, image: IMAGE, mesh: false, metrics: { port: 9464 } });
    });
    const pod = one(objs, 'Deployment').spec.template;
    expect(pod.metadata.labels['sidecar.istio.io/inject']).toBe('false');
    expect(kinds(objs)).toEqual(['Namespace', 'ServiceAccount', 'Service', 'Deployment']);
    expect(objs.some((o) => String(o.apiVersion).includes('istio.io'))).toBe(false);
    // plain Kubernetes: Prometheus scrapes the application port directly
    expect(pod.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9464', 'prometheus.io/path': '/metrics' });
  });

  it('labels the pod inject=true when a service opts into a namespace without injection', () => {
    const objs = render((chart) => {
      const ns = new MeshNamespace(chart, 'shop', { injection: false, cni: true });
      new MeshService(chart, 'cart', { namespace: ns, image: IMAGE, mesh: true });
    });
    expect(one(objs, 'Deployment').spec.template.metadata.labels['sidecar.istio.io/inject']).toBe('true');
  });

  it('in mesh mode keeps the app metrics annotations (Istio merges them into :15020) but exposes 15020 as the scrape target', () => {
    render((chart) => {
      const svc = new MeshService(chart, 'cart', { namespace: 'shop', image: IMAGE, metrics: { port: 9464, path: '/prom' } });
      expect([svc.metricsPort, svc.metricsPath]).toEqual([15020, '/stats/prometheus']);
      const off = new MeshService(chart, 'off', { namespace: 'shop', image: IMAGE, mesh: false, metrics: { port: 9464, path: '/prom' } });
      expect([off.metricsPort, off.metricsPath]).toEqual([9464, '/prom']);
      const envoyOnly = new MeshService(chart, 'envoy-only', { namespace: 'shop', image: IMAGE });
      expect([envoyOnly.metricsPort, envoyOnly.metricsPath, envoyOnly.appMetrics]).toEqual([15020, '/stats/prometheus', undefined]);
      const none = new MeshService(chart, 'none', { namespace: 'shop', image: IMAGE, mesh: false });
      expect([none.metricsPort, none.metricsPath]).toEqual([undefined, undefined]);
    });
  });
});

describe('MeshService routing (VirtualService)', () => {
  it('routes all traffic to the first version by default, bound to the mesh', () => {
    const vs = one(service(), 'VirtualService');
    expect(vs.spec).toEqual({
      hosts: ['cart.shop.svc.cluster.local'],
      http: [{ name: 'default', route: [{ destination: { host: 'cart.shop.svc.cluster.local', subset: 'v1' } }] }],
    });
  });

  it('canary splits the default route by weight', () => {
    const vs = one(service({ versions: ['v1', 'v2'] }, (s) => s.canary({ v1: 90, v2: 10 })), 'VirtualService');
    expect(vs.spec.http[0].route).toEqual([
      { destination: { host: 'cart.shop.svc.cluster.local', subset: 'v1' }, weight: 90 },
      { destination: { host: 'cart.shop.svc.cluster.local', subset: 'v2' }, weight: 10 },
    ]);
  });

  it('blueGreen sends everything to the active version', () => {
    const vs = one(service({ versions: ['blue', 'green'] }, (s) => s.blueGreen('green')), 'VirtualService');
    expect(vs.spec.http).toEqual([{ name: 'default', route: [{ destination: { host: 'cart.shop.svc.cluster.local', subset: 'green' } }] }]);
  });

  it('abTest routes matching requests (header, cookie) to their version before the default', () => {
    const vs = one(
      service({ versions: ['v1', 'v2'] }, (s) =>
        s.abTest(
          [
            { match: { headers: { 'x-beta': StringMatch.exact('1') } }, version: 'v2' },
            { match: [{ cookie: { name: 'group', value: 'b' } }], version: 'v2' },
          ],
          'v1',
        ),
      ),
      'VirtualService',
    );
    expect(vs.spec.http.map((r: Obj) => r.name)).toEqual(['ab-0-v2', 'ab-1-v2', 'default']);
    expect(vs.spec.http[0].match).toEqual([{ headers: { 'x-beta': { exact: '1' } } }]);
    expect(vs.spec.http[1].match).toEqual([{ headers: { cookie: { regex: '^(.*?;\\s*)?(group=b)(;.*)?$' } } }]);
    expect(vs.spec.http[2].route).toEqual([{ destination: { host: 'cart.shop.svc.cluster.local', subset: 'v1' } }]);
  });

  it('addRoute supports URI/query/method matches, retries, timeout, fault, mirror and CORS', () => {
    const vs = one(
      service({ versions: ['v1', 'v2'], timeout: Duration.seconds(3), retries: { attempts: 2 } }, (s) =>
        s.addRoute({
          name: 'api',
          match: [
            { uri: StringMatch.prefix('/api/'), queryParams: { debug: StringMatch.exact('1') }, method: StringMatch.exact('GET') },
            { uri: StringMatch.regex('^/v[0-9]+/cart$') },
          ],
          destinations: [
            { version: 'v1', weight: 50 },
            { version: 'v2', weight: 50 },
          ],
          retries: { attempts: 3, perTryTimeout: Duration.millis(250), retryOn: '5xx,reset' },
          timeout: Duration.millis(1500),
          fault: { delay: { fixedDelay: Duration.seconds(2), percentage: 5 }, abort: { httpStatus: 503, percentage: 1 } },
          mirror: { version: 'v2', percentage: 20 },
          cors: { allowOrigins: [StringMatch.exact('https://shop.example.com')], allowCredentials: true, allowHeaders: ['authorization'] },
        }),
      ),
      'VirtualService',
    );
    const [api, def] = vs.spec.http;
    expect(api).toEqual({
      name: 'api',
      match: [
        { uri: { prefix: '/api/' }, queryParams: { debug: { exact: '1' } }, method: { exact: 'GET' } },
        { uri: { regex: '^/v[0-9]+/cart$' } },
      ],
      route: [
        { destination: { host: 'cart.shop.svc.cluster.local', subset: 'v1' }, weight: 50 },
        { destination: { host: 'cart.shop.svc.cluster.local', subset: 'v2' }, weight: 50 },
      ],
      retries: { attempts: 3, perTryTimeout: '250ms', retryOn: '5xx,reset' },
      timeout: '1500ms',
      fault: { delay: { fixedDelay: '2s', percentage: { value: 5 } }, abort: { httpStatus: 503, percentage: { value: 1 } } },
      mirror: { host: 'cart.shop.svc.cluster.local', subset: 'v2' },
      mirrorPercentage: { value: 20 },
      corsPolicy: { allowOrigins: [{ exact: 'https://shop.example.com' }], allowCredentials: true, allowHeaders: ['authorization'] },
    });
    // service-level defaults apply to routes that do not override them
    expect(def).toMatchObject({ name: 'default', retries: { attempts: 2 }, timeout: '3s' });
  });

  it('exposeVia adds a gateway-only VirtualService with only the routes that list the gateway; the mesh one stays as it was', () => {
    const objs = render((chart) => {
      const gw = new MeshGateway(chart, 'public', { namespace: 'edge', hosts: ['*.example.com'] });
      const svc = new MeshService(chart, 'shop', { namespace: 'shop', image: IMAGE });
      svc.exposeVia(gw, { hosts: ['shop.example.com'] });
      svc.addRoute({ name: 'edge-only', match: [{ uri: StringMatch.prefix('/static/') }], gateways: ['edge/public'] });
      svc.addRoute({ name: 'internal', match: [{ uri: StringMatch.prefix('/admin') }] });
    });
    const mesh = one(objs, 'VirtualService', 'shop');
    expect(mesh.spec.hosts).toEqual(['shop.shop.svc.cluster.local']);
    expect(mesh.spec).not.toHaveProperty('gateways');
    expect(mesh.spec.http.map((r: Obj) => r.name)).toEqual(['internal', 'default']);
    const edge = one(objs, 'VirtualService', 'shop-gateway');
    expect(edge.spec.hosts).toEqual(['shop.example.com']);
    expect(edge.spec.gateways).toEqual(['edge/public']);
    expect(edge.spec.http).toEqual([
      { name: 'edge-only', match: [{ uri: { prefix: '/static/' }, gateways: ['edge/public'] }], route: [{ destination: { host: 'shop.shop.svc.cluster.local', subset: 'v1' } }] },
    ]);
  });
});

describe('MeshService TCP and TLS ports', () => {
  it('routes TCP and TLS ports with the default split (no http section without HTTP ports)', () => {
    const vs = one(
      service({ versions: ['v1', 'v2'], ports: [{ port: 6379, protocol: 'tcp' }, { port: 6380, protocol: 'tls' }] }, (s) => s.canary({ v1: 80, v2: 20 })),
      'VirtualService',
    );
    const route = (port: number) => [
      { destination: { host: 'cart.shop.svc.cluster.local', subset: 'v1', port: { number: port } }, weight: 80 },
      { destination: { host: 'cart.shop.svc.cluster.local', subset: 'v2', port: { number: port } }, weight: 20 },
    ];
    expect(vs.spec).toEqual({
      hosts: ['cart.shop.svc.cluster.local'],
      tcp: [{ match: [{ port: 6379 }], route: route(6379) }],
      tls: [{ match: [{ port: 6380, sniHosts: ['cart.shop.svc.cluster.local'] }], route: route(6380) }],
    });
  });

  it('sets sidecar resources as pod annotations in mesh mode only', () => {
    const sidecarResources = { cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '128Mi' };
    expect(one(service({ sidecarResources }), 'Deployment').spec.template.metadata.annotations).toEqual({
      'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts":true}',
      'sidecar.istio.io/proxyCPU': '50m',
      'sidecar.istio.io/proxyMemory': '64Mi',
      'sidecar.istio.io/proxyMemoryLimit': '128Mi',
    });
    expect(one(service({ sidecarResources, mesh: false }), 'Deployment').spec.template.metadata).not.toHaveProperty('annotations');
  });
});

describe('MeshService traffic policy (DestinationRule)', () => {
  const tp = (props: Partial<MeshServiceProps>) => one(service(props), 'DestinationRule').spec.trafficPolicy;

  it('defaults to ISTIO_MUTUAL and nothing else', () => {
    expect(tp({})).toEqual({ tls: { mode: 'ISTIO_MUTUAL' } });
    expect(tp({ tlsMode: 'DISABLE' })).toEqual({ tls: { mode: 'DISABLE' } });
  });

  it.each([
    [LoadBalancer.roundRobin(), { simple: 'ROUND_ROBIN' }],
    [LoadBalancer.leastRequest(), { simple: 'LEAST_REQUEST' }],
    [LoadBalancer.random(), { simple: 'RANDOM' }],
    [LoadBalancer.consistentHashByHeader('x-user'), { consistentHash: { httpHeaderName: 'x-user' } }],
    [LoadBalancer.consistentHashByCookie('session', Duration.hours(1)), { consistentHash: { httpCookie: { name: 'session', ttl: '3600s' } } }],
    [LoadBalancer.consistentHashBySourceIp(), { consistentHash: { useSourceIp: true } }],
  ])('load balancer %#', (lb, expected) => {
    expect(tp({ loadBalancer: lb }).loadBalancer).toEqual(expected);
  });

  it('emits connection pool and outlier detection (circuit breaking) with defaults filled in', () => {
    const policy = tp({
      connectionPool: {
        maxConnections: 100,
        connectTimeout: Duration.millis(500),
        http1MaxPendingRequests: 10,
        http2MaxRequests: 1000,
        maxRequestsPerConnection: 10,
        maxRetries: 3,
        idleTimeout: Duration.minutes(5),
      },
      outlierDetection: { consecutiveGatewayErrors: 2 },
    });
    expect(policy.connectionPool).toEqual({
      tcp: { maxConnections: 100, connectTimeout: '500ms' },
      http: { http1MaxPendingRequests: 10, http2MaxRequests: 1000, maxRequestsPerConnection: 10, maxRetries: 3, idleTimeout: '300s' },
    });
    expect(policy.outlierDetection).toEqual({
      consecutive5xxErrors: 5,
      consecutiveGatewayErrors: 2,
      interval: '10s',
      baseEjectionTime: '30s',
      maxEjectionPercent: 10,
      minHealthPercent: 0,
    });
    expect(tp({ connectionPool: { maxConnections: 5 } }).connectionPool).toEqual({ tcp: { maxConnections: 5 } });
  });
});

describe('MeshService scaling, availability and monitoring', () => {
  it('with autoscaling: one autoscaling/v2 HPA per version and no fixed replicas', () => {
    const objs = service({ versions: ['v1', 'v2'], replicas: 3, autoscaling: { maxReplicas: 8, memoryUtilization: 80 } });
    for (const v of ['v1', 'v2']) {
      expect(one(objs, 'Deployment', `cart-${v}`).spec).not.toHaveProperty('replicas');
      const hpa = one(objs, 'HorizontalPodAutoscaler', `cart-${v}`);
      expect(hpa.apiVersion).toBe('autoscaling/v2');
      expect(hpa.spec).toMatchObject({
        minReplicas: 2,
        maxReplicas: 8,
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: `cart-${v}` },
      });
      expect(hpa.spec.metrics.map((m: Obj) => [m.resource.name, m.resource.target.averageUtilization])).toEqual([
        ['cpu', 70],
        ['memory', 80],
      ]);
    }
  });

  it('PodDisruptionBudget per version, maxUnavailable 1 by default or minAvailable', () => {
    expect(one(service({ disruptionBudget: {} }), 'PodDisruptionBudget').spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { app: 'cart', version: 'v1' } },
    });
    expect(one(service({ disruptionBudget: { minAvailable: '50%' } }), 'PodDisruptionBudget').spec.minAvailable).toBe('50%');
  });

  it('PodMonitor scrapes the merged Istio endpoint in mesh mode', () => {
    const pm = one(service({ metrics: { port: 9464, monitor: 'pod' } }), 'PodMonitor');
    expect(pm.apiVersion).toBe('monitoring.coreos.com/v1');
    // 15020 is not a declared container port, which Prometheus Operator requires: target the
    // sidecar's declared Envoy port and rewrite the address to the merged endpoint
    expect(pm.spec).toEqual({
      selector: { matchLabels: { app: 'cart' } },
      podMetricsEndpoints: [
        {
          port: 'http-envoy-prom',
          path: '/stats/prometheus',
          interval: '30s',
          relabelings: [{ action: 'replace', sourceLabels: ['__address__'], regex: '(.+):\\d+', replacement: '$1:15020', targetLabel: '__address__' }],
        },
      ],
    });
  });

  it('PodMonitor scrapes the declared application port without the mesh', () => {
    const pm = one(service({ mesh: false, metrics: { port: 8080, path: '/prom', monitor: 'pod' } }), 'PodMonitor');
    expect(pm.spec.podMetricsEndpoints).toEqual([{ portNumber: 8080, path: '/prom', interval: '30s' }]);
  });

  it('ServiceMonitor scrapes the application port without the mesh', () => {
    const sm = one(
      service({ mesh: false, ports: [{ port: 8080 }, { port: 9464, name: 'http-metrics' }], metrics: { port: 9464, monitor: 'service', interval: '15s' } }),
      'ServiceMonitor',
    );
    expect(sm.spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'cart' } },
      endpoints: [{ port: 'http-metrics', path: '/metrics', interval: '15s' }],
    });
  });
});

describe('MeshService determinism', () => {
  it('renders byte-identical output twice', () => {
    const build = () =>
      service({ versions: ['v1', 'v2'], files: { 'a.yaml': ConfigFile.fromString('x: 1') }, env: { B: '2', A: '1' } }, (s) => s.canary({ v1: 50, v2: 50 }));
    expect(JSON.stringify(build())).toBe(JSON.stringify(build()));
    expect(one(build(), 'Deployment', 'cart-v1').spec.template.spec.containers[0].env.map((e: Obj) => e.name)).toEqual(['A', 'B']);
  });
});
