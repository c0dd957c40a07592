import { App, Chart, Duration } from 'cdk8s';
import { MeshCronJob, MeshNamespace } from '../../lib';

/**
 * `nightly-report`: at 02:30 Paris time, reads the catalog over gRPC and
 * writes the day's report. A native sidecar (the default) stops once the
 * report exits, so each run completes.
 */
export function nightlyReport(app: App, ns: MeshNamespace, partOf: string): MeshCronJob {
  return new MeshCronJob(new Chart(app, 'nightly-report'), 'nightly-report', {
    namespace: ns,
    partOf,
    image: 'ghcr.io/acme-shop/nightly-report:1.2.0',
    args: ['--catalog', 'catalog.shop.svc.cluster.local:9090'],
    schedule: '30 2 * * *',
    timeZone: 'Europe/Paris',
    activeDeadline: Duration.minutes(30),
    backoffLimit: 2,
    ttlAfterFinished: Duration.days(2),
    writablePaths: ['/tmp'],
    dnsAutoAllocation: true, // see cart in index.ts
  });
}
