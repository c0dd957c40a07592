import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { ConfigFile, MeshNamespace, MeshStatefulService, projectRoot } from '../../lib';

const CONFIG_DIR = path.join(projectRoot(__dirname), 'apps', 'shop', 'config');

/**
 * `queue`: the shop's Redis, a StatefulSet with one 10Gi volume (append-only
 * file), reached by cart as `queue.shop.svc.cluster.local:6379`. One replica:
 * Redis replication needs Sentinel or Cluster, which this shop does not run.
 */
export function shopQueue(app: App, ns: MeshNamespace, partOf: string): MeshStatefulService {
  return new MeshStatefulService(new Chart(app, 'queue'), 'queue', {
    namespace: ns,
    partOf,
    image: 'docker.io/library/redis:7.2.5',
    command: ['redis-server'],
    // Kubernetes expands $(REDIS_PASSWORD) from the container's env
    args: ['/etc/redis/redis.conf', '--requirepass', '$(REDIS_PASSWORD)'],
    secretEnv: { REDIS_PASSWORD: { secret: 'queue-redis', key: 'password' } },
    ports: [{ port: 6379, protocol: 'tcp', name: 'tcp-redis' }],
    files: { 'redis.conf': ConfigFile.fromFile('redis.conf', CONFIG_DIR) },
    configMountPath: '/etc/redis',
    volumeClaims: [{ name: 'data', mountPath: '/data', size: '10Gi' }],
    resources: { cpuRequest: '100m', cpuLimit: '1', memoryRequest: '256Mi', memoryLimit: '256Mi' },
    // the orders-db ServiceEntry (TCP, no addresses) is exported to this namespace: see cart in index.ts
    dnsAutoAllocation: true,
    // one pod: evicting it is an outage, but a budget of 0 would block node drains forever
    disruptionBudget: { maxUnavailable: 1 },
    // test and prod require 2 replicas of every workload; two unreplicated Redis pods would be two queues
    policyExceptions: { 'env-min-replicas': 'Redis without Sentinel or Cluster runs as one instance: a second replica would be a second, separate queue' },
  });
}
