import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { findYamlFiles, parseManifests } from '../policy/load';
import { apiGroup, isObject, metadataOf, obj, str } from '../policy/manifest';
import { Manifest, PolicyObject } from '../policy/types';
import { containersOf, podTemplateOf } from '../policy/workloads';
import { MeshforgeError } from '../validation';
import { AlertInfo, HttpRouteInfo, TopologyModel, alertsOf, buildModel, percent } from './model';

/**
 * The meaning of a change to dist/: what a reviewer needs to know (traffic moved,
 * callers allowed, hosts reached, images, capacity, mTLS, alerts), then every other
 * changed object by name. Works on any YAML, not only what meshforge wrote.
 */

export interface DiffSection {
  readonly title: string;
  readonly lines: readonly string[];
}

export interface DistDiff {
  readonly sections: readonly DiffSection[];
  /** Number of objects added, removed and changed (any field). */
  readonly added: number;
  readonly removed: number;
  readonly changed: number;
}

/** Files of dist/ keyed by their path relative to the dist folder (`shop/50-mesh-traffic.k8s.yaml`). */
export type DistFiles = ReadonlyMap<string, string>;

function git(args: readonly string[], cwd: string, input?: string): Buffer {
  const r = spawnSync('git', args, { cwd, input, maxBuffer: 1 << 30 });
  if (r.error || r.status !== 0) {
    throw new MeshforgeError('git failed', { code: 'DIFF_GIT', field: `git ${args.join(' ')}`, value: (r.stderr?.toString() || String(r.error)).trim(), expected: 'a git work tree and a ref that exists (a commit, branch or tag)' });
  }
  return r.stdout;
}

/** The YAML files of `dist` at `ref`, read from git objects (no checkout). */
export function readDistAtRef(ref: string, options: { readonly cwd?: string; readonly dist?: string } = {}): DistFiles {
  const cwd = options.cwd ?? process.cwd();
  const dist = (options.dist ?? 'dist').replace(/\/+$/, '');
  git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], cwd);
  const names = git(['ls-tree', '-r', '-z', '--name-only', ref, '--', dist], cwd)
    .toString('utf8')
    .split('\0')
    .filter((n) => /\.ya?ml$/.test(n))
    .sort();
  const out = new Map<string, string>();
  if (names.length === 0) return out;
  // One `git cat-file --batch` for all files; `<ref>:./<path>` is relative to cwd, like ls-tree's output.
  const buf = git(['cat-file', '--batch'], cwd, names.map((n) => `${ref}:./${n}\n`).join(''));
  let pos = 0;
  for (const name of names) {
    const nl = buf.indexOf(10, pos);
    const header = buf.subarray(pos, nl).toString('utf8');
    const size = Number(header.split(' ')[2]);
    out.set(path.posix.relative(dist, name), buf.subarray(nl + 1, nl + 1 + size).toString('utf8'));
    pos = nl + 1 + size + 1;
  }
  return out;
}

/** The YAML files of `dist` in the working tree. */
export function readDistWorkingTree(options: { readonly cwd?: string; readonly dist?: string } = {}): DistFiles {
  const cwd = options.cwd ?? process.cwd();
  const dist = options.dist ?? 'dist';
  const out = new Map<string, string>();
  if (!fs.existsSync(path.resolve(cwd, dist))) return out;
  for (const f of findYamlFiles([dist], { cwd })) out.set(path.relative(path.resolve(cwd, dist), f).split(path.sep).join('/'), fs.readFileSync(f, 'utf8'));
  return out;
}

interface Keyed {
  readonly folder: string;
  readonly key: string;
  /** `Kind ns/name` as shown to the reader. */
  readonly label: string;
  readonly manifest: Manifest;
}

function folderOf(file: string): string {
  const dir = path.posix.dirname(file);
  return dir === '.' ? '' : dir;
}

function idOf(m: Manifest): string {
  const meta = metadataOf(m);
  const ns = str(meta.namespace);
  return ns ? `${ns}/${str(meta.name) ?? '?'}` : str(meta.name) ?? '?';
}

