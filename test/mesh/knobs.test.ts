import { Chart, Cron, Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { describe, expect, it } from 'vitest';
import {
  AppSynthError,
  LoadBalancer,
  LocalityLoadBalancing,
  ManifestRulesError,
  MeshService,
  MeshServiceProps,
  MeshforgeError,
  PodOptions,
  TopologySpread,
  applyPodOptions,
  manifestViolations,
} from '../../lib';
import { Obj, one, render } from './render';

const IMAGE = 'ghcr.io/acme/cart:1.4.2';

function service(chart: Chart, props: Partial<MeshServiceProps> = {}): MeshService {
  return new MeshService(chart, 'cart', { namespace: 'shop', image: IMAGE, ...props });
}

const deployment = (objects: Obj[], version = 'v1') => one(objects, 'Deployment', `cart-${version}`);
const podSpec = (objects: Obj[], version = 'v1') => deployment(objects, version).spec.template.spec;

/** The one MeshforgeError synth raises for `build` (unwrapped from the app error): code, field, value, message. */
function failure(build: (chart: Chart) => void): { code: string; field?: string; value: unknown; message: string } {
  try {
    render(build);
  } catch (e) {
    const cause = e instanceof AppSynthError ? e.cause : e;
    const first = cause instanceof ManifestRulesError ? cause.errors[0] : cause;
    if (!(first instanceof MeshforgeError)) throw e;
    return { code: first.code, field: first.field, value: first.value, message: first.message };
  }
  throw new Error('synth succeeded; expected an error');
}

describe('image pull', () => {
  it('defaults to IfNotPresent and takes imagePullPolicy and imagePullSecrets', () => {
    expect(podSpec(render((c) => service(c))).containers[0].imagePullPolicy).toBe('IfNotPresent');
    const spec = podSpec(render((c) => service(c, { imagePullPolicy: kplus.ImagePullPolicy.ALWAYS, imagePullSecrets: ['regcred', 'mirror'] })));
    expect(spec.containers[0].imagePullPolicy).toBe('Always');
    expect(spec.imagePullSecrets).toEqual([{ name: 'regcred' }, { name: 'mirror' }]);
  });

  it('refuses an invalid pull secret name (K8S_NAME)', () => {
    expect(failure((c) => service(c, { imagePullSecrets: ['Reg_Cred'] }))).toMatchObject({
      code: 'K8S_NAME', field: 'spec.template.spec.imagePullSecrets[0].name', value: 'Reg_Cred',
    });
  });
});

describe('init containers, extra containers and volumes', () => {
  const build = (c: Chart, props: Partial<MeshServiceProps> = {}) => {
    const cache = kplus.Volume.fromEmptyDir(c, 'cache', 'cache');
    const spare = kplus.Volume.fromEmptyDir(c, 'spare', 'spare');
    return service(c, {
      initContainers: [{ name: 'warm-cache', image: 'ghcr.io/acme/warm:1.0.0', args: ['--to', '/cache'], volumeMounts: [{ volume: cache, path: '/cache' }] }],
      extraContainers: [{ name: 'agent', image: 'ghcr.io/acme/agent:2.0.0', securityContext: { readOnlyRootFilesystem: false } }],
      extraVolumes: [spare],
      volumeMounts: [{ volume: cache, path: '/cache', readOnly: true }],
      runAsUser: 1000,
      runAsGroup: 2000,
      ...props,
    });
  };

  it('holds them to the application security context, with meshforge resources and IfNotPresent', () => {
    const spec = podSpec(render((c) => build(c)));
    const restricted = {
      allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, privileged: false, readOnlyRootFilesystem: true,
      runAsGroup: 2000, runAsNonRoot: true, runAsUser: 1000,
    };
    expect(spec.initContainers).toHaveLength(1);
    expect(spec.initContainers[0]).toMatchObject({
      name: 'warm-cache', image: 'ghcr.io/acme/warm:1.0.0', args: ['--to', '/cache'], imagePullPolicy: 'IfNotPresent',
      resources: { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
      volumeMounts: [{ mountPath: '/cache', name: 'cache' }],
    });
    expect(spec.initContainers[0].securityContext).toEqual(restricted);
    expect(spec.containers.map((x: Obj) => x.name)).toEqual(['cart', 'agent']);
    // what the container sets itself wins over the defaults
    expect(spec.containers[1].securityContext).toEqual({ ...restricted, readOnlyRootFilesystem: false });
    expect(spec.containers[0].volumeMounts).toEqual([{ mountPath: '/cache', name: 'cache', readOnly: true }]);
    expect(spec.volumes.map((v: Obj) => v.name).sort()).toEqual(['cache', 'spare']);
  });

  it('goes to every version, and addSidecar still appends after them', () => {
    const objects = render((c) => {
      build(c, { versions: ['v1', 'v2'] }).addSidecar({ name: 'shipper', image: 'ghcr.io/acme/shipper:1.0.0' }, { volumes: [{ name: 'logs', emptyDir: {} }] });
    });
    for (const v of ['v1', 'v2']) {
      const spec = podSpec(objects, v);
      expect(spec.initContainers.map((x: Obj) => x.name)).toEqual(['warm-cache']);
      expect(spec.containers.map((x: Obj) => x.name)).toEqual(['cart', 'agent', 'shipper']);
      expect(spec.volumes.map((x: Obj) => x.name).sort()).toEqual(['cache', 'logs', 'spare']);
    }
  });

  it('refuses a missing or taken container name, an unpinned image and probes on init containers', () => {
    expect(() => render((c) => service(c, { extraContainers: [{ image: 'ghcr.io/acme/agent:2.0.0' }] }))).toThrowError(
      '[c/cart] container without a name; field: extraContainers[0].name; value: undefined; expected: a DNS-1123 label not used by another container of the pod (in use: cart)',
    );
    for (const name of ['istio-proxy', 'istio-init']) {
      expect(() => render((c) => service(c, { initContainers: [{ name, image: 'ghcr.io/acme/x:1.0.0' }] }))).toThrowError(
        `[c/cart] container name reserved by Istio; field: initContainers[0].name; value: "${name}"; expected: a DNS-1123 label not used by another container of the pod (in use: cart) nor by Istio's injector (istio-proxy, istio-init, istio-validation: a container of that name overrides the injected one)`,
      );
    }
    expect(() => render((c) => service(c, { initContainers: [{ name: 'cart', image: 'ghcr.io/acme/x:1.0.0' }] }))).toThrowError(
      '[c/cart] duplicate container name; field: initContainers[0].name; value: "cart"; expected: a DNS-1123 label not used by another container of the pod (in use: cart)',
    );
    expect(() => render((c) => service(c, { initContainers: [{ name: 'init', image: 'busybox' }] }))).toThrowError(
      '[c/cart] image has no pinned tag; field: initContainers[0].image; value: "busybox"; expected: an explicit tag or digest, e.g. "busybox:1.36.1" (set allowLatestTag: true to accept it)',
    );
    expect(() => render((c) => service(c, { initContainers: [{ name: 'init', image: 'busybox:1.36.1', readiness: kplus.Probe.fromCommand(['true']) }] }))).toThrowError(
      '[c/cart] init container with a probe; field: initContainers[0].readiness; value: "readiness"; expected: no liveness, readiness or startup probe (an init container runs to completion; Kubernetes rejects probes on it)',
    );
  });

  it('refuses two different volumes of one name, and the pod\'s own volume names', () => {
    expect(() => render((c) => service(c, {
      extraVolumes: [kplus.Volume.fromEmptyDir(c, 'a', 'data')],
      volumeMounts: [{ volume: kplus.Volume.fromEmptyDir(c, 'b', 'data'), path: '/data' }],
    }))).toThrowError(
      '[c/cart] two volumes with one name; field: volumeMounts[0].volume; value: "data"; expected: a volume name not used by another volume of the pod (the pod\'s own: none); reuse the same Volume object to mount it twice',
    );
    expect(() => render((c) => service(c, {
      writablePaths: ['/tmp'],
      initContainers: [{ name: 'init', image: 'busybox:1.36.1', volumeMounts: [{ volume: kplus.Volume.fromEmptyDir(c, 'w', 'writable-0'), path: '/w' }] }],
    }))).toThrowError(/two volumes with one name; field: initContainers\[0\]\.volumeMounts\[0\]\.volume; value: "writable-0"; expected: .*\(the pod's own: writable-0\)/);
  });

  it('addSidecar refuses a name an extra container has', () => {
    expect(() => render((c) => {
      service(c, { extraContainers: [{ name: 'agent', image: 'ghcr.io/acme/agent:2.0.0' }] }).addSidecar({ name: 'agent', image: 'ghcr.io/acme/agent:2.0.0' });
    })).toThrowError(/sidecar conflicts with the pod; field: addSidecar\[0\]\.container\.name; value: "agent"; expected: a container name not in use \(cart, agent\)/);
  });
});

describe('per-version args, env and resources', () => {
  it('gives the canary its own args, env and resources; the other version keeps the service values', () => {
    const objects = render((c) => service(c, {
      args: ['--serve'],
      env: { MODE: 'stable', LOG: 'info' },
      resources: { cpuRequest: '200m', memoryLimit: '256Mi' },
      versions: ['v1', { name: 'v2', args: ['--serve', '--experimental'], env: { MODE: 'canary' }, resources: { memoryRequest: '256Mi', memoryLimit: '512Mi' } }],
    }));
    const [v1, v2] = [podSpec(objects, 'v1').containers[0], podSpec(objects, 'v2').containers[0]];
    expect(v1.args).toEqual(['--serve']);
    expect(v2.args).toEqual(['--serve', '--experimental']);
    expect(v1.env).toEqual([{ name: 'LOG', value: 'info' }, { name: 'MODE', value: 'stable' }]);
    expect(v2.env).toEqual([{ name: 'LOG', value: 'info' }, { name: 'MODE', value: 'canary' }]);
    expect(v1.resources).toEqual({ limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '200m', memory: '128Mi' } });
    expect(v2.resources).toEqual({ limits: { cpu: '500m', memory: '512Mi' }, requests: { cpu: '200m', memory: '256Mi' } });
  });

  it('checks the merged resources of a version', () => {
    expect(() => render((c) => service(c, { versions: [{ name: 'v1', resources: { memoryRequest: '1Gi' } }] }))).toThrowError(/field: versions\[0\]\.resources\.memoryRequest/);
    expect(() => render((c) => service(c, { versions: [{ name: 'v1', resources: { cpuLimit: 'lots' } }] }))).toThrowError(
      /\[c\/cart\] invalid CPU quantity; field: versions\[0\]\.resources\.cpuLimit; value: "lots"/,
    );
  });
});

describe('scheduling', () => {
  it('spreads each version across zones and nodes by its own pods, and sets the node constraints', () => {
    const objects = render((c) => service(c, {
      versions: ['v1', 'v2'],
      topologySpread: [TopologySpread.acrossZones(), TopologySpread.acrossNodes({ required: true, maxSkew: 2 })],
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'shop', effect: 'NoSchedule' }],
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'In', values: ['apps'] }] }] } } },
      priorityClassName: 'shop-critical',
    }));
    for (const v of ['v1', 'v2']) {
      const spec = podSpec(objects, v);
      expect(spec.topologySpreadConstraints).toEqual([
        { labelSelector: { matchLabels: { app: 'cart', version: v } }, matchLabelKeys: ['pod-template-hash'], maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' },
        { labelSelector: { matchLabels: { app: 'cart', version: v } }, matchLabelKeys: ['pod-template-hash'], maxSkew: 2, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule' },
      ]);
      expect(spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
      expect(spec.tolerations).toEqual([{ effect: 'NoSchedule', key: 'dedicated', operator: 'Equal', value: 'shop' }]);
      expect(spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions).toEqual([{ key: 'pool', operator: 'In', values: ['apps'] }]);
      expect(spec.priorityClassName).toBe('shop-critical');
    }
  });

  it.each([
    ['a toleration without key must use Exists', { tolerations: [{ operator: 'Equal', value: 'x' }] }, 'K8S_TOLERATION', 'spec.template.spec.tolerations[0].operator', 'Equal'],
    ['a value with operator Exists', { tolerations: [{ key: 'k', operator: 'Exists', value: 'x' }] }, 'K8S_TOLERATION', 'spec.template.spec.tolerations[0].value', 'x'],
    ['tolerationSeconds without NoExecute', { tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 30 }] }, 'K8S_TOLERATION', 'spec.template.spec.tolerations[0].tolerationSeconds', 30],
    ['an unknown effect', { tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoRun' }] }, 'K8S_TOLERATION', 'spec.template.spec.tolerations[0].effect', 'NoRun'],
    ['a repeated spread pair', { topologySpread: [TopologySpread.acrossZones(), TopologySpread.acrossZones({ maxSkew: 2 })] }, 'K8S_TOPOLOGY_SPREAD', 'spec.template.spec.topologySpreadConstraints[1].topologyKey', 'topology.kubernetes.io/zone'],
    ['an invalid topology key', { topologySpread: [TopologySpread.across('zone name')] }, 'K8S_TOPOLOGY_SPREAD', 'spec.template.spec.topologySpreadConstraints[0].topologyKey', 'zone name'],
    ['an invalid priority class', { priorityClassName: 'High_Priority' }, 'K8S_NAME', 'spec.template.spec.priorityClassName', 'High_Priority'],
    ['an invalid node selector value', { nodeSelector: { pool: 'apps pool' } }, 'K8S_LABEL', 'spec.template.spec.nodeSelector.pool', 'apps pool'],
    // validateAffinity (pkg/apis/core/validation): the API server refuses these
    ['a required node affinity without terms', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } } }, 'K8S_AFFINITY', 'spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms', []],
    ['an In requirement without values', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'In', values: [] }] }] } } } }, 'K8S_AFFINITY', 'spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values', []],
    ['an Exists requirement with values', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'Exists', values: ['apps'] }] }] } } } }, 'K8S_AFFINITY', 'spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values', ['apps']],
    ['an unknown operator', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'Equals', values: ['apps'] }] }] } } } }, 'K8S_AFFINITY', 'spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator', 'Equals'],
    ['a preferred weight of 0', { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, preference: { matchExpressions: [{ key: 'pool', operator: 'Exists' }] } }] } } }, 'K8S_AFFINITY', 'spec.template.spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight', 0],
    ['a pod anti-affinity term without topologyKey', { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'cart' } }, topologyKey: '' }] } } }, 'K8S_AFFINITY', 'spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey', ''],
  ] as const)('refuses %s', (_name, props, code, field, value) => {
    expect(failure((c) => service(c, props as Partial<MeshServiceProps>))).toMatchObject({ code, field, value });
  });

  it('refuses maxSkew below 1 at construction', () => {
    expect(() => render((c) => service(c, { topologySpread: [TopologySpread.acrossNodes({ maxSkew: 0 })] }))).toThrowError(
      '[c/cart] maxSkew out of range; field: topologySpread[0].maxSkew; value: 0; expected: a whole number ≥ 1',
    );
  });

  it('names the rule and the fix in the message', () => {
    expect(failure((c) => service(c, { tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 30 }] })).message).toBe(
      '[c/cart/Deployment-v1/Resource] Deployment/shop/cart-v1: tolerationSeconds without effect NoExecute; field: spec.template.spec.tolerations[0].tolerationSeconds; value: 30; expected: effect "NoExecute" (only evictions have a delay), or no tolerationSeconds',
    );
  });
});

