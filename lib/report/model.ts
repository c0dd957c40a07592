import * as jsyaml from 'js-yaml';
import { JsonObject, arr, isKind, isObject, metadataOf, obj, str, stringMap } from '../policy/manifest';
import { Manifest, PolicyObject } from '../policy/types';
import { containersOf, podTemplateOf } from '../policy/workloads';
import { AlertInfo, AuthorizationInfo, CallerEdge, DashboardInfo, ExternalInfo, GatewayInfo, HttpRouteInfo, PeerAuthenticationInfo, PortInfo, ReferenceEdge, RouteDestination, ServiceInfo, TopologyModel, TrafficPolicyInfo, VirtualServiceInfo } from './types';

export * from './types';

const ISTIO_NETWORKING = ['networking.istio.io'];
const ISTIO_SECURITY = ['security.istio.io'];

/** A route weight as shown everywhere: `90%`, `33.3%`, `—` when absent. */
export function percent(n: number | undefined): string {
  return n === undefined ? '—' : `${Number.isInteger(n) ? n : n.toFixed(1)}%`;
}

function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortBy<T>(items: T[], key: (t: T) => string): T[] {
  return items.sort((a, b) => byText(key(a), key(b)));
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function scalar(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
}

function nameOf(m: Manifest): string {
  return str(metadataOf(m).name) ?? '(unnamed)';
}

function namespaceOf(m: Manifest, fallback: string): string {
  return str(metadataOf(m).namespace) ?? fallback;
}

/**
 * Istio's protocol selection: `appProtocol` wins, else the port name prefix before `-`
 * (istio.io "Protocol Selection"), else the L4 protocol.
 */
export function protocolOf(port: JsonObject): string {
  const app = str(port.appProtocol);
  if (app) return app.toLowerCase();
  const name = str(port.name) ?? '';
  const prefix = name.split('-')[0].toLowerCase();
  if (['http', 'http2', 'https', 'grpc', 'grpc-web', 'tcp', 'tls', 'mongo', 'mysql', 'redis', 'udp'].includes(prefix)) return prefix;
  return (str(port.protocol) ?? 'TCP').toLowerCase();
}

function portsOf(list: unknown, portField: 'port' | 'number'): PortInfo[] {
  const out: PortInfo[] = [];
  for (const p of arr(list)) {
    const port = obj(p);
    const n = num(port[portField]);
    if (n === undefined) continue;
    out.push({ name: str(port.name), port: n, protocol: protocolOf(port), targetPort: scalar(port.targetPort) });
  }
  return out;
}

function selectorMatches(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(selector);
  return keys.length > 0 && keys.every((k) => labels[k] === selector[k]);
}

function labelText(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels).sort(byText).map((k) => `${k}=${labels[k]}`).join(', ');
}

/** Resolves a VirtualService/DestinationRule host to a service id: short names are relative to the object's namespace. */
function resolveHost(host: string, namespace: string, services: ReadonlyMap<string, ServiceInfo>): string | undefined {
  const parts = host.split('.');
  const candidate = parts.length === 1 ? `${namespace}/${parts[0]}` : parts.length >= 2 && (parts.length === 2 || parts[2] === 'svc') ? `${parts[1]}/${parts[0]}` : undefined;
  return candidate && services.has(candidate) ? candidate : undefined;
}

