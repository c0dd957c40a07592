import * as dagre from '@dagrejs/dagre';
import { TopologyModel, percent, principalParts } from './model';

/**
 * Turns the topology model into a graph of boxes and arrows, and lets dagre (a
 * layered "Sugiyama" layout) place them. Text widths are estimated from character
 * counts so the layout runs in Node without a browser, and stays deterministic.
 */

export type NodeKind = 'gateway' | 'service' | 'external' | 'caller';
export type EdgeKind = 'ingress' | 'route' | 'caller' | 'reference';

/** One line inside a box. `weight` draws a bar (0–100). */
export interface NodeRow {
  readonly text: string;
  readonly weight?: number;
  readonly tone?: 'muted' | 'strong' | 'warn';
}

export interface NodeSpec {
  readonly id: string;
  readonly kind: NodeKind;
  readonly title: string;
  readonly subtitle: string;
  readonly rows: readonly NodeRow[];
  /** Namespace box the node is drawn in; none for external hosts and foreign callers. */
  readonly cluster?: string;
}

export interface EdgeSpec {
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  readonly label: string;
}

export interface PlacedNode extends NodeSpec {
  /** Top-left corner. */
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface PlacedEdge extends EdgeSpec {
  readonly points: readonly { readonly x: number; readonly y: number }[];
  /** Centre of the label. */
  readonly labelX: number;
  readonly labelY: number;
  readonly labelWidth: number;
}

export interface PlacedCluster {
  readonly id: string;
  readonly label: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface GraphLayout {
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly PlacedNode[];
  readonly edges: readonly PlacedEdge[];
  readonly clusters: readonly PlacedCluster[];
}

/** Metrics shared with the renderer so estimated and drawn sizes agree. */
export const METRICS = {
  font: 12,
  titleFont: 14,
  /** Average advance of DejaVu Sans / Liberation Sans at 12px, a little generous so text never overflows. */
  charWidth: 6.6,
  titleCharWidth: 8.6,
  rowHeight: 18,
  headerHeight: 42,
  padding: 12,
  minWidth: 170,
  maxRowChars: 64,
} as const;

/** Cuts long text (images, hosts) so boxes stay readable; the tables carry the full value. */
export function clip(text: string, max: number = METRICS.maxRowChars): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function textWidth(text: string, charWidth: number): number {
  return Math.ceil(text.length * charWidth);
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}


/** The boxes and arrows the model declares. */
export function graphOf(model: TopologyModel): { nodes: NodeSpec[]; edges: EdgeSpec[] } {
  const nodes: NodeSpec[] = [];
  const edges: EdgeSpec[] = [];
  const ids = new Set<string>();
  const addEdge = (e: EdgeSpec): void => {
    if (ids.has(e.from) && ids.has(e.to) && !edges.some((x) => x.from === e.from && x.to === e.to && x.kind === e.kind && x.label === e.label)) edges.push(e);
  };

  for (const g of model.gateways) {
    const rows: NodeRow[] = g.servers.map((s) => ({ text: clip(`${s.protocol} ${s.port ?? '?'}${s.tls ? ` (${s.tls})` : ''}: ${s.hosts.join(', ')}`) }));
    nodes.push({ id: `gateway:${g.id}`, kind: 'gateway', title: g.name, subtitle: `Gateway · ${Object.entries(g.selector).map(([k, v]) => `${k}=${v}`).join(', ') || 'no selector'}`, rows, cluster: g.namespace });
  }

  for (const s of model.services) {
    if (s.type === 'ExternalName') {
      nodes.push({ id: `service:${s.id}`, kind: 'external', title: s.name, subtitle: `ExternalName · ${s.namespace}`, rows: [{ text: clip(`→ ${s.externalName ?? '?'}`) }, ...s.ports.map((p) => ({ text: `${p.protocol} ${p.port}`, tone: 'muted' as const }))], cluster: s.namespace });
      continue;
    }
    // Weights of the catch-all route (the last route without a match); routes with matches are listed under it.
    const vs = model.routes.filter((r) => r.routes.some((h) => h.destinations.some((d) => d.service === s.id)));
    const rows: NodeRow[] = [];
    for (const p of s.ports) rows.push({ text: `${p.protocol} ${p.port}${p.targetPort && p.targetPort !== String(p.port) ? ` → ${p.targetPort}` : ''}${p.name ? `  (${p.name})` : ''}`, tone: 'muted' });
    const main = vs.flatMap((v) => v.routes.filter((h) => h.match.length === 0)).find((h) => h.destinations.some((d) => d.service === s.id));
    const subsetsSeen = new Set<string>();
    for (const v of s.versions) {
      const d = main?.destinations.find((x) => x.service === s.id && x.subset === v.version);
      if (d) subsetsSeen.add(v.version);
      const image = v.images.map((i) => i.slice(i.lastIndexOf('/') + 1)).join(', ');
      rows.push({ text: clip(`${v.version}${d ? ` ${percent(d.weight)}` : ''} · ${image}${v.replicas ? ` · ${/^\d/.test(v.replicas) ? `×${v.replicas}` : v.replicas}` : ''}`), ...(d ? { weight: d.weight } : {}), tone: 'strong' });
    }
    // Subsets a route sends traffic to but no workload provides: worth seeing.
    for (const d of main?.destinations ?? []) {
      if (d.service === s.id && d.subset && !subsetsSeen.has(d.subset) && !s.versions.some((v) => v.version === d.subset)) rows.push({ text: `${d.subset} ${percent(d.weight)} · no workload`, weight: d.weight, tone: 'warn' });
    }
    for (const v of vs) {
      for (const h of v.routes) {
        if (h === main || h.match.length === 0) continue;
        const to = h.destinations.filter((d) => d.service === s.id).map((d) => `${d.subset ?? 'all'} ${percent(d.weight)}`).join(', ');
        if (to) rows.push({ text: clip(`${h.name ?? 'route'}: ${h.match.join(' or ')} → ${to}`), tone: 'muted' });
      }
    }
    nodes.push({ id: `service:${s.id}`, kind: 'service', title: s.name, subtitle: `${s.namespace} · ${s.type}${s.versions.length ? '' : ' · no workload'}`, rows, cluster: s.namespace });
  }

  for (const e of model.externals) {
    const rows: NodeRow[] = e.hosts.map((h) => ({ text: clip(h) }));
    rows.push({ text: clip(`${e.ports.map((p) => `${p.protocol} ${p.port}`).join(', ') || 'no ports'} · ${e.resolution}`), tone: 'muted' });
    nodes.push({ id: `external:${e.id}`, kind: 'external', title: e.name, subtitle: `ServiceEntry · ${e.location === 'MESH_EXTERNAL' ? 'external' : e.location}`, rows });
  }

  const callerIds = new Set<string>();
  for (const c of model.callers) {
    if (c.fromService || callerIds.has(c.from)) continue;
    callerIds.add(c.from);
    const p = principalParts(c.from);
    nodes.push({
      id: `caller:${c.from}`,
      kind: 'caller',
      title: p ? p.sa : c.from,
      subtitle: p ? `caller · service account in ${p.namespace}` : 'caller',
      rows: [],
    });
  }
  for (const n of nodes) ids.add(n.id);

  // Gateway → the services its VirtualServices route to, labelled with the hosts and matches.
  for (const v of model.routes) {
    for (const gw of v.gateways) {
      if (gw === 'mesh') continue;
      const gateway = model.gateways.find((g) => g.id === gw);
      // a server host may carry the namespaces allowed to bind (`shop/shop.example.com`, `*/*.example.com`)
      const pattern = (x: string): string => x.slice(x.indexOf('/') + 1);
      const hosts = gateway ? v.hosts.filter((h) => gateway.servers.some((s) => s.hosts.map(pattern).some((x) => x === '*' || x === h || (x.startsWith('*.') && h.endsWith(x.slice(1)))))) : v.hosts;
      const targets = new Set(v.routes.flatMap((h) => h.destinations.map((d) => d.service)).filter((x): x is string => !!x));
      for (const t of targets) addEdge({ from: `gateway:${gw}`, to: `service:${t}`, kind: 'ingress', label: clip(hosts.join(', ') || v.hosts.join(', '), 40) });
    }
  }
  // Routes from one service's host to another service (a VirtualService that splits across services).
  for (const v of model.routes) {
    for (const h of v.routes) {
      const own = h.destinations.map((d) => d.service).find((x) => x && v.hosts.some((host) => host.startsWith(`${x.split('/')[1]}.`) || host === x.split('/')[1]));
      if (!own) continue;
      for (const d of h.destinations) if (d.service && d.service !== own) addEdge({ from: `service:${own}`, to: `service:${d.service}`, kind: 'route', label: `${h.name ?? 'route'}: ${percent(d.weight)}` });
    }
  }
  for (const c of model.callers) {
    addEdge({ from: c.fromService ? `service:${c.from}` : `caller:${c.from}`, to: `service:${c.to}`, kind: 'caller', label: clip(c.operations.join(' | ') || 'allowed', 40) });
  }
  for (const r of model.references) {
    addEdge({ from: `service:${r.from}`, to: r.to.startsWith('external:') ? r.to : `service:${r.to}`, kind: 'reference', label: r.via });
  }
  // An ExternalName Service that points at a ServiceEntry host.
  for (const s of model.services) {
    if (s.type !== 'ExternalName') continue;
    for (const e of model.externals) if (s.externalName && e.hosts.includes(s.externalName)) addEdge({ from: `service:${s.id}`, to: `external:${e.id}`, kind: 'reference', label: 'ExternalName' });
  }
  return { nodes, edges };
}

/** Width and height a node needs for its text. */
export function nodeSize(n: NodeSpec): { width: number; height: number } {
  const width = Math.max(
    METRICS.minWidth,
    textWidth(n.title, METRICS.titleCharWidth) + 2 * METRICS.padding,
    textWidth(n.subtitle, METRICS.charWidth * 0.92) + 2 * METRICS.padding,
    ...n.rows.map((r) => textWidth(r.text, METRICS.charWidth) + 2 * METRICS.padding),
  );
  return { width, height: METRICS.headerHeight + n.rows.length * METRICS.rowHeight + (n.rows.length ? METRICS.padding : 0) };
}

/** The page's comfortable drawing area; the orientation that needs the least scrolling wins. */
const VIEW = { width: 1400, height: 1000 } as const;

/**
 * Places the graph top to bottom or left to right (callers and gateways first, then
 * services, then external hosts), whichever fits the page better: a long call chain
 * reads better top-down, many unconnected services better as a column.
 */
export function layoutGraph(model: TopologyModel): GraphLayout {
  const tb = layoutWith(model, 'TB');
  const lr = layoutWith(model, 'LR');
  const overflow = (l: GraphLayout): number => Math.max(l.width / VIEW.width, l.height / VIEW.height);
  return overflow(lr) < overflow(tb) ? lr : tb;
}

function layoutWith(model: TopologyModel, rankdir: 'TB' | 'LR'): GraphLayout {
  const { nodes, edges } = graphOf(model);
  const g = new dagre.graphlib.Graph({ compound: true, multigraph: true });
  g.setGraph(rankdir === 'TB' ? { rankdir, nodesep: 36, ranksep: 56, edgesep: 16, marginx: 16, marginy: 16 } : { rankdir, nodesep: 28, ranksep: 90, edgesep: 16, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  const clusters = [...new Set(nodes.map((n) => n.cluster).filter((c): c is string => !!c))];
  for (const c of clusters) g.setNode(`cluster:${c}`, { label: c, paddingTop: 28 } as never);
  for (const n of nodes) {
    g.setNode(n.id, nodeSize(n));
    if (n.cluster) g.setParent(n.id, `cluster:${n.cluster}`);
  }
  edges.forEach((e, i) => {
    g.setEdge(e.from, e.to, { width: textWidth(e.label, METRICS.charWidth * 0.9) + 10, height: 16, labelpos: 'c', minlen: 1 }, `e${i}`);
  });
  dagre.layout(g);

  const placed: PlacedNode[] = nodes.map((n) => {
    const p = g.node(n.id) as { x: number; y: number; width: number; height: number };
    return { ...n, x: round(p.x - p.width / 2), y: round(p.y - p.height / 2), width: p.width, height: p.height };
  });
  const placedEdges: PlacedEdge[] = edges.map((e, i) => {
    const p = g.edge(e.from, e.to, `e${i}`) as { points: { x: number; y: number }[]; x: number; y: number; width: number };
    return { ...e, points: p.points.map((q) => ({ x: round(q.x), y: round(q.y) })), labelX: round(p.x), labelY: round(p.y), labelWidth: p.width };
  });
  const placedClusters: PlacedCluster[] = clusters.map((c) => {
    const p = g.node(`cluster:${c}`) as { x: number; y: number; width: number; height: number };
    // dagre sizes a cluster to its children; leave room above them for the namespace label.
    return { id: c, label: `namespace ${c}`, x: round(p.x - p.width / 2), y: round(p.y - p.height / 2 - 14), width: round(p.width), height: round(p.height + 14) };
  });
  const graph = g.graph() as { width?: number; height?: number };
  const minY = Math.min(0, ...placedClusters.map((c) => c.y - 8));
  const shift = -minY;
  return {
    width: Math.ceil(graph.width ?? 0),
    height: Math.ceil((graph.height ?? 0) + shift),
    nodes: placed.map((n) => ({ ...n, y: round(n.y + shift) })),
    edges: placedEdges.map((e) => ({ ...e, points: e.points.map((q) => ({ x: q.x, y: round(q.y + shift) })), labelY: round(e.labelY + shift) })),
    clusters: placedClusters.map((c) => ({ ...c, y: round(c.y + shift) })),
  };
}
