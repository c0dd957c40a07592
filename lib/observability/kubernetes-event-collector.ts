import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { IMAGES, ResourceProps, bindClusterRole, configChecksum, podLabels, restrictedContainer, restrictedPod, selectorLabels, standardLabels, toResources, singleReplica } from './common';
import { fluentBitContainer, forwardOutput } from './fluent-bit';
import { checkDnsLabel, checkImage } from './validators';

export interface KubernetesEventCollectorProps {
  /** @default "logging" */
  readonly namespace?: string;
  /** Fluent Bit >= 2.2 (the `kubernetes_events` input; a watch stream from 3.1). @default IMAGES.fluentBit (cr.fluentbit.io/fluent/fluent-bit:3.1.7) */
  readonly image?: string;
  /** Fluentd forward endpoint `host:port`. @default "fluentd.logging.svc:24224" */
  readonly forwardTo?: string;
  /** @default { cpuRequest: "20m", memoryRequest: "64Mi", memoryLimit: "128Mi", cpuLimit: "200m" } */
  readonly resources?: ResourceProps;
}

/** Tag of event records; Fluentd routes it to the `<prefix>-events-*` indices. */
export const KUBERNETES_EVENTS_TAG = 'kube_events';

/**
 * Kubernetes Events into the log store: one Fluent Bit pod (not the DaemonSet,
 * where every node would ship every event) with the `kubernetes_events` input,
 * forwarding to Fluentd. Read-only RBAC on events; `Recreate` so two
 * collectors never run at once. Events the API server keeps (1 h by default)
 * are re-read after a restart, so a restart can repeat up to an hour of events.
 *
 * @see https://docs.fluentbit.io/manual/3.1/pipeline/inputs/kubernetes-events
 */
export class KubernetesEventCollector extends Construct {
  constructor(scope: Construct, id: string, props: KubernetesEventCollectorProps = {}) {
    super(scope, id);
    const path = this.node.path;
    const namespace = checkDnsLabel(path, 'namespace', props.namespace ?? 'logging');
    const image = checkImage(path, 'image', props.image ?? IMAGES.fluentBit);
    const name = 'kubernetes-events';
    const labels = standardLabels(name, 'logging', image);
    const meta = (n: string) => ({ name: n, namespace, labels });
    const sa = new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: meta(name), automountServiceAccountToken: true });
    bindClusterRole(this, name, { name: sa.name, namespace }, labels, [{ apiGroups: [''], resources: ['events'], verbs: ['get', 'list', 'watch'] }]);
    const conf = `[SERVICE]
    Flush             5
    Daemon            off
    Log_Level         info
    HTTP_Server       On
    HTTP_Listen       0.0.0.0
    HTTP_Port         2020
    Health_Check      On
    storage.path      /state/buffer
    storage.max_chunks_up 16

[INPUT]
    Name              kubernetes_events
    Tag               ${KUBERNETES_EVENTS_TAG}
    Kube_URL          https://kubernetes.default.svc:443
    DB                /state/events.db
    storage.type      filesystem

${forwardOutput(path, props.forwardTo, '256M')}`;
    const config = new k8s.KubeConfigMap(this, 'Config', { metadata: meta(`${name}-config`), data: { 'fluent-bit.conf': conf } });
    new k8s.KubeDeployment(this, 'Resource', {
      metadata: { ...meta(name), annotations: singleReplica('one event collector: a second replica would ship every Kubernetes event twice') },
      spec: {
        replicas: 1,
        strategy: { type: 'Recreate' },
        selector: { matchLabels: selectorLabels(name) },
        template: {
          metadata: { labels: podLabels(labels), annotations: { 'checksum/config': configChecksum({ 'fluent-bit.conf': conf }) } },
          spec: {
            serviceAccountName: sa.name,
            automountServiceAccountToken: true,
            securityContext: restrictedPod(65534),
            containers: [
              fluentBitContainer(image, toResources(props.resources ?? { cpuRequest: '20m', memoryRequest: '64Mi', memoryLimit: '128Mi', cpuLimit: '200m' }), restrictedContainer()),
            ],
            volumes: [
              { name: 'config', configMap: { name: config.name } },
              // The events DB and buffer: lost with the pod, which only repeats recent events.
              { name: 'state', emptyDir: { sizeLimit: k8s.Quantity.fromString('512Mi') } },
            ],
          },
        },
      },
    });
  }
}
