import { App, Chart, Duration } from 'cdk8s';
import { JobSidecar, MeshCronJob, MeshNamespace, ReleaseTags } from '../../lib';

/**
 * `nightly-report`: at 03:30 Paris time (02:30 does not exist on the night
 * clocks go forward), reads the catalog over gRPC and writes the day's report.
 * The report stops its sidecar through the agent's quit endpoint when it exits:
 * native sidecars (the MeshJob default) need Kubernetes >= 1.29 and Istio >=
 * 1.24, and the shop supports every version the README lists.
 */
export function nightlyReport(app: App, ns: MeshNamespace, partOf: string, releases: ReleaseTags): MeshCronJob {
  return new MeshCronJob(new Chart(app, 'nightly-report'), 'nightly-report', {
    namespace: ns,
    partOf,
    // our own image, released and promoted like the services (releases.json); Redis in queue.ts is a pinned upstream image
    image: releases.image('ghcr.io/acme-shop/nightly-report', 'nightly-report'),
    command: ['/usr/local/bin/nightly-report'],
    args: ['--catalog', 'catalog.shop.svc.cluster.local:9090'],
    sidecar: JobSidecar.quitEndpoint(),
    schedule: '30 3 * * *',
    timeZone: 'Europe/Paris',
    activeDeadline: Duration.minutes(30),
    backoffLimit: 2,
    ttlAfterFinished: Duration.days(2),
    writablePaths: ['/tmp'],
    dnsAutoAllocation: true, // see cart in index.ts
  });
}
