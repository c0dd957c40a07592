import { configChecksum } from '../lib/common/config-checksum';
import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { DestinationRule, DestinationRuleSpecTrafficPolicyTlsMode, VirtualService } from '../imports/networking.istio.io';
import { BenchServiceSpec } from './spec';

/**
 * One benchmark service hand-built with cdk8s-plus-27 and the Istio imports,
 * the way a user without meshforge would write what `MeshService` renders for
 * the same spec (bench/services.ts): a ServiceAccount, a ConfigMap with the
 * config file, a Service, one Deployment per version mounting the file, a
 * VirtualService splitting traffic 90/10 between the version subsets and a
 * DestinationRule defining the subsets with mTLS and circuit breaking.
 * Object for object, key for key, the same manifests as meshforge writes to
 * dist/ (its synth adds the Argo CD sync waves, so they are spelled out
 * here); checked by test/bench/plain-objects.test.ts. The raw-cdk8s baseline
 * uses this directly.
 */
export function addK8sService(scope: Construct, spec: BenchServiceSpec): void {
  const { name, namespace } = spec;
  const host = `${name}.${namespace}.svc.cluster.local`;
  const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/managed-by': 'meshforge' };
  // Argo CD applies config and DestinationRules before Services, Services before workloads, routes last (the waves meshforge's synth sets).
  const wave = (n: number) => ({ 'argocd.argoproj.io/sync-wave': String(n) });
  const serviceAccount = new kplus.ServiceAccount(scope, `${name}-sa`, {
    metadata: { name, namespace, labels, annotations: wave(-5) },
    automountToken: false,
  });
  const config = new kplus.ConfigMap(scope, `${name}-config`, {
    metadata: { name: `${name}-config`, namespace, labels, annotations: wave(-5) },
    data: { 'app.yaml': spec.configFile },
  });
  // Pods roll when the file changes.
  const configHash = configChecksum({ 'app.yaml': spec.configFile });

  const service = new kplus.Service(scope, `${name}-service`, {
    metadata: { name, namespace, labels, annotations: wave(0) },
    type: kplus.ServiceType.CLUSTER_IP,
    ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: kplus.Protocol.TCP }],
  });
  service.selectLabel('app', name);
  // cdk8s-plus-27 has no appProtocol (Istio reads it for protocol selection).
  ApiObject.of(service).addJsonPatch(JsonPatch.add('/spec/ports/0/appProtocol', 'http'));

  const probeTiming = {
    initialDelaySeconds: Duration.seconds(0),
    periodSeconds: Duration.seconds(10),
    timeoutSeconds: Duration.seconds(1),
    failureThreshold: 3,
    successThreshold: 1,
  };
  for (const v of spec.versions) {
    const versionLabels = { ...labels, 'app.kubernetes.io/version': v.name };
    const podLabels = { ...versionLabels, app: name, version: v.name, 'sidecar.istio.io/inject': 'true' };
    const deployment = new kplus.Deployment(scope, `${name}-${v.name}`, {
      metadata: { name: `${name}-${v.name}`, namespace, labels: { ...versionLabels, app: name, version: v.name }, annotations: wave(5) },
      replicas: v.replicas,
      select: false,
      podMetadata: {
        labels: podLabels,
        annotations: {
          'proxy.istio.io/config': JSON.stringify({ holdApplicationUntilProxyStarts: true }),
          'meshforge.io/config-hash': configHash,
        },
      },
      serviceAccount,
      automountServiceAccountToken: false,
      securityContext: { ensureNonRoot: true, user: 1000, group: 1000, fsGroup: 1000 },
      containers: [
        {
          name,
          image: v.image,
          imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
          ports: [{ number: 8080, name: 'http', protocol: kplus.Protocol.TCP }],
          resources: {
            cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) },
            memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) },
          },
          liveness: kplus.Probe.fromTcpSocket({ port: 8080, ...probeTiming }),
          readiness: kplus.Probe.fromHttpGet('/healthz', { port: 8080, ...probeTiming }),
          securityContext: {
            ensureNonRoot: true,
            user: 1000,
            group: 1000,
            privileged: false,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL' as kplus.Capability] },
          },
        },
      ],
    });
    deployment.select(kplus.LabelSelector.of({ labels: { app: name, version: v.name } }));
    const volume = kplus.Volume.fromConfigMap(deployment, 'config', config, { name: 'config' });
    deployment.containers[0].mount(`/etc/${name}`, volume, { readOnly: true });
    const api = ApiObject.of(deployment);
    // cdk8s-plus-27 cannot set seccompProfile (PSA restricted) and always adds its address label to pods.
    api.addJsonPatch(JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }));
    api.addJsonPatch(JsonPatch.remove('/spec/template/metadata/labels/cdk8s.io~1metadata.addr'));
  }

  new VirtualService(scope, `${name}-vs`, {
    metadata: { name, namespace, labels, annotations: wave(10) },
    spec: {
      hosts: [host],
      http: [{ name: 'default', route: spec.versions.map((v) => ({ destination: { host, subset: v.name }, weight: v.weight })) }],
    },
  });
  new DestinationRule(scope, `${name}-dr`, {
    // before the workloads (make-before-break): its subsets exist before any route names them
    metadata: { name, namespace, labels, annotations: wave(-2) },
    spec: {
      host,
      trafficPolicy: {
        tls: { mode: DestinationRuleSpecTrafficPolicyTlsMode.ISTIO_UNDERSCORE_MUTUAL },
        connectionPool: { tcp: { maxConnections: 100 }, http: { http1MaxPendingRequests: 10, maxRequestsPerConnection: 10 } },
        outlierDetection: { consecutive5XxErrors: 5, interval: '30s', baseEjectionTime: '30s', maxEjectionPercent: 50, minHealthPercent: 0 },
      },
      subsets: spec.versions.map((v) => ({ name: v.name, labels: { version: v.name } })),
    },
  });
}