describe('LoadBalancer Service options', () => {
  it('sets externalTrafficPolicy and loadBalancerSourceRanges on a LoadBalancer Service', () => {
    const spec = one(render((c) => service(c, { serviceType: kplus.ServiceType.LOAD_BALANCER, externalTrafficPolicy: 'Local', loadBalancerSourceRanges: ['203.0.113.0/24', '2001:db8::/32'] })), 'Service').spec;
    expect(spec).toMatchObject({ type: 'LoadBalancer', externalTrafficPolicy: 'Local', loadBalancerSourceRanges: ['203.0.113.0/24', '2001:db8::/32'] });
    const nodePort = one(render((c) => service(c, { serviceType: kplus.ServiceType.NODE_PORT, externalTrafficPolicy: 'Cluster' })), 'Service').spec;
    expect(nodePort).toMatchObject({ type: 'NodePort', externalTrafficPolicy: 'Cluster' });
    expect(nodePort.loadBalancerSourceRanges).toBeUndefined();
  });

  it('refuses them on a Service type the API server rejects them on, and a bad CIDR', () => {
    expect(() => render((c) => service(c, { externalTrafficPolicy: 'Local' }))).toThrowError(
      '[c/cart] externalTrafficPolicy on a Service that is not externally reachable; field: externalTrafficPolicy; value: "Local"; expected: serviceType NODE_PORT or LOAD_BALANCER (it is ClusterIP; the API server rejects the field otherwise)',
    );
    expect(() => render((c) => service(c, { serviceType: kplus.ServiceType.NODE_PORT, loadBalancerSourceRanges: ['10.0.0.0/8'] }))).toThrowError(
      '[c/cart] loadBalancerSourceRanges on a Service that is not a LoadBalancer; field: loadBalancerSourceRanges; value: ["10.0.0.0/8"]; expected: serviceType LOAD_BALANCER (it is NodePort; the API server rejects the field otherwise)',
    );
    expect(() => render((c) => service(c, { serviceType: kplus.ServiceType.LOAD_BALANCER, loadBalancerSourceRanges: ['10.0.0.0/33'] }))).toThrowError(
      '[c/cart] invalid CIDR (prefix length above 32); field: loadBalancerSourceRanges[0]; value: "10.0.0.0/33"; expected: an IPv4 or IPv6 CIDR, e.g. "203.0.113.0/24" or "2001:db8::/32"',
    );
  });

  it('the manifest rules refuse the same on any Service (escape hatches)', () => {
    const svc = (spec: Obj) => manifestViolations({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x', namespace: 'y' }, spec: { ports: [{ port: 80 }], ...spec } });
    expect(svc({ externalTrafficPolicy: 'Local' }).map((v) => [v.code, v.field, v.message])).toEqual([['K8S_SERVICE', 'spec.externalTrafficPolicy', 'externalTrafficPolicy on a ClusterIP Service']]);
    expect(svc({ type: 'LoadBalancer', externalTrafficPolicy: 'Remote' }).map((v) => v.message)).toEqual(['unsupported externalTrafficPolicy']);
    expect(svc({ type: 'NodePort', loadBalancerSourceRanges: ['1.2.3.4/32'] }).map((v) => v.message)).toEqual(['loadBalancerSourceRanges on a NodePort Service']);
    expect(svc({ type: 'LoadBalancer', loadBalancerSourceRanges: ['1.2.3/24', ' 10.0.0.0/8 ', '010.0.0.0/8'] }).map((v) => [v.field, v.message])).toEqual([
      ['spec.loadBalancerSourceRanges[0]', 'invalid CIDR (not an IP address)'],
    ]);
    expect(svc({ type: 'LoadBalancer', externalTrafficPolicy: 'Local', loadBalancerSourceRanges: ['0.0.0.0/0', '::/0'] })).toEqual([]);
  });
});

describe('connection pool TCP keepalive', () => {
  it('renders probes, time and interval', () => {
    const dr = one(render((c) => service(c, { connectionPool: { maxConnections: 10, tcpKeepalive: { probes: 3, time: Duration.minutes(5), interval: Duration.seconds(30) } } })), 'DestinationRule');
    expect(dr.spec.trafficPolicy.connectionPool.tcp).toEqual({ maxConnections: 10, tcpKeepalive: { probes: 3, time: '300s', interval: '30s' } });
    const on = one(render((c) => service(c, { connectionPool: { tcpKeepalive: {} } })), 'DestinationRule');
    expect(on.spec.trafficPolicy.connectionPool).toEqual({ tcp: { tcpKeepalive: {} } });
  });

  it('refuses sub-second times and zero probes', () => {
    expect(() => render((c) => service(c, { connectionPool: { tcpKeepalive: { time: Duration.millis(1500) } } }))).toThrowError(
      '[c/cart] keepalive duration is not whole seconds; field: connectionPool.tcpKeepalive.time; value: "1.5s"; expected: a whole number of seconds, at least 1s (Envoy takes keepalive times in seconds; istiod drops the fraction)',
    );
    expect(() => render((c) => service(c, { connectionPool: { tcpKeepalive: { interval: Duration.millis(500) } } }))).toThrowError(/field: connectionPool\.tcpKeepalive\.interval; value: "0\.5s"/);
    expect(() => render((c) => service(c, { connectionPool: { tcpKeepalive: { probes: 0 } } }))).toThrowError(
      '[c/cart] keepalive probes out of range; field: connectionPool.tcpKeepalive.probes; value: 0; expected: a whole number from 1 to 4294967295',
    );
  });
});

describe('locality load balancing', () => {
  const od = { consecutive5xxErrors: 3 };
  const dr = (props: Partial<MeshServiceProps>) => one(render((c) => service(c, props)), 'DestinationRule').spec.trafficPolicy;

  it('renders failover next to the load balancer and outlier detection', () => {
    const tp = dr({
      loadBalancer: LoadBalancer.roundRobin(),
      outlierDetection: od,
      locality: LocalityLoadBalancing.failover({ failover: [{ from: 'us-east1', to: 'us-west1' }], failoverPriority: ['topology.istio.io/network'] }),
    });
    expect(tp.loadBalancer).toEqual({ simple: 'ROUND_ROBIN', localityLbSetting: { enabled: true, failover: [{ from: 'us-east1', to: 'us-west1' }], failoverPriority: ['topology.istio.io/network'] } });
    expect(tp.outlierDetection.consecutive5xxErrors).toBe(3);
    expect(dr({ outlierDetection: od, locality: LocalityLoadBalancing.failover() }).loadBalancer).toEqual({ localityLbSetting: { enabled: true } });
  });

  it('renders a weighted distribution and the off switch', () => {
    const tp = dr({ locality: LocalityLoadBalancing.distribute([{ from: 'us-west1/zone1/*', to: { 'us-west1/zone1/*': 80, 'us-west1/zone2/*': 20 } }]) });
    expect(tp.loadBalancer).toEqual({ localityLbSetting: { distribute: [{ from: 'us-west1/zone1/*', to: { 'us-west1/zone1/*': 80, 'us-west1/zone2/*': 20 } }] } });
    expect(dr({ locality: LocalityLoadBalancing.disabled() }).loadBalancer).toEqual({ localityLbSetting: { enabled: false } });
  });

  it.each([
    ['failover without outlier detection', { locality: LocalityLoadBalancing.failover() },
      '[c/cart] locality failover without outlier detection never fails over; field: locality; value: "failover"; expected: outlierDetection on the same service (e.g. { consecutive5xxErrors: 5 }): endpoints only fail over once ejected'],
    ['weights that do not sum to 100', { locality: LocalityLoadBalancing.distribute([{ from: 'us-west1/*', to: { 'us-west1/*': 80, 'us-east1/*': 10 } }]) },
      '[c/cart] locality weights do not sum to 100; field: locality.distribute[0].to; value: 90; expected: weights that sum to 100 (istiod rejects any other total)'],
    ['a weight of 0', { locality: LocalityLoadBalancing.distribute([{ from: 'us-west1/*', to: { 'us-west1/*': 100, 'us-east1/*': 0 } }]) },
      '[c/cart] locality weight out of range; field: locality.distribute[0].to.us-east1/*; value: 0; expected: a whole number from 1 to 100'],
    ['a wildcard in the middle', { locality: LocalityLoadBalancing.distribute([{ from: 'us-west1/*/a', to: { 'us-west1': 100 } }]) },
      '[c/cart] invalid locality (one "*" at most, at the end); field: locality.distribute[0].from; value: "us-west1/*/a"; expected: "region", "region/zone" or "region/zone/subzone", each part non-empty, optionally ending in one "*" (e.g. "us-west1/*"), not overlapping another'],
    ['overlapping targets', { locality: LocalityLoadBalancing.distribute([{ from: 'us-west1', to: { 'us-west1': 50, 'us-west1/zone2': 50 } }]) },
      /\[c\/cart\] invalid locality \(overlaps a locality given before\); field: locality\.distribute\[0\]\.to\.us-west1\/zone2;/],
    ['failover within a region', { outlierDetection: od, locality: LocalityLoadBalancing.failover({ failover: [{ from: 'us-east1', to: 'us-east1' }] }) },
      '[c/cart] failover to the same region; field: locality.failover[0].to; value: "us-east1"; expected: a region other than "us-east1"'],
    ['failover naming a zone', { outlierDetection: od, locality: LocalityLoadBalancing.failover({ failover: [{ from: 'us-east1/b', to: 'us-west1' }] }) },
      '[c/cart] failover locality is not a region; field: locality.failover[0].from; value: "us-east1/b"; expected: a region name without "/" or "*", e.g. "us-east1" (failover is between regions)'],
    ['a topology label in failoverPriority next to failover', { outlierDetection: od, locality: LocalityLoadBalancing.failover({ failover: [{ from: 'a', to: 'b' }], failoverPriority: ['topology.kubernetes.io/zone'] }) },
      /\[c\/cart\] topology label in failoverPriority next to failover; field: locality\.failoverPriority\[0\]; value: "topology\.kubernetes\.io\/zone"/],
  ] as const)('refuses %s', (_name, props, message) => {
    expect(() => render((c) => service(c, props as Partial<MeshServiceProps>))).toThrowError(message);
  });

  it('the manifest rules refuse what istiod refuses in any DestinationRule (escape hatches)', () => {
    const violations = (trafficPolicy: Obj) => manifestViolations({
      apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'x', namespace: 'y' }, spec: { host: 'x', trafficPolicy },
    }).map((v) => [v.field, v.message]);
    const at = 'spec.trafficPolicy.loadBalancer.localityLbSetting';
    expect(violations({ loadBalancer: { localityLbSetting: { distribute: [{ from: 'a/*', to: { 'a/*': 60, 'b/*': 30 } }], failover: [{ from: 'a', to: 'b' }] } }, outlierDetection: {} })).toEqual([
      [`${at}.failover`, "can not simultaneously specify 'distribute' and 'failover'"],
      [`${at}.distribute[0].to`, 'total locality weight 90 != 100'],
    ]);
    expect(violations({ loadBalancer: { localityLbSetting: { failoverPriority: ['topology.istio.io/network'] } } })).toEqual([[at, 'outlier detection policy must be provided for failover']]);
    expect(violations({ loadBalancer: { localityLbSetting: { failover: [{ from: 'a', to: 'a' }] } }, outlierDetection: {} })).toEqual([
      [`${at}.failover[0].to`, 'locality lb failover settings must specify different regions'],
    ]);
  });
});

describe('applyPodOptions on other workloads', () => {
  it('applies the same knobs to a Job and to a CronJob pod spec', () => {
    const chart = Testing.chart();
    const options: PodOptions = {
      initContainers: [{ name: 'wait', image: 'busybox:1.36.1', command: ['true'] }],
      tolerations: [{ key: 'batch', operator: 'Exists', effect: 'NoSchedule' }],
      topologySpread: [TopologySpread.acrossNodes()],
      imagePullSecrets: ['regcred'],
    };
    const container = { name: 'main', image: 'ghcr.io/acme/report:1.0.0' };
    const job = new kplus.Job(chart, 'job', { containers: [container] });
    applyPodOptions(job, options, { user: 1000, group: 1000, selectorLabels: { app: 'report' } });
    const cron = new kplus.CronJob(chart, 'cron', { containers: [container], schedule: Cron.daily() });
    applyPodOptions(cron, options, { user: 1000, group: 1000, selectorLabels: { app: 'nightly' }, podSpecPointer: '/spec/jobTemplate/spec/template/spec' });
    const [jobSpec, cronSpec] = [
      Testing.synth(chart).find((o) => o.kind === 'Job').spec.template.spec,
      Testing.synth(chart).find((o) => o.kind === 'CronJob').spec.jobTemplate.spec.template.spec,
    ];
    for (const [spec, app] of [[jobSpec, 'report'], [cronSpec, 'nightly']] as const) {
      expect(spec.initContainers.map((c: Obj) => [c.name, c.securityContext.runAsUser, c.securityContext.capabilities])).toEqual([['wait', 1000, { drop: ['ALL'] }]]);
      expect(spec.tolerations).toEqual([{ effect: 'NoSchedule', key: 'batch', operator: 'Exists' }]);
      expect(spec.topologySpreadConstraints[0].labelSelector).toEqual({ matchLabels: { app } });
      expect(spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    }
  });
});