function matchText(match: unknown): string[] {
  const out: string[] = [];
  for (const m of arr(match)) {
    const parts: string[] = [];
    const entry = obj(m);
    for (const field of ['uri', 'scheme', 'method', 'authority']) {
      const sm = obj(entry[field]);
      for (const kind of ['exact', 'prefix', 'regex']) if (str(sm[kind]) !== undefined) parts.push(`${field} ${kind} ${str(sm[kind])}`);
    }
    for (const field of ['headers', 'queryParams', 'withoutHeaders']) {
      for (const [h, v] of Object.entries(obj(entry[field])).sort(([a], [b]) => byText(a, b))) {
        const sm = obj(v);
        const kinds = ['exact', 'prefix', 'regex'].filter((k) => str(sm[k]) !== undefined);
        parts.push(kinds.length ? `${field === 'withoutHeaders' ? 'without header' : field === 'headers' ? 'header' : 'query'} ${h} ${kinds.map((k) => `${k} ${str(sm[k])}`).join(' ')}` : `${field} ${h} present`);
      }
    }
    const port = num(entry.port);
    if (port !== undefined) parts.push(`port ${port}`);
    for (const g of arr(entry.gateways)) if (str(g)) parts.push(`gateway ${str(g)}`);
    for (const [k, v] of Object.entries(stringMap(entry.sourceLabels)).sort(([a], [b]) => byText(a, b))) parts.push(`source ${k}=${v}`);
    for (const h of arr(entry.sniHosts)) if (str(h)) parts.push(`sni ${str(h)}`);
    if (str(entry.sourceNamespace)) parts.push(`source namespace ${str(entry.sourceNamespace)}`);
    out.push(parts.length ? parts.join(' and ') : 'any');
  }
  return out;
}

function destinationsOf(route: unknown, namespace: string, services: ReadonlyMap<string, ServiceInfo>): RouteDestination[] {
  const list = arr(route).map(obj);
  const raw = list.map((r) => {
    const d = obj(r.destination);
    return { host: str(d.host) ?? '', subset: str(d.subset), port: num(obj(d.port).number), weight: num(r.weight) };
  });
  const total = raw.reduce((s, d) => s + (d.weight ?? 0), 0);
  return raw.map((d) => ({
    host: d.host,
    ...(d.subset !== undefined ? { subset: d.subset } : {}),
    ...(d.port !== undefined ? { port: d.port } : {}),
    // A lone destination takes all traffic; weights that do not sum to 100 are normalised by Istio (field notes).
    weight: raw.length === 1 ? 100 : total > 0 ? Math.round(((d.weight ?? 0) * 10000) / total) / 100 : 0,
    ...(resolveHost(d.host, namespace, services) ? { service: resolveHost(d.host, namespace, services) } : {}),
  }));
}

function retriesText(r: unknown): string | undefined {
  if (!isObject(r)) return undefined;
  const parts: string[] = [];
  if (num(r.attempts) !== undefined) parts.push(`${num(r.attempts)}×`);
  if (str(r.perTryTimeout)) parts.push(`per try ${str(r.perTryTimeout)}`);
  if (str(r.retryOn)) parts.push(`on ${str(r.retryOn)}`);
  return parts.join(' ') || undefined;
}

/** Short text of an object's scalar leaves: `{tcp: {maxConnections: 100}}` → `tcp.maxConnections 100`. */
function leaves(value: unknown, prefix = ''): string[] {
  if (!isObject(value)) return value === undefined ? [] : [`${prefix} ${Array.isArray(value) ? JSON.stringify(value) : String(value)}`.trim()];
  return Object.keys(value).sort(byText).flatMap((k) => leaves(value[k], prefix ? `${prefix}.${k}` : k));
}

function ruleFiles(text: string): unknown {
  try {
    return jsyaml.load(text);
  } catch {
    return undefined;
  }
}

function alertsFrom(groups: unknown, source: string): AlertInfo[] {
  const out: AlertInfo[] = [];
  for (const g of arr(groups)) {
    const group = obj(g);
    for (const r of arr(group.rules)) {
      const rule = obj(r);
      const alert = str(rule.alert);
      if (!alert) continue; // recording rules are not alerts
      const labels = stringMap(rule.labels);
      out.push({
        group: str(group.name) ?? '',
        alert,
        severity: labels.severity,
        for: scalar(rule.for),
        expr: scalar(rule.expr) ?? '',
        summary: str(obj(rule.annotations).summary),
        labels,
        source,
      });
    }
  }
  return out;
}