function keyedObjects(files: DistFiles): Keyed[] {
  const out: Keyed[] = [];
  for (const [file, text] of [...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    for (const o of parseManifests(text, file)) {
      const m = o.manifest;
      const folder = folderOf(file);
      out.push({ folder, key: `${folder}|${apiGroup(m)}|${String(m.kind)}|${idOf(m)}`, label: `${String(m.kind)} ${idOf(m)}`, manifest: m });
    }
  }
  return out;
}

/** Leaf values by dotted path (`spec.http[0].route[1].weight`); empty objects and arrays are leaves too. */
export function flatten(value: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(value) && value.length > 0) value.forEach((v, i) => flatten(v, `${prefix}[${i}]`, out));
  else if (isObject(value) && Object.keys(value).length > 0) for (const k of Object.keys(value)) flatten(value[k], prefix ? `${prefix}.${k}` : k, out);
  else out.set(prefix, JSON.stringify(value));
  return out;
}

function changedPaths(a: Manifest, b: Manifest): string[] {
  const fa = flatten(a);
  const fb = flatten(b);
  return [...new Set([...fa.keys(), ...fb.keys()])].filter((k) => fa.get(k) !== fb.get(k)).sort();
}

const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod'];

function alertsIn(m: Manifest | undefined, key: string | undefined): string {
  if (!m) return '';
  const objects = [{ manifest: key === undefined ? m : { ...m, data: { [key]: obj(m.data)[key] } }, file: '' }];
  return JSON.stringify(alertsOf(objects));
}

/**
 * Fields a semantic section explains, so they are not listed again under "Other changes".
 * Only what the sections print is claimed: anything else (a subset's own trafficPolicy, a
 * recording rule, a CORS policy) stays visible under "Other changes".
 */
function explained(before: Manifest, after: Manifest, p: string): boolean {
  const kind = String(after.kind);
  const group = apiGroup(after);
  if (group === 'networking.istio.io' && kind === 'VirtualService') return /^spec\.(hosts|gateways|(http|tcp|tls)\[\d+\]\.(route|match|name|timeout|retries))/.test(p) || /^spec\.(http|tcp|tls)$/.test(p);
  if (group === 'networking.istio.io' && kind === 'DestinationRule') return /^spec\.(trafficPolicy\.(tls\.mode|loadBalancer\.simple|connectionPool|outlierDetection)|subsets\[\d+\]\.(name|labels))/.test(p);
  if (group === 'networking.istio.io' && kind === 'ServiceEntry') return /^spec\.hosts/.test(p);
  if (group === 'security.istio.io' && kind === 'AuthorizationPolicy') return /^spec\.(action|selector|targetRefs?|rules)/.test(p);
  if (group === 'security.istio.io' && kind === 'PeerAuthentication') return /^spec\.(mtls|portLevelMtls|selector)/.test(p);
  if (group === '' && kind === 'Service') return p === 'spec.externalName';
  if (kind === 'HorizontalPodAutoscaler') return /^spec\.(min|max)Replicas$/.test(p);
  // Rule files: claimed only when their alerting rules differ (a recording-rule change stays listed).
  if (kind === 'PrometheusRule') return p.startsWith('spec.groups') && alertsIn(before, undefined) !== alertsIn(after, undefined);
  if (group === '' && kind === 'ConfigMap' && p.startsWith('data.')) {
    const key = p.slice(5);
    return alertsIn(before, key) !== alertsIn(after, key);
  }
  if (WORKLOAD_KINDS.includes(kind)) return p === 'spec.replicas' || /\.(containers|initContainers)\[\d+\]\.(image|resources)(\.|$)/.test(p);
  return false;
}


function routeKey(h: HttpRouteInfo, i: number): string {
  return `${h.kind}:${h.name ?? `#${i}`}`;
}

/** `v1` for a subset of the VirtualService's own service, else `host subset`. */
function destLabel(host: string, subset: string | undefined, vsHosts: readonly string[]): string {
  const own = vsHosts.includes(host) || vsHosts.some((h) => h.split('.')[0] === host.split('.')[0]);
  const name = own ? '' : host.split('.')[0];
  return [name, subset].filter(Boolean).join(' ') || host;
}

