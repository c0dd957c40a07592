import { Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { requireIntInRange, requireWholeSeconds } from './conventions';
import { requireCronSchedule, requireTimeZone } from './cron-schedule';
import { JobWorkload, MeshJobProps } from './mesh-job';

/** Properties of a MeshCronJob. */
export interface MeshCronJobProps extends MeshJobProps {
  /** Cron schedule: five fields ("30 2 * * *") or @hourly, @daily, @weekly, @monthly, @yearly. */
  readonly schedule: string;
  /** IANA time zone of the schedule (Kubernetes ≥ 1.27). @default - the kube-controller-manager's time zone (usually UTC) */
  readonly timeZone?: string;
  /** What to do when a run is due while the last one still runs. @default "Forbid" */
  readonly concurrencyPolicy?: 'Allow' | 'Forbid' | 'Replace';
  /** A run that could not start within this delay is skipped (whole seconds). @default - no deadline */
  readonly startingDeadline?: Duration;
  /** Finished successful Jobs kept for inspection. @default 3 */
  readonly successfulJobsHistoryLimit?: number;
  /** Failed Jobs kept for inspection. @default 1 */
  readonly failedJobsHistoryLimit?: number;
  /** Stop scheduling new runs. @default false */
  readonly suspend?: boolean;
  /**
   * Delete each finished Job after this delay. Safe under GitOps here: the
   * Jobs are the CronJob's, not in Git, so Argo CD and Flux do not re-create
   * them. @default - none (the history limits clean up)
   */
  readonly ttlAfterFinished?: Duration;
}

/**
 * A CronJob on the mesh: the Job of a MeshJob (sidecar exit, config files,
 * identity, restricted security context) run on a validated schedule. A
 * declared caller like a MeshJob: `security.protect(catalog).allowFrom(Caller.workload(cron))`.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/
 */
export class MeshCronJob extends JobWorkload {
  public readonly cronJob: k8s.KubeCronJob;

  constructor(scope: Construct, id: string, props: MeshCronJobProps) {
    super(scope, id, props, 'CronJob');
    const path = this.node.path;
    requireCronSchedule(path, 'schedule', props.schedule);
    requireTimeZone(path, 'timeZone', props.timeZone);
    requireWholeSeconds(path, 'startingDeadline', props.startingDeadline, 1);
    requireWholeSeconds(path, 'ttlAfterFinished', props.ttlAfterFinished, 0);
    requireIntInRange('JOB_LIMITS', 'history limit out of range', path, 'successfulJobsHistoryLimit', props.successfulJobsHistoryLimit, 0, 2147483647);
    requireIntInRange('JOB_LIMITS', 'history limit out of range', path, 'failedJobsHistoryLimit', props.failedJobsHistoryLimit, 0, 2147483647);
    this.cronJob = new k8s.KubeCronJob(this, 'CronJob', {
      metadata: { name: this.name, namespace: this.namespace, labels: this.parts.pod.labels, annotations: this.parts.annotations },
      spec: {
        schedule: props.schedule.trim(),
        timeZone: props.timeZone,
        concurrencyPolicy: props.concurrencyPolicy ?? 'Forbid',
        startingDeadlineSeconds: props.startingDeadline?.toSeconds(),
        successfulJobsHistoryLimit: props.successfulJobsHistoryLimit ?? 3,
        failedJobsHistoryLimit: props.failedJobsHistoryLimit ?? 1,
        suspend: props.suspend ?? false,
        jobTemplate: {
          metadata: { labels: this.parts.pod.labels },
          spec: { ...this.parts.spec, ttlSecondsAfterFinished: props.ttlAfterFinished?.toSeconds() },
        },
      },
    });
  }
}
