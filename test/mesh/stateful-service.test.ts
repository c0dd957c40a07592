import { Duration } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { Caller, ConfigFile, HealthCheck, MeshNamespace, MeshSecurity, MeshService, MeshStatefulService, MeshStatefulServiceProps, StatefulUpdateStrategy, TopologySpread } from '../../lib';
import { Obj, one, render } from './render';

const IMAGE = 'docker.io/library/redis:7.2.5';

function statefulService(props: Partial<MeshStatefulServiceProps> = {}): Obj[] {
  return render((chart) => {
    new MeshStatefulService(chart, 'queue', { namespace: 'shop', image: IMAGE, ports: [{ port: 6379, protocol: 'tcp' }], ...props });
  });
}

/** The constructor error of `props`. */
function error(props: Partial<MeshStatefulServiceProps>): string {
  try {
    statefulService(props);
  } catch (e) {
    // render() runs the real synth, which names the app
    return (e as Error).message.replace(/^app "test" failed to synthesize: /, '');
  }
  throw new Error('no error');
}

describe('MeshStatefulService', () => {
  it('takes the scheduling options of a MeshService pod: node selector, tolerations, affinity, spread, priority, pull secrets', () => {
    const toleration = { key: 'dedicated', operator: 'Equal', value: 'data', effect: 'NoSchedule' };
    const spec = one(
      statefulService({
        nodeSelector: { 'node.kubernetes.io/pool': 'data' },
        tolerations: [toleration],
        topologySpread: [TopologySpread.acrossZones({ required: true })],
        priorityClassName: 'data-critical',
        imagePullSecrets: ['registry'],
      }),
      'StatefulSet',
      'queue',
    ).spec.template.spec;
    expect(spec.nodeSelector).toEqual({ 'node.kubernetes.io/pool': 'data' });
    expect(spec.tolerations).toEqual([toleration]);
    expect(spec.topologySpreadConstraints).toEqual([
      { labelSelector: { matchLabels: { app: 'queue' } }, matchLabelKeys: ['pod-template-hash'], maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule' },
    ]);
    expect(spec.priorityClassName).toBe('data-critical');
    expect(spec.imagePullSecrets).toEqual([{ name: 'registry' }]);
    // none set: none emitted
    expect(Object.keys(one(statefulService(), 'StatefulSet', 'queue').spec.template.spec)).not.toContain('nodeSelector');
    expect(error({ topologySpread: [TopologySpread.acrossNodes({ maxSkew: 0 })] })).toBe(
      '[c/queue] maxSkew out of range; field: topologySpread[0].maxSkew; value: 0; expected: a whole number ≥ 1',
    );
  });

  it('refuses at synth an affinity the API server would refuse on the StatefulSet (validateAffinity)', () => {
    expect(error({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'In', values: [] }] }] } } } })).toContain(
      'StatefulSet/shop/queue: no values with operator In; field: spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values; value: []; expected: at least one value',
    );
  });

  it('emits a StatefulSet governed by a headless Service, plus a ClusterIP Service for clients', () => {
    const objs = statefulService({ replicas: 3, volumeClaims: [{ name: 'data', mountPath: '/data', size: '10Gi', storageClass: 'gp3', accessModes: ['ReadWriteOncePod'] }] });
    const sts = one(objs, 'StatefulSet', 'queue');
    const headless = one(objs, 'Service', 'queue-headless');
    expect(headless.spec.clusterIP).toBe('None');
    expect(headless.spec.ports).toEqual([{ appProtocol: 'tcp', name: 'tcp', port: 6379, protocol: 'TCP', targetPort: 6379 }]);
    expect(one(objs, 'Service', 'queue').spec).toMatchObject({ type: 'ClusterIP', selector: { app: 'queue' } });
    expect(sts.spec.serviceName).toBe('queue-headless');
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.podManagementPolicy).toBe('OrderedReady');
    expect(sts.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    // the selector is immutable: app only, never the version
    expect(sts.spec.selector).toEqual({ matchLabels: { app: 'queue' } });
    expect(sts.spec.template.metadata.labels).toMatchObject({ app: 'queue', version: 'v1' });
    expect(sts.spec.volumeClaimTemplates).toEqual([
      {
        metadata: { name: 'data', labels: { 'app.kubernetes.io/managed-by': 'meshforge', 'app.kubernetes.io/name': 'queue' } },
        spec: { accessModes: ['ReadWriteOncePod'], storageClassName: 'gp3', resources: { requests: { storage: '10Gi' } } },
      },
    ]);
    const pod = sts.spec.template.spec;
    expect(pod.containers[0].volumeMounts).toEqual([{ name: 'data', mountPath: '/data' }]);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true });
    expect(pod.containers[0].readinessProbe.tcpSocket).toEqual({ port: 6379 });
  });

  it('stages a rollout with a partition, or waits for deletes; Parallel pod management', () => {
    const staged = one(statefulService({ replicas: 3, updateStrategy: StatefulUpdateStrategy.rollingUpdate({ partition: 2 }), podManagementPolicy: 'Parallel' }), 'StatefulSet');
    expect(staged.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { partition: 2 } });
    expect(staged.spec.podManagementPolicy).toBe('Parallel');
    expect(one(statefulService({ updateStrategy: StatefulUpdateStrategy.onDelete() }), 'StatefulSet').spec.updateStrategy).toEqual({ type: 'OnDelete' });
  });

  it('routes a TCP port in the VirtualService and sets mTLS in the DestinationRule', () => {
    const objs = statefulService({ ports: [{ port: 6379, protocol: 'tcp' }, { port: 8080, protocol: 'http' }], connectionPool: { maxConnections: 50 } });
    const vs = one(objs, 'VirtualService', 'queue');
    const host = 'queue.shop.svc.cluster.local';
    expect(vs.spec.tcp).toEqual([{ match: [{ port: 6379 }], route: [{ destination: { host, subset: 'v1', port: { number: 6379 } } }] }]);
    expect(vs.spec.http).toEqual([{ name: 'default', route: [{ destination: { host, subset: 'v1' } }] }]);
    const dr = one(objs, 'DestinationRule', 'queue');
    expect(dr.spec.trafficPolicy).toMatchObject({ tls: { mode: 'ISTIO_MUTUAL' }, connectionPool: { tcp: { maxConnections: 50 } } });
    expect(dr.spec.subsets).toEqual([{ name: 'v1', labels: { version: 'v1' } }]);
  });

  it('mounts config files with a checksum, takes secrets from Secrets, scrapes metrics and adds a PDB', () => {
    const objs = statefulService({
      files: { 'redis.conf': ConfigFile.fromString('bind 0.0.0.0\n') },
      configMountPath: '/etc/redis',
      secretEnv: { REDIS_PASSWORD: { secret: 'queue-redis', key: 'password' } },
      metrics: { port: 9121 },
      disruptionBudget: { maxUnavailable: 1 },
      liveness: HealthCheck.exec(['redis-cli', 'ping']),
    });
    expect(one(objs, 'ConfigMap', 'queue-config').data).toEqual({ 'redis.conf': 'bind 0.0.0.0\n' });
    const template = one(objs, 'StatefulSet').spec.template;
    expect(template.metadata.annotations).toMatchObject({ 'meshforge.io/config-hash': expect.stringMatching(/^[0-9a-f]{64}$/), 'prometheus.io/port': '9121', 'prometheus.io/scrape': 'true' });
    expect(template.spec.containers[0].env).toEqual([{ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'queue-redis', key: 'password' } } }]);
    expect(template.spec.containers[0].volumeMounts).toEqual([{ name: 'config', mountPath: '/etc/redis', readOnly: true }]);
    expect(template.spec.containers[0].livenessProbe.exec).toEqual({ command: ['redis-cli', 'ping'] });
    expect(one(objs, 'PodDisruptionBudget', 'queue').spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { app: 'queue' } } });
  });

  it('declared callers and the replicas themselves are admitted (AuthorizationPolicy and NetworkPolicy)', () => {
    const objs = render((chart) => {
      const ns = new MeshNamespace(chart, 'shop');
      const queue = new MeshStatefulService(chart, 'queue', { namespace: ns, image: IMAGE, replicas: 3, ports: [{ port: 6379, protocol: 'tcp' }] });
      const cart = new MeshService(chart, 'cart', { namespace: ns, image: 'ghcr.io/acme/cart:1.4.2' });
      new MeshSecurity(chart, 'security').protect(queue).allowFrom(Caller.workload(cart));
      expect(queue.podHosts).toEqual(['queue-0', 'queue-1', 'queue-2'].map((p) => `${p}.queue-headless.shop.svc.cluster.local`));
    });
    const authz = one(objs, 'AuthorizationPolicy', 'queue');
    expect(authz.spec.rules.map((r: Obj) => r.from[0].source.principals[0])).toEqual(['cluster.local/ns/shop/sa/queue', 'cluster.local/ns/shop/sa/cart']);
    const netpol = one(objs, 'NetworkPolicy', 'queue');
    expect(netpol.spec.ingress.slice(0, 2).map((r: Obj) => [r.from[0].podSelector.matchLabels.app, r.ports[0].port])).toEqual([['queue', 6379], ['cart', 6379]]);
  });

  it('a single replica does not admit itself', () => {
    const objs = render((chart) => {
      const queue = new MeshStatefulService(chart, 'queue', { namespace: 'shop', image: IMAGE, ports: [{ port: 6379, protocol: 'tcp' }] });
      new MeshSecurity(chart, 'security').protect(queue);
    });
    expect(one(objs, 'AuthorizationPolicy', 'queue').spec.rules).toBeUndefined();
  });

  it('without the mesh: no Istio objects, the pod opts out of injection', () => {
    const objs = statefulService({ mesh: false });
    expect(objs.filter((o) => o.apiVersion.includes('istio.io'))).toEqual([]);
    expect(one(objs, 'StatefulSet').spec.template.metadata.labels['sidecar.istio.io/inject']).toBe('false');
  });
});

