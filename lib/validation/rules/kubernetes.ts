import { isIP } from 'net';
import { parseQuantity } from '../quantity';
import { CONFIG_MAP_KEY, DNS_1035_LABEL, DNS_LABEL, DNS_NAME } from '../names';
import { imageReferenceProblem } from '../images';
import { Violations, asList, asMap, entriesOf } from './violation';

/*
 * Rules the Kubernetes API server (and, where noted, the kubelet or the
 * container runtime) applies beyond the OpenAPI schema. Sources:
 * k8s.io/apimachinery/pkg/util/validation/validation.go (names, label keys and
 * values, env var names, IANA port names, percentages) and
 * kubernetes/pkg/apis/core/validation/validation.go (pod spec, Service,
 * ConfigMap), pkg/apis/policy/validation (PDB), as of Kubernetes 1.27–1.31.
 */

const INT32_MAX = 2147483647;
/** IsQualifiedName's name part. */
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
/** IsValidLabelValue. */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/** IsEnvVarName (RelaxedEnvironmentVariableValidation is off by default up to 1.31). */
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
/** IsValidPortName (IANA_SVC_NAME): at most 15, lowercase alphanumerics and '-', a letter, no '--', no '-' at either end. */
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/;
/** ConfigMap and Secret values together (core.MaxSecretSize, also used for ConfigMaps). */
export const CONFIG_MAP_MAX_BYTES = 1024 * 1024;
/** Total size of all annotations (TotalAnnotationSizeLimitB). */
const ANNOTATIONS_MAX_BYTES = 256 * 1024;

/** Kinds whose object name must be a DNS-1123 label rather than a subdomain. */
const LABEL_NAMED = new Set(['Namespace']);
/** Kinds whose name must be a DNS-1035 label (it becomes a DNS name and env var prefix). */
const DNS_1035_NAMED = new Set(['Service']);

/** Where the pod spec sits in each workload kind. */
const POD_SPEC_PATH: Readonly<Record<string, readonly string[]>> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

function isPortName(v: string): boolean {
  return IANA_SVC_NAME.test(v) && /[a-z]/.test(v) && !v.includes('--');
}

function isInt(v: unknown, min: number, max: number): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

/** IsQualifiedName: `[prefix/]name`, prefix a DNS subdomain of at most 253, name at most 63. */
export function qualifiedNameProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return 'has more than one "/"';
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_NAME.test(prefix))) return 'its prefix is not a lowercase DNS subdomain';
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME.test(name)) {
    return 'its name part is not 1-63 characters of alphanumerics, "-", "_" or "." starting and ending with an alphanumeric';
  }
  return undefined;
}

function checkMetadata(obj: Record<string, unknown>, v: Violations): void {
  const kind = String(obj.kind ?? '');
  const meta = asMap(obj.metadata) ?? {};
  const name = meta.name;
  if (typeof name === 'string') {
    if (DNS_1035_NAMED.has(kind)) {
      if (name.length > 63 || !DNS_1035_LABEL.test(name)) {
        v.add('K8S_NAME', 'metadata.name', name, `invalid ${kind} name`, 'a DNS-1035 label: at most 63 lowercase letters, digits and "-", starting with a letter');
      }
    } else if (LABEL_NAMED.has(kind)) {
      if (name.length > 63 || !DNS_LABEL.test(name)) v.add('K8S_NAME', 'metadata.name', name, `invalid ${kind} name`, 'a DNS-1123 label: at most 63 lowercase letters, digits and "-"');
    } else if (name.length > 253 || !DNS_NAME.test(name)) {
      v.add('K8S_NAME', 'metadata.name', name, `invalid ${kind} name`, 'a DNS-1123 subdomain: at most 253 lowercase letters, digits, "-" and "."');
    }
  }
  if (typeof meta.namespace === 'string' && (meta.namespace.length > 63 || !DNS_LABEL.test(meta.namespace))) {
    v.add('K8S_NAME', 'metadata.namespace', meta.namespace, 'invalid namespace', 'a DNS-1123 label: at most 63 lowercase letters, digits and "-"');
  }
  checkLabels(meta.labels, 'metadata.labels', v);
  checkAnnotations(meta.annotations, 'metadata.annotations', v);
}

