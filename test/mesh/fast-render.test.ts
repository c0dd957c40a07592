import { ApiObject, App, Chart, Duration, IResolver, JsonPatch, ResolutionContext } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { describe, expect, it } from 'vitest';
import { ConfigFile, HealthCheck, LoadBalancer, MeshNamespace, MeshService, MeshServiceProps, StringMatch } from '../../lib';
import { _fastRenderCount, slowToJson } from '../../lib/mesh/fast-render';

const IMAGE = 'ghcr.io/acme/cart:1.4.2';

const apiObjects = (scope: Chart) => scope.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);

/** Every API object under `chart`, in synth order, with its path and JSON as `render` renders it. */
function rendered(chart: Chart, render: (o: ApiObject) => unknown): string[] {
  return apiObjects(chart).map((o) => `${o.node.path} ${JSON.stringify(render(o))}`);
}

function build(props: Partial<MeshServiceProps>, extra?: (svc: MeshService, chart: Chart) => void, app = new App()): Chart {
  const chart = new Chart(app, 'c');
  const ns = new MeshNamespace(chart, 'ns', { name: 'shop' });
  const svc = new MeshService(chart, 'cart', { namespace: props.namespace ?? ns, image: IMAGE, ...props });
  extra?.(svc, chart);
  return chart;
}

const COMBOS: Record<string, Partial<MeshServiceProps>> = {
  defaults: {},
  'namespace name': { namespace: 'shop' },
  'bench service': {
    versions: [{ name: 'v1', replicas: 2 }, { name: 'v2', image: 'ghcr.io/acme/cart:1.5.0', replicas: 1 }],
    files: { 'app.yaml': ConfigFile.fromString('a: 1\nb: "x"\n'), 'z.properties': ConfigFile.fromString('k=v') },
    configMountPath: '/etc/cart',
    connectionPool: { maxConnections: 100, http1MaxPendingRequests: 10, connectTimeout: Duration.millis(250), idleTimeout: Duration.seconds(30) },
    outlierDetection: { consecutive5xxErrors: 5, baseEjectionTime: Duration.seconds(30), maxEjectionPercent: 50, consecutiveGatewayErrors: 3 },
  },
  'everything the fast path models': {
    mesh: true,
    versions: ['v1', { name: 'v2', env: { B: '2', MODE: 'canary' }, replicas: 0, args: ['--canary'], resources: { cpuLimit: '2', memoryLimit: '2Gi' } }],
    imagePullPolicy: kplus.ImagePullPolicy.ALWAYS,
    ports: [{ port: 80, targetPort: 8080 }, { port: 9090, protocol: 'grpc' }, { port: 5432, protocol: 'tcp', name: 'tcp-db' }, { port: 443, protocol: 'tls' }],
    command: ['/app', '--serve'],
    args: ['--port', '8080'],
    env: { A: '1', B: 'no', EMPTY: '', YES: 'yes' },
    resources: { cpuRequest: '250m', cpuLimit: '1', memoryRequest: '1Gi', memoryLimit: '1Gi' },
    liveness: HealthCheck.http('/healthz', { port: 8081, initialDelay: Duration.seconds(5), scheme: 'HTTPS' }),
    readiness: HealthCheck.grpc({ service: 'cart', period: Duration.seconds(3), successThreshold: 2 }),
    startup: HealthCheck.exec(['cat', '/tmp/ready'], { failureThreshold: 30 }),
    replicas: 3,
    terminationGracePeriod: Duration.seconds(45),
    runAsUser: 1000,
    runAsGroup: 2000,
    readOnlyRootFilesystem: false,
    serviceAccountName: 'shared',
    sidecarResources: { cpuRequest: '50m', memoryLimit: '64Mi' },
    loadBalancer: LoadBalancer.consistentHashByCookie('sid', Duration.seconds(60), '/'),
    tlsMode: 'DISABLE',
    timeout: Duration.seconds(2),
    retries: { attempts: 3, perTryTimeout: Duration.millis(500), retryOn: '5xx' },
    metrics: { port: 8080, path: '/m', monitor: 'pod' },
    partOf: 'shop',
    podLabels: { team: 'cart' },
    podAnnotations: { 'example.com/x': 'y', 'proxy.istio.io/config': '{}' },
    holdApplicationUntilProxyStarts: false,
    disruptionBudget: { minAvailable: 1 },
  },
  'outside the mesh': { mesh: false, metrics: { port: 8080, monitor: 'service' }, files: { 'a.txt': ConfigFile.fromString('x') } },
  'node port service': { serviceType: kplus.ServiceType.NODE_PORT },
  'round robin, TCP only': { loadBalancer: LoadBalancer.roundRobin(), ports: [{ port: 5432, protocol: 'tcp' }], outlierDetection: {} },
  'sticky by header, blue/green': { loadBalancer: LoadBalancer.consistentHashByHeader('x-user'), versions: ['blue', 'green'], connectionPool: { maxRetries: 3 } },
  'sticky by source IP': { loadBalancer: LoadBalancer.consistentHashBySourceIp(), connectionPool: { http2MaxRequests: 10, maxRequestsPerConnection: 1 } },
  'load balancer service': { serviceType: kplus.ServiceType.LOAD_BALANCER },
  'existing service account, DNS auto-allocation': { existingServiceAccount: 'platform', dnsAutoAllocation: true },
  // not modelled: these render through cdk8s (checked the same way)
  'secret env and envFrom': { secretEnv: { DB_PASSWORD: { secret: 'db', key: 'pw' } }, envFromConfigMaps: ['common'], envFromSecrets: ['creds'] },
  autoscaling: { autoscaling: { maxReplicas: 5, memoryUtilization: 80 } },
  strategy: { strategy: kplus.DeploymentStrategy.recreate() },
  'writable paths': { writablePaths: ['/tmp', '/var/cache'] },
};