describe('MeshStatefulService errors', () => {
  it('STATEFUL_VERSIONS: canary versions are refused', () => {
    expect(error({ versions: ['v1', 'v2'] } as Partial<MeshStatefulServiceProps>)).toBe(
      '[c/queue] a stateful service has one version; field: versions; value: ["v1","v2"]; expected: no versions: a StatefulSet updates its pods in place (stage a rollout with StatefulUpdateStrategy.rollingUpdate({ partition })); version names the pod label',
    );
  });

  it('VOLUME_CLAIM: size must be a positive quantity', () => {
    expect(error({ volumeClaims: [{ name: 'data', mountPath: '/data', size: '10GB' }] })).toBe(
      '[c/queue] invalid storage size; field: volumeClaims[0].size; value: "10GB"; expected: a positive Kubernetes quantity, e.g. "10Gi" or "500M"',
    );
  });

  it('VOLUME_CLAIM: names, access modes, storage classes and mount paths', () => {
    expect(error({ volumeClaims: [{ name: 'config', mountPath: '/data', size: '1Gi' }] })).toBe(
      '[c/queue] claim name already used by a volume of the pod; field: volumeClaims[0].name; value: "config"; expected: a name other than config',
    );
    expect(error({ volumeClaims: [{ name: 'data', mountPath: '/data', size: '1Gi', accessModes: ['ReadWriteAll' as 'ReadWriteOnce'] }] })).toBe(
      '[c/queue] invalid access modes; field: volumeClaims[0].accessModes; value: "ReadWriteAll"; expected: one or more of ReadWriteOnce, ReadOnlyMany, ReadWriteMany, ReadWriteOncePod',
    );
    expect(error({ volumeClaims: [{ name: 'data', mountPath: '/data', size: '1Gi', storageClass: 'Fast_SSD' }] })).toBe(
      '[c/queue] invalid StorageClass name; field: volumeClaims[0].storageClass; value: "Fast_SSD"; expected: a DNS subdomain, e.g. "gp3" or "standard-rwo"',
    );
    expect(error({ writablePaths: ['/tmp'], volumeClaims: [{ name: 'data', mountPath: '/tmp/data', size: '1Gi' }] })).toBe(
      '[c/queue] mount path overlaps another mount; field: volumeClaims[0].mountPath; value: "/tmp/data"; expected: a path neither equal to, above nor inside "/tmp"',
    );
  });

  it('STATEFUL_PARTITION: the partition is at most the replicas', () => {
    expect(error({ replicas: 2, updateStrategy: StatefulUpdateStrategy.rollingUpdate({ partition: 3 }) })).toBe(
      '[c/queue] partition out of range; field: updateStrategy.partition; value: 3; expected: a whole number from 0 to 2',
    );
  });

  it('INVALID_NAME: a StatefulSet name is at most 52 characters', () => {
    expect(error({ name: `q${'x'.repeat(52)}` })).toBe(
      `[c/queue] name too long for a StatefulSet; field: name; value: "q${'x'.repeat(52)}"; expected: at most 52 characters: the StatefulSet controller appends a suffix to it in a label value of at most 63`,
    );
  });

  it('DISRUPTION_BUDGET: a budget that blocks every eviction', () => {
    expect(error({ replicas: 1, disruptionBudget: { minAvailable: 1 } })).toBe(
      '[c/queue] PodDisruptionBudget allows no eviction with 1 replica(s); field: disruptionBudget; value: {"minAvailable":1}; expected: minAvailable below replicas (or maxUnavailable ≥ 1), or node drains block forever',
    );
  });

  it('POD_SECURITY: no sidecar in a restricted namespace without CNI', () => {
    expect(() =>
      render((chart) => {
        const ns = new MeshNamespace(chart, 'db', { injection: false });
        new MeshStatefulService(chart, 'queue', { namespace: ns, image: IMAGE, mesh: true, terminationGracePeriod: Duration.seconds(10) });
      }),
    ).toThrowError('[c/queue] sidecar cannot be admitted: namespace enforces PSA restricted without Istio CNI; field: mesh; value: true; expected: no sidecar, or namespace db with injection: true (enforce privileged) or cni: true');
  });
});

