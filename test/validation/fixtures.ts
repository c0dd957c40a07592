import { App, Chart, Cron } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';

/**
 * One valid object of every kind meshforge's constructs emit (hand-written in
 * the shape the API documents), so the schema validator is known to accept
 * them before the apps that emit them are merged.
 */
const ns = 'shop';
const meta = (name: string, namespace: string | undefined = ns) => ({ name, ...(namespace ? { namespace } : {}), labels: { app: name } });
const podSpec = {
  serviceAccountName: 'frontend',
  securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
  containers: [
    {
      name: 'app',
      image: 'ghcr.io/example/frontend:1.2.3',
      ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
      env: [{ name: 'MODE', value: 'prod' }, { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'frontend', key: 'token' } } }],
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
      readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 5 },
      livenessProbe: { grpc: { port: 9090 } },
      startupProbe: { tcpSocket: { port: 8080 }, failureThreshold: 30 },
      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
      volumeMounts: [{ name: 'config', mountPath: '/config', readOnly: true }, { name: 'tmp', mountPath: '/tmp' }],
    },
  ],
  volumes: [{ name: 'config', configMap: { name: 'frontend' } }, { name: 'tmp', emptyDir: {} }],
};
const template = { metadata: { labels: { app: 'frontend', version: 'v1' }, annotations: { 'sidecar.istio.io/inject': 'true' } }, spec: podSpec };
const selector = { matchLabels: { app: 'frontend', version: 'v1' } };

export const KUBERNETES_FIXTURES: Record<string, unknown>[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'istio-injection': 'enabled' } } },
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('frontend'), automountServiceAccountToken: false },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('frontend'), data: { 'app.yaml': 'a: 1\n' } },
  { apiVersion: 'v1', kind: 'Secret', metadata: meta('frontend'), type: 'Opaque', stringData: { token: 'not-a-real-token' } },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: meta('data'), spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } } },
  { apiVersion: 'v1', kind: 'Service', metadata: meta('frontend'), spec: { type: 'ClusterIP', selector: { app: 'frontend' }, ports: [{ name: 'http', port: 80, targetPort: 'http', appProtocol: 'http' }] } },
  { apiVersion: 'v1', kind: 'Service', metadata: meta('db'), spec: { type: 'ExternalName', externalName: 'db.example.com' } },
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta('frontend-v1'), spec: { replicas: 2, selector, template, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } } },
  { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: meta('prometheus'), spec: { serviceName: 'prometheus', selector, template, volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } } } }] } },
  { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: meta('node-exporter'), spec: { selector, template: { ...template, spec: { ...podSpec, hostNetwork: true, hostPID: true } } } },
  { apiVersion: 'batch/v1', kind: 'CronJob', metadata: meta('cleanup'), spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec: { ...podSpec, restartPolicy: 'OnFailure' } } } } } },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: meta('frontend'), spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'frontend-v1' }, minReplicas: 2, maxReplicas: 10, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }] } },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta('frontend'), spec: { minAvailable: 1, selector: { matchLabels: { app: 'frontend' } } } },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta('reader'), rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }] },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: meta('reader'), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' }, subjects: [{ kind: 'ServiceAccount', name: 'frontend', namespace: ns }] },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: meta('prometheus', undefined), rules: [{ apiGroups: [''], resources: ['nodes', 'pods'], verbs: ['get', 'list', 'watch'] }, { nonResourceURLs: ['/metrics'], verbs: ['get'] }] },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: meta('prometheus', undefined), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'prometheus' }, subjects: [{ kind: 'ServiceAccount', name: 'prometheus', namespace: 'monitoring' }] },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta('frontend'), spec: { podSelector: { matchLabels: { app: 'frontend' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } } }], ports: [{ port: 8080, protocol: 'TCP' }, { port: 15020 }] }] } },
];

