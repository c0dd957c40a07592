import * as jsyaml from 'js-yaml';
import { arr, isKind, isObject, metadataOf, obj, str, stringMap } from '../policy/manifest';
import { Manifest, PolicyObject } from '../policy/types';
import { podTemplateOf } from '../policy/workloads';
import { EXPORT_TO_ALL, EXPORT_TO_LOCAL, scopedFqdn } from './hosts';
import { AnalysisInput, Located, WorkloadInfo } from './types';

const ISTIO_NETWORKING = ['networking.istio.io'];

/** What `istioctl analyze` assumes for a file object without a namespace. */
export const DEFAULT_NAMESPACE = 'default';

function locate(object: PolicyObject): Located {
  const metadata = metadataOf(object.manifest);
  return { object, manifest: object.manifest, namespace: str(metadata.namespace) ?? DEFAULT_NAMESPACE, name: str(metadata.name) ?? '' };
}

/** `spec` of a manifest (empty when unset). */
export function specOf(manifest: Manifest): Readonly<Record<string, unknown>> {
  return obj(manifest.spec);
}

/** The string entries of a list field. */
export function strings(value: unknown): string[] {
  return arr(value).filter((v): v is string => typeof v === 'string');
}

/**
 * Whether a mesh config turns on address auto-allocation the way Istio's IST0134
 * analyzer reads it (serviceentry/protocoladdresses.go): proxyMetadata
 * ISTIO_META_DNS_CAPTURE "true" and ISTIO_META_DNS_AUTO_ALLOCATE or PILOT_ENABLE_IP_AUTOALLOCATE "true".
 */
function meshConfigAutoAllocates(meshConfig: unknown): boolean {
  const metadata = stringMap(obj(obj(meshConfig).defaultConfig).proxyMetadata);
  if (metadata.ISTIO_META_DNS_CAPTURE !== 'true') return false;
  return metadata.ISTIO_META_DNS_AUTO_ALLOCATE === 'true' || metadata.PILOT_ENABLE_IP_AUTOALLOCATE === 'true';
}

/** Mesh configs in the input: the `istio` ConfigMap (`data.mesh`, as istiod reads it) and IstioOperator `spec.meshConfig`. */
function autoAllocates(objects: readonly PolicyObject[]): boolean {
  for (const { manifest } of objects) {
    if (isKind(manifest, 'ConfigMap', ['']) && /^istio(-.+)?$/.test(str(metadataOf(manifest).name) ?? '')) {
      const mesh = str(obj(manifest.data).mesh);
      if (mesh === undefined) continue;
      try {
        if (meshConfigAutoAllocates(jsyaml.load(mesh))) return true;
      } catch {
        // Unparseable mesh config: istiod would reject it; treat as not allocating.
      }
    }
    if (isKind(manifest, 'IstioOperator', ['install.istio.io']) && meshConfigAutoAllocates(specOf(manifest).meshConfig)) return true;
  }
  return false;
}

/** Indexes the checked objects by the kinds the analyzers read. */
export function buildInput(objects: readonly PolicyObject[]): AnalysisInput {
  const out = {
    virtualServices: [] as Located[],
    destinationRules: [] as Located[],
    serviceEntries: [] as Located[],
    gateways: [] as Located[],
    kubernetesGateways: [] as Located[],
    services: [] as Located[],
    serviceAccounts: [] as Located[],
    secrets: [] as Located[],
    certificates: [] as Located[],
    workloads: [] as WorkloadInfo[],
  };
  for (const object of objects) {
    const m = object.manifest;
    if (isKind(m, 'VirtualService', ISTIO_NETWORKING)) out.virtualServices.push(locate(object));
    else if (isKind(m, 'DestinationRule', ISTIO_NETWORKING)) out.destinationRules.push(locate(object));
    else if (isKind(m, 'ServiceEntry', ISTIO_NETWORKING)) out.serviceEntries.push(locate(object));
    else if (isKind(m, 'Gateway', ISTIO_NETWORKING)) out.gateways.push(locate(object));
    else if (isKind(m, 'Gateway', ['gateway.networking.k8s.io'])) out.kubernetesGateways.push(locate(object));
    else if (isKind(m, 'Service', [''])) out.services.push(locate(object));
    else if (isKind(m, 'ServiceAccount', [''])) out.serviceAccounts.push(locate(object));
    else if (isKind(m, 'Secret', [''])) out.secrets.push(locate(object));
    else if (isKind(m, 'Certificate', ['cert-manager.io'])) out.certificates.push(locate(object));
    else {
      const pod = podTemplateOf(m);
      if (pod) {
        out.workloads.push({
          ...locate(object),
          podLabels: stringMap(pod.metadata.labels),
          podAnnotations: stringMap(pod.metadata.annotations),
          podSpec: pod.spec,
          podSpecPath: pod.path,
        });
      }
    }
  }
  return { objects, ...out, autoAllocatesAddresses: autoAllocates(objects) };
}