function checkLabels(labels: unknown, field: string, v: Violations): void {
  for (const [key, value] of entriesOf(labels)) {
    const keyProblem = qualifiedNameProblem(key);
    if (keyProblem) v.add('K8S_LABEL', `${field}.${key}`, key, `invalid label key (${keyProblem})`, 'a key like "app" or "example.com/tier"');
    if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value)) {
      v.add('K8S_LABEL', `${field}.${key}`, value, 'invalid label value', 'at most 63 characters: alphanumerics, "-", "_" and ".", starting and ending with an alphanumeric (or empty)');
    }
  }
}

function checkAnnotations(annotations: unknown, field: string, v: Violations): void {
  let size = 0;
  for (const [key, value] of entriesOf(annotations)) {
    const keyProblem = qualifiedNameProblem(key.toLowerCase());
    if (keyProblem) v.add('K8S_ANNOTATION', `${field}.${key}`, key, `invalid annotation key (${keyProblem})`, 'a key like "example.com/owner"');
    size += Buffer.byteLength(key) + Buffer.byteLength(String(value));
  }
  if (size > ANNOTATIONS_MAX_BYTES) {
    v.add('K8S_ANNOTATION', field, `${size} bytes`, 'annotations too large', `at most ${ANNOTATIONS_MAX_BYTES} bytes of keys and values together`);
  }
}

function checkPodSpec(spec: Record<string, unknown>, at: string, claimTemplates: readonly string[], v: Violations): void {
  // A StatefulSet's volumeClaimTemplates are volumes of its pods too.
  const volumes = new Set<string>(claimTemplates);
  asList(spec.volumes).forEach((vol, i) => {
    const name = asMap(vol)?.name;
    if (typeof name !== 'string' || name.length > 63 || !DNS_LABEL.test(name)) {
      v.add('K8S_VOLUME', `${at}.volumes[${i}].name`, name, 'invalid volume name', 'a DNS-1123 label of at most 63 characters');
    } else if (volumes.has(name)) {
      v.add('K8S_VOLUME', `${at}.volumes[${i}].name`, name, 'duplicate volume name', 'a name used by one volume only');
    } else volumes.add(name);
  });
  const sa = spec.serviceAccountName;
  if (sa !== undefined && (typeof sa !== 'string' || sa.length > 253 || !DNS_NAME.test(sa))) {
    v.add('K8S_NAME', `${at}.serviceAccountName`, sa, 'invalid ServiceAccount name', 'a DNS-1123 subdomain: lowercase letters, digits, "-" and "."');
  }
  const podSecurity = asMap(spec.securityContext) ?? {};
  checkSecurityContext(podSecurity, `${at}.securityContext`, v);
  checkScheduling(spec, at, v);
  asList(spec.imagePullSecrets).forEach((s, i) => checkRefName(asMap(s)?.name, `${at}.imagePullSecrets[${i}].name`, 'Secret', v));
  const containerNames = new Set<string>();
  for (const list of ['initContainers', 'containers'] as const) {
    asList(spec[list]).forEach((c, i) => {
      const container = asMap(c);
      if (container) checkContainer(container, `${at}.${list}[${i}]`, { volumes, containerNames, podSecurity }, v);
    });
  }
}

const TOLERATION_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const WHEN_UNSATISFIABLE = ['DoNotSchedule', 'ScheduleAnyway'];

/**
 * validateTolerations, validateTopologySpreadConstraints,
 * ValidatePriorityClassName (a DNS subdomain) and the node selector's
 * ValidateLabels, as the API server applies them to a pod spec.
 */
