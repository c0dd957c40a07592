import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { MeshforgeError } from '../validation/meshforge-error';
import { IMAGES, ResourceProps, configChecksum, httpProbe, policyException, restrictedContainer, selectorLabels, standardLabels, toResources, podLabels, bindClusterRole, criticalPriorityQuota, scrapeAnnotations } from './common';
import { checkDnsLabel, checkImage } from './validators';

export interface FluentBitProps {
  /** A namespace whose PSA level is `privileged` (hostPath /var/log). @default "monitoring-node" */
  readonly namespace?: string;
  /** @default IMAGES.fluentBit (cr.fluentbit.io/fluent/fluent-bit:3.1.7) */
  readonly image?: string;
  /** Fluentd forward endpoint `host:port`. @default "fluentd.logging.svc:24224" */
  readonly forwardTo?: string;
  /** Host directory for the tail position DB and filesystem buffer (survives restarts: no re-shipping). @default "/var/lib/fluent-bit" */
  readonly stateHostPath?: string;
  /**
   * Most disk the node's filesystem buffer may use (`storage.total_limit_size` of
   * the output; Fluent Bit units K, M, G). When Fluentd is unreachable or pushes
   * back for longer than this holds, the oldest chunks are discarded: the node
   * keeps its newest logs instead of filling its disk (DiskPressure).
   * @default "2G"
   * @see https://docs.fluentbit.io/manual/3.1/administration/buffering-and-storage
   */
  readonly storageLimit?: string;
  /**
   * Add pod annotations to every record (kubernetes filter `Annotations`).
   * Off by default: they are large (e.g. `kubectl.kubernetes.io/last-applied-configuration`) and rarely searched.
   * @default false
   */
  readonly annotations?: boolean;
  /** @default { cpuRequest: "50m", memoryRequest: "64Mi", memoryLimit: "256Mi", cpuLimit: "500m" } */
  readonly resources?: ResourceProps;
}

/**
 * The `[OUTPUT]` section forwarding everything to Fluentd at `target`
 * (`host:port`), retrying forever: shared by the DaemonSet, the event collector
 * and the sidecar. With `storageLimit`, filesystem chunks queued for it are
 * capped (oldest discarded beyond it).
 */
export function forwardOutput(path: string, target = 'fluentd.logging.svc:24224', storageLimit?: string): string {
  const m = /^([A-Za-z0-9.-]+):(\d{1,5})$/.exec(target);
  if (!m) {
    throw new MeshforgeError('invalid forward target', { code: 'INVALID_TARGET', path, field: 'forwardTo', value: target, expected: 'a "host:port" such as "fluentd.logging.svc:24224"' });
  }
  if (storageLimit !== undefined && !/^[1-9]\d*[KMG]$/.test(storageLimit)) {
    throw new MeshforgeError('invalid storage limit', { code: 'INVALID_SIZE', path, field: 'storageLimit', value: storageLimit, expected: 'a whole number with unit K, M or G (Fluent Bit size), e.g. "2G"' });
  }
  return `[OUTPUT]
    Name          forward
    Match         *
    Host          ${m[1]}
    Port          ${m[2]}
    Retry_Limit   False
${storageLimit === undefined ? '' : `    storage.total_limit_size ${storageLimit}\n`}`;
}

/**
 * The Fluent Bit container reading `/fluent-bit/etc/custom/fluent-bit.conf` from the
 * `config` volume, with its state under `/state` (volume `state`) and health on port 2020:
 * shared by the DaemonSet and the event collector.
 */
export function fluentBitContainer(image: string, resources: k8s.ResourceRequirements, securityContext: k8s.SecurityContext, extraMounts: k8s.VolumeMount[] = []): k8s.Container {
  return {
    name: 'fluent-bit',
    image,
    command: ['/fluent-bit/bin/fluent-bit', '-c', '/fluent-bit/etc/custom/fluent-bit.conf'],
    ports: [{ name: 'http', containerPort: 2020 }],
    resources,
    securityContext,
    readinessProbe: httpProbe('/api/v1/health', 'http', 10, 10),
    livenessProbe: httpProbe('/', 'http', 10, 20),
    volumeMounts: [{ name: 'config', mountPath: '/fluent-bit/etc/custom', readOnly: true }, ...extraMounts, { name: 'state', mountPath: '/state' }],
  };
}

/** Parsers shipped next to the built-in `docker` and `cri` multiline parsers. */
const PARSERS = `[PARSER]
    Name        json
    Format      json
    Time_Key    time
    Time_Format %Y-%m-%dT%H:%M:%S.%L%z

[PARSER]
    Name        envoy
    Format      regex
    Regex       ^\\[(?<start_time>[^\\]]*)\\] "(?<method>\\S+) (?<path>[^ ]*) (?<protocol>\\S+)" (?<response_code>\\d+) (?<response_flags>\\S+)
    Time_Key    start_time
    Time_Format %Y-%m-%dT%H:%M:%S.%L%z
`;