export const ISTIO_FIXTURES: Record<string, unknown>[] = [
  { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: meta('frontend'), spec: { hosts: ['frontend.shop.svc.cluster.local', 'shop.example.com'], gateways: ['mesh', 'shop/public'], http: [{ match: [{ uri: { prefix: '/api' }, headers: { 'x-beta': { exact: 'yes' } } }], route: [{ destination: { host: 'frontend', subset: 'v1', port: { number: 80 } }, weight: 90 }, { destination: { host: 'frontend', subset: 'v2' }, weight: 10 }], retries: { attempts: 3, perTryTimeout: '2s', retryOn: '5xx,reset' }, timeout: '10s', fault: { delay: { fixedDelay: '1s', percentage: { value: 5 } } }, mirror: { host: 'frontend', subset: 'v2' }, corsPolicy: { allowOrigins: [{ exact: 'https://shop.example.com' }], allowMethods: ['GET'] } }] } },
  { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: meta('frontend'), spec: { host: 'frontend', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' }, loadBalancer: { simple: 'LEAST_REQUEST' }, connectionPool: { tcp: { maxConnections: 100, connectTimeout: '1s' }, http: { http1MaxPendingRequests: 10, http2MaxRequests: 100, maxRequestsPerConnection: 1, maxRetries: 3, idleTimeout: '60s' } }, outlierDetection: { consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 50, minHealthPercent: 10 } }, subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' }, trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: 'x-user' } } } }] } },
  { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: meta('public'), spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['shop.example.com'], tls: { mode: 'SIMPLE', credentialName: 'shop-tls' } }] } },
  { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: meta('db'), spec: { hosts: ['db.example.com'], location: 'MESH_EXTERNAL', resolution: 'DNS', ports: [{ number: 5432, name: 'tcp-postgres', protocol: 'TCP' }] } },
  { apiVersion: 'networking.istio.io/v1', kind: 'Sidecar', metadata: meta('default'), spec: { egress: [{ hosts: ['./*', 'istio-system/*'] }] } },
  { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: meta('default'), spec: { mtls: { mode: 'STRICT' } } },
  { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: meta('frontend'), spec: { selector: { matchLabels: { app: 'frontend' } }, action: 'ALLOW', rules: [{ from: [{ source: { principals: ['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'] } }], to: [{ operation: { methods: ['GET'], paths: ['/api/*'] } }] }] } },
  { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: meta('deny-all'), spec: {} },
  { apiVersion: 'telemetry.istio.io/v1', kind: 'Telemetry', metadata: meta('mesh-default', 'istio-system'), spec: { tracing: [{ providers: [{ name: 'jaeger' }], randomSamplingPercentage: 1.5 }] } },
];

export const MONITORING_FIXTURES: Record<string, unknown>[] = [
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: meta('frontend'), spec: { selector: { matchLabels: { app: 'frontend' } }, endpoints: [{ port: 'http-monitoring', path: '/stats/prometheus', interval: '30s', scheme: 'http' }] } },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor', metadata: meta('frontend'), spec: { selector: { matchLabels: { app: 'frontend' } }, podMetricsEndpoints: [{ port: 'http-envoy-prom', path: '/stats/prometheus' }] } },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: meta('frontend'), spec: { groups: [{ name: 'frontend.rules', rules: [{ alert: 'FrontendHigh5xx', expr: 'sum(rate(istio_requests_total{response_code=~"5.."}[5m])) > 1', for: '5m', labels: { severity: 'critical' }, annotations: { summary: 'many 5xx' } }] }] } },
];

/** The same kinds as cdk8s-plus-27 renders them (its defaults add fields hand-written fixtures lack). */
export function cdk8sPlusFixtures(): Record<string, unknown>[] {
  const chart = new Chart(new App(), 'fixtures', { namespace: ns });
  const sa = new kplus.ServiceAccount(chart, 'sa', { metadata: { name: 'frontend' } });
  const cm = new kplus.ConfigMap(chart, 'cm', { metadata: { name: 'frontend' }, data: { 'a.yaml': 'a: 1' } });
  const dep = new kplus.Deployment(chart, 'dep', {
    metadata: { name: 'frontend' },
    serviceAccount: sa,
    containers: [{ image: 'ghcr.io/example/frontend:1.2.3', portNumber: 8080, resources: { cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) } }, readiness: kplus.Probe.fromHttpGet('/ready'), liveness: kplus.Probe.fromTcpSocket() }],
  });
  dep.containers[0].mount('/config', kplus.Volume.fromConfigMap(chart, 'vol', cm), { readOnly: true });
  dep.exposeViaService({ name: 'frontend', ports: [{ port: 80, targetPort: 8080, name: 'http' }] });
  new kplus.StatefulSet(chart, 'sts', { metadata: { name: 'db' }, containers: [{ image: 'postgres:16.4', portNumber: 5432 }] });
  new kplus.DaemonSet(chart, 'ds', { metadata: { name: 'agent' }, containers: [{ image: 'fluent/fluent-bit:3.1.9' }] });
  new kplus.CronJob(chart, 'cron', { metadata: { name: 'cleanup' }, schedule: Cron.daily(), containers: [{ image: 'busybox:1.36' }] });
  new kplus.HorizontalPodAutoscaler(chart, 'hpa', { metadata: { name: 'frontend' }, target: dep, maxReplicas: 5, metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(70))] });
  const role = new kplus.ClusterRole(chart, 'cr', { metadata: { name: 'reader' } });
  role.allowRead(kplus.ApiResource.PODS);
  role.bind(sa);
  new kplus.NetworkPolicy(chart, 'np', { metadata: { name: 'deny' }, selector: kplus.Pods.all(chart, 'all') });
  new kplus.Namespace(chart, 'ns', { metadata: { name: 'shop' } });
  new kplus.Secret(chart, 'secret', { metadata: { name: 'token' }, stringData: { token: 'x' } });
  return chart.toJson() as Record<string, unknown>[];
}