function checkScheduling(spec: Record<string, unknown>, at: string, v: Violations): void {
  checkLabels(spec.nodeSelector, `${at}.nodeSelector`, v);
  if (spec.priorityClassName !== undefined) checkRefName(spec.priorityClassName, `${at}.priorityClassName`, 'PriorityClass', v);
  asList(spec.tolerations).forEach((t, i) => {
    const tol = asMap(t) ?? {};
    const f = `${at}.tolerations[${i}]`;
    const key = typeof tol.key === 'string' ? tol.key : '';
    const operator = tol.operator ?? 'Equal';
    if (key !== '') {
      const problem = qualifiedNameProblem(key);
      if (problem) v.add('K8S_TOLERATION', `${f}.key`, key, `invalid toleration key (${problem})`, 'a label key like "dedicated" or "example.com/gpu"');
    } else if (operator !== 'Exists') {
      v.add('K8S_TOLERATION', `${f}.operator`, operator, 'toleration without a key must use operator Exists', 'operator "Exists" (an empty key matches every taint), or a key');
    }
    if (operator === 'Exists') {
      if (tol.value !== undefined && tol.value !== '') v.add('K8S_TOLERATION', `${f}.value`, tol.value, 'value with operator Exists', 'no value (Exists matches any value)');
    } else if (operator !== 'Equal') {
      v.add('K8S_TOLERATION', `${f}.operator`, operator, 'unsupported toleration operator', '"Equal" or "Exists"');
    } else if (tol.value !== undefined && (typeof tol.value !== 'string' || tol.value.length > 63 || !LABEL_VALUE.test(tol.value))) {
      v.add('K8S_TOLERATION', `${f}.value`, tol.value, 'invalid toleration value', 'a label value: at most 63 alphanumerics, "-", "_" and "."');
    }
    if (tol.effect !== undefined && tol.effect !== '' && !TOLERATION_EFFECTS.includes(String(tol.effect))) {
      v.add('K8S_TOLERATION', `${f}.effect`, tol.effect, 'unsupported toleration effect', `one of ${TOLERATION_EFFECTS.join(', ')} (or none: every effect)`);
    }
    if (tol.tolerationSeconds !== undefined && tol.effect !== 'NoExecute') {
      v.add('K8S_TOLERATION', `${f}.tolerationSeconds`, tol.tolerationSeconds, 'tolerationSeconds without effect NoExecute', 'effect "NoExecute" (only evictions have a delay), or no tolerationSeconds');
    }
  });
  const seen = new Set<string>();
  asList(spec.topologySpreadConstraints).forEach((c, i) => {
    const tsc = asMap(c) ?? {};
    const f = `${at}.topologySpreadConstraints[${i}]`;
    if (!isInt(tsc.maxSkew, 1, INT32_MAX)) v.add('K8S_TOPOLOGY_SPREAD', `${f}.maxSkew`, tsc.maxSkew, 'maxSkew must be greater than zero', 'a whole number ≥ 1');
    const key = tsc.topologyKey;
    const problem = typeof key === 'string' ? qualifiedNameProblem(key) : 'is missing';
    if (problem) v.add('K8S_TOPOLOGY_SPREAD', `${f}.topologyKey`, key, `invalid topologyKey (${problem})`, 'a node label key, e.g. "topology.kubernetes.io/zone"');
    if (!WHEN_UNSATISFIABLE.includes(String(tsc.whenUnsatisfiable))) {
      v.add('K8S_TOPOLOGY_SPREAD', `${f}.whenUnsatisfiable`, tsc.whenUnsatisfiable, 'unsupported whenUnsatisfiable', `one of ${WHEN_UNSATISFIABLE.join(', ')}`);
    }
    const pair = `${String(key)} ${String(tsc.whenUnsatisfiable)}`;
    if (seen.has(pair)) {
      v.add('K8S_TOPOLOGY_SPREAD', `${f}.topologyKey`, key, 'two constraints with the same topologyKey and whenUnsatisfiable', 'one constraint per {topologyKey, whenUnsatisfiable} pair');
    }
    seen.add(pair);
    if (tsc.minDomains !== undefined && (!isInt(tsc.minDomains, 1, INT32_MAX) || tsc.whenUnsatisfiable !== 'DoNotSchedule')) {
      v.add('K8S_TOPOLOGY_SPREAD', `${f}.minDomains`, tsc.minDomains, 'invalid minDomains', 'a whole number ≥ 1, with whenUnsatisfiable "DoNotSchedule"');
    }
    checkLabels(asMap(tsc.labelSelector)?.matchLabels, `${f}.labelSelector.matchLabels`, v);
  });
  checkAffinity(asMap(spec.affinity), `${at}.affinity`, v);
}

/**
 * validateAffinity as the API server applies it to a pod spec (pkg/apis/core/validation:
 * validateNodeSelector, ValidateNodeSelectorRequirement, validatePodAffinityTerm, the 1-100 weights):
 * the affinity is passed through as given, and a StatefulSet, Job or CronJob with a bad one is
 * refused by the API server (Argo CD sync fails) rather than at synth.
 */
