import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { IMAGES, ResourceProps, httpProbe, policyException, restrictedContainer, restrictedPod, selectorLabels, standardLabels, toResources, podLabels, criticalPriorityQuota } from './common';
import { checkDnsLabel, checkImage } from './validators';

export interface NodeExporterProps {
  /** A namespace whose Pod Security level is `privileged` (host access). @default "monitoring-node" */
  readonly namespace?: string;
  /** @default IMAGES.nodeExporter (quay.io/prometheus/node-exporter:v1.8.2) */
  readonly image?: string;
  /** @default 9100 */
  readonly port?: number;
  /** @default { cpuRequest: "50m", memoryRequest: "64Mi", memoryLimit: "128Mi", cpuLimit: "250m" } */
  readonly resources?: ResourceProps;
}

/**
 * node-exporter on every node. It needs the host's network and PID namespaces
 * and a read-only view of `/` to report real node metrics, so it runs in a
 * `privileged` PSA namespace; everything else stays restricted (non-root, no
 * capabilities, read-only root filesystem). Exceptions are annotated.
 *
 * @see https://github.com/prometheus/node_exporter#docker
 */
export class NodeExporter extends Construct {
  public readonly namespace: string;
  public readonly serviceName = 'node-exporter';
  public readonly port: number;

  constructor(scope: Construct, id: string, props: NodeExporterProps = {}) {
    super(scope, id);
    const path = this.node.path;
    this.namespace = checkDnsLabel(path, 'namespace', props.namespace ?? 'monitoring-node');
    const image = checkImage(path, 'image', props.image ?? IMAGES.nodeExporter);
    this.port = props.port ?? 9100;
    const labels = standardLabels('node-exporter', 'exporter', image);
    const meta = (name: string) => ({ name, namespace: this.namespace, labels });
    // node-critical: evicted last; clusters that keep the class to kube-system need the quota that permits it here
    const priorityClassName = 'system-node-critical';
    criticalPriorityQuota(this, this.namespace, priorityClassName, labels);

    const sa = new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: meta('node-exporter'), automountServiceAccountToken: false });
    new k8s.KubeService(this, 'Service', {
      metadata: { ...meta(this.serviceName), annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(this.port) } },
      spec: { clusterIp: 'None', selector: selectorLabels('node-exporter'), ports: [{ name: 'http-metrics', port: this.port, targetPort: k8s.IntOrString.fromString('metrics') }] },
    });
    new k8s.KubeDaemonSet(this, 'Resource', {
      metadata: {
        ...meta('node-exporter'),
        annotations: {
          ...policyException('host-namespaces', 'node-exporter reads host network and process statistics (hostNetwork, hostPID)'),
          ...policyException('host-path', 'node-exporter reads the host filesystem read-only at /host/root for filesystem and hardware metrics'),
          ...policyException('host-ports', 'with hostNetwork the metrics port 9100 is a host port'),
        },
      },
      spec: {
        selector: { matchLabels: selectorLabels('node-exporter') },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromString('10%') } },
        template: {
          metadata: { labels: podLabels(labels) },
          spec: {
            serviceAccountName: sa.name,
            automountServiceAccountToken: false,
            hostNetwork: true,
            hostPid: true,
            priorityClassName,
            securityContext: restrictedPod(65534),
            tolerations: [{ operator: 'Exists' }],
            containers: [
              {
                name: 'node-exporter',
                image,
                args: [
                  '--path.rootfs=/host/root',
                  `--web.listen-address=:${this.port}`,
                  '--no-collector.wifi',
                  '--no-collector.hwmon',
                  '--collector.filesystem.mount-points-exclude=^/(dev|proc|sys|run/k3s/containerd/.+|var/lib/docker/.+|var/lib/kubelet/pods/.+)($|/)',
                ],
                ports: [{ name: 'metrics', containerPort: this.port, hostPort: this.port }],
                resources: toResources(props.resources ?? { cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '128Mi', cpuLimit: '250m' }),
                securityContext: restrictedContainer(),
                readinessProbe: httpProbe('/', 'metrics', 5, 10),
                livenessProbe: httpProbe('/', 'metrics', 15, 20),
                volumeMounts: [{ name: 'root', mountPath: '/host/root', readOnly: true, mountPropagation: 'HostToContainer' }],
              },
            ],
            volumes: [{ name: 'root', hostPath: { path: '/' } }],
          },
        },
      },
    });
  }
}