/** Alerting rules in PrometheusRule objects and in Prometheus rule files held by ConfigMaps. */
export function alertsOf(objects: readonly PolicyObject[]): AlertInfo[] {
  const out: AlertInfo[] = [];
  for (const { manifest } of objects) {
    const id = `${namespaceOf(manifest, 'default')}/${nameOf(manifest)}`;
    if (isKind(manifest, 'PrometheusRule', ['monitoring.coreos.com'])) out.push(...alertsFrom(obj(manifest.spec).groups, `PrometheusRule ${id}`));
    if (isKind(manifest, 'ConfigMap', [''])) {
      for (const [key, text] of Object.entries(stringMap(manifest.data)).sort(([a], [b]) => byText(a, b))) {
        if (!/\.ya?ml$/.test(key) || !/^\s*groups\s*:/m.test(text)) continue;
        out.push(...alertsFrom(obj(ruleFiles(text)).groups, `ConfigMap ${id} (${key})`));
      }
    }
  }
  return out;
}

/** Grafana dashboards held as JSON in ConfigMaps (the sidecar/provisioning convention) or in GrafanaDashboard objects. */
export function dashboardsOf(objects: readonly PolicyObject[]): DashboardInfo[] {
  const out: DashboardInfo[] = [];
  const add = (text: string, source: string): void => {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return;
    }
    const d = obj(json);
    if (!str(d.title) || !Array.isArray(d.panels)) return;
    const panels = arr(d.panels).reduce<number>((n, p) => n + 1 + arr(obj(p).panels).length, 0);
    out.push({ title: str(d.title)!, uid: str(d.uid), tags: arr(d.tags).filter((t): t is string => typeof t === 'string'), panels, source });
  };
  for (const { manifest } of objects) {
    const id = `${namespaceOf(manifest, 'default')}/${nameOf(manifest)}`;
    if (isKind(manifest, 'ConfigMap', [''])) {
      for (const [key, text] of Object.entries(stringMap(manifest.data)).sort(([a], [b]) => byText(a, b))) if (key.endsWith('.json')) add(text, `ConfigMap ${id} (${key})`);
    }
    if (manifest.kind === 'GrafanaDashboard') add(str(obj(manifest.spec).json) ?? '', `GrafanaDashboard ${id}`);
  }
  return out;
}

interface Workload {
  readonly namespace: string;
  readonly name: string;
  readonly kind: string;
  readonly labels: Record<string, string>;
  readonly images: string[];
  readonly replicas?: string;
  readonly serviceAccount: string;
  readonly env: { name: string; value: string }[];
}

function workloadsOf(objects: readonly PolicyObject[]): Workload[] {
  const hpas = new Map<string, string>();
  for (const { manifest } of objects) {
    if (!isKind(manifest, 'HorizontalPodAutoscaler', ['autoscaling'])) continue;
    const spec = obj(manifest.spec);
    const ref = obj(spec.scaleTargetRef);
    hpas.set(`${namespaceOf(manifest, 'default')}/${str(ref.kind)}/${str(ref.name)}`, `HPA ${num(spec.minReplicas) ?? 1}–${num(spec.maxReplicas) ?? '?'}`);
  }
  const out: Workload[] = [];
  for (const { manifest } of objects) {
    const pod = podTemplateOf(manifest);
    if (!pod || manifest.kind === 'Pod' || manifest.kind === 'ReplicaSet') continue;
    const namespace = namespaceOf(manifest, 'default');
    const containers = containersOf(pod).filter((c) => c.list === 'containers' || c.sidecar);
    const replicas = num(obj(manifest.spec).replicas);
    const hpa = hpas.get(`${namespace}/${String(manifest.kind)}/${nameOf(manifest)}`);
    out.push({
      namespace,
      name: nameOf(manifest),
      kind: String(manifest.kind),
      labels: stringMap(pod.metadata.labels),
      images: containers.map((c) => str(c.container.image) ?? '?'),
      replicas: hpa ?? (manifest.kind === 'DaemonSet' ? 'per node' : replicas !== undefined ? String(replicas) : undefined),
      serviceAccount: str(pod.spec.serviceAccountName) ?? 'default',
      env: containers.flatMap((c) => arr(c.container.env).map(obj).filter((e) => str(e.value) !== undefined).map((e) => ({ name: str(e.name) ?? '?', value: str(e.value)! }))),
    });
  }
  return sortBy(out, (w) => `${w.namespace}/${w.name}`);
}