function checkAffinity(affinity: Record<string, unknown> | undefined, at: string, v: Violations): void {
  if (!affinity) return;
  const weight = (w: unknown, f: string) => {
    if (!isInt(w, 1, 100)) v.add('K8S_AFFINITY', f, w, 'weight out of range', 'a whole number from 1 to 100');
  };
  const requirements = (term: unknown, f: string) =>
    asList(asMap(term)?.matchExpressions).forEach((r, k) => {
      const rq = asMap(r) ?? {};
      const rf = `${f}.matchExpressions[${k}]`;
      const values = asList(rq.values);
      const key = typeof rq.key === 'string' ? rq.key : '';
      const problem = qualifiedNameProblem(key);
      if (problem) v.add('K8S_AFFINITY', `${rf}.key`, rq.key, `invalid node label key (${problem})`, 'a node label key, e.g. "topology.kubernetes.io/zone"');
      if (rq.operator === 'In' || rq.operator === 'NotIn') {
        if (values.length === 0) v.add('K8S_AFFINITY', `${rf}.values`, rq.values, `no values with operator ${rq.operator}`, 'at least one value');
      } else if (rq.operator === 'Exists' || rq.operator === 'DoesNotExist') {
        if (values.length > 0) v.add('K8S_AFFINITY', `${rf}.values`, rq.values, `values with operator ${rq.operator}`, 'no values');
      } else if (rq.operator === 'Gt' || rq.operator === 'Lt') {
        if (values.length !== 1) v.add('K8S_AFFINITY', `${rf}.values`, rq.values, `operator ${rq.operator} takes one value`, 'exactly one value (an integer)');
      } else {
        v.add('K8S_AFFINITY', `${rf}.operator`, rq.operator, 'not a valid node selector operator', 'one of In, NotIn, Exists, DoesNotExist, Gt, Lt');
      }
    });
  const node = asMap(affinity.nodeAffinity) ?? {};
  const required = asMap(node.requiredDuringSchedulingIgnoredDuringExecution);
  if (required) {
    const f = `${at}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`;
    const terms = asList(required.nodeSelectorTerms);
    if (terms.length === 0) v.add('K8S_AFFINITY', f, required.nodeSelectorTerms, 'no node selector term', 'at least one node selector term (terms are ORed)');
    terms.forEach((t, i) => requirements(t, `${f}[${i}]`));
  }
  asList(node.preferredDuringSchedulingIgnoredDuringExecution).forEach((p, i) => {
    const f = `${at}.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
    weight(asMap(p)?.weight, `${f}.weight`);
    requirements(asMap(p)?.preference, `${f}.preference`);
  });
  for (const kind of ['podAffinity', 'podAntiAffinity'] as const) {
    const pa = asMap(affinity[kind]) ?? {};
    const term = (t: unknown, f: string) => {
      const key = asMap(t)?.topologyKey;
      const problem = typeof key === 'string' && key !== '' ? qualifiedNameProblem(key) : 'can not be empty';
      if (problem) v.add('K8S_AFFINITY', `${f}.topologyKey`, key, `invalid topologyKey (${problem})`, 'a node label key, e.g. "kubernetes.io/hostname"');
    };
    asList(pa.requiredDuringSchedulingIgnoredDuringExecution).forEach((t, i) => term(t, `${at}.${kind}.requiredDuringSchedulingIgnoredDuringExecution[${i}]`));
    asList(pa.preferredDuringSchedulingIgnoredDuringExecution).forEach((p, i) => {
      const f = `${at}.${kind}.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
      weight(asMap(p)?.weight, `${f}.weight`);
      term(asMap(p)?.podAffinityTerm, `${f}.podAffinityTerm`);
    });
  }
}

/** ValidateCIDR (netutils.ParseCIDRSloppy): an IPv4 or IPv6 address, "/" and a prefix length in range; undefined when fine. */
export function cidrProblem(cidr: string): string | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(cidr);
  if (!m) return 'not "<address>/<prefix length>"';
  // "Sloppy": IPv4 parts with leading zeros are accepted (read as decimal)
  const address = m[1].includes(':') ? m[1] : m[1].replace(/(^|\.)0+(\d)/g, '$1$2');
  const family = isIP(address);
  if (family === 0) return 'not an IP address';
  if (Number(m[2]) > (family === 4 ? 32 : 128)) return `prefix length above ${family === 4 ? 32 : 128}`;
  return undefined;
}

