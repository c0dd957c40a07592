import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { IMAGES, ResourceProps, configChecksum, httpProbe, restrictedContainer, standardLabels, toResources } from './common';
import { forwardOutput } from './fluent-bit';
import { checkDnsLabel, checkImage } from './validators';
import { MeshforgeError } from '../validation/meshforge-error';

/**
 * A workload that takes a sidecar container with its volumes and app mounts
 * (`MeshService.addSidecar` has this shape), typed structurally so
 * observability does not import the mesh.
 */
export interface ISidecarHost {
  /** Namespace of the workload; must be the sidecar's (its ConfigMap lives there). */
  readonly namespace: string;
  addSidecar(
    container: k8s.Container,
    options: {
      readonly volumes?: readonly k8s.Volume[];
      readonly appVolumeMounts?: readonly k8s.VolumeMount[];
      readonly podAnnotations?: Readonly<Record<string, string>>;
    },
  ): unknown;
}

export interface LogShippingSidecarProps {
  /** Namespace of the workload (the ConfigMap goes there). */
  readonly namespace: string;
  /** Workload name; the ConfigMap is `<workload>-log-shipper`. */
  readonly workload: string;
  /** Directory the app writes its log files to (shared emptyDir). @default "/var/log/app" */
  readonly logDirectory?: string;
  /** Glob of the files to ship inside `logDirectory`. @default "*.log" */
  readonly filePattern?: string;
  /** Fluentd forward endpoint. @default "fluentd.logging.svc:24224" */
  readonly forwardTo?: string;
  /** @default IMAGES.fluentBit */
  readonly image?: string;
  /** @default { cpuRequest: "20m", memoryRequest: "32Mi", memoryLimit: "64Mi", cpuLimit: "200m" } */
  readonly resources?: ResourceProps;
}

/**
 * A per-pod Fluent Bit sidecar for apps that log to files instead of stdout.
 * Creates the sidecar's ConfigMap and exposes the container, the volumes and
 * the mount the app container needs; the workload (e.g. a MeshService) adds
 * them to its pod. Runs fully restricted: no host access.
 *
 * @see https://docs.fluentbit.io/manual/pipeline/inputs/tail
 */
export class LogShippingSidecar extends Construct {
  private readonly namespace: string;
  /** The sidecar container. */
  public readonly container: k8s.Container;
  /** Volumes to add to the pod (shared log dir, sidecar config, tail DB). */
  public readonly volumes: readonly k8s.Volume[];
  /** Mount for the app container: where it writes its log files. */
  public readonly appVolumeMount: k8s.VolumeMount;
  /**
   * Annotations for the workload's pod template (`checksum/log-shipper-config`):
   * Fluent Bit does not re-read its config, so a config change must roll the pod.
   */
  public readonly podAnnotations: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: LogShippingSidecarProps) {
    super(scope, id);
    this.namespace = props.namespace;
    const path = this.node.path;
    checkDnsLabel(path, 'namespace', props.namespace);
    const name = checkDnsLabel(path, 'workload', `${props.workload}-log-shipper`);
    const image = checkImage(path, 'image', props.image ?? IMAGES.fluentBit);
    const dir = props.logDirectory ?? '/var/log/app';
    const output = forwardOutput(path, props.forwardTo);
    const conf = `[SERVICE]
    Flush         5
    Log_Level     info
    HTTP_Server   On
    HTTP_Listen   0.0.0.0
    HTTP_Port     2020
    Health_Check  On

[INPUT]
    Name          tail
    Tag           app.${props.namespace}.${props.workload}
    Path          ${dir}/${props.filePattern ?? '*.log'}
    DB            /state/tail.db
    Mem_Buf_Limit 16MB

[FILTER]
    Name          record_modifier
    Match         *
    Record        namespace ${props.namespace}
    Record        workload ${props.workload}
    Record        hostname \${HOSTNAME}

${output}`;
    const cm = new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name, namespace: props.namespace, labels: standardLabels('log-shipper', 'logging', image) },
      data: { 'fluent-bit.conf': conf },
    });
    this.appVolumeMount = { name: 'app-logs', mountPath: dir };
    this.podAnnotations = { 'checksum/log-shipper-config': configChecksum({ 'fluent-bit.conf': conf }) };
    this.volumes = [
      { name: 'app-logs', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } },
      { name: 'log-shipper-config', configMap: { name: cm.name } },
      { name: 'log-shipper-state', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
    ];
    this.container = {
      name: 'log-shipper',
      image,
      command: ['/fluent-bit/bin/fluent-bit', '-c', '/fluent-bit/etc/custom/fluent-bit.conf'],
      resources: toResources(props.resources ?? { cpuRequest: '20m', memoryRequest: '32Mi', memoryLimit: '64Mi', cpuLimit: '200m' }),
      securityContext: { ...restrictedContainer(), runAsUser: 65534 },
      ports: [{ name: 'shipper-http', containerPort: 2020 }],
      readinessProbe: httpProbe('/api/v1/health', 'shipper-http', 5, 10),
      livenessProbe: httpProbe('/', 'shipper-http', 10, 20),
      volumeMounts: [
        { name: 'app-logs', mountPath: dir, readOnly: true },
        { name: 'log-shipper-config', mountPath: '/fluent-bit/etc/custom', readOnly: true },
        { name: 'log-shipper-state', mountPath: '/state' },
      ],
    };
  }

  /**
   * Adds the sidecar, its volumes and the app's log mount to `host` (e.g. a
   * MeshService: `shipper.attachTo(cart)`). Returns this.
   */
  public attachTo(host: ISidecarHost): this {
    if (host.namespace !== this.namespace) {
      throw new MeshforgeError('log shipper and workload in different namespaces', {
        code: 'NAMESPACE_CONFLICT',
        path: this.node.path,
        field: 'namespace',
        value: this.namespace,
        expected: `the workload's namespace "${host.namespace}" (the sidecar mounts its ConfigMap from there)`,
      });
    }
    // the config checksum on the pod template rolls the workload when the shipper's config changes
    host.addSidecar(this.container, { volumes: this.volumes, appVolumeMounts: [this.appVolumeMount], podAnnotations: this.podAnnotations });
    return this;
  }
}
