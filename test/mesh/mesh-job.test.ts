import { Duration } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { Caller, ConfigFile, JobSidecar, MeshCronJob, MeshCronJobProps, MeshJob, MeshJobProps, MeshNamespace, MeshSecurity, MeshService } from '../../lib';
import { Obj, one, render } from './render';

const IMAGE = 'ghcr.io/acme/report:1.2.0';

function job(props: Partial<MeshJobProps> = {}): Obj[] {
  return render((chart) => {
    new MeshJob(chart, 'report', { namespace: 'shop', image: IMAGE, command: ['/app/report'], ...props });
  });
}

function cron(props: Partial<MeshCronJobProps> = {}): Obj[] {
  return render((chart) => {
    new MeshCronJob(chart, 'report', { namespace: 'shop', image: IMAGE, schedule: '30 2 * * *', ...props });
  });
}

/** The error message of `build`, without the synth's app prefix. */
function error(build: () => unknown): string {
  try {
    build();
  } catch (e) {
    return (e as Error).message.replace(/^app "test" failed to synthesize: /, '');
  }
  throw new Error('no error');
}

describe('MeshJob', () => {
  it('runs to completion with a native sidecar by default, under a restricted security context', () => {
    const j = one(job({ activeDeadline: Duration.minutes(10) }), 'Job');
    expect(j.metadata.name).toMatch(/^report-[0-9a-f]{10}$/);
    expect(j.spec).toMatchObject({ backoffLimit: 3, completions: 1, parallelism: 1, activeDeadlineSeconds: 600 });
    // no TTL: Argo CD and Flux would re-create (and re-run) a Job deleted by it
    expect(j.spec.ttlSecondsAfterFinished).toBeUndefined();
    const pod = j.spec.template;
    expect(pod.metadata.annotations).toEqual({ 'sidecar.istio.io/nativeSidecar': 'true' });
    expect(pod.metadata.labels).toMatchObject({ app: 'report', 'sidecar.istio.io/inject': 'true' });
    expect(pod.spec.restartPolicy).toBe('Never');
    expect(pod.spec.securityContext).toEqual({ fsGroup: 65532, fsGroupChangePolicy: 'Always', runAsGroup: 65532, runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.spec.containers[0].securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true });
    expect(pod.spec.containers[0].command).toEqual(['/app/report']);
  });

  it('a changed spec is a new Job (the pod template of a Job is immutable)', () => {
    const a = one(job(), 'Job').metadata.name;
    expect(one(job(), 'Job').metadata.name).toBe(a);
    expect(one(job({ args: ['--day', 'yesterday'] }), 'Job').metadata.name).not.toBe(a);
  });

  it('quitEndpoint() wraps the command so it stops the classic sidecar with the command\'s exit code', () => {
    const pod = one(job({ sidecar: JobSidecar.quitEndpoint(), args: ['--all'] }), 'Job').spec.template;
    expect(pod.spec.containers[0].command).toEqual([
      '/bin/sh',
      '-c',
      '"$0" "$@"; rc=$?; curl -fsS -X POST http://127.0.0.1:15020/quitquitquit >/dev/null || true; exit $rc',
      '/app/report',
      '--all',
    ]);
    expect(pod.spec.containers[0].args).toBeUndefined();
    expect(pod.metadata.annotations).toEqual({ 'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts":true}' });
  });

  it('none(reason) runs without a sidecar and records why', () => {
    const j = one(job({ sidecar: JobSidecar.none('talks only to the Kubernetes API') }), 'Job');
    expect(j.metadata.annotations['meshforge.io/no-sidecar-reason']).toBe('talks only to the Kubernetes API');
    expect(j.spec.template.metadata.labels['sidecar.istio.io/inject']).toBe('false');
    expect(j.spec.template.metadata.annotations).toBeUndefined();
  });

  it('dnsAutoAllocation and sidecarResources become pod annotations (no hold: a native sidecar starts first)', () => {
    const pod = one(job({ dnsAutoAllocation: true, sidecarResources: { cpuRequest: '20m', memoryLimit: '128Mi' } }), 'Job').spec.template;
    expect(pod.metadata.annotations).toEqual({
      'proxy.istio.io/config': '{"proxyMetadata":{"ISTIO_META_DNS_AUTO_ALLOCATE":"true","ISTIO_META_DNS_CAPTURE":"true"}}',
      'sidecar.istio.io/nativeSidecar': 'true',
      'sidecar.istio.io/proxyCPU': '20m',
      'sidecar.istio.io/proxyMemoryLimit': '128Mi',
    });
  });

  it('mounts config files like a MeshService', () => {
    const objs = job({ files: { 'report.yaml': ConfigFile.fromString('day: yesterday\n') } });
    expect(one(objs, 'ConfigMap', 'report-config').data).toEqual({ 'report.yaml': 'day: yesterday\n' });
    const pod = one(objs, 'Job').spec.template;
    expect(pod.spec.volumes).toEqual([{ name: 'config', configMap: { name: 'report-config' } }]);
    expect(pod.metadata.annotations['meshforge.io/config-hash']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is a declared caller: the callee admits its identity', () => {
    const objs = render((chart) => {
      const ns = new MeshNamespace(chart, 'shop');
      const catalog = new MeshService(chart, 'catalog', { namespace: ns, image: 'ghcr.io/acme/catalog:3.8.0', ports: [{ port: 9090, protocol: 'grpc' }] });
      const report = new MeshCronJob(chart, 'report', { namespace: ns, image: IMAGE, schedule: '@daily' });
      new MeshSecurity(chart, 'security').protect(catalog).allowFrom(Caller.workload(report));
    });
    expect(one(objs, 'AuthorizationPolicy', 'catalog').spec.rules).toEqual([{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/report'] } }] }]);
    expect(one(objs, 'NetworkPolicy', 'catalog').spec.ingress[0].from[0].podSelector).toEqual({ matchLabels: { app: 'report' } });
  });
});

describe('MeshCronJob', () => {
  it('puts the scheduling options on the job template\'s pods (a batch node pool, its taint, low priority)', () => {
    const toleration = { key: 'batch', operator: 'Exists', effect: 'NoSchedule' };
    const pod = one(cron({ nodeSelector: { pool: 'batch' }, tolerations: [toleration], priorityClassName: 'batch-low' }), 'CronJob').spec.jobTemplate.spec.template.spec;
    expect(pod).toMatchObject({ nodeSelector: { pool: 'batch' }, tolerations: [toleration], priorityClassName: 'batch-low' });
    expect(one(job({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'In', values: ['batch'] }] }] } } } }), 'Job').spec.template.spec.affinity)
      .toEqual({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'In', values: ['batch'] }] }] } } });
  });

  it('refuses at synth a pod affinity term the API server would refuse on the CronJob (topologyKey can not be empty)', () => {
    const affinity = { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: { labelSelector: { matchLabels: { app: 'report' } }, topologyKey: '' } }] } };
    expect(error(() => cron({ affinity }))).toContain(
      'CronJob/shop/report: invalid topologyKey (can not be empty); field: spec.jobTemplate.spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey; value: ""',
    );
  });

  it('emits the schedule, time zone, concurrency policy, history limits and TTL', () => {
    const c = one(cron({ timeZone: 'Europe/Paris', ttlAfterFinished: Duration.days(1), startingDeadline: Duration.minutes(5) }), 'CronJob');
    expect(c.metadata.name).toBe('report');
    expect(c.spec).toMatchObject({
      schedule: '30 2 * * *',
      timeZone: 'Europe/Paris',
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 300,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      suspend: false,
    });
    expect(c.spec.jobTemplate.spec).toMatchObject({ backoffLimit: 3, ttlSecondsAfterFinished: 86400 });
    expect(c.spec.jobTemplate.spec.template.metadata.annotations).toEqual({ 'sidecar.istio.io/nativeSidecar': 'true' });
  });

  it('accepts the schedules the CronJob controller parses', () => {
    for (const schedule of ['*/15 * * * *', '0 0-6/2 * * MON-FRI', '0 3 1,15 JAN,jul ?', '@hourly', '5 4 * * sun']) {
      expect(one(cron({ schedule }), 'CronJob').spec.schedule).toBe(schedule);
    }
  });
});

