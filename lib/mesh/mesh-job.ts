import { Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { configChecksum } from '../common/config-checksum';
import { MeshforgeError } from '../validation/meshforge-error';
import { ISTIO_MERGED_METRICS_PORT, requireIntInRange, requireWholeSeconds } from './conventions';
import { MeshPodOptions, ResolvedPod, checkSidecarAdmission, createPodIdentityAndConfig, podTemplate, resolvePod, workloadAnnotations } from './workload-pod';

/** Pod annotation choosing a native sidecar per pod (Istio ≥ 1.24; it wins over istiod's ENABLE_NATIVE_SIDECARS). */
export const NATIVE_SIDECAR_ANNOTATION = 'sidecar.istio.io/nativeSidecar';
/** The sidecar agent's endpoint that stops Envoy and the agent (pilot-agent, port 15020). */
export const QUIT_ENDPOINT = 'http://127.0.0.1:15020/quitquitquit';
/** Annotation of the Job/CronJob recording why its pods run without a sidecar. */
export const NO_SIDECAR_REASON_ANNOTATION = 'meshforge.io/no-sidecar-reason';

/**
 * How a Job's pod finishes although the Istio sidecar never exits by itself
 * (with a classic sidecar container the pod, and the Job, run forever).
 */
export class JobSidecar {
  /**
   * Native sidecar: Istio injects istio-proxy as an init container with
   * `restartPolicy: Always`, which Kubernetes stops once the job's container
   * exits. Pod annotation `sidecar.istio.io/nativeSidecar: "true"`, honoured by
   * Istio ≥ 1.24 (1.24.0 change notes; older istiod need
   * `ENABLE_NATIVE_SIDECARS=true`) on Kubernetes ≥ 1.29 (1.28 with the
   * SidecarContainers feature gate). On Kubernetes 1.27 use `quitEndpoint()`.
   */
  public static native(): JobSidecar {
    return new JobSidecar('native');
  }
  /**
   * Classic sidecar, stopped by the job itself: `command` is wrapped in
   * `/bin/sh -c` so that, whatever its exit code, it then POSTs to the agent's
   * `localhost:15020/quitquitquit` and exits with the command's code. Needs
   * `command`, and `sh` and `curl` in the image. Works on every Kubernetes
   * and Istio version.
   */
  public static quitEndpoint(): JobSidecar {
    return new JobSidecar('quit');
  }
  /**
   * No sidecar (`sidecar.istio.io/inject: "false"`), with the reason recorded
   * on the Job. Its pods have no mTLS identity: services under STRICT mTLS
   * cannot admit them (CALLER_NOT_IN_MESH).
   */
  public static none(reason: string): JobSidecar {
    return new JobSidecar('none', reason);
  }
  private constructor(public readonly mode: 'native' | 'quit' | 'none', public readonly reason?: string) {}
}

/** Properties of a MeshJob (and the job part of a MeshCronJob). */
export interface MeshJobProps extends MeshPodOptions {
  /** @default JobSidecar.native() (JobSidecar.none() in a MeshNamespace without injection) */
  readonly sidecar?: JobSidecar;
  /** Retries (pods) before the Job is marked failed. @default 3 */
  readonly backoffLimit?: number;
  /** Wall-clock limit of the whole Job, retries included (whole seconds). @default - none */
  readonly activeDeadline?: Duration;
  /** Successful pods needed. @default 1 */
  readonly completions?: number;
  /** Pods running at once. @default 1 */
  readonly parallelism?: number;
  /** `OnFailure` restarts the container in the same pod; `Never` makes a new pod per retry. @default "Never" */
  readonly restartPolicy?: 'Never' | 'OnFailure';
}

/** A MeshJob or MeshCronJob's resolved pod, sidecar choice and Job spec. */
export interface JobParts {
  readonly pod: ResolvedPod;
  readonly mesh: boolean;
  readonly spec: k8s.JobSpec;
  readonly annotations?: Record<string, string>;
}

/**
 * Checks the job props and builds the Job spec (shared by MeshJob and
 * MeshCronJob); creates the ServiceAccount and ConfigMap under `scope`.
 */
export function jobParts(scope: Construct, id: string, p: MeshJobProps, kind: 'Job' | 'CronJob'): JobParts {
  // 52: a CronJob's Jobs are <name>-<11 chars>; a MeshJob is <name>-<10-char hash>, both in 63-character labels
  const pod = resolvePod(scope, id, p, 52, kind);
  const path = pod.path;
  const sidecar = p.sidecar ?? (pod.meshNamespace?.injection === false ? JobSidecar.none('namespace without sidecar injection') : JobSidecar.native());
  const mesh = sidecar.mode !== 'none';
  checkSidecarAdmission(path, pod.meshNamespace, mesh, 'sidecar');
  if (sidecar.mode === 'none' && (sidecar.reason ?? '').trim() === '') {
    throw new MeshforgeError('a job without sidecar needs a reason', { code: 'JOB_SIDECAR', path, field: 'sidecar', value: sidecar.reason, expected: 'JobSidecar.none("<why the job stays out of the mesh>")' });
  }
  if (sidecar.mode === 'quit' && !p.command?.length) {
    throw new MeshforgeError('quitEndpoint() wraps the command, and none is given', {
      code: 'JOB_SIDECAR',
      path,
      field: 'command',
      value: undefined,
      expected: 'the command (and args) the job runs, so meshforge can stop the sidecar after it; or JobSidecar.native()',
    });
  }
  requireIntInRange('JOB_LIMITS', 'backoffLimit out of range', path, 'backoffLimit', p.backoffLimit, 0, 2147483647);
  requireIntInRange('JOB_LIMITS', 'completions out of range', path, 'completions', p.completions, 1, 2147483647);
  requireIntInRange('JOB_LIMITS', 'parallelism out of range', path, 'parallelism', p.parallelism, 1, 2147483647);
  requireWholeSeconds(path, 'activeDeadline', p.activeDeadline, 1);
  createPodIdentityAndConfig(scope, pod);

  let command = p.command;
  let args = p.args;
  if (sidecar.mode === 'quit') {
    // "$0" "$@" runs the command as given (no re-quoting); the sidecar is stopped whatever its exit code
    command = ['/bin/sh', '-c', `"$0" "$@"; rc=$?; curl -fsS -X POST ${QUIT_ENDPOINT} >/dev/null || true; exit $rc`, ...p.command!, ...(p.args ?? [])];
    args = undefined;
  }
  const template = podTemplate(pod, p, {
    mesh,
    restartPolicy: p.restartPolicy ?? 'Never',
    annotations: sidecar.mode === 'native' ? { [NATIVE_SIDECAR_ANNOTATION]: 'true' } : undefined,
    // a native sidecar is started (and ready) before the job's container anyway
    holdApplicationUntilProxyStarts: sidecar.mode === 'quit',
    command,
    args,
  });
  const spec: k8s.JobSpec = {
    backoffLimit: p.backoffLimit ?? 3,
    activeDeadlineSeconds: p.activeDeadline?.toSeconds(),
    completions: p.completions ?? 1,
    parallelism: p.parallelism ?? 1,
    template,
  };
  const annotations = workloadAnnotations(p, sidecar.mode === 'none' ? { [NO_SIDECAR_REASON_ANNOTATION]: sidecar.reason!.trim() } : {});
  return { pod, mesh, spec, annotations };
}

/**
 * What MeshJob and MeshCronJob share: the job's pod and the identity
 * lib/security reads (`IMeshWorkload`: a job serves no port, and is a caller).
 */
export abstract class JobWorkload extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  public readonly serviceAccountName: string;
  public readonly selectorLabels: Readonly<Record<string, string>>;
  /** Whether the pods run with a sidecar. */
  public readonly meshEnabled: boolean;
  /** The sidecar's metrics port in mesh mode (a job serves nothing else). */
  public readonly metricsPort?: number;
  /** A job serves no port; as a caller it needs none. */
  public readonly workloadPorts: readonly { readonly name: string; readonly port: number; readonly targetPort: number }[] = [];
  /** The resolved pod and Job spec. */
  protected readonly parts: JobParts;

  protected constructor(scope: Construct, id: string, props: MeshJobProps, kind: 'Job' | 'CronJob') {
    super(scope, id);
    this.parts = jobParts(this, id, props, kind);
    this.name = this.parts.pod.name;
    this.namespace = this.parts.pod.namespace;
    this.serviceAccountName = this.parts.pod.serviceAccountName;
    this.selectorLabels = this.parts.pod.selectorLabels;
    this.meshEnabled = this.parts.mesh;
    this.metricsPort = this.parts.mesh ? ISTIO_MERGED_METRICS_PORT : undefined;
  }
}