function checkRefName(name: unknown, field: string, kind: string, v: Violations): void {
  if (typeof name !== 'string' || name.length > 253 || !DNS_NAME.test(name)) {
    v.add('K8S_NAME', field, name, `invalid ${kind} name`, 'a DNS-1123 subdomain: lowercase letters, digits, "-" and "."');
  }
}

function checkSecurityContext(sc: Record<string, unknown>, at: string, v: Violations): void {
  for (const field of ['runAsUser', 'runAsGroup', 'fsGroup'] as const) {
    if (sc[field] !== undefined && !isInt(sc[field], 0, INT32_MAX)) {
      v.add('K8S_SECURITY_CONTEXT', `${at}.${field}`, sc[field], `invalid ${field}`, `an integer from 0 to ${INT32_MAX}`);
    }
  }
}

function checkContainer(
  c: Record<string, unknown>,
  at: string,
  pod: { readonly volumes: ReadonlySet<string>; readonly containerNames: Set<string>; readonly podSecurity: Record<string, unknown> },
  v: Violations,
): void {
  const name = c.name;
  if (typeof name !== 'string' || name.length > 63 || !DNS_LABEL.test(name)) {
    v.add('K8S_CONTAINER', `${at}.name`, name, 'invalid container name', 'a DNS-1123 label of at most 63 characters');
  } else if (pod.containerNames.has(name)) {
    v.add('K8S_CONTAINER', `${at}.name`, name, 'duplicate container name', 'a name used by one container of the pod only');
  } else pod.containerNames.add(name);

  if (typeof c.image === 'string') {
    const problem = imageReferenceProblem(c.image);
    // The kubelet parses the reference before pulling (pod stays in InvalidImageName).
    if (problem) v.add('K8S_IMAGE', `${at}.image`, c.image, `invalid image reference (${problem})`, 'e.g. "ghcr.io/acme/cart:1.4.2" or "registry:5000/team/app@sha256:<64 hex>"');
  }

  // validatePullPolicy
  if (c.imagePullPolicy !== undefined && !['Always', 'IfNotPresent', 'Never'].includes(String(c.imagePullPolicy))) {
    v.add('K8S_PULL_POLICY', `${at}.imagePullPolicy`, c.imagePullPolicy, 'unsupported imagePullPolicy', 'one of Always, IfNotPresent, Never');
  }

  asList(c.env).forEach((e, i) => {
    const env = asMap(e) ?? {};
    if (typeof env.name !== 'string' || !ENV_VAR_NAME.test(env.name)) {
      v.add('K8S_ENV_NAME', `${at}.env[${i}].name`, env.name, 'invalid environment variable name', 'letters, digits, "_", "-" and ".", not starting with a digit (e.g. "LOG_LEVEL")');
    }
    const from = asMap(env.valueFrom) ?? {};
    for (const ref of ['secretKeyRef', 'configMapKeyRef'] as const) {
      const r = asMap(from[ref]);
      if (!r) continue;
      checkRefName(r.name, `${at}.env[${i}].valueFrom.${ref}.name`, ref === 'secretKeyRef' ? 'Secret' : 'ConfigMap', v);
      if (typeof r.key !== 'string' || !CONFIG_MAP_KEY.test(r.key) || r.key.length > 253) {
        v.add('K8S_CONFIG_KEY', `${at}.env[${i}].valueFrom.${ref}.key`, r.key, 'invalid key', 'at most 253 characters of letters, digits, "-", "_" and "."');
      }
    }
  });
  asList(c.envFrom).forEach((e, i) => {
    const env = asMap(e) ?? {};
    for (const ref of ['secretRef', 'configMapRef'] as const) {
      const r = asMap(env[ref]);
      if (r) checkRefName(r.name, `${at}.envFrom[${i}].${ref}.name`, ref === 'secretRef' ? 'Secret' : 'ConfigMap', v);
    }
  });

  const portNames = new Set<string>();
  asList(c.ports).forEach((p, i) => {
    const port = asMap(p) ?? {};
    if (!isInt(port.containerPort, 1, 65535)) v.add('K8S_PORT', `${at}.ports[${i}].containerPort`, port.containerPort, 'invalid container port', 'an integer from 1 to 65535');
    if (port.hostPort !== undefined && !isInt(port.hostPort, 1, 65535)) v.add('K8S_PORT', `${at}.ports[${i}].hostPort`, port.hostPort, 'invalid host port', 'an integer from 1 to 65535');
    if (port.name !== undefined) {
      if (typeof port.name !== 'string' || !isPortName(port.name)) {
        v.add('K8S_PORT', `${at}.ports[${i}].name`, port.name, 'invalid port name', 'an IANA service name: at most 15 lowercase letters, digits and "-", with a letter, no "--"');
      } else if (portNames.has(port.name)) {
        v.add('K8S_PORT', `${at}.ports[${i}].name`, port.name, 'duplicate port name', 'a name used by one port of the container only');
      } else portNames.add(port.name);
    }
  });

  const mountPaths = new Set<string>();
  asList(c.volumeMounts).forEach((m, i) => {
    const mount = asMap(m) ?? {};
    if (typeof mount.name === 'string' && !pod.volumes.has(mount.name)) {
      v.add('K8S_VOLUME_MOUNT', `${at}.volumeMounts[${i}].name`, mount.name, 'mount of a volume the pod does not declare', `one of the pod's volumes: ${[...pod.volumes].join(', ') || '(none)'}`);
    }
    const mountPath = mount.mountPath;
    if (typeof mountPath !== 'string') return;
    // The API server requires uniqueness; container runtimes refuse relative mount destinations.
    if (!mountPath.startsWith('/')) {
      v.add('K8S_VOLUME_MOUNT', `${at}.volumeMounts[${i}].mountPath`, mountPath, 'relative mount path', 'an absolute path, e.g. "/config"');
    } else if (mountPaths.has(mountPath)) {
      v.add('K8S_VOLUME_MOUNT', `${at}.volumeMounts[${i}].mountPath`, mountPath, 'two volumes mounted at one path', 'a mount path used once per container');
    }
    mountPaths.add(mountPath);
  });

  checkResources(asMap(c.resources) ?? {}, `${at}.resources`, v);

  const sc = asMap(c.securityContext) ?? {};
  checkSecurityContext(sc, `${at}.securityContext`, v);
  // The kubelet merges pod and container contexts and refuses to start a container that
  // must run as non-root with UID 0 (CreateContainerConfigError).
  const runAsNonRoot = sc.runAsNonRoot ?? pod.podSecurity.runAsNonRoot;
  const runAsUser = sc.runAsUser ?? pod.podSecurity.runAsUser;
  if (runAsNonRoot === true && runAsUser === 0) {
    v.add('K8S_SECURITY_CONTEXT', `${at}.securityContext.runAsUser`, 0, 'runAsUser 0 with runAsNonRoot: true (the kubelet refuses to start the container)', 'a non-zero UID, or runAsNonRoot: false for an image that must run as root');
  }
}

