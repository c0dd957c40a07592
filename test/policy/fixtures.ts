import { checkObjects, PolicyRule, Violation } from '../../lib/policy';

/** A manifest under test: plain JSON, mutated with `set`. */
export type Json = Record<string, unknown>;

export const WORKLOAD_KINDS = ['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

/** Where the pod spec sits in each workload kind. */
export const POD_SPEC_PATH: Record<WorkloadKind, string> = {
  Pod: 'spec',
  Deployment: 'spec.template.spec',
  StatefulSet: 'spec.template.spec',
  DaemonSet: 'spec.template.spec',
  ReplicaSet: 'spec.template.spec',
  Job: 'spec.template.spec',
  CronJob: 'spec.jobTemplate.spec.template.spec',
};

const API_VERSION: Record<WorkloadKind, string> = {
  Pod: 'v1',
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  ReplicaSet: 'apps/v1',
  Job: 'batch/v1',
  CronJob: 'batch/v1',
};

/** A container that passes every rule. */
export function compliantContainer(name = 'web'): Json {
  return {
    name,
    image: 'registry.example.com/shop/web:1.4.2',
    ports: [{ containerPort: 8080, name: 'http' }],
    env: [{ name: 'LOG_LEVEL', value: 'info' }],
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    livenessProbe: { httpGet: { path: '/healthz', port: 8080 } },
    readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
  };
}

/** A pod spec that passes every rule: non-root and RuntimeDefault seccomp at pod level. */
export function compliantPodSpec(): Json {
  return {
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [compliantContainer()],
    volumes: [{ name: 'tmp', emptyDir: {} }],
  };
}

/** A compliant workload of `kind` named `web` in namespace `shop`, pods labelled app=web. */
export function workload(kind: WorkloadKind = 'Deployment', name = 'web', namespace = 'shop'): Json {
  const labels = { app: name };
  const metadata = { name, namespace };
  const podSpec = compliantPodSpec();
  if (kind === 'Pod') return { apiVersion: 'v1', kind, metadata: { ...metadata, labels }, spec: podSpec };
  const template = { metadata: { labels }, spec: kind === 'Job' ? { ...podSpec, restartPolicy: 'Never' } : podSpec };
  if (kind === 'CronJob') {
    template.spec = { ...podSpec, restartPolicy: 'OnFailure' };
    return { apiVersion: API_VERSION[kind], kind, metadata, spec: { schedule: '0 * * * *', jobTemplate: { spec: { template } } } };
  }
  return { apiVersion: API_VERSION[kind], kind, metadata, spec: { selector: { matchLabels: labels }, template } };
}

function tokens(path: string): (string | number)[] {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]));
}

/** Sets (or, with `undefined`, deletes) the value at a dotted path like `spec.containers[0].image`, creating objects on the way. */
export function set(manifest: Json, path: string, value: unknown): Json {
  const keys = tokens(path);
  let node = manifest as Record<string | number, unknown>;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string | number, unknown>;
  }
  const last = keys[keys.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
  return manifest;
}

/** Reads the value at a dotted path. */
export function get(manifest: Json, path: string): unknown {
  let node: unknown = manifest;
  for (const key of tokens(path)) node = (node as Record<string | number, unknown> | undefined)?.[key];
  return node;
}

/** Runs the check over manifests (as one file, `test.yaml`). */
export function check(manifests: Json | readonly Json[], rules?: readonly PolicyRule[]): ReturnType<typeof checkObjects> {
  const list = Array.isArray(manifests) ? manifests : [manifests as Json];
  return checkObjects(
    list.map((manifest, index) => ({ manifest, file: 'test.yaml', index })),
    rules ? { rules } : {},
  );
}

/** The violations as `rule: message` lines, the shape most tests assert on. */
export function findings(manifests: Json | readonly Json[]): string[] {
  return check(manifests).violations.map((v: Violation) => `${v.rule}: ${v.message}`);
}
