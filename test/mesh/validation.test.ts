import { App, Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { describe, expect, it } from 'vitest';
import { ConfigFile, ExternalService, HealthCheck, LoadBalancer, MeshGateway, MeshService, MeshServiceProps, parseQuantity } from '../../lib/mesh';
import { LogShippingSidecar } from '../../lib/observability';
import { checkObjects } from '../../lib/policy';
import { Obj, one, render } from './render';

const IMAGE = 'ghcr.io/acme/cart:1.4.2';
const chart = () => new Chart(new App(), 'c');
const build = (props: Partial<MeshServiceProps>) => () => new MeshService(chart(), 'cart', { namespace: 'shop', image: IMAGE, ...props });
const DURATION = 'expected: a whole number of milliseconds, at least 1ms (Istio rejects shorter durations)';

describe('INVALID_DURATION: every Duration prop is checked with its path and field', () => {
  it('service-wide durations fail at construction', () => {
    expect(build({ timeout: Duration.millis(0) })).toThrowError(`[c/cart] duration too short for Istio; field: timeout; value: "0ms"; ${DURATION}`);
    expect(build({ timeout: Duration.millis(1.5) })).toThrowError(
      `[c/cart] duration not a whole number of milliseconds; field: timeout; value: "1.5ms"; ${DURATION}`,
    );
    expect(build({ retries: { attempts: 2, perTryTimeout: Duration.millis(0) } })).toThrowError(
      `[c/cart] duration too short for Istio; field: retries.perTryTimeout; value: "0ms"; ${DURATION}`,
    );
    expect(build({ connectionPool: { connectTimeout: Duration.millis(0) } })).toThrowError(
      `[c/cart] duration too short for Istio; field: connectionPool.connectTimeout; value: "0ms"; ${DURATION}`,
    );
    expect(build({ connectionPool: { idleTimeout: Duration.millis(0) } })).toThrowError(
      `[c/cart] duration too short for Istio; field: connectionPool.idleTimeout; value: "0ms"; ${DURATION}`,
    );
    expect(build({ outlierDetection: { interval: Duration.millis(0) } })).toThrowError(
      `[c/cart] duration too short for Istio; field: outlierDetection.interval; value: "0ms"; ${DURATION}`,
    );
    expect(build({ outlierDetection: { baseEjectionTime: Duration.millis(0) } })).toThrowError(
      `[c/cart] duration too short for Istio; field: outlierDetection.baseEjectionTime; value: "0ms"; ${DURATION}`,
    );
    expect(build({ loadBalancer: LoadBalancer.consistentHashByCookie('sticky', Duration.millis(0)) })).toThrowError(
      `[c/cart] duration too short for Istio; field: loadBalancer.ttl; value: "0ms"; ${DURATION}`,
    );
  });

  it('Kubernetes durations (grace period, probe timings) are whole seconds', () => {
    expect(build({ terminationGracePeriod: Duration.millis(1500) })).toThrowError(
      '[c/cart] duration is not whole seconds in range; field: terminationGracePeriod; value: "1.5s"; expected: a whole number of seconds, at least 0s (Kubernetes stores it as an integer)',
    );
    expect(build({ readiness: HealthCheck.http('/ready', { period: Duration.millis(500) }) })).toThrowError(
      '[c/cart] duration is not whole seconds in range; field: readiness.period; value: "0.5s"; expected: a whole number of seconds, at least 1s (Kubernetes stores it as an integer)',
    );
    expect(build({ startup: HealthCheck.tcp({ timeout: Duration.seconds(0) }) })).toThrowError(
      '[c/cart] duration is not whole seconds in range; field: startup.timeout; value: "0s"; expected: a whole number of seconds, at least 1s (Kubernetes stores it as an integer)',
    );
  });

  it('PROBE_THRESHOLD and INVALID_PORT on health checks', () => {
    expect(build({ liveness: HealthCheck.tcp({ failureThreshold: 0 }) })).toThrowError(
      '[c/cart] failureThreshold out of range; field: liveness.failureThreshold; value: 0; expected: a whole number ≥ 1',
    );
    expect(build({ readiness: HealthCheck.tcp({ successThreshold: 0 }) })).toThrowError(
      '[c/cart] successThreshold out of range; field: readiness.successThreshold; value: 0; expected: a whole number ≥ 1',
    );
    expect(build({ readiness: HealthCheck.http('/ready', { port: 99999 }) })).toThrowError(
      '[c/cart] port out of range; field: readiness.port; value: 99999; expected: a whole number from 1 to 65535',
    );
  });

  it('route durations fail at addRoute', () => {
    const svc = build({})();
    expect(() => svc.addRoute({ timeout: Duration.millis(0) })).toThrowError(
      `[c/cart] duration too short for Istio; field: routes[0].timeout; value: "0ms"; ${DURATION}`,
    );
    expect(() => svc.addRoute({ retries: { attempts: 1, perTryTimeout: Duration.millis(0) } })).toThrowError(
      `[c/cart] duration too short for Istio; field: routes[0].retries.perTryTimeout; value: "0ms"; ${DURATION}`,
    );
    expect(() => svc.addRoute({ fault: { delay: { fixedDelay: Duration.millis(0), percentage: 10 } } })).toThrowError(
      `[c/cart] duration too short for Istio; field: routes[0].fault.delay.fixedDelay; value: "0ms"; ${DURATION}`,
    );
    expect(() => svc.addRoute({ cors: { allowOrigins: [], maxAge: Duration.millis(0) } })).toThrowError(
      `[c/cart] duration too short for Istio; field: routes[0].cors.maxAge; value: "0ms"; ${DURATION}`,
    );
  });

  it('a cookie ttl is still rendered', () => {
    const objects = render((c) => new MeshService(c, 'cart', { namespace: 'shop', image: IMAGE, loadBalancer: LoadBalancer.consistentHashByCookie('s', Duration.seconds(60), '/') }));
    expect(one(objects, 'DestinationRule').spec.trafficPolicy.loadBalancer).toEqual({ consistentHash: { httpCookie: { name: 's', path: '/', ttl: '60s' } } });
  });
});

describe('INVALID_QUANTITY and RESOURCES', () => {
  const QTY = 'a non-negative Kubernetes quantity: a number with an optional suffix m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei';

  it('every valid Kubernetes quantity form is accepted and emitted verbatim', () => {
    expect(['250m', '1', '0.5', '.5', '1e3', '2k', '1M', '1G', '1Ki', '1.5Gi', '1Ei', '+1'].map(parseQuantity)).toEqual([
      0.25, 1, 0.5, 0.5, 1000, 2000, 1e6, 1e9, 1024, 1.5 * 2 ** 30, 2 ** 60, 1,
    ]);
    expect(parseQuantity('100n')).toBeCloseTo(1e-7, 12);
    expect(parseQuantity('2u')).toBeCloseTo(2e-6, 12);
    const objects = render((c) => new MeshService(c, 'cart', { namespace: 'shop', image: IMAGE, resources: { cpuRequest: '0.5', cpuLimit: '2', memoryRequest: '500M', memoryLimit: '1Gi' } }));
    expect(one(objects, 'Deployment').spec.template.spec.containers[0].resources).toEqual({
      requests: { cpu: '0.5', memory: '500M' },
      limits: { cpu: '2', memory: '1Gi' },
    });
  });

  it('invalid quantities name the construct and the key', () => {
    expect(build({ resources: { cpuLimit: '1 core' } })).toThrowError(
      `[c/cart] invalid CPU quantity; field: resources.cpuLimit; value: "1 core"; expected: ${QTY} (e.g. "250m" or "1.5")`,
    );
    expect(build({ resources: { memoryRequest: '-1Mi' } })).toThrowError(
      `[c/cart] invalid memory quantity; field: resources.memoryRequest; value: "-1Mi"; expected: ${QTY} (e.g. "256Mi", "1Gi" or "500M")`,
    );
    expect(build({ sidecarResources: { memoryLimit: '1MB' } })).toThrowError(
      `[c/cart] invalid memory quantity; field: sidecarResources.memoryLimit; value: "1MB"; expected: ${QTY} (e.g. "256Mi", "1Gi" or "500M")`,
    );
  });

  it('a request above its limit is refused', () => {
    expect(build({ resources: { cpuRequest: '1', cpuLimit: '500m' } })).toThrowError(
      '[c/cart] cpuRequest above cpuLimit; field: resources.cpuRequest; value: "1"; expected: at most cpuLimit ("500m"); Kubernetes rejects a request above its limit',
    );
    expect(build({ resources: { memoryRequest: '1Gi' } })).toThrowError(
      '[c/cart] memoryRequest above memoryLimit; field: resources.memoryRequest; value: "1Gi"; expected: at most memoryLimit ("256Mi"); Kubernetes rejects a request above its limit',
    );
    expect(build({ resources: { memoryRequest: '256M', memoryLimit: '256Mi' } })).not.toThrow();
  });
});

describe('INVALID_NAME: Service names are DNS-1035 labels, namespaces DNS labels', () => {
  const SERVICE_NAME =
    'expected: a DNS-1035 label of at most 63 characters: a lowercase letter, then lowercase letters, digits and "-", not ending with "-" (e.g. "cart")';
  const LABEL = 'expected: a DNS label of at most 63 characters: lowercase letters, digits and "-" (e.g. "cart")';

  it('MeshService name starting with a digit', () => {
    expect(build({ name: '1cart' })).toThrowError(`[c/cart] invalid Service name; field: name; value: "1cart"; ${SERVICE_NAME}`);
  });
  it('MeshService name longer than 63 characters', () => {
    const long = 'a'.repeat(64);
    expect(build({ name: long })).toThrowError(`[c/cart] invalid Service name; field: name; value: "${long}"; ${SERVICE_NAME}`);
  });
  it('MeshService namespace', () => {
    expect(build({ namespace: 'Shop' })).toThrowError(`[c/cart] invalid name; field: namespace; value: "Shop"; ${LABEL}`);
  });
  it('ExternalService name', () => {
    expect(() => new ExternalService(chart(), '9db', { namespace: 'shop', host: 'db.example.com', ports: [{ number: 5432 }] })).toThrowError(
      `[c/9db] invalid Service name; field: name; value: "9db"; ${SERVICE_NAME}`,
    );
  });
  it('ExternalService namespace', () => {
    expect(() => new ExternalService(chart(), 'db', { namespace: 'shop_1', host: 'db.example.com', ports: [{ number: 5432 }] })).toThrowError(
      `[c/db] invalid name; field: namespace; value: "shop_1"; ${LABEL}`,
    );
  });
  it('MeshGateway namespace', () => {
    expect(() => new MeshGateway(chart(), 'gw', { namespace: 'edge-', hosts: ['shop.example.com'] })).toThrowError(
      `[c/gw] invalid name; field: namespace; value: "edge-"; ${LABEL}`,
    );
  });
});

describe('range checks at construction', () => {
  it('INVALID_PORT: service port and targetPort', () => {
    expect(build({ ports: [{ port: 0 }] })).toThrowError('[c/cart] port out of range; field: ports[0].port; value: 0; expected: a whole number from 1 to 65535');
    expect(build({ ports: [{ port: 80, targetPort: 65536 }] })).toThrowError(
      '[c/cart] port out of range; field: ports[0].targetPort; value: 65536; expected: a whole number from 1 to 65535',
    );
    expect(build({ metrics: { port: 0 } })).toThrowError('[c/cart] port out of range; field: metrics.port; value: 0; expected: a whole number from 1 to 65535');
  });
  it('INVALID_PORT: ExternalService and gateway ports', () => {
    expect(() => new ExternalService(chart(), 'db', { namespace: 'shop', host: 'db.example.com', ports: [{ number: 70000 }] })).toThrowError(
      '[c/db] port out of range; field: ports[0].number; value: 70000; expected: a whole number from 1 to 65535',
    );
    expect(() => new MeshGateway(chart(), 'gw', { namespace: 'edge', hosts: ['shop.example.com'], servers: [{ protocol: 'HTTP', port: 8.5 }] })).toThrowError(
      '[c/gw] port out of range; field: servers[0].port; value: 8.5; expected: a whole number from 1 to 65535',
    );
  });
  it('INVALID_REPLICAS: replicas ≥ 0', () => {
    expect(build({ replicas: -1 })).toThrowError('[c/cart] replicas out of range; field: replicas; value: -1; expected: a whole number ≥ 0');
    expect(build({ versions: [{ name: 'v1', replicas: 1.5 }] })).toThrowError(
      '[c/cart] replicas out of range; field: versions[0].replicas; value: 1.5; expected: a whole number ≥ 0',
    );
    expect(build({ replicas: 0 })).not.toThrow();
  });
  it('AUTOSCALING: 1 ≤ minReplicas ≤ maxReplicas, utilization 1–100', () => {
    expect(build({ autoscaling: { minReplicas: 0, maxReplicas: 3 } })).toThrowError(
      '[c/cart] minReplicas out of range; field: autoscaling.minReplicas; value: 0; expected: a whole number ≥ 1',
    );
    expect(build({ autoscaling: { maxReplicas: 1 } })).toThrowError(
      '[c/cart] maxReplicas below minReplicas; field: autoscaling.maxReplicas; value: 1; expected: a whole number ≥ 2',
    );
    expect(build({ autoscaling: { maxReplicas: 4, cpuUtilization: 0 } })).toThrowError(
      '[c/cart] utilization target out of range; field: autoscaling.cpuUtilization; value: 0; expected: a whole number from 1 to 100',
    );
    expect(build({ autoscaling: { maxReplicas: 4, memoryUtilization: 120 } })).toThrowError(
      '[c/cart] utilization target out of range; field: autoscaling.memoryUtilization; value: 120; expected: a whole number from 1 to 100',
    );
  });
  it('INVALID_PERCENT: outlier detection percentages', () => {
    expect(build({ outlierDetection: { maxEjectionPercent: 101 } })).toThrowError(
      '[c/cart] percentage out of range; field: outlierDetection.maxEjectionPercent; value: 101; expected: a whole number from 0 to 100',
    );
    expect(build({ outlierDetection: { minHealthPercent: -5 } })).toThrowError(
      '[c/cart] percentage out of range; field: outlierDetection.minHealthPercent; value: -5; expected: a whole number from 0 to 100',
    );
  });
  it('INVALID_PERCENT and INVALID_HTTP_STATUS: fault injection and mirroring', () => {
    const svc = build({})();
    expect(() => svc.addRoute({ fault: { delay: { fixedDelay: Duration.seconds(1), percentage: 150 } } })).toThrowError(
      '[c/cart] percentage out of range; field: routes[0].fault.delay.percentage; value: 150; expected: a percentage from 0 to 100',
    );
    expect(() => svc.addRoute({ fault: { abort: { httpStatus: 503, percentage: -1 } } })).toThrowError(
      '[c/cart] percentage out of range; field: routes[0].fault.abort.percentage; value: -1; expected: a percentage from 0 to 100',
    );
    expect(() => svc.addRoute({ fault: { abort: { httpStatus: 700, percentage: 10 } } })).toThrowError(
      '[c/cart] abort status is not an HTTP status; field: routes[0].fault.abort.httpStatus; value: 700; expected: a status code from 200 to 599 (e.g. 503)',
    );
    expect(() => svc.addRoute({ mirror: { version: 'v1', percentage: 200 } })).toThrowError(
      '[c/cart] percentage out of range; field: routes[0].mirror.percentage; value: 200; expected: a percentage from 0 to 100',
    );
    expect(() => svc.addRoute({ fault: { abort: { httpStatus: 503, percentage: 0.5 } } })).not.toThrow();
  });
  it('INVALID_CONFIG_KEY: file keys are ConfigMap keys', () => {
    expect(build({ files: { 'conf/app.yaml': ConfigFile.fromString('a: 1') } })).toThrowError(
      '[c/cart] invalid ConfigMap key; field: files.conf/app.yaml; value: "conf/app.yaml"; expected: a file name of at most 253 characters matching [-._a-zA-Z0-9]+ (no "/": files are mounted flat under configMountPath)',
    );
  });
  it('WRITABLE_PATH: a writable path may not equal, contain or sit inside the config mount', () => {
    const files = { 'app.yaml': ConfigFile.fromString('a: 1') };
    const expected = 'expected: a path neither equal to, above nor inside configMountPath "/config" (the emptyDir would hide the config files, or sit in a read-only mount)';
    expect(build({ files, writablePaths: ['/tmp', '/config'] })).toThrowError(
      `[c/cart] writable path overlaps the config mount; field: writablePaths[1]; value: "/config"; ${expected}`,
    );
    expect(build({ files, writablePaths: ['/'] })).toThrowError(`[c/cart] writable path overlaps the config mount; field: writablePaths[0]; value: "/"; ${expected}`);
    expect(build({ files, writablePaths: ['/config/cache'] })).toThrowError(
      `[c/cart] writable path overlaps the config mount; field: writablePaths[0]; value: "/config/cache"; ${expected}`,
    );
    expect(build({ files, writablePaths: ['/configuration'] })).not.toThrow();
  });
  it('DUPLICATE_PORT: ExternalService ports', () => {
    expect(() => new ExternalService(chart(), 'db', { namespace: 'shop', host: 'db.example.com', ports: [{ number: 5432 }, { number: 5432, name: 'tcp-alt' }] })).toThrowError(
      '[c/db] ports[0] and ports[1] share a number; field: ports[1].number; value: 5432; expected: a number not used by another port (the Service and ServiceEntry need unique port numbers)',
    );
    expect(() => new ExternalService(chart(), 'db', { namespace: 'shop', host: 'db.example.com', ports: [{ number: 5432, name: 'pg' }, { number: 5433, name: 'pg' }] })).toThrowError(
      '[c/db] ports[0] and ports[1] share a name; field: ports[1].name; value: "pg"; expected: a name not used by another port (the Service and ServiceEntry need unique port names)',
    );
  });
  it('DUPLICATE_PORT: MeshGateway server ports', () => {
    expect(
      () =>
        new MeshGateway(chart(), 'gw', {
          namespace: 'edge',
          hosts: ['shop.example.com'],
          servers: [{ protocol: 'HTTP' }, { protocol: 'HTTP2', port: 80 }],
        }),
    ).toThrowError(
      '[c/gw] servers[0] and servers[1] share a port; field: servers[1].port; value: 80; expected: a port not used by another listener (Istio rejects two servers on one port with different protocols; list several hosts on one server instead)',
    );
  });
});

describe('addSidecar and LogShippingSidecar.attachTo', () => {
  const deploymentOf = (objects: Obj[], name: string) => one(objects, 'Deployment', name);

  it('adds the log shipper to every version, mounts the shared volume in both containers, and passes the policy rules', () => {
    const objects = render((c) => {
      const svc = new MeshService(c, 'billing', {
        namespace: 'shop', image: IMAGE, versions: ['v1'], writablePaths: ['/tmp'],
        files: { 'app.yaml': ConfigFile.fromString('a: 1') },
      });
      new LogShippingSidecar(c, 'shipper', { namespace: 'shop', workload: 'billing', logDirectory: '/var/log/billing' }).attachTo(svc);
      svc.addVersion({ name: 'v2' }); // a version added later gets it too
    });
    for (const name of ['billing-v1', 'billing-v2']) {
      const pod = deploymentOf(objects, name).spec.template.spec;
      expect(pod.containers.map((x: Obj) => x.name)).toEqual(['billing', 'log-shipper']);
      expect(pod.volumes.map((v: Obj) => v.name)).toEqual(['config', 'writable-0', 'app-logs', 'log-shipper-config', 'log-shipper-state']);
      expect(pod.volumes[3].configMap).toEqual({ name: 'billing-log-shipper' });
      expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'app-logs', mountPath: '/var/log/billing' });
      expect(pod.containers[1].volumeMounts).toContainEqual({ name: 'app-logs', mountPath: '/var/log/billing', readOnly: true });
      expect(pod.containers[1].resources).toEqual({ requests: { cpu: '20m', memory: '32Mi' }, limits: { cpu: '200m', memory: '64Mi' } });
      // the shipper's config checksum rolls the pods when its config changes
      expect(deploymentOf(objects, name).spec.template.metadata.annotations['checksum/log-shipper-config']).toMatch(/^[0-9a-f]{64}$/);
    }
    const report = checkObjects(objects.map((manifest, index) => ({ manifest, file: 'test.yaml', index })));
    expect(report.violations.map((v) => `${v.rule}: ${v.message}`)).toEqual([]);
  });

  it('creates the volume and mount lists when the pod has none', () => {
    const objects = render((c) => {
      const svc = new MeshService(c, 'billing', { namespace: 'shop', image: IMAGE });
      new LogShippingSidecar(c, 'shipper', { namespace: 'shop', workload: 'billing' }).attachTo(svc);
    });
    const pod = deploymentOf(objects, 'billing-v1').spec.template.spec;
    expect(pod.volumes.map((v: Obj) => v.name)).toEqual(['app-logs', 'log-shipper-config', 'log-shipper-state']);
    expect(pod.containers[0].volumeMounts).toEqual([{ name: 'app-logs', mountPath: '/var/log/app' }]);
  });

  it('SIDECAR_CONFLICT: container and volume names must be free, app mounts must name the sidecar\'s volumes', () => {
    const svc = build({ writablePaths: ['/tmp'] })();
    const c: k8s.Container = { name: 'cart', image: 'busybox:1.36' };
    expect(() => svc.addSidecar(c)).toThrowError(
      '[c/cart] sidecar conflicts with the pod; field: addSidecar[0].container.name; value: "cart"; expected: a container name not in use (cart)',
    );
    expect(() => svc.addSidecar({ ...c, name: 'x' }, { volumes: [{ name: 'writable-0', emptyDir: {} }] })).toThrowError(
      '[c/cart] sidecar conflicts with the pod; field: addSidecar[0].volumes; value: "writable-0"; expected: a volume name not in use (writable-0)',
    );
    expect(() => svc.addSidecar({ ...c, name: 'x' }, { appVolumeMounts: [{ name: 'logs', mountPath: '/logs' }] })).toThrowError(
      '[c/cart] sidecar conflicts with the pod; field: addSidecar[0].appVolumeMounts; value: "logs"; expected: the name of one of this sidecar\'s volumes (none given)',
    );
  });

  it('sidecar pod annotations go on every version\'s pod template; a different value for an existing one is refused', () => {
    const objects = render((c) => {
      const svc = new MeshService(c, 'cart', { namespace: 'shop', image: IMAGE, versions: ['v1', 'v2'], podAnnotations: { team: 'checkout' } });
      svc.addSidecar({ name: 'x', image: 'busybox:1.36' }, { podAnnotations: { 'checksum/x-config': 'abc', team: 'checkout' } });
    });
    for (const name of ['cart-v1', 'cart-v2']) {
      expect(one(objects, 'Deployment', name).spec.template.metadata.annotations).toMatchObject({ 'checksum/x-config': 'abc', team: 'checkout' });
    }
    const svc = build({ podAnnotations: { team: 'checkout' } })();
    expect(() => svc.addSidecar({ name: 'x', image: 'busybox:1.36' }, { podAnnotations: { team: 'logs' } })).toThrowError(
      '[c/cart] sidecar conflicts with the pod; field: addSidecar[0].podAnnotations.team; value: "logs"; expected: no other value for this annotation on the pod (already "checkout")',
    );
  });

  it('SIDECAR_CONFLICT at synth: escape-hatch volumes added after addSidecar would be overwritten', () => {
    expect(() =>
      render((c) => {
        const svc = new MeshService(c, 'cart', { namespace: 'shop', image: IMAGE, versions: ['v1'] });
        svc.addSidecar({ name: 'x', image: 'busybox:1.36' }, { volumes: [{ name: 'shared', emptyDir: {} }], appVolumeMounts: [{ name: 'shared', mountPath: '/shared' }] });
        const d = svc.deployments.get('v1')!;
        d.containers[0].mount('/cache', kplus.Volume.fromEmptyDir(d, 'cache', 'cache'));
      }),
    ).toThrowError(
      'app "test" failed to synthesize: validation failed with 1 error(s):\n' +
        '  [c/cart] volumes or mounts added through the escape hatch after addSidecar would be overwritten; field: deployments.v1; value: ["cache","/cache"]; expected: add volumes and mounts through deployments before addSidecar (its patch creates the lists whole)',
    );
  });

  it('NAMESPACE_CONFLICT: the log shipper must live in the workload\'s namespace', () => {
    const c = chart();
    const svc = new MeshService(c, 'billing', { namespace: 'shop', image: IMAGE });
    expect(() => new LogShippingSidecar(c, 'shipper', { namespace: 'logs', workload: 'billing' }).attachTo(svc)).toThrowError(
      '[c/shipper] log shipper and workload in different namespaces; field: namespace; value: "logs"; expected: the workload\'s namespace "shop" (the sidecar mounts its ConfigMap from there)',
    );
  });
});
