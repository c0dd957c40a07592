import { exceptionAnnotation } from '../validation/policy-annotations';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { stringify } from 'yaml';

/**
 * Building blocks shared by every observability component: pinned images,
 * standard labels, the restricted security context, resources and secret
 * references. Workloads are raw `k8s.Kube*` objects because cdk8s-plus-27 has
 * no `volumeClaimTemplates` on StatefulSets and no read-only hostPath mounts,
 * and every field of these pods matters for Pod Security Admission.
 */

/** Images pinned to a version; override per component with its `image` prop. */
export const IMAGES = {
  prometheus: 'quay.io/prometheus/prometheus:v2.53.2',
  alertmanager: 'quay.io/prometheus/alertmanager:v0.27.0',
  nodeExporter: 'quay.io/prometheus/node-exporter:v1.8.2',
  kubeStateMetrics: 'registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.13.0',
  grafana: 'docker.io/grafana/grafana:11.2.0',
  fluentBit: 'cr.fluentbit.io/fluent/fluent-bit:3.1.7',
  fluentd: 'docker.io/fluent/fluentd-kubernetes-daemonset:v1.17.1-debian-elasticsearch8-1.0',
  elasticsearch: 'docker.elastic.co/elasticsearch/elasticsearch:8.15.1',
  kibana: 'docker.elastic.co/kibana/kibana:8.15.1',
  jaeger: 'docker.io/jaegertracing/jaeger:2.5.0',
  busybox: 'docker.io/library/busybox:1.36.1',
  // prometheus-community/elasticsearch_exporter v1.10.0 (2025-12); USER nobody in its Dockerfile.
  elasticsearchExporter: 'quay.io/prometheuscommunity/elasticsearch-exporter:v1.10.0',
  // feiyu563/PrometheusAlert v4.9.1 (2024-06), pushed by its tag workflow to Docker Hub
  // (docker/metadata-action: the git tag is the image tag). No digest is published in its sources.
  wechatRobotAdapter: 'docker.io/feiyu563/prometheus-alert:v4.9.1',
  kiali: 'quay.io/kiali/kiali:v2.13.0',
  // Alpine-based (busybox sh, sed): the setup Jobs' HTTP client.
  curl: 'docker.io/curlimages/curl:8.10.1',
} as const;

export type ImageName = keyof typeof IMAGES;

/**
 * A default image served from a mirror: the upstream registry host
 * (`quay.io`, `docker.io`, ...) is replaced by `registry`, the path and tag kept.
 * `undefined` returns the upstream image.
 */
export function mirroredImage(name: ImageName, registry?: string): string {
  const image = IMAGES[name];
  if (registry === undefined) return image;
  return `${registry.replace(/\/+$/, '')}/${image.split('/').slice(1).join('/')}`;
}

/** `app.kubernetes.io/part-of` on every object of the stack. */
export const PART_OF = 'meshforge-observability';

/** Reference to a key of an existing Kubernetes Secret; the value is never read by meshforge. */
export interface SecretKeyRef {
  /** Name of the Secret in the component's namespace. */
  readonly name: string;
  /** Key inside the Secret. */
  readonly key: string;
}

/** Requests and limits of a container. */
export interface ResourceProps {
  /** CPU request, e.g. `100m`. */
  readonly cpuRequest: string;
  /** Memory request, e.g. `256Mi`. */
  readonly memoryRequest: string;
  /**
   * Memory limit.
   * @default - equal to the memory request (guaranteed memory, no OOM surprises)
   */
  readonly memoryLimit?: string;
  /** CPU limit (required: meshforge's policy check rejects containers without one). */
  readonly cpuLimit: string;
}