function checkResources(res: Record<string, unknown>, at: string, v: Violations): void {
  const parsed: Record<string, Record<string, number>> = {};
  for (const part of ['requests', 'limits'] as const) {
    parsed[part] = {};
    for (const [name, q] of entriesOf(res[part])) {
      const n = typeof q === 'number' ? q : typeof q === 'string' ? parseQuantity(q) : undefined;
      if (n === undefined || n < 0) {
        v.add('K8S_QUANTITY', `${at}.${part}.${name}`, q, 'invalid quantity', 'a non-negative Kubernetes quantity, e.g. "250m", "1", "512Mi", "1Gi"');
      } else parsed[part][name] = n;
    }
  }
  for (const [name, request] of Object.entries(parsed.requests)) {
    const limit = parsed.limits[name];
    if (limit !== undefined && request > limit) {
      v.add('K8S_QUANTITY', `${at}.requests.${name}`, (res.requests as Record<string, unknown>)[name], `request above the limit ${String((res.limits as Record<string, unknown>)[name])}`, 'a request less than or equal to the limit');
    }
  }
}

function checkService(spec: Record<string, unknown>, v: Violations): void {
  const type = spec.type ?? 'ClusterIP';
  // ValidateService: externalTrafficPolicy only on externally reachable Services (NodePort,
  // LoadBalancer, or with externalIPs); loadBalancerSourceRanges only on LoadBalancer, each a CIDR.
  const external = type === 'NodePort' || type === 'LoadBalancer' || asList(spec.externalIPs).length > 0;
  if (spec.externalTrafficPolicy !== undefined) {
    if (!external) {
      v.add('K8S_SERVICE', 'spec.externalTrafficPolicy', spec.externalTrafficPolicy, `externalTrafficPolicy on a ${String(type)} Service`, 'type NodePort or LoadBalancer, or no externalTrafficPolicy');
    } else if (spec.externalTrafficPolicy !== 'Cluster' && spec.externalTrafficPolicy !== 'Local') {
      v.add('K8S_SERVICE', 'spec.externalTrafficPolicy', spec.externalTrafficPolicy, 'unsupported externalTrafficPolicy', '"Cluster" or "Local"');
    }
  }
  const ranges = asList(spec.loadBalancerSourceRanges);
  if (ranges.length > 0 && type !== 'LoadBalancer') {
    v.add('K8S_SERVICE', 'spec.loadBalancerSourceRanges', ranges, `loadBalancerSourceRanges on a ${String(type)} Service`, 'type LoadBalancer, or no loadBalancerSourceRanges');
  }
  ranges.forEach((r, i) => {
    const problem = typeof r === 'string' ? cidrProblem(r.trim()) : 'not a string';
    if (problem) v.add('K8S_SERVICE', `spec.loadBalancerSourceRanges[${i}]`, r, `invalid CIDR (${problem})`, 'an IPv4 or IPv6 CIDR, e.g. "203.0.113.0/24"');
  });
  const ports = asList(spec.ports);
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const port = asMap(p) ?? {};
    if (!isInt(port.port, 1, 65535)) v.add('K8S_PORT', `spec.ports[${i}].port`, port.port, 'invalid Service port', 'an integer from 1 to 65535');
    const tp = port.targetPort;
    if (tp !== undefined && !(isInt(tp, 1, 65535) || (typeof tp === 'string' && isPortName(tp)))) {
      v.add('K8S_PORT', `spec.ports[${i}].targetPort`, tp, 'invalid target port', 'a port number from 1 to 65535 or a container port name');
    }
    if (port.name === undefined) {
      if (ports.length > 1) v.add('K8S_PORT', `spec.ports[${i}].name`, undefined, 'unnamed port in a Service with several ports', 'a DNS-1123 label per port');
    } else if (typeof port.name !== 'string' || port.name.length > 63 || !DNS_LABEL.test(port.name)) {
      v.add('K8S_PORT', `spec.ports[${i}].name`, port.name, 'invalid Service port name', 'a DNS-1123 label of at most 63 characters');
    } else if (names.has(port.name)) {
      v.add('K8S_PORT', `spec.ports[${i}].name`, port.name, 'duplicate Service port name', 'a name used by one port only');
    } else names.add(port.name);
  });
}

