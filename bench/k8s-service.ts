import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { DestinationRule, VirtualService } from '../imports/networking.istio.io';
import { BenchServiceSpec } from './spec';

/**
 * One benchmark service hand-built with cdk8s-plus-27 and the Istio imports:
 * a ConfigMap, one Deployment per version mounting it, a Service over all
 * versions, a VirtualService splitting traffic 90/10 between the version
 * subsets and a DestinationRule defining the subsets with circuit breaking.
 * The raw-cdk8s baseline uses this directly.
 */
export function addK8sService(scope: Construct, spec: BenchServiceSpec): void {
  const { name } = spec;
  const config = new kplus.ConfigMap(scope, `${name}-config`, {
    metadata: { name: `${name}-config`, namespace: spec.namespace },
    data: { 'app.yaml': spec.configFile },
  });
  const volume = kplus.Volume.fromConfigMap(scope, `${name}-config-volume`, config, { name: 'config' });
  for (const v of spec.versions) {
    const deployment = new kplus.Deployment(scope, `${name}-${v.name}`, {
      metadata: { name: `${name}-${v.name}`, namespace: spec.namespace, labels: { app: name, version: v.name } },
      replicas: v.replicas,
      podMetadata: { labels: { app: name, version: v.name } },
      securityContext: { user: 1000, group: 1000 },
      containers: [
        {
          name,
          image: v.image,
          portNumber: 8080,
          resources: {
            cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) },
            memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) },
          },
          readiness: kplus.Probe.fromHttpGet('/healthz', { port: 8080, periodSeconds: Duration.seconds(10) }),
          volumeMounts: [{ path: `/etc/${name}`, volume }],
        },
      ],
    });
    deployment.podMetadata.addLabel('app', name);
  }
  const service = new kplus.Service(scope, `${name}-service`, {
    metadata: { name, namespace: spec.namespace, labels: { app: name } },
    ports: [{ name: 'http', port: 80, targetPort: 8080 }],
  });
  service.selectLabel('app', name);
  new VirtualService(scope, `${name}-vs`, {
    metadata: { name, namespace: spec.namespace },
    spec: {
      hosts: [name],
      http: [
        {
          route: spec.versions.map((v) => ({ destination: { host: name, subset: v.name }, weight: v.weight })),
        },
      ],
    },
  });
  new DestinationRule(scope, `${name}-dr`, {
    metadata: { name, namespace: spec.namespace },
    spec: {
      host: name,
      trafficPolicy: {
        connectionPool: { tcp: { maxConnections: 100 }, http: { http1MaxPendingRequests: 10, maxRequestsPerConnection: 10 } },
        outlierDetection: { consecutive5XxErrors: 5, interval: '30s', baseEjectionTime: '30s', maxEjectionPercent: 50 },
      },
      subsets: spec.versions.map((v) => ({ name: v.name, labels: { version: v.name } })),
    },
  });
}

