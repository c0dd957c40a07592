import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { configChecksum, podLabels, restrictedContainer, restrictedPod, standardLabels, toResources } from './common';

/** What a one-shot setup Job runs. */
export interface SetupJobSpec {
  /** Base name of the Job, its ConfigMap and ServiceAccount, e.g. `elasticsearch-setup`. */
  readonly name: string;
  readonly namespace: string;
  /** curl-capable image with a POSIX shell (`IMAGES.curl`). */
  readonly image: string;
  /** Files mounted at `/setup`; `setup.sh` is run with `sh`. */
  readonly files: Readonly<Record<string, string>>;
  readonly env: k8s.EnvVar[];
}

/** Non-root ids for the curl image (its `curl_user`); the script writes only to /tmp (an emptyDir), so any non-root uid works. */
const CURL_UID = 100;
const CURL_GID = 101;

/**
 * A Job that runs `/setup/setup.sh` once, idempotently, and the ConfigMap
 * holding it. Works the same under Argo CD and Flux:
 * - the Job's name carries the checksum of its files and image: Job pod templates
 *   are immutable, and Flux cannot re-run a Job of the same name, so a changed
 *   script is a new Job (the old one is pruned by both tools);
 * - no `ttlSecondsAfterFinished`: a Job deleted by its TTL is "missing" to both
 *   tools, which would re-create it on every sync, re-running it forever;
 * - no Argo CD hook annotations: Flux ignores them, and a plain Job is applied
 *   in its sync wave by Argo CD, which waits for it to complete.
 * The script itself waits for its server, so the Job can be applied together
 * with the workloads it configures. To re-run it with the same config (new
 * passwords, Elasticsearch data lost), delete the Job: the GitOps tool re-creates it.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/job/
 */
export function setupJob(scope: Construct, spec: SetupJobSpec): k8s.KubeJob {
  const labels = standardLabels(spec.name, 'logging', spec.image);
  const meta = (name: string) => ({ name, namespace: spec.namespace, labels });
  const checksum = configChecksum({ ...spec.files, image: spec.image, env: JSON.stringify(spec.env) });
  const sa = new k8s.KubeServiceAccount(scope, 'ServiceAccount', { metadata: meta(spec.name), automountServiceAccountToken: false });
  const config = new k8s.KubeConfigMap(scope, 'Config', { metadata: meta(spec.name), data: { ...spec.files } });
  return new k8s.KubeJob(scope, 'Job', {
    metadata: { ...meta(`${spec.name}-${checksum.slice(0, 10)}`), annotations: { 'checksum/config': checksum } },
    spec: {
      // Each attempt waits up to ~15 min for its server; 4 retries (with the Job's exponential back-off) cover a slow first start.
      backoffLimit: 4,
      template: {
        metadata: { labels: podLabels(labels) },
        spec: {
          restartPolicy: 'Never',
          serviceAccountName: sa.name,
          automountServiceAccountToken: false,
          securityContext: restrictedPod(CURL_UID, CURL_GID),
          containers: [
            {
              name: 'setup',
              image: spec.image,
              command: ['/bin/sh', '/setup/setup.sh'],
              env: spec.env,
              resources: toResources({ cpuRequest: '10m', memoryRequest: '32Mi', cpuLimit: '200m' }),
              securityContext: restrictedContainer(),
              volumeMounts: [
                { name: 'setup', mountPath: '/setup', readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            { name: 'setup', configMap: { name: config.name } },
            { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } },
          ],
        },
      },
    },
  });
}

/**
 * Shell functions every setup script starts with (busybox sh in the curl image):
 * `wait_for URL` retries until a 2xx (90 × 10 s), `call METHOD URL FILE` sends a
 * JSON body and fails the attempt on anything but 2xx, printing the answer.
 * Credentials go through a curl config file (not argv): `$AUTH_USER`/`$AUTH_PASSWORD`.
 */
export const SHELL_PRELUDE = `set -eu
umask 077
# user:password for curl in a config file, so the password is not in argv (ps)
printf 'user = "%s:%s"\\n' "$AUTH_USER" "$(printf '%s' "$AUTH_PASSWORD" | sed 's/\\\\/\\\\\\\\/g; s/"/\\\\"/g')" > /tmp/auth
wait_for() {
  i=0
  until curl -fsS -o /dev/null -K /tmp/auth "$1"; do
    i=$((i + 1))
    if [ "$i" -ge 90 ]; then echo "gave up waiting for $1"; exit 1; fi
    echo "waiting for $1 ($i)"
    sleep 10
  done
}
call() {
  code=$(curl -sS -o /tmp/response -w '%{http_code}' -K /tmp/auth -X "$1" -H 'Content-Type: application/json' -H 'kbn-xsrf: meshforge' --data-binary "@$3" "$2")
  case "$code" in
    2??) echo "$1 $2: $code" ;;
    *) echo "$1 $2 failed: HTTP $code: $(cat /tmp/response)"; exit 1 ;;
  esac
}
# JSON string body of $1 (backslashes and quotes escaped)
json_string() {
  printf '"%s"' "$(printf '%s' "$1" | sed 's/\\\\/\\\\\\\\/g; s/"/\\\\"/g')"
}
`;

/** `s` as one single-quoted shell word. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
