// Only the checksum helper (crypto), no cdk8s: this variant measures serialization alone.
import { configChecksum } from '../lib/common/config-checksum';
import { BenchServiceSpec } from './spec';

/**
 * The manifests of one benchmark service as plain objects: exactly what
 * meshforge writes to dist/ for the `MeshService` of bench/services.ts (its
 * objects plus the Argo CD sync wave the synth adds) and what the hand-built
 * cdk8s-plus-27 baseline (bench/k8s-service.ts) renders for the same spec:
 * same kinds, names, values and key order (test/bench/plain-objects.test.ts
 * checks all three). The yaml
 * and JSON.stringify floors serialize these without loading cdk8s at all.
 *
 * No construct address appears in the output (MeshService removes
 * cdk8s-plus's `cdk8s.io/metadata.addr` pod label), so the objects do not
 * depend on the chart a service lands in.
 */
export function plainServiceObjects(spec: BenchServiceSpec): Record<string, unknown>[] {
  const { name, namespace } = spec;
  const host = `${name}.${namespace}.svc.cluster.local`;
  const wave = (n: number) => ({ 'argocd.argoproj.io/sync-wave': String(n) });
  const labels = () => ({ 'app.kubernetes.io/managed-by': 'meshforge', 'app.kubernetes.io/name': name });
  const configHash = configChecksum({ 'app.yaml': spec.configFile });
  const objects: Record<string, unknown>[] = [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { annotations: wave(-5), labels: labels(), name, namespace },
      automountServiceAccountToken: false,
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { annotations: wave(-5), labels: labels(), name: `${name}-config`, namespace },
      data: { 'app.yaml': spec.configFile },
      immutable: false,
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { annotations: wave(0), labels: labels(), name, namespace },
      spec: {
        externalIPs: [],
        ports: [{ appProtocol: 'http', name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }],
        selector: { app: name },
        type: 'ClusterIP',
      },
    },
  ];
  for (const v of spec.versions) {
    const versionLabels = () => ({
      app: name,
      'app.kubernetes.io/managed-by': 'meshforge',
      'app.kubernetes.io/name': name,
      'app.kubernetes.io/version': v.name,
    });
    objects.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { annotations: wave(5), labels: { ...versionLabels(), version: v.name }, name: `${name}-${v.name}`, namespace },
      spec: {
        minReadySeconds: 0,
        progressDeadlineSeconds: 600,
        replicas: v.replicas,
        selector: { matchLabels: { app: name, version: v.name } },
        strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
        template: {
          metadata: {
            annotations: {
              'meshforge.io/config-hash': configHash,
              'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts":true}',
            },
            labels: { ...versionLabels(), 'sidecar.istio.io/inject': 'true', version: v.name },
          },
          spec: {
            automountServiceAccountToken: false,
            containers: [
              {
                image: v.image,
                imagePullPolicy: 'IfNotPresent',
                livenessProbe: {
                  failureThreshold: 3,
                  initialDelaySeconds: 0,
                  periodSeconds: 10,
                  successThreshold: 1,
                  tcpSocket: { port: 8080 },
                  timeoutSeconds: 1,
                },
                name,
                ports: [{ containerPort: 8080, name: 'http', protocol: 'TCP' }],
                readinessProbe: {
                  failureThreshold: 3,
                  httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' },
                  initialDelaySeconds: 0,
                  periodSeconds: 10,
                  successThreshold: 1,
                  timeoutSeconds: 1,
                },
                resources: { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  capabilities: { drop: ['ALL'] },
                  privileged: false,
                  readOnlyRootFilesystem: true,
                  runAsGroup: 1000,
                  runAsNonRoot: true,
                  runAsUser: 1000,
                },
                volumeMounts: [{ mountPath: `/etc/${name}`, name: 'config', readOnly: true }],
              },
            ],
            dnsPolicy: 'ClusterFirst',
            hostNetwork: false,
            restartPolicy: 'Always',
            securityContext: {
              fsGroup: 1000,
              fsGroupChangePolicy: 'Always',
              runAsGroup: 1000,
              runAsNonRoot: true,
              runAsUser: 1000,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            serviceAccountName: name,
            setHostnameAsFQDN: false,
            terminationGracePeriodSeconds: 30,
            volumes: [{ configMap: { name: `${name}-config` }, name: 'config' }],
          },
        },
      },
    });
  }
  objects.push(
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { annotations: wave(10), labels: labels(), name, namespace },
      spec: {
        hosts: [host],
        http: [{ name: 'default', route: spec.versions.map((v) => ({ destination: { host, subset: v.name }, weight: v.weight })) }],
      },
    },
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { annotations: wave(-2), labels: labels(), name, namespace },
      spec: {
        host,
        subsets: spec.versions.map((v) => ({ labels: { version: v.name }, name: v.name })),
        trafficPolicy: {
          connectionPool: { http: { http1MaxPendingRequests: 10, maxRequestsPerConnection: 10 }, tcp: { maxConnections: 100 } },
          outlierDetection: { baseEjectionTime: '30s', consecutive5xxErrors: 5, interval: '30s', maxEjectionPercent: 50, minHealthPercent: 0 },
          tls: { mode: 'ISTIO_MUTUAL' },
        },
      },
    },
  );
  return objects;
}