function checkConfigData(obj: Record<string, unknown>, v: Violations): void {
  let bytes = 0;
  for (const part of ['data', 'binaryData'] as const) {
    for (const [key, value] of entriesOf(obj[part])) {
      if (!CONFIG_MAP_KEY.test(key) || key.length > 253 || key === '.' || key === '..') {
        v.add('K8S_CONFIG_KEY', `${part}.${key}`, key, 'invalid key', 'at most 253 characters of letters, digits, "-", "_" and ".", not "." or ".."');
      }
      const text = String(value);
      bytes += part === 'binaryData' ? Buffer.from(text, 'base64').length : Buffer.byteLength(text);
    }
  }
  if (bytes > CONFIG_MAP_MAX_BYTES) {
    v.add('K8S_CONFIG_SIZE', 'data', `${bytes} bytes`, `${String(obj.kind)} too large`, `at most ${CONFIG_MAP_MAX_BYTES} bytes (1 MiB) of values; split the files or mount them from an image or volume`);
  }
}

/** IsValidPercent plus the PDB's own bound: an integer ≥ 0 or "N%" with N ≤ 100. */
function checkIntOrPercent(value: unknown, field: string, v: Violations): void {
  if (value === undefined) return;
  if (isInt(value, 0, INT32_MAX)) return;
  const m = typeof value === 'string' ? /^(\d+)%$/.exec(value) : null;
  if (m && Number(m[1]) <= 100) return;
  v.add('K8S_INT_OR_PERCENT', field, value, 'invalid integer or percentage', 'an integer ≥ 0 or a percentage from "0%" to "100%"');
}