describe('MeshJob and MeshCronJob errors', () => {
  it('CRON_SCHEDULE: field count, ranges, steps, descriptors and TZ', () => {
    const expected = 'five fields "minute hour day-of-month month day-of-week" (e.g. "30 2 * * *" for 02:30 every day) or one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly';
    expect(error(() => cron({ schedule: '0 30 2 * * *' }))).toBe(`[c/report] invalid cron schedule: 6 field(s); field: schedule; value: "0 30 2 * * *"; expected: ${expected}`);
    expect(error(() => cron({ schedule: '0 24 * * *' }))).toBe(`[c/report] invalid cron schedule: hour "24" is outside 0-23; field: schedule; value: "0 24 * * *"; expected: ${expected}`);
    expect(error(() => cron({ schedule: '*/0 * * * *' }))).toBe(`[c/report] invalid cron schedule: minute "*/0" has an invalid step (a whole number ≥ 1 after one "/"); field: schedule; value: "*/0 * * * *"; expected: ${expected}`);
    expect(error(() => cron({ schedule: '0 2 * * 7' }))).toBe(`[c/report] invalid cron schedule: day of week "7" is outside 0-6; field: schedule; value: "0 2 * * 7"; expected: ${expected}`);
    expect(error(() => cron({ schedule: '@every 1h' }))).toBe(`[c/report] invalid cron schedule: unknown descriptor @every; field: schedule; value: "@every 1h"; expected: ${expected}`);
    expect(error(() => cron({ schedule: 'TZ=Europe/Paris 0 2 * * *' }))).toBe(
      '[c/report] invalid cron schedule: time zone in the schedule; field: schedule; value: "TZ=Europe/Paris 0 2 * * *"; expected: the schedule without TZ=...; set timeZone instead (Kubernetes does not support TZ in the schedule)',
    );
  });

  it('CRON_SCHEDULE: a day that never occurs (the controller accepts it and never runs the job)', () => {
    const expected = 'a day of month that exists in the chosen months (February has 29 days at most, April, June, September and November 30), or a day of week';
    expect(error(() => cron({ schedule: '0 0 30 2 *' }))).toBe(
      `[c/report] invalid cron schedule: day of month 30 never occurs in FEB (at most 29 days): the CronJob would never run; field: schedule; value: "0 0 30 2 *"; expected: ${expected}`,
    );
    expect(error(() => cron({ schedule: '0 0 31 APR,jun,9-11/2 ?' }))).toBe(
      `[c/report] invalid cron schedule: day of month 31 never occurs in APR, JUN, SEP, NOV (at most 30 days): the CronJob would never run; field: schedule; value: "0 0 31 APR,jun,9-11/2 ?"; expected: ${expected}`,
    );
    // possible somewhere: Feb 29 (leap years), the 31st of one listed month, a day of week besides the day (OR),
    // N/step meaning N-max, and */2 (no star: days 1, 3, ... 31)
    for (const schedule of ['0 0 29 2 *', '0 0 31 4,5 *', '0 0 30 2 MON', '0 0 30/1 1-2 *', '0 0 */2 2 *']) {
      expect(one(cron({ schedule }), 'CronJob').spec.schedule).toBe(schedule);
    }
  });

  it('CRON_TIME_ZONE: a zone the tz database knows (the API server loads it)', () => {
    expect(error(() => cron({ timeZone: 'Europe/Pariss' }))).toBe(
      '[c/report] invalid time zone; field: timeZone; value: "Europe/Pariss"; expected: an IANA time zone name, e.g. "Etc/UTC" or "Europe/Paris" (the API server checks it against its tz database)',
    );
    expect(() => cron({ timeZone: 'America/Argentina/Buenos_Aires' })).not.toThrow();
  });

  it('CRON_TIME_ZONE: an IANA name', () => {
    expect(error(() => cron({ timeZone: 'CET+1' }))).toBe(
      '[c/report] invalid time zone; field: timeZone; value: "CET+1"; expected: an IANA time zone name, e.g. "Etc/UTC" or "Europe/Paris" (the API server checks it against its tz database)',
    );
  });

  it('JOB_SIDECAR: quitEndpoint() needs a command; none() needs a reason', () => {
    expect(error(() => job({ command: undefined, sidecar: JobSidecar.quitEndpoint() }))).toBe(
      '[c/report] quitEndpoint() wraps the command, and none is given; field: command; value: undefined; expected: the command (and args) the job runs, so meshforge can stop the sidecar after it; or JobSidecar.native()',
    );
    expect(error(() => job({ sidecar: JobSidecar.none(' ') }))).toBe(
      '[c/report] a job without sidecar needs a reason; field: sidecar; value: " "; expected: JobSidecar.none("<why the job stays out of the mesh>")',
    );
  });

  it('CALLER_NOT_IN_MESH: a job without sidecar cannot call a STRICT mTLS service', () => {
    expect(
      error(() =>
        render((chart) => {
          const catalog = new MeshService(chart, 'catalog', { namespace: 'shop', image: 'ghcr.io/acme/catalog:3.8.0' });
          const report = new MeshJob(chart, 'report', { namespace: 'shop', image: IMAGE, sidecar: JobSidecar.none('legacy image') });
          new MeshSecurity(chart, 'security').protect(catalog).allowFrom(Caller.workload(report));
        }),
      ),
    ).toContain('declared caller has no sidecar and cannot reach a STRICT mTLS service; field: allowFrom; value: "shop/report"');
  });

  it('SELECTOR_MISMATCH: podLabels cannot override app', () => {
    expect(error(() => job({ podLabels: { app: 'other' } }))).toBe(
      '[c/report] pod labels do not match the selector; field: podLabels.app; value: "other"; expected: "report" (Services, budgets and security policies select app=report)',
    );
  });

  it('JOB_LIMITS and INVALID_DURATION: limits Kubernetes would reject', () => {
    expect(error(() => job({ backoffLimit: -1 }))).toBe('[c/report] backoffLimit out of range; field: backoffLimit; value: -1; expected: a whole number from 0 to 2147483647');
    expect(error(() => job({ activeDeadline: Duration.millis(1500) }))).toBe(
      '[c/report] duration is not whole seconds in range; field: activeDeadline; value: "1.5s"; expected: a whole number of seconds, at least 1s (Kubernetes stores it as an integer)',
    );
  });
});