const NOT_MODELLED = ['node port service', 'load balancer service', 'secret env and envFrom', 'autoscaling', 'strategy', 'writable paths'];

describe('fast rendering of MeshService objects', () => {
  for (const [name, props] of Object.entries(COMBOS)) {
    it(`renders exactly what cdk8s and cdk8s-plus render: ${name}`, () => {
      const extra = (svc: MeshService) => {
        if (props.versions === undefined && name !== 'outside the mesh') svc.addVersion({ name: 'v9' }).canary({ v1: 60, v9: 40 });
        if (name === 'everything the fast path models') {
          svc.addRoute({ match: [{ uri: undefined }], destinations: [{ version: 'v2', weight: 100 }] });
          svc.addRoute({
            name: 'rich',
            match: [
              { uri: StringMatch.prefix('/api'), method: StringMatch.exact('GET'), headers: { 'x-b': StringMatch.regex('.*'), 'x-a': StringMatch.exact('1') } },
              { queryParams: { debug: StringMatch.exact('1') }, cookie: { name: 'beta', value: 'on' } },
            ],
            destinations: [{ version: 'v1', weight: 50 }, { version: 'v2', weight: 50 }],
            retries: { attempts: 0 },
            timeout: Duration.millis(1500),
            fault: { delay: { fixedDelay: Duration.millis(100), percentage: 1.5 }, abort: { httpStatus: 503, percentage: 0.1 } },
            mirror: { version: 'v2', percentage: 5 },
            cors: { allowOrigins: [StringMatch.exact('https://a.example')], allowMethods: ['GET'], allowHeaders: ['x'], exposeHeaders: ['y'], maxAge: Duration.hours(1), allowCredentials: true },
            gateways: ['mesh'],
          });
        }
      };
      const fast = build(props, extra);
      // the escape hatch replaces the stand-ins by the cdk8s-plus objects; slowToJson skips the fast Istio rendering
      const real = build(props, (svc) => {
        extra(svc);
        expect(svc.deployments.size).toBeGreaterThan(0);
      });
      const before = _fastRenderCount();
      const actual = rendered(fast, (o) => o.toJson());
      // modelled combinations render their ServiceAccount, Service, Deployments (and Istio objects) fast
      if (!NOT_MODELLED.includes(name)) expect(_fastRenderCount() - before).toBeGreaterThanOrEqual(4);
      const expected = rendered(real, (o) => slowToJson(o));
      expect(actual.length).toBeGreaterThan(3);
      expect(actual).toEqual(expected);
    });
  }

  it('takes the fast path for every object of the benchmark service', () => {
    const chart = build(COMBOS['bench service'], (svc) => svc.canary({ v1: 90, v2: 10 }));
    const before = _fastRenderCount();
    for (const o of apiObjects(chart)) if (!o.node.path.startsWith('c/ns')) o.toJson();
    // ServiceAccount, ConfigMap, Service, 2 Deployments, VirtualService, DestinationRule
    expect(_fastRenderCount() - before).toBe(7);
  });

  it('keeps paths and object order when an escape hatch replaces the stand-ins after more objects were added', () => {
    let svc!: MeshService;
    const chart = build(COMBOS['bench service'], (s) => {
      svc = s;
      s.canary({ v1: 90, v2: 10 });
    });
    new ApiObject(svc, 'Extra', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'extra' } });
    svc.addVersion({ name: 'v3' });
    const before = rendered(chart, (o) => o.toJson());
    expect(svc.service).toBeInstanceOf(kplus.Service);
    expect(rendered(chart, (o) => slowToJson(o))).toEqual(before);
    expect(apiObjects(chart).map((o) => o.node.path).filter((x) => x.startsWith('c/cart/'))).toEqual([
      'c/cart/ServiceAccount/Resource', 'c/cart/ConfigMap/Resource', 'c/cart/Service/Resource', 'c/cart/Deployment-v1/Resource',
      'c/cart/Deployment-v2/Resource', 'c/cart/VirtualService', 'c/cart/DestinationRule', 'c/cart/Extra', 'c/cart/Deployment-v3/Resource',
    ]);
  });

  it('sees changes made through the escape hatches', () => {
    const chart = build({}, (svc) => {
      svc.deployments.get('v1')!.podMetadata.addAnnotation('example.com/late', 'yes');
      svc.service.metadata.addLabel('late', 'yes');
    });
    const d = chart.node.findAll().find((c) => c instanceof ApiObject && c.kind === 'Deployment') as ApiObject;
    expect(d.toJson().spec.template.metadata.annotations['example.com/late']).toBe('yes');
    const s = chart.node.findAll().find((c) => c instanceof ApiObject && c.kind === 'Service') as ApiObject;
    expect(s.toJson().metadata.labels.late).toBe('yes');
  });

  it('renders the VirtualService through cdk8s once it was handed out, with patches', () => {
    const chart = build({}, (svc) => svc.virtualService!.addJsonPatch(JsonPatch.add('/spec/exportTo', ['.'])));
    const vs = apiObjects(chart).find((c) => c.kind === 'VirtualService')!;
    const before = _fastRenderCount();
    expect(vs.toJson().spec.exportTo).toEqual(['.']);
    expect(_fastRenderCount()).toBe(before);
  });

  it('sees JSON patches and metadata added without the escape hatches', () => {
    const chart = build({});
    const d = apiObjects(chart).find((c) => c.kind === 'Deployment')!;
    d.addJsonPatch(JsonPatch.add('/spec/paused', true));
    d.metadata.addAnnotation('example.com/a', 'b');
    const json = d.toJson();
    expect(json.spec.paused).toBe(true);
    expect(json.metadata.annotations).toEqual({ 'example.com/a': 'b' });
    expect(JSON.stringify(json)).toBe(JSON.stringify(slowToJson(d)));
  });

  it('leaves rendering to cdk8s when the app has custom resolvers', () => {
    const upper: IResolver = {
      resolve(context: ResolutionContext) {
        if (context.value === 'IfNotPresent') context.replaceValue('Always');
      },
    };
    const chart = build({}, undefined, new App({ resolvers: [upper] }));
    const d = chart.node.findAll().find((c) => c instanceof ApiObject && c.kind === 'Deployment') as ApiObject;
    expect(d.toJson().spec.template.spec.containers[0].imagePullPolicy).toBe('Always');
  });
});