/**
 * A Job that runs to completion on the mesh, with the config files,
 * restricted security context and identity of a MeshService's pods, and a
 * way for the sidecar to stop (`sidecar`, native by default). It calls
 * services as a declared caller: `security.protect(cart).allowFrom(Caller.workload(job))`.
 *
 * The Job is named `<name>-<hash of its spec>`: a Job's pod template is
 * immutable and Flux cannot re-run a Job of the same name, so a change is a
 * new Job (the old one is pruned). There is no ttlSecondsAfterFinished: a
 * Job deleted by its TTL is "missing" to Argo CD and Flux, which re-create it
 * (and run it again) on every sync. Argo CD waits for the Job to complete
 * before the next sync wave. For a recurring job use MeshCronJob.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/job/
 */
export class MeshJob extends JobWorkload {
  public readonly job: k8s.KubeJob;

  constructor(scope: Construct, id: string, props: MeshJobProps) {
    super(scope, id, props, 'Job');
    const checksum = configChecksum({ spec: JSON.stringify(this.parts.spec) });
    this.job = new k8s.KubeJob(this, 'Job', {
      metadata: { name: `${this.name}-${checksum.slice(0, 10)}`, namespace: this.namespace, labels: this.parts.pod.labels, annotations: this.parts.annotations },
      spec: this.parts.spec,
    });
  }
}