function checkWorkload(kind: string, spec: Record<string, unknown>, v: Violations): void {
  if (spec.replicas !== undefined && !isInt(spec.replicas, 0, INT32_MAX)) {
    v.add('K8S_REPLICAS', 'spec.replicas', spec.replicas, 'replicas out of range', `an integer from 0 to ${INT32_MAX}`);
  }
  if (kind === 'Deployment') {
    const ru = asMap(asMap(spec.strategy)?.rollingUpdate) ?? {};
    checkIntOrPercent(ru.maxSurge, 'spec.strategy.rollingUpdate.maxSurge', v);
    checkIntOrPercent(ru.maxUnavailable, 'spec.strategy.rollingUpdate.maxUnavailable', v);
  }
  const template = asMap(spec.template);
  if (template) {
    const meta = asMap(template.metadata) ?? {};
    checkLabels(meta.labels, 'spec.template.metadata.labels', v);
    checkAnnotations(meta.annotations, 'spec.template.metadata.annotations', v);
    // Prometheus joins the path to host:port as is: without the leading "/" every scrape fails.
    const metricsPath = asMap(meta.annotations)?.['prometheus.io/path'];
    if (typeof metricsPath === 'string' && !metricsPath.startsWith('/')) {
      v.add('METRICS_PATH', 'spec.template.metadata.annotations.prometheus.io/path', metricsPath, 'metrics path without a leading "/"', `an absolute HTTP path, e.g. "/${metricsPath}"`);
    }
  }
}

/** Checks one Kubernetes object (any kind; only the rules of core kinds apply). */
export function checkKubernetesObject(obj: Record<string, unknown>, v: Violations): void {
  checkMetadata(obj, v);
  const kind = String(obj.kind ?? '');
  const spec = asMap(obj.spec) ?? {};
  const podPath = POD_SPEC_PATH[kind];
  if (podPath && String(obj.apiVersion ?? '').match(/^(v1|apps\/v1|batch\/v1)$/)) {
    let pod: unknown = obj;
    for (const key of podPath) pod = asMap(pod)?.[key];
    const podSpec = asMap(pod);
    const claims = kind === 'StatefulSet' ? asList(spec.volumeClaimTemplates).map((t) => String(asMap(asMap(t)?.metadata)?.name)) : [];
    if (podSpec) checkPodSpec(podSpec, podPath.join('.'), claims, v);
    if (kind !== 'Pod' && kind !== 'CronJob' && kind !== 'Job') checkWorkload(kind, spec, v);
  }
  switch (`${String(obj.apiVersion)}/${kind}`) {
    case 'v1/Service':
      checkService(spec, v);
      break;
    case 'v1/ConfigMap':
    case 'v1/Secret':
      checkConfigData(obj, v);
      break;
    case 'policy/v1/PodDisruptionBudget':
      checkIntOrPercent(spec.minAvailable, 'spec.minAvailable', v);
      checkIntOrPercent(spec.maxUnavailable, 'spec.maxUnavailable', v);
      break;
    case 'autoscaling/v2/HorizontalPodAutoscaler': {
      const min = spec.minReplicas ?? 1;
      if (!isInt(min, 1, INT32_MAX)) v.add('K8S_REPLICAS', 'spec.minReplicas', min, 'minReplicas out of range', `an integer from 1 to ${INT32_MAX}`);
      if (!isInt(spec.maxReplicas, typeof min === 'number' ? Math.max(1, min) : 1, INT32_MAX)) {
        v.add('K8S_REPLICAS', 'spec.maxReplicas', spec.maxReplicas, 'maxReplicas out of range', `an integer from minReplicas (${String(min)}) to ${INT32_MAX}`);
      }
      break;
    }
    default:
  }
}
