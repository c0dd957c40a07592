import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { IMAGES, ResourceProps, httpProbe, restrictedContainer, restrictedPod, selectorLabels, standardLabels, toResources, podLabels, bindClusterRole, singleReplica } from './common';
import { checkDnsLabel, checkImage } from './validators';

export interface KubeStateMetricsProps {
  /** @default "monitoring" */
  readonly namespace?: string;
  /** @default IMAGES.kubeStateMetrics (registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.13.0) */
  readonly image?: string;
  /** @default { cpuRequest: "50m", memoryRequest: "128Mi", memoryLimit: "256Mi", cpuLimit: "500m" } */
  readonly resources?: ResourceProps;
}

/**
 * The object kinds kube-state-metrics exports (`--resources`), with their API
 * groups. RBAC grants list/watch on exactly these and nothing else.
 */
const RESOURCES: readonly { readonly group: string; readonly resource: string }[] = [
  { group: '', resource: 'nodes' },
  { group: '', resource: 'pods' },
  { group: '', resource: 'namespaces' },
  { group: '', resource: 'services' },
  { group: '', resource: 'persistentvolumeclaims' },
  { group: '', resource: 'persistentvolumes' },
  { group: 'apps', resource: 'deployments' },
  { group: 'apps', resource: 'daemonsets' },
  { group: 'apps', resource: 'statefulsets' },
  { group: 'apps', resource: 'replicasets' },
  { group: 'batch', resource: 'jobs' },
  { group: 'batch', resource: 'cronjobs' },
  // KubeHpaMaxedOut and the PDB alerts (autoscaling/v2, policy/v1 in kube-state-metrics v2.13).
  { group: 'autoscaling', resource: 'horizontalpodautoscalers' },
  { group: 'policy', resource: 'poddisruptionbudgets' },
];

/** kube-state-metrics: Deployment, read-only RBAC on the kinds it exports, Service. *
 * @see https://github.com/kubernetes/kube-state-metrics/tree/main/docs
 */
export class KubeStateMetrics extends Construct {
  public readonly namespace: string;
  public readonly serviceName = 'kube-state-metrics';
  public readonly port = 8080;

  constructor(scope: Construct, id: string, props: KubeStateMetricsProps = {}) {
    super(scope, id);
    const path = this.node.path;
    this.namespace = checkDnsLabel(path, 'namespace', props.namespace ?? 'monitoring');
    const image = checkImage(path, 'image', props.image ?? IMAGES.kubeStateMetrics);
    const labels = standardLabels('kube-state-metrics', 'exporter', image);
    const meta = (name: string) => ({ name, namespace: this.namespace, labels });

    const sa = new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: meta('kube-state-metrics'), automountServiceAccountToken: true });
    const groups = [...new Set(RESOURCES.map((r) => r.group))];
    bindClusterRole(this, 'kube-state-metrics', { name: sa.name, namespace: this.namespace }, labels,
      groups.map((g) => ({ apiGroups: [g], resources: RESOURCES.filter((r) => r.group === g).map((r) => r.resource), verbs: ['list', 'watch'] })),
    );
    new k8s.KubeService(this, 'Service', {
      metadata: { ...meta(this.serviceName), annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(this.port) } },
      spec: {
        selector: selectorLabels('kube-state-metrics'),
        ports: [
          { name: 'http-metrics', port: this.port, targetPort: k8s.IntOrString.fromString('metrics') },
          { name: 'http-telemetry', port: 8081, targetPort: k8s.IntOrString.fromString('telemetry') },
        ],
      },
    });
    new k8s.KubeDeployment(this, 'Resource', {
      metadata: { ...meta('kube-state-metrics'), annotations: singleReplica('kube-state-metrics must run once per cluster (unsharded): a second replica duplicates every series') },
      spec: {
        replicas: 1,
        selector: { matchLabels: selectorLabels('kube-state-metrics') },
        template: {
          metadata: { labels: podLabels(labels) },
          spec: {
            serviceAccountName: sa.name,
            securityContext: restrictedPod(65534),
            containers: [
              {
                name: 'kube-state-metrics',
                image,
                args: [`--resources=${RESOURCES.map((r) => r.resource).join(',')}`, '--port=8080', '--telemetry-port=8081'],
                ports: [
                  { name: 'metrics', containerPort: 8080 },
                  { name: 'telemetry', containerPort: 8081 },
                ],
                resources: toResources(props.resources ?? { cpuRequest: '50m', memoryRequest: '128Mi', memoryLimit: '256Mi', cpuLimit: '500m' }),
                securityContext: restrictedContainer(),
                livenessProbe: httpProbe('/livez', 'metrics', 5, 10),
                readinessProbe: httpProbe('/readyz', 'telemetry', 5, 10),
              },
            ],
          },
        },
      },
    });
  }
}
