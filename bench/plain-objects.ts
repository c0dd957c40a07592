import * as crypto from 'crypto';
import { BenchServiceSpec } from './spec';

/**
 * The manifests of one benchmark service as plain objects, exactly what
 * cdk8s + cdk8s-plus-27 render for {@link addK8sService} in a chart with id
 * `chartId` (same keys, key order and values; checked by
 * test/bench/plain-objects.test.ts). The yaml and JSON.stringify floors
 * serialize these without loading cdk8s at all.
 */
export function plainServiceObjects(spec: BenchServiceSpec, chartId: string): Record<string, unknown>[] {
  const { name, namespace } = spec;
  const objects: Record<string, unknown>[] = [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `${name}-config`, namespace },
      data: { 'app.yaml': spec.configFile },
      immutable: false,
    },
  ];
  for (const v of spec.versions) {
    const id = `${name}-${v.name}`;
    const addr = `${chartId}-${id}-${constructAddr(['', chartId, id]).slice(0, 8)}`;
    objects.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { labels: { app: name, version: v.name }, name: id, namespace },
      spec: {
        minReadySeconds: 0,
        progressDeadlineSeconds: 600,
        replicas: v.replicas,
        selector: { matchLabels: { 'cdk8s.io/metadata.addr': addr } },
        strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
        template: {
          metadata: { labels: { app: name, 'cdk8s.io/metadata.addr': addr, version: v.name } },
          spec: {
            automountServiceAccountToken: false,
            containers: [
              {
                image: v.image,
                imagePullPolicy: 'Always',
                name,
                ports: [{ containerPort: 8080 }],
                readinessProbe: { failureThreshold: 3, httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' }, periodSeconds: 10 },
                resources: { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
                securityContext: { allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true },
                startupProbe: { failureThreshold: 3, tcpSocket: { port: 8080 } },
                volumeMounts: [{ mountPath: `/etc/${name}`, name: 'config' }],
              },
            ],
            dnsPolicy: 'ClusterFirst',
            hostNetwork: false,
            restartPolicy: 'Always',
            securityContext: { fsGroupChangePolicy: 'Always', runAsGroup: 1000, runAsNonRoot: true, runAsUser: 1000 },
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
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { labels: { app: name }, name, namespace },
      spec: { externalIPs: [], ports: [{ name: 'http', port: 80, targetPort: 8080 }], selector: { app: name }, type: 'ClusterIP' },
    },
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name, namespace },
      spec: {
        hosts: [name],
        http: [{ route: spec.versions.map((v) => ({ destination: { host: name, subset: v.name }, weight: v.weight })) }],
      },
    },
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name, namespace },
      spec: {
        host: name,
        subsets: spec.versions.map((v) => ({ labels: { version: v.name }, name: v.name })),
        trafficPolicy: {
          connectionPool: { http: { http1MaxPendingRequests: 10, maxRequestsPerConnection: 10 }, tcp: { maxConnections: 100 } },
          outlierDetection: { baseEjectionTime: '30s', consecutive5xxErrors: 5, interval: '30s', maxEjectionPercent: 50 },
        },
      },
    },
  );
  return objects;
}

/** The `constructs` library's address of a construct path (root id first), as cdk8s's label hash uses it. */
function constructAddr(ids: readonly string[]): string {
  const hash = crypto.createHash('sha1');
  for (const id of ids) {
    if (id === 'Default') continue;
    hash.update(id);
    hash.update('\n');
  }
  return 'c8' + hash.digest('hex');
}