function sourcesOfRule(rule: JsonObject): string[] {
  const froms = arr(rule.from);
  if (froms.length === 0) return ['any'];
  const out: string[] = [];
  for (const f of froms) {
    const source = obj(obj(f).source);
    for (const p of arr(source.principals)) if (str(p)) out.push(str(p)!);
    for (const n of arr(source.namespaces)) if (str(n)) out.push(`namespace:${str(n)}`);
    for (const b of arr(source.ipBlocks)) if (str(b)) out.push(`ip:${str(b)}`);
    for (const p of arr(source.requestPrincipals)) if (str(p)) out.push(`jwt:${str(p)}`);
    if (Object.keys(source).every((k) => k.startsWith('not'))) out.push(Object.keys(source).length ? `any except ${leaves(source).join('; ')}` : 'any');
  }
  return out;
}

function operationsOfRule(rule: JsonObject): string[] {
  const out: string[] = [];
  for (const t of arr(rule.to)) {
    const op = obj(obj(t).operation);
    const parts: string[] = [];
    for (const field of ['methods', 'paths', 'ports', 'hosts', 'notMethods', 'notPaths', 'notPorts', 'notHosts']) {
      const values = arr(op[field]).map(scalar).filter((v): v is string => v !== undefined);
      if (values.length) parts.push(`${field} ${values.join(', ')}`);
    }
    if (parts.length) out.push(parts.join('; '));
  }
  for (const w of arr(rule.when)) {
    const c = obj(w);
    out.push(`when ${str(c.key) ?? '?'} in ${arr(c.values).map(scalar).join(', ')}`);
  }
  return out;
}

/** A principal `<trust domain>/ns/<ns>/sa/<sa>` as namespace and service account. */
export function principalParts(principal: string): { namespace: string; sa: string } | undefined {
  const m = /(?:^|\/)ns\/([^/]+)\/sa\/([^/]+)$/.exec(principal);
  return m ? { namespace: m[1], sa: m[2] } : undefined;
}