function weightsOf(h: HttpRouteInfo, hosts: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const d of h.destinations) {
    const label = destLabel(d.host, d.subset, hosts) + (d.port ? `:${d.port}` : '');
    m.set(label, (m.get(label) ?? 0) + d.weight);
  }
  return m;
}

function weightsText(w: Map<string, number>): string {
  return [...w.entries()].map(([k, v]) => `${k} ${percent(v)}`).join(', ');
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Items of both lists matched by id, sorted by id: `[id, before, after]` (one side undefined when added or removed). */
function pairs<T extends { readonly id: string }>(before: readonly T[], after: readonly T[]): [string, T | undefined, T | undefined][] {
  const ids = [...new Set([...before.map((x) => x.id), ...after.map((x) => x.id)])].sort();
  return ids.map((id) => [id, before.find((x) => x.id === id), after.find((x) => x.id === id)]);
}

function routeLines(prefix: string, before: TopologyModel, after: TopologyModel): string[] {
  const out: string[] = [];
  for (const [id, b, a] of pairs(before.routes, after.routes)) {
    const name = `${prefix}${id}`;
    if (!b && a) {
      out.push(`${name}: new VirtualService (${a.hosts.join(', ')}): ${a.routes.map((h) => weightsText(weightsOf(h, a.hosts))).join('; ')}`);
      continue;
    }
    if (b && !a) {
      out.push(`${name}: VirtualService removed (was ${b.routes.map((h) => weightsText(weightsOf(h, b.hosts))).join('; ')})`);
      continue;
    }
    if (!a || !b) continue;
    if (!sameList(b.hosts, a.hosts)) out.push(`${name}: hosts ${b.hosts.join(', ')} → ${a.hosts.join(', ')}`);
    if (!sameList(b.gateways, a.gateways)) out.push(`${name}: gateways ${b.gateways.join(', ') || 'mesh'} → ${a.gateways.join(', ') || 'mesh'}`);
    const bRoutes = new Map(b.routes.map((h, i) => [routeKey(h, i), h]));
    const aRoutes = new Map(a.routes.map((h, i) => [routeKey(h, i), h]));
    const several = a.routes.length > 1 || b.routes.length > 1;
    for (const key of [...new Set([...bRoutes.keys(), ...aRoutes.keys()])]) {
      const hb = bRoutes.get(key);
      const ha = aRoutes.get(key);
      const label = `${name}${several ? ` route ${key.split(':')[1]}` : ''}`;
      if (!hb && ha) {
        out.push(`${label}: route added (${ha.match.join(' or ') || 'every request'} → ${weightsText(weightsOf(ha, a.hosts))})`);
        continue;
      }
      if (hb && !ha) {
        out.push(`${label}: route removed (was ${hb.match.join(' or ') || 'every request'} → ${weightsText(weightsOf(hb, b.hosts))})`);
        continue;
      }
      if (!hb || !ha) continue;
      const wb = weightsOf(hb, b.hosts);
      const wa = weightsOf(ha, a.hosts);
      const changes = [...new Set([...wb.keys(), ...wa.keys()])].filter((k) => wb.get(k) !== wa.get(k)).map((k) => `${k} ${percent(wb.get(k))} → ${percent(wa.get(k))}`);
      if (changes.length) out.push(`${label}: ${changes.join(', ')}`);
      if (!sameList(hb.match, ha.match)) out.push(`${label}: match ${hb.match.join(' or ') || 'every request'} → ${ha.match.join(' or ') || 'every request'}`);
      if (hb.timeout !== ha.timeout) out.push(`${label}: timeout ${hb.timeout ?? 'none'} → ${ha.timeout ?? 'none'}`);
      if (hb.retries !== ha.retries) out.push(`${label}: retries ${hb.retries ?? 'none'} → ${ha.retries ?? 'none'}`);
    }
  }
  return out;
}

function callerLines(prefix: string, before: TopologyModel, after: TopologyModel): string[] {
  const key = (c: { to: string; from: string }): string => `${c.to} ← ${c.from}`;
  const ops = (m: TopologyModel): Map<string, string> => {
    const out = new Map<string, string>();
    for (const c of m.callers) out.set(key(c), [out.get(key(c)), c.operations.join(' | ') || 'everything'].filter(Boolean).join(' | '));
    return out;
  };
  const b = ops(before);
  const a = ops(after);
  const out: string[] = [];
  for (const k of [...new Set([...b.keys(), ...a.keys()])].sort()) {
    const [to, from] = k.split(' ← ');
    if (!b.has(k)) out.push(`${prefix}${to}: caller added: ${from} (may do ${a.get(k)})`);
    else if (!a.has(k)) out.push(`${prefix}${to}: caller removed: ${from}`);
    else if (b.get(k) !== a.get(k)) out.push(`${prefix}${to}: caller ${from} may do ${b.get(k)} → ${a.get(k)}`);
  }
  return out;
}

function policyLines(prefix: string, before: TopologyModel, after: TopologyModel): string[] {
  const out: string[] = [];
  for (const [id, b, a] of pairs(before.authorization, after.authorization)) {
    const name = `${prefix}AuthorizationPolicy ${id}`;
    if (!b && a) out.push(`${name} added: ${a.action} on ${a.scope}${a.denyAll ? ' (no rules: denies everything it selects)' : a.rules.length ? `: ${a.rules.join('; ')}` : ''}`);
    else if (b && !a) out.push(`${name} removed (was ${b.action} on ${b.scope})`);
    else if (a && b) {
      if (a.action !== b.action) out.push(`${name}: action ${b.action} → ${a.action}`);
      if (a.scope !== b.scope) out.push(`${name}: applies to ${b.scope} → ${a.scope}`);
      // ALLOW rule changes show as callers; other actions' rules are listed here.
      // ALLOW rules of a policy that selects none of the services cannot show as callers either.
      if ((a.action !== 'ALLOW' || a.targets.length === 0) && !sameList(a.rules, b.rules)) out.push(`${name}: rules ${b.rules.join('; ') || 'none'} → ${a.rules.join('; ') || 'none'}`);
      if (a.denyAll !== b.denyAll) out.push(`${name}: ${a.denyAll ? 'now has no rules: denies everything it selects' : 'has rules again'}`);
    }
  }
  return out;
}

function mtlsLines(prefix: string, before: TopologyModel, after: TopologyModel): string[] {
  const out: string[] = [];
  for (const [id, b, a] of pairs(before.peerAuthentications, after.peerAuthentications)) {
    const name = `${prefix}PeerAuthentication ${id}`;
    if (!b && a) out.push(`${name} added: ${a.mode} (${a.scope})`);
    else if (b && !a) out.push(`${name} removed (was ${b.mode}, ${b.scope})`);
    else if (a && b) {
      if (a.mode !== b.mode) out.push(`${name}: ${b.mode} → ${a.mode}${a.mode === 'PERMISSIVE' || a.mode === 'DISABLE' ? ' ⚠️ plaintext accepted' : ''}`);
      if (a.scope !== b.scope) out.push(`${name}: scope ${b.scope} → ${a.scope}`);
      if (!sameList(a.portLevel, b.portLevel)) out.push(`${name}: port level ${b.portLevel.join(', ') || 'none'} → ${a.portLevel.join(', ') || 'none'}`);
    }
  }
  for (const t of after.trafficPolicies) {
    const b = before.trafficPolicies.find((x) => x.id === t.id);
    if (b && b.tls !== t.tls) out.push(`${prefix}DestinationRule ${t.id}: client TLS ${b.tls ?? 'unset'} → ${t.tls ?? 'unset'}`);
  }
  return out;
}

function trafficPolicyLines(prefix: string, before: TopologyModel, after: TopologyModel): string[] {
  const out: string[] = [];
  for (const [id, b, a] of pairs(before.trafficPolicies, after.trafficPolicies)) {
    const name = `${prefix}DestinationRule ${id}`;
    if (!b && a) {
      out.push(`${name} added: subsets ${a.subsets.join(', ') || 'none'}`);
      continue;
    }
    if (b && !a) {
      out.push(`${name} removed`);
      continue;
    }
    if (!a || !b) continue;
    const added = a.subsets.filter((s) => !b.subsets.includes(s));
    const removed = b.subsets.filter((s) => !a.subsets.includes(s));
    if (added.length || removed.length) out.push(`${name}: subsets ${[...added.map((s) => `+${s}`), ...removed.map((s) => `−${s}`)].join(', ')}`);
    if (a.loadBalancer !== b.loadBalancer) out.push(`${name}: load balancer ${b.loadBalancer ?? 'default'} → ${a.loadBalancer ?? 'default'}`);
    for (const field of ['connectionPool', 'outlierDetection'] as const) {
      const mb = new Map(b[field].map((l) => [l.split(' ')[0], l.slice(l.indexOf(' ') + 1)]));
      const ma = new Map(a[field].map((l) => [l.split(' ')[0], l.slice(l.indexOf(' ') + 1)]));
      const changes = [...new Set([...mb.keys(), ...ma.keys()])].sort().filter((k) => mb.get(k) !== ma.get(k)).map((k) => `${k} ${mb.get(k) ?? 'unset'} → ${ma.get(k) ?? 'unset'}`);
      if (changes.length) out.push(`${name}: ${field} ${changes.join(', ')}`);
    }
  }
  return out;
}

function externalLines(prefix: string, before: TopologyModel, after: TopologyModel): string[] {
  const hosts = (m: TopologyModel): Map<string, string> => {
    const out = new Map<string, string>();
    for (const e of m.externals) for (const h of e.hosts) out.set(h, `ServiceEntry ${e.id}${e.ports.length ? `, ${e.ports.map((p) => `${p.protocol} ${p.port}`).join(', ')}` : ''}`);
    for (const s of m.services) if (s.externalName && !out.has(s.externalName)) out.set(s.externalName, `ExternalName Service ${s.id}`);
    return out;
  };
  const b = hosts(before);
  const a = hosts(after);
  const out: string[] = [];
  for (const h of [...a.keys()].sort()) if (!b.has(h)) out.push(`${prefix}new external host \`${h}\` (${a.get(h)})`);
  for (const h of [...b.keys()].sort()) if (!a.has(h)) out.push(`${prefix}external host removed: \`${h}\` (was ${b.get(h)})`);
  return out;
}

interface ContainerFacts {
  image?: string;
  resources: Map<string, string>;
}

function containerFacts(m: Manifest): Map<string, ContainerFacts> {
  const out = new Map<string, ContainerFacts>();
  const pod = podTemplateOf(m);
  if (!pod) return out;
  for (const c of containersOf(pod)) {
    if (c.list === 'ephemeralContainers') continue;
    const resources = new Map<string, string>();
    for (const [k, v] of flatten(obj(c.container.resources))) if (k) resources.set(k, JSON.parse(v) as string);
    out.set(c.name, { image: str(c.container.image), resources });
  }
  return out;
}

function imageChange(b: string | undefined, a: string | undefined): string {
  const split = (i: string | undefined): [string, string] => {
    if (!i) return ['', 'none'];
    const at = i.indexOf('@');
    const colon = i.lastIndexOf(':');
    if (at >= 0) return [i.slice(0, at), i.slice(at)];
    return colon > i.lastIndexOf('/') ? [i.slice(0, colon), i.slice(colon + 1)] : [i, 'latest'];
  };
  const [rb, tb] = split(b);
  const [ra, ta] = split(a);
  return rb === ra ? `\`${ra}\` ${tb} → ${ta}` : `\`${b ?? 'none'}\` → \`${a ?? 'none'}\``;
}

function workloadLines(before: Keyed[], after: Keyed[], prefixOf: (folder: string) => string): { images: string[]; replicas: string[]; resources: string[] } {
  const images: string[] = [];
  const replicas: string[] = [];
  const resources: string[] = [];
  const bMap = new Map(before.map((k) => [k.key, k]));
  for (const a of after) {
    const b = bMap.get(a.key);
    const name = `${prefixOf(a.folder)}${idOf(a.manifest)} (${String(a.manifest.kind)})`;
    if (a.manifest.kind === 'HorizontalPodAutoscaler') {
      const sb = obj(b?.manifest.spec);
      const sa = obj(a.manifest.spec);
      if (b && (sb.minReplicas !== sa.minReplicas || sb.maxReplicas !== sa.maxReplicas)) replicas.push(`${name}: ${String(sb.minReplicas ?? 1)}–${String(sb.maxReplicas)} → ${String(sa.minReplicas ?? 1)}–${String(sa.maxReplicas)}`);
      continue;
    }
    if (!podTemplateOf(a.manifest)) continue;
    const fa = containerFacts(a.manifest);
    if (!b) {
      for (const [c, f] of fa) images.push(`${name} (new) ${c}: \`${f.image ?? 'none'}\``);
      continue;
    }
    const rb = obj(b.manifest.spec).replicas;
    const ra = obj(a.manifest.spec).replicas;
    if (rb !== ra) replicas.push(`${name}: replicas ${String(rb ?? 'unset')} → ${String(ra ?? 'unset')}`);
    const fb = containerFacts(b.manifest);
    for (const c of [...new Set([...fb.keys(), ...fa.keys()])]) {
      const cb = fb.get(c);
      const ca = fa.get(c);
      if (cb?.image !== ca?.image) images.push(`${name} ${c}: ${imageChange(cb?.image, ca?.image)}`);
      const rb2 = cb?.resources ?? new Map<string, string>();
      const ra2 = ca?.resources ?? new Map<string, string>();
      const changes = [...new Set([...rb2.keys(), ...ra2.keys()])].sort().filter((k) => rb2.get(k) !== ra2.get(k)).map((k) => `${k} ${rb2.get(k) ?? 'unset'} → ${ra2.get(k) ?? 'unset'}`);
      if (changes.length) resources.push(`${name} ${c}: ${changes.join(', ')}`);
    }
  }
  return { images, replicas, resources };
}

function alertLines(prefix: string, before: PolicyObject[], after: PolicyObject[]): string[] {
  const index = (objects: PolicyObject[]): Map<string, AlertInfo> => new Map(alertsOf(objects).map((a) => [`${a.alert} (${a.group})`, a]));
  const b = index(before);
  const a = index(after);
  const out: string[] = [];
  for (const [k, x] of [...a.entries()].sort(([p], [q]) => (p < q ? -1 : 1))) if (!b.has(k)) out.push(`${prefix}alert added: ${k}, ${x.severity ?? 'no severity'}${x.for ? `, for ${x.for}` : ''}`);
  for (const [k, x] of [...b.entries()].sort(([p], [q]) => (p < q ? -1 : 1))) if (!a.has(k)) out.push(`${prefix}alert removed: ${k}, ${x.severity ?? 'no severity'}`);
  for (const [k, x] of [...a.entries()].sort(([p], [q]) => (p < q ? -1 : 1))) {
    const y = b.get(k);
    if (!y) continue;
    const changes: string[] = [];
    if (y.expr !== x.expr) changes.push('expression');
    if (y.for !== x.for) changes.push(`for ${y.for ?? 'unset'} → ${x.for ?? 'unset'}`);
    if (y.severity !== x.severity) changes.push(`severity ${y.severity ?? 'unset'} → ${x.severity ?? 'unset'}`);
    if (JSON.stringify(y.labels) !== JSON.stringify(x.labels) && y.severity === x.severity) changes.push('labels');
    if (y.summary !== x.summary) changes.push('summary');
    if (changes.length) out.push(`${prefix}alert changed: ${k}: ${changes.join(', ')}`);
  }
  return out;
}

/** Section order of the Markdown: meaning first, then the plain object list. */
const SECTION_ORDER = [
  'Traffic: route weights and matches',
  'Callers (AuthorizationPolicy)',
  'External hosts',
  'Images',
  'Replicas',
  'Resources',
  'mTLS',
  'Policies',
  'Traffic policy (DestinationRule)',
  'Alerts',
  'Objects added',
  'Objects removed',
  'Other changes',
] as const;

/** Compares two sets of dist/ files by meaning. */
export function diffDist(beforeFiles: DistFiles, afterFiles: DistFiles): DistDiff {
  const before = keyedObjects(beforeFiles);
  const after = keyedObjects(afterFiles);
  const folders = [...new Set([...before, ...after].map((k) => k.folder))].sort();
  // App folders one level deep (`shop`) need no prefix: namespace/name reads well. With environments, say which.
  const prefixOf = (folder: string): string => (folder.includes('/') ? `[${folder}] ` : '');
  const sections = new Map<(typeof SECTION_ORDER)[number], string[]>();
  const add = (title: (typeof SECTION_ORDER)[number], lines: string[]): void => {
    if (lines.length) sections.set(title, [...(sections.get(title) ?? []), ...lines]);
  };
  const asPolicy = (ks: Keyed[]): PolicyObject[] => ks.map((k) => ({ manifest: k.manifest, file: k.folder }));
  for (const folder of folders) {
    const b = before.filter((k) => k.folder === folder);
    const a = after.filter((k) => k.folder === folder);
    const mb = buildModel(asPolicy(b));
    const ma = buildModel(asPolicy(a));
    const prefix = prefixOf(folder);
    add('Traffic: route weights and matches', routeLines(prefix, mb, ma));
    add('Callers (AuthorizationPolicy)', callerLines(prefix, mb, ma));
    add('External hosts', externalLines(prefix, mb, ma));
    const w = workloadLines(b, a, prefixOf);
    add('Images', w.images);
    add('Replicas', w.replicas);
    add('Resources', w.resources);
    add('mTLS', mtlsLines(prefix, mb, ma));
    add('Policies', policyLines(prefix, mb, ma));
    add('Traffic policy (DestinationRule)', trafficPolicyLines(prefix, mb, ma));
    add('Alerts', alertLines(prefix, asPolicy(b), asPolicy(a)));
  }

  const bMap = new Map(before.map((k) => [k.key, k]));
  const aMap = new Map(after.map((k) => [k.key, k]));
  const addedObjects = after.filter((k) => !bMap.has(k.key));
  const removedObjects = before.filter((k) => !aMap.has(k.key));
  const other: string[] = [];
  let changed = 0;
  for (const a of after) {
    const b = bMap.get(a.key);
    if (!b) continue;
    const paths = changedPaths(b.manifest, a.manifest);
    if (paths.length === 0) continue;
    changed++;
    const rest = paths.filter((p) => !explained(b.manifest, a.manifest, p));
    if (rest.length) other.push(`${prefixOf(a.folder)}${a.label}: ${rest.slice(0, 5).map((p) => `\`${p}\``).join(', ')}${rest.length > 5 ? ` and ${rest.length - 5} more fields` : ''}`);
  }
  add('Objects added', addedObjects.map((k) => `${prefixOf(k.folder)}${k.label}`));
  add('Objects removed', removedObjects.map((k) => `${prefixOf(k.folder)}${k.label}`));
  add('Other changes', other);
  return { sections: SECTION_ORDER.filter((t) => sections.has(t)).map((title) => ({ title, lines: sections.get(title)! })), added: addedObjects.length, removed: removedObjects.length, changed };
}

/** The diff as Markdown for a pull-request comment. */
export function renderDiffMarkdown(diff: DistDiff, options: { readonly from: string; readonly to?: string }): string {
  const to = options.to ?? 'working tree';
  const head = `### meshforge: what \`dist/\` changes (\`${options.from}\` → ${to})`;
  if (diff.sections.length === 0) return `${head}\n\nNo change in \`dist/\`.\n`;
  const parts = [head, '', `${diff.changed} object${diff.changed === 1 ? '' : 's'} changed, ${diff.added} added, ${diff.removed} removed.`];
  for (const s of diff.sections) {
    parts.push('', `#### ${s.title}`, '', ...s.lines.map((l) => `- ${l}`));
  }
  return parts.join('\n') + '\n';
}
