import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { ConfigFile, HealthCheck, MeshService } from '../lib/mesh';
import { BenchServiceSpec } from './spec';

/**
 * How the meshforge variant builds one benchmark service: one MeshService in
 * mesh mode with the spec's two versions, a 90/10 canary, circuit breaking
 * (connection pool + outlier detection) and the config file mounted at
 * /etc/<name>/. The raw-cdk8s baseline (bench/k8s-service.ts) and the plain
 * objects (bench/plain-objects.ts) hand-build exactly what this renders;
 * test/bench/plain-objects.test.ts proves the three identical.
 */
export function addMeshforgeService(scope: Construct, spec: BenchServiceSpec): MeshService {
  const [first] = spec.versions;
  const service = new MeshService(scope, spec.name, {
    namespace: spec.namespace,
    image: first.image,
    mesh: true,
    versions: spec.versions.map((v) => ({ name: v.name, image: v.image, replicas: v.replicas })),
    ports: [{ port: 80, targetPort: 8080, protocol: 'http' }],
    runAsUser: 1000,
    runAsGroup: 1000,
    readiness: HealthCheck.http('/healthz'),
    liveness: HealthCheck.tcp({ period: Duration.seconds(10) }),
    files: { 'app.yaml': ConfigFile.fromString(spec.configFile) },
    configMountPath: `/etc/${spec.name}`,
    connectionPool: { maxConnections: 100, http1MaxPendingRequests: 10, maxRequestsPerConnection: 10 },
    outlierDetection: {
      consecutive5xxErrors: 5,
      interval: Duration.seconds(30),
      baseEjectionTime: Duration.seconds(30),
      maxEjectionPercent: 50,
    },
  });
  service.canary(Object.fromEntries(spec.versions.map((v) => [v.name, v.weight])));
  return service;
}