/**
 * Fluent Bit on every node: tails `/var/log/containers/*.log` (docker and CRI
 * formats), enriches records with the Kubernetes filter (JSON logs merged,
 * per-pod parser and exclude annotations honoured) and forwards to Fluentd.
 *
 * @see https://docs.fluentbit.io/manual/pipeline/filters/kubernetes
 */
export class FluentBit extends Construct {
  public readonly namespace: string;

  constructor(scope: Construct, id: string, props: FluentBitProps = {}) {
    super(scope, id);
    const path = this.node.path;
    this.namespace = checkDnsLabel(path, 'namespace', props.namespace ?? 'monitoring-node');
    const image = checkImage(path, 'image', props.image ?? IMAGES.fluentBit);
    const output = forwardOutput(path, props.forwardTo, props.storageLimit ?? '2G');
    const state = props.stateHostPath ?? '/var/lib/fluent-bit';
    const labels = standardLabels('fluent-bit', 'logging', image);
    const meta = (name: string) => ({ name, namespace: this.namespace, labels });
    // node-critical: evicted last; clusters that keep the class to kube-system need the quota that permits it here
    const priorityClassName = 'system-node-critical';
    criticalPriorityQuota(this, this.namespace, priorityClassName, labels);

    const sa = new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: meta('fluent-bit'), automountServiceAccountToken: true });
    bindClusterRole(this, 'fluent-bit', { name: sa.name, namespace: this.namespace }, labels, [{ apiGroups: [''], resources: ['namespaces', 'pods'], verbs: ['get', 'list', 'watch'] }]);
    // storage.max_chunks_up: chunks held in memory (~2 MB each); the default 128 (~256 MB) would
    // reach the memory limit under back-pressure. The rest waits on disk, bounded by the output's limit.
    // (docs.fluentbit.io/manual/3.1/administration/buffering-and-storage; Labels/Annotations:
    // docs.fluentbit.io/manual/3.1/pipeline/filters/kubernetes)
    const conf = `[SERVICE]
    Flush             5
    Daemon            off
    Log_Level         info
    Parsers_File      /fluent-bit/etc/custom/parsers.conf
    HTTP_Server       On
    HTTP_Listen       0.0.0.0
    HTTP_Port         2020
    Health_Check      On
    storage.path      /state/buffer
    storage.sync      normal
    storage.max_chunks_up 32

[INPUT]
    Name              tail
    Tag               kube.*
    Path              /var/log/containers/*.log
    Exclude_Path      /var/log/containers/fluent-bit-*.log
    multiline.parser  docker, cri
    DB                /state/tail.db
    Mem_Buf_Limit     50MB
    Skip_Long_Lines   On
    Refresh_Interval  10
    storage.type      filesystem

[FILTER]
    Name                kubernetes
    Match               kube.*
    Kube_URL            https://kubernetes.default.svc:443
    Kube_Tag_Prefix     kube.var.log.containers.
    Merge_Log           On
    Keep_Log            Off
    K8S-Logging.Parser  On
    K8S-Logging.Exclude On
    Labels              On
    Annotations         ${props.annotations ? 'On' : 'Off'}

${output}`;
    const config = new k8s.KubeConfigMap(this, 'Config', { metadata: meta('fluent-bit-config'), data: { 'fluent-bit.conf': conf, 'parsers.conf': PARSERS } });
    new k8s.KubeDaemonSet(this, 'Resource', {
      metadata: {
        ...meta('fluent-bit'),
        annotations: {
          ...policyException('host-path', 'Fluent Bit reads container logs from /var/log (read-only) and keeps its tail position DB in a host directory'),
          ...policyException('run-as-non-root', 'container log files are root-owned (0640); reading them needs uid 0 (all capabilities dropped)'),
        },
      },
      spec: {
        selector: { matchLabels: selectorLabels('fluent-bit') },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromString('10%') } },
        template: {
          metadata: {
            labels: podLabels(labels),
            annotations: {
              'checksum/config': configChecksum({ 'fluent-bit.conf': conf, 'parsers.conf': PARSERS }),
              // Output errors/retries for the log-pipeline alerts; served by the HTTP server (HTTP_Server On).
              ...scrapeAnnotations(2020, '/api/v2/metrics/prometheus'),
            },
          },
          spec: {
            serviceAccountName: sa.name,
            priorityClassName,
            tolerations: [{ operator: 'Exists' }],
            securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              fluentBitContainer(image, toResources(props.resources ?? { cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '256Mi', cpuLimit: '500m' }), { ...restrictedContainer(), runAsNonRoot: false, runAsUser: 0 }, [
                { name: 'varlog', mountPath: '/var/log', readOnly: true },
              ]),
            ],
            volumes: [
              { name: 'config', configMap: { name: config.name } },
              { name: 'varlog', hostPath: { path: '/var/log', type: 'Directory' } },
              { name: 'state', hostPath: { path: state, type: 'DirectoryOrCreate' } },
            ],
          },
        },
      },
    });
  }
}