/** Selector labels (stable across upgrades: no version). */
export function selectorLabels(name: string): Record<string, string> {
  return { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': PART_OF };
}

/** Standard labels for metadata. `version` is the image tag. */
export function standardLabels(name: string, component: string, image?: string): Record<string, string> {
  const labels: Record<string, string> = {
    ...selectorLabels(name),
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/managed-by': 'meshforge',
  };
  if (image !== undefined) {
    const tag = image.split('/').pop()!.split(':')[1];
    if (tag !== undefined) labels['app.kubernetes.io/version'] = tag.replace(/[^-A-Za-z0-9_.]/g, '_').slice(0, 63);
  }
  return labels;
}

export function toResources(r: ResourceProps): k8s.ResourceRequirements {
  return {
    requests: { cpu: k8s.Quantity.fromString(r.cpuRequest), memory: k8s.Quantity.fromString(r.memoryRequest) },
    limits: { cpu: k8s.Quantity.fromString(r.cpuLimit), memory: k8s.Quantity.fromString(r.memoryLimit ?? r.memoryRequest) },
  };
}

/** Container security context that passes the `restricted` Pod Security Standard. */
export function restrictedContainer(readOnlyRootFilesystem = true): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    readOnlyRootFilesystem,
    runAsNonRoot: true,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Pod security context for a non-root user `uid` (files on volumes owned by `fsGroup`). */
export function restrictedPod(uid: number, fsGroup: number = uid): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** HTTP GET probe on a named port. */
export function httpProbe(path: string, port: string, initialDelaySeconds = 10, periodSeconds = 10): k8s.Probe {
  return {
    httpGet: { path, port: k8s.IntOrString.fromString(port) },
    initialDelaySeconds,
    periodSeconds,
    timeoutSeconds: 5,
    failureThreshold: 6,
  };
}

/** TCP probe on a named port. */
export function tcpProbe(port: string, initialDelaySeconds = 10, periodSeconds = 10): k8s.Probe {
  return {
    tcpSocket: { port: k8s.IntOrString.fromString(port) },
    initialDelaySeconds,
    periodSeconds,
    timeoutSeconds: 5,
    failureThreshold: 6,
  };
}

/**
 * Pod-template labels: the standard labels plus the per-pod injection switch
 * (a label, not the deprecated annotation) keeping infrastructure out of the mesh.
 */
export function podLabels(labels: Record<string, string>): Record<string, string> {
  return { ...labels, 'sidecar.istio.io/inject': 'false' };
}

/**
 * Pod-template annotations read by the stack's `kubernetes-pods` scrape job
 * (`prometheus.io/scrape|port|path`, see prometheus-config.ts).
 */
export function scrapeAnnotations(port: number, path?: string): Record<string, string> {
  return { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port), ...(path ? { 'prometheus.io/path': path } : {}) };
}

/** Annotation documenting an accepted policy exception (read by meshforge's policy checker). */
export function policyException(rule: string, reason: string): Record<string, string> {
  return exceptionAnnotation(rule, reason);
}

/**
 * The exception from an environment's minimum replicas (`env-min-replicas`,
 * docs/security.md "Environment policy") for a component that runs once by
 * design, with the reason `npm run check` shows.
 */
export function singleReplica(reason: string): Record<string, string> {
  return policyException('env-min-replicas', reason);
}

/**
 * YAML for config files inside ConfigMaps: no line folding and no anchors or
 * aliases (shared objects are written out in full, as every tool expects).
 */
export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}

/**
 * A ClusterRole (ids `ClusterRole`, `ClusterRoleBinding` under `scope`) bound
 * to a component's ServiceAccount. Callers pass read-only rules; the policy
 * tests reject any verb beyond get/list/watch and any wildcard.
 */
export function bindClusterRole(
  scope: Construct,
  component: string,
  serviceAccount: { readonly name: string; readonly namespace: string },
  labels: Record<string, string>,
  rules: k8s.PolicyRule[],
): k8s.KubeClusterRole {
  const role = new k8s.KubeClusterRole(scope, 'ClusterRole', {
    metadata: { name: `meshforge-${component}-${serviceAccount.namespace}`, labels },
    rules,
  });
  new k8s.KubeClusterRoleBinding(scope, 'ClusterRoleBinding', {
    metadata: { name: role.name, labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.name },
    subjects: [{ kind: 'ServiceAccount', name: serviceAccount.name, namespace: serviceAccount.namespace }],
  });
  return role;
}

export { configChecksum } from '../common/config-checksum';

/** Built-in priority classes a cluster may reserve for kube-system (GKE does, by an admission-limited resource). */
const CRITICAL_PRIORITY_CLASSES = ['system-node-critical', 'system-cluster-critical'];

/** Namespaces (per app) that already have the quota of a class: one quota per namespace and class is enough. */
const quotasMade = new WeakMap<object, Set<string>>();

/**
 * The ResourceQuota that lets pods of a critical priority class run outside
 * kube-system on clusters that limit those classes by default (Kubernetes
 * docs, "Resource Quotas: Limit Priority Class consumption by default"); a
 * harmless quota elsewhere. One per namespace and class, shared by every
 * component that needs it (node-exporter and Fluent Bit share monitoring-node),
 * so it carries no component labels. Its pod limit (5000, the largest supported
 * cluster's node count) only exists because a quota needs one.
 * Nothing for a non-critical class or in kube-system.
 */
export function criticalPriorityQuota(scope: Construct, namespace: string, priorityClassName: string, labels: Record<string, string>): void {
  if (!CRITICAL_PRIORITY_CLASSES.includes(priorityClassName) || namespace === 'kube-system') return;
  const made = quotasMade.get(scope.node.root) ?? new Set<string>();
  quotasMade.set(scope.node.root, made);
  const key = `${namespace}/${priorityClassName}`;
  if (made.has(key)) return;
  made.add(key);
  const shared = Object.fromEntries(
    Object.entries(labels).filter(([k]) => k === 'app.kubernetes.io/managed-by' || k === 'app.kubernetes.io/part-of'),
  );
  new k8s.KubeResourceQuota(scope, 'PriorityClassQuota', {
    metadata: { name: `${priorityClassName}-pods`, namespace, labels: shared },
    spec: {
      hard: { pods: k8s.Quantity.fromString('5000') },
      scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: [priorityClassName] }] },
    },
  });
}