describe('MeshStatefulService policyExceptions', () => {
  it('writes each exception on the StatefulSet beside the inline-secrets one, reasons trimmed', () => {
    const sts = one(statefulService({
      policyExceptions: { 'env-min-replicas': ' Redis without Sentinel runs once ' },
      env: { API_KEY: 'public-value' },
      allowInlineEnv: { API_KEY: 'a public key' },
    }), 'StatefulSet', 'queue');
    expect(sts.metadata.annotations).toEqual({
      'argocd.argoproj.io/sync-wave': '5',
      'policy.meshforge.io/allow-env-min-replicas': 'Redis without Sentinel runs once',
      'policy.meshforge.io/allow-inline-secrets': 'API_KEY: a public key',
    });
  });

  it('POLICY_EXCEPTION: a malformed rule id or a blank reason', () => {
    const expected = 'expected: a rule id of `npm run check` (e.g. "env-min-replicas") mapped to a sentence saying why this workload needs the exception';
    expect(error({ policyExceptions: { 'env-min-replicas': '  ' } })).toBe(`[c/queue] invalid policy exception; field: policyExceptions["env-min-replicas"]; value: "  "; ${expected}`);
    expect(error({ policyExceptions: { 'Env Min': 'why' } })).toBe(`[c/queue] invalid policy exception; field: policyExceptions["Env Min"]; value: "why"; ${expected}`);
  });
});