/** Builds the topology model from parsed manifests (see {@link TopologyModel}). */
export function buildModel(objects: readonly PolicyObject[]): TopologyModel {
  const manifests = objects.map((o) => o.manifest);
  const workloads = workloadsOf(objects);

  const namespaces = new Set<string>();
  for (const m of manifests) {
    if (isKind(m, 'Namespace', [''])) namespaces.add(nameOf(m));
    else if (str(metadataOf(m).namespace)) namespaces.add(str(metadataOf(m).namespace)!);
  }

  // Services, with the workloads their selector picks as versions.
  const serviceList: ServiceInfo[] = [];
  // A StatefulSet's headless governing Service next to a client Service of the same pods is the same service.
  const governing = new Set(manifests.filter((m) => isKind(m, 'StatefulSet', ['apps'])).map((m) => `${namespaceOf(m, 'default')}/${str(obj(m.spec).serviceName) ?? ''}`));
  const sameSelector = (a: Record<string, string>, b: Record<string, string>) => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
  for (const m of manifests) {
    if (!isKind(m, 'Service', [''])) continue;
    const spec = obj(m.spec);
    const namespace = namespaceOf(m, 'default');
    const selector = stringMap(spec.selector);
    const twin = manifests.some((o) => o !== m && isKind(o, 'Service', ['']) && namespaceOf(o, 'default') === namespace && str(obj(o.spec).clusterIP) !== 'None'
      && sameSelector(stringMap(obj(o.spec).selector), selector));
    if (str(spec.clusterIP) === 'None' && governing.has(`${namespace}/${nameOf(m)}`) && twin) continue;
    const versions = workloads
      .filter((w) => w.namespace === namespace && selectorMatches(selector, w.labels))
      .map((w) => ({ version: w.labels.version ?? w.name, workload: w.name, kind: w.kind, images: w.images, replicas: w.replicas, serviceAccount: w.serviceAccount, labels: w.labels }));
    serviceList.push({
      id: `${namespace}/${nameOf(m)}`,
      namespace,
      name: nameOf(m),
      type: str(spec.type) ?? 'ClusterIP',
      ports: portsOf(spec.ports, 'port'),
      selector,
      versions: sortBy(versions, (v) => `${v.version}/${v.workload}`),
      ...(str(spec.externalName) ? { externalName: str(spec.externalName) } : {}),
    });
  }
  sortBy(serviceList, (s) => s.id);
  const services = new Map(serviceList.map((s) => [s.id, s]));

  const routes: VirtualServiceInfo[] = [];
  for (const m of manifests) {
    if (!isKind(m, 'VirtualService', ISTIO_NETWORKING)) continue;
    const spec = obj(m.spec);
    const namespace = namespaceOf(m, 'default');
    const list: HttpRouteInfo[] = [];
    for (const kind of ['http', 'tls', 'tcp'] as const) {
      for (const r of arr(spec[kind])) {
        const route = obj(r);
        list.push({
          kind,
          ...(str(route.name) ? { name: str(route.name) } : {}),
          match: matchText(route.match),
          destinations: destinationsOf(route.route, namespace, services),
          ...(str(route.timeout) ? { timeout: str(route.timeout) } : {}),
          ...(retriesText(route.retries) ? { retries: retriesText(route.retries) } : {}),
        });
      }
    }
    routes.push({
      id: `${namespace}/${nameOf(m)}`,
      namespace,
      name: nameOf(m),
      hosts: arr(spec.hosts).map(str).filter((h): h is string => !!h),
      // Gateway names without a namespace are relative to the VirtualService's (Istio VirtualService reference).
      gateways: arr(spec.gateways).map(str).filter((g): g is string => !!g).map((g) => (g === 'mesh' || g.includes('/') ? g : `${namespace}/${g}`)),
      routes: list,
    });
  }
  sortBy(routes, (r) => r.id);

  const gateways: GatewayInfo[] = [];
  for (const m of manifests) {
    if (!isKind(m, 'Gateway', ISTIO_NETWORKING)) continue;
    const spec = obj(m.spec);
    const namespace = namespaceOf(m, 'default');
    gateways.push({
      id: `${namespace}/${nameOf(m)}`,
      namespace,
      name: nameOf(m),
      selector: stringMap(spec.selector),
      servers: arr(spec.servers).map(obj).map((s) => {
        const port = obj(s.port);
        const tls = obj(s.tls);
        return {
          hosts: arr(s.hosts).map(str).filter((h): h is string => !!h),
          port: num(port.number),
          protocol: (str(port.protocol) ?? '?').toUpperCase(),
          ...(s.tls !== undefined ? { tls: tls.httpsRedirect === true ? 'redirect to HTTPS' : str(tls.mode) ?? '' } : {}),
        };
      }),
    });
  }
  sortBy(gateways, (g) => g.id);

  const externals: ExternalInfo[] = [];
  for (const m of manifests) {
    const namespace = namespaceOf(m, 'default');
    if (isKind(m, 'ServiceEntry', ISTIO_NETWORKING)) {
      const spec = obj(m.spec);
      externals.push({
        id: `${namespace}/${nameOf(m)}`,
        namespace,
        name: nameOf(m),
        kind: 'ServiceEntry',
        hosts: arr(spec.hosts).map(str).filter((h): h is string => !!h),
        ports: portsOf(spec.ports, 'number'),
        location: str(spec.location) ?? 'MESH_EXTERNAL',
        resolution: str(spec.resolution) ?? 'NONE',
      });
    }
  }
  sortBy(externals, (e) => e.id);

  // Authorization: which services each policy selects, and who may call them.
  const servicePodLabels = (s: ServiceInfo): Record<string, string>[] => (s.versions.length ? s.versions.map((v) => v.labels) : [s.selector]);
  const authorization: AuthorizationInfo[] = [];
  const callers: CallerEdge[] = [];
  const saToService = new Map<string, string>();
  for (const s of serviceList) for (const v of s.versions) if (!saToService.has(`${s.namespace}/${v.serviceAccount}`)) saToService.set(`${s.namespace}/${v.serviceAccount}`, s.id);
  for (const m of manifests) {
    if (!isKind(m, 'AuthorizationPolicy', ISTIO_SECURITY)) continue;
    const spec = obj(m.spec);
    const namespace = namespaceOf(m, 'default');
    const selector = stringMap(obj(spec.selector).matchLabels);
    const targetRefs = arr(spec.targetRefs).concat(spec.targetRef !== undefined ? [spec.targetRef] : []).map(obj);
    // A policy in the root namespace (istio-system by default) applies mesh-wide; here it shows as namespace-wide.
    const targets = targetRefs.length
      ? serviceList.filter((s) => targetRefs.some((r) => str(r.kind) === 'Service' && str(r.name) === s.name && (str(r.namespace) ?? namespace) === s.namespace)).map((s) => s.id)
      : serviceList.filter((s) => s.namespace === namespace && s.type !== 'ExternalName' && (Object.keys(selector).length === 0 || servicePodLabels(s).some((l) => selectorMatches(selector, l)))).map((s) => s.id);
    const action = str(spec.action) ?? 'ALLOW';
    const rules = arr(spec.rules).map(obj);
    const sources: string[] = [];
    const ruleTexts: string[] = [];
    for (const rule of rules) {
      const from = sourcesOfRule(rule);
      const ops = operationsOfRule(rule);
      sources.push(...from);
      ruleTexts.push(`from ${from.join(', ')}${ops.length ? ` to ${ops.join(' | ')}` : ''}`);
      if (action !== 'ALLOW') continue;
      for (const caller of from) {
        const p = principalParts(caller);
        const svc = p ? saToService.get(`${p.namespace}/${p.sa}`) : undefined;
        for (const to of targets) callers.push({ from: svc ?? caller, fromService: svc !== undefined, to, operations: ops, policy: `${namespace}/${nameOf(m)}` });
      }
    }
    authorization.push({
      id: `${namespace}/${nameOf(m)}`,
      namespace,
      name: nameOf(m),
      action,
      targets,
      scope: targetRefs.length ? targetRefs.map((r) => `${str(r.kind) ?? '?'} ${str(r.name) ?? '?'}`).join(', ') : Object.keys(selector).length ? labelText(selector) : 'namespace-wide',
      rules: ruleTexts,
      sources: [...new Set(sources)],
      denyAll: action === 'ALLOW' && rules.length === 0,
    });
  }
  sortBy(authorization, (a) => a.id);
  sortBy(callers, (c) => `${c.to} ${c.from} ${c.policy}`);

  const peerAuthentications: PeerAuthenticationInfo[] = [];
  for (const m of manifests) {
    if (!isKind(m, 'PeerAuthentication', ISTIO_SECURITY)) continue;
    const spec = obj(m.spec);
    const namespace = namespaceOf(m, 'default');
    const selector = stringMap(obj(spec.selector).matchLabels);
    peerAuthentications.push({
      id: `${namespace}/${nameOf(m)}`,
      namespace,
      name: nameOf(m),
      scope: Object.keys(selector).length ? labelText(selector) : namespace === 'istio-system' ? 'mesh-wide (root namespace)' : 'namespace-wide',
      // Unset mode inherits from the parent scope (Istio PeerAuthentication reference).
      mode: str(obj(spec.mtls).mode) ?? 'UNSET (inherits)',
      portLevel: Object.entries(obj(spec.portLevelMtls)).sort(([a], [b]) => byText(a, b)).map(([port, v]) => `${port}: ${str(obj(v).mode) ?? '?'}`),
    });
  }
  sortBy(peerAuthentications, (p) => p.id);

  const trafficPolicies: TrafficPolicyInfo[] = [];
  for (const m of manifests) {
    if (!isKind(m, 'DestinationRule', ISTIO_NETWORKING)) continue;
    const spec = obj(m.spec);
    const namespace = namespaceOf(m, 'default');
    const host = str(spec.host) ?? '';
    const tp = obj(spec.trafficPolicy);
    const lb = obj(tp.loadBalancer);
    trafficPolicies.push({
      id: `${namespace}/${nameOf(m)}`,
      host,
      ...(resolveHost(host, namespace, services) ? { service: resolveHost(host, namespace, services) } : {}),
      subsets: arr(spec.subsets).map(obj).map((s) => `${str(s.name) ?? '?'} (${labelText(stringMap(s.labels))})`),
      tls: str(obj(tp.tls).mode),
      loadBalancer: str(lb.simple) ?? (isObject(lb.consistentHash) ? 'consistentHash' : undefined),
      connectionPool: leaves(tp.connectionPool),
      outlierDetection: leaves(tp.outlierDetection),
    });
  }
  sortBy(trafficPolicies, (t) => t.id);

  // Declared dependencies: env values naming a service or external host (e.g. DB_HOST=orders-db.shop.svc.cluster.local).
  const references: ReferenceEdge[] = [];
  const hostIndex = new Map<string, string>();
  for (const s of serviceList) for (const h of [s.name, `${s.name}.${s.namespace}`, `${s.name}.${s.namespace}.svc`, `${s.name}.${s.namespace}.svc.cluster.local`]) hostIndex.set(h, s.id);
  for (const e of externals) for (const h of e.hosts) hostIndex.set(h, `external:${e.id}`);
  for (const w of workloads) {
    const from = serviceList.find((s) => s.namespace === w.namespace && selectorMatches(s.selector, w.labels))?.id;
    if (!from) continue;
    for (const e of w.env) {
      const host = /^(?:[a-z][a-z0-9+.-]*:\/\/)?([^/:@\s]+)/i.exec(e.value)?.[1];
      const short = host && !host.includes('.') ? `${w.namespace}/${host}` : undefined;
      const to = host ? (short && services.has(short) ? short : host.includes('.') ? hostIndex.get(host) : undefined) : undefined;
      if (to && to !== from && !references.some((r) => r.from === from && r.to === to)) references.push({ from, to, via: `env ${e.name}` });
    }
  }
  sortBy(references, (r) => `${r.from} ${r.to}`);

  const kindCounts = new Map<string, number>();
  for (const m of manifests) kindCounts.set(String(m.kind), (kindCounts.get(String(m.kind)) ?? 0) + 1);

  return {
    namespaces: [...namespaces].sort(byText),
    services: serviceList,
    routes,
    gateways,
    externals,
    authorization,
    callers,
    peerAuthentications,
    trafficPolicies,
    alerts: alertsOf(objects),
    dashboards: dashboardsOf(objects),
    references,
    kinds: [...kindCounts.entries()].sort(([a], [b]) => byText(a, b)).map(([kind, count]) => ({ kind, count })),
    objects: sortBy(
      objects.map((o) => ({ kind: String(o.manifest.kind), id: str(metadataOf(o.manifest).namespace) ? `${str(metadataOf(o.manifest).namespace)}/${nameOf(o.manifest)}` : nameOf(o.manifest), file: o.file })),
      (o) => `${o.kind} ${o.id} ${o.file}`,
    ),
  };
}

/**
 * Alerts and dashboards defined elsewhere (usually the observability app) that concern
 * `namespaces`: an alert labelled with one of them or whose expression names one, a
 * dashboard tagged with one or titled `…<namespace>/…`.
 */
export function relatedObservability(context: readonly PolicyObject[], namespaces: readonly string[]): { alerts: AlertInfo[]; dashboards: DashboardInfo[] } {
  const ns = new Set(namespaces);
  const alerts = alertsOf(context).filter((a) => (a.labels.namespace !== undefined && ns.has(a.labels.namespace)) || namespaces.some((n) => new RegExp(`namespace="${n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`).test(a.expr)));
  const dashboards = dashboardsOf(context).filter((d) => d.tags.some((t) => ns.has(t)) || namespaces.some((n) => d.title.includes(`${n}/`)));
  return { alerts, dashboards };
}