/** A port of a visible host. */
export interface HostPort {
  readonly number: number;
  readonly name: string;
  readonly protocol: string;
}

/** A host a destination can resolve to: a ServiceEntry host or a Kubernetes Service. */
export interface VisibleHost {
  readonly source: Located;
  readonly ports: readonly HostPort[];
  /** ServiceEntry `workloadSelector.labels` (undefined when none). */
  readonly workloadSelector?: Readonly<Record<string, string>>;
  /** Service `spec.selector` (undefined for a ServiceEntry or a Service without selector). */
  readonly serviceSelector?: Readonly<Record<string, string>>;
}

function portsOf(value: unknown, numberField: 'number' | 'port'): HostPort[] {
  return arr(value)
    .map(obj)
    .map((p) => ({ number: typeof p[numberField] === 'number' ? (p[numberField] as number) : 0, name: str(p.name) ?? '', protocol: str(p.protocol) ?? '' }));
}

/**
 * util.InitServiceEntryHostMap: every host visible somewhere, keyed `<scope>/<fqdn>`.
 * ServiceEntry hosts are scoped by `exportTo` (none = all namespaces); Services by
 * the `networking.istio.io/exportTo` annotation (none = all namespaces).
 */
export function visibleHosts(input: AnalysisInput): Map<string, VisibleHost> {
  const result = new Map<string, VisibleHost>();
  for (const se of input.serviceEntries) {
    const spec = specOf(se.manifest);
    const exportTo = strings(spec.exportTo);
    const selector = isObject(spec.workloadSelector) ? stringMap(obj(spec.workloadSelector).labels) : undefined;
    const entry: VisibleHost = { source: se, ports: portsOf(spec.ports, 'number'), ...(selector ? { workloadSelector: selector } : {}) };
    for (const h of strings(spec.hosts)) {
      if (exportTo.length === 0 || exportTo.includes(EXPORT_TO_ALL)) {
        result.set(scopedFqdn(EXPORT_TO_ALL, se.namespace, h), entry);
        continue;
      }
      for (const e of exportTo) result.set(scopedFqdn(e === EXPORT_TO_LOCAL ? se.namespace : e, se.namespace, h), entry);
    }
  }
  for (const svc of input.services) {
    const spec = specOf(svc.manifest);
    const selector = isObject(spec.selector) ? stringMap(spec.selector) : undefined;
    const entry: VisibleHost = { source: svc, ports: portsOf(spec.ports, 'port'), ...(selector ? { serviceSelector: selector } : {}) };
    const anno = stringMap(metadataOf(svc.manifest).annotations)['networking.istio.io/exportTo'];
    const scopes = anno === undefined || anno === '' ? [EXPORT_TO_ALL] : anno.split(',').map((s) => (s.trim() === EXPORT_TO_LOCAL ? svc.namespace : s.trim()));
    for (const scope of scopes) result.set(scopedFqdn(scope, svc.namespace, svc.name), entry);
  }
  return result;
}

/**
 * Pod templates indexed by namespace and label pair, so that a selector is
 * matched against the few templates sharing its rarest pair (linear overall).
 */
export class PodIndex {
  private readonly byPair = new Map<string, WorkloadInfo[]>();
  private readonly byNamespace = new Map<string, WorkloadInfo[]>();

  constructor(workloads: readonly WorkloadInfo[]) {
    for (const w of workloads) {
      PodIndex.push(this.byNamespace, w.namespace, w);
      for (const [k, v] of Object.entries(w.podLabels)) PodIndex.push(this.byPair, `${w.namespace}\u0000${k}\u0000${v}`, w);
    }
  }

  private static push(map: Map<string, WorkloadInfo[]>, key: string, w: WorkloadInfo): void {
    const list = map.get(key);
    if (list) list.push(w);
    else map.set(key, [w]);
  }

  /** Whether some pod template in `namespace` carries every label of `selector`. */
  selects(namespace: string, selector: Readonly<Record<string, string>>): boolean {
    const pairs = Object.entries(selector);
    let candidates = this.byNamespace.get(namespace) ?? [];
    for (const [k, v] of pairs) {
      const list = this.byPair.get(`${namespace}\u0000${k}\u0000${v}`) ?? [];
      if (list.length < candidates.length) candidates = list;
    }
    return candidates.some((w) => selects(selector, w.podLabels));
  }
}

/** Whether `labels` carries every pair of `selector`. */
export function selects(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}
