import { EdgeKind, GraphLayout, METRICS, NodeKind, PlacedEdge, PlacedNode } from './layout';
import { AlertInfo, DashboardInfo, TopologyModel, percent } from './model';

/**
 * Renders one self-contained HTML page: inline CSS, inline SVG, no script, no
 * external font or image, so it opens offline and prints the same everywhere.
 */

export interface PageInput {
  /** Shown in the title, e.g. `shop` (later `prod/shop`). */
  readonly title: string;
  /** The folder the YAML came from, e.g. `dist/shop`. */
  readonly source: string;
  readonly files: number;
  readonly model: TopologyModel;
  readonly layout: GraphLayout;
  /** Alerts and dashboards defined in other folders that concern this app's namespaces. */
  readonly related: { readonly alerts: readonly AlertInfo[]; readonly dashboards: readonly DashboardInfo[] };
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const NODE_STYLE: Record<NodeKind, { fill: string; stroke: string; head: string }> = {
  gateway: { fill: '#f5f0ff', stroke: '#7c3aed', head: '#ede4ff' },
  service: { fill: '#ffffff', stroke: '#2563eb', head: '#e8f0fe' },
  external: { fill: '#fff8eb', stroke: '#d97706', head: '#fdefd3' },
  caller: { fill: '#f1f5f9', stroke: '#64748b', head: '#e2e8f0' },
};

const EDGE_STYLE: Record<EdgeKind, { stroke: string; dash?: string; name: string }> = {
  ingress: { stroke: '#7c3aed', name: 'gateway routes host to service' },
  route: { stroke: '#2563eb', name: 'route to another service (weight)' },
  caller: { stroke: '#16a34a', name: 'caller allowed by AuthorizationPolicy' },
  reference: { stroke: '#94a3b8', dash: '6 4', name: 'declared dependency (env value, ExternalName)' },
};

function f(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${f(x)}" y="${f(y)}"${attrs ? ` ${attrs}` : ''}>${escapeHtml(content)}</text>`;
}

function nodeSvg(n: PlacedNode): string {
  const s = NODE_STYLE[n.kind];
  const p = METRICS.padding;
  const out: string[] = [];
  out.push(`<g class="node ${n.kind}" data-id="${escapeHtml(n.id)}">`);
  out.push(`<rect x="${f(n.x)}" y="${f(n.y)}" width="${f(n.width)}" height="${f(n.height)}" rx="8" fill="${s.fill}" stroke="${s.stroke}" stroke-width="1.5"/>`);
  out.push(`<path d="M${f(n.x + 0.75)} ${f(n.y + METRICS.headerHeight)} H${f(n.x + n.width - 0.75)}" stroke="${s.stroke}" stroke-opacity="0.35"/>`);
  out.push(`<rect x="${f(n.x + 0.75)}" y="${f(n.y + 0.75)}" width="${f(n.width - 1.5)}" height="${f(METRICS.headerHeight - 1.5)}" rx="7.5" fill="${s.head}"/>`);
  out.push(text(n.x + p, n.y + 19, n.title, 'class="title"'));
  out.push(text(n.x + p, n.y + 34, n.subtitle, 'class="sub"'));
  n.rows.forEach((r, i) => {
    const y = n.y + METRICS.headerHeight + 6 + i * METRICS.rowHeight;
    if (r.weight !== undefined) {
      const w = n.width - 2 * p + 8;
      out.push(`<rect x="${f(n.x + p - 4)}" y="${f(y + 1)}" width="${f(w)}" height="${METRICS.rowHeight - 3}" rx="3" fill="#eef2ff"/>`);
      out.push(`<rect x="${f(n.x + p - 4)}" y="${f(y + 1)}" width="${f((w * Math.max(0, Math.min(100, r.weight))) / 100)}" height="${METRICS.rowHeight - 3}" rx="3" fill="#bfdbfe"/>`);
    }
    out.push(text(n.x + p, y + 13, r.text, `class="row${r.tone ? ` ${r.tone}` : ''}"`));
  });
  out.push('</g>');
  return out.join('');
}

function edgeSvg(e: PlacedEdge): string {
  const s = EDGE_STYLE[e.kind];
  const pts = e.points;
  // A smooth path through dagre's points: straight ends, quadratic bends through the middle points.
  let d = `M${f(pts[0].x)} ${f(pts[0].y)}`;
  for (let i = 1; i < pts.length - 1; i++) {
    const mx = (pts[i].x + pts[i + 1].x) / 2;
    const my = (pts[i].y + pts[i + 1].y) / 2;
    d += ` Q${f(pts[i].x)} ${f(pts[i].y)} ${f(i === pts.length - 2 ? pts[i + 1].x : mx)} ${f(i === pts.length - 2 ? pts[i + 1].y : my)}`;
  }
  if (pts.length <= 2) d += ` L${f(pts[pts.length - 1].x)} ${f(pts[pts.length - 1].y)}`;
  const lw = e.labelWidth;
  return [
    `<g class="edge ${e.kind}">`,
    `<path d="${d}" fill="none" stroke="${s.stroke}" stroke-width="1.6"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} marker-end="url(#arrow-${e.kind})"/>`,
    `<rect x="${f(e.labelX - lw / 2)}" y="${f(e.labelY - 9)}" width="${f(lw)}" height="17" rx="4" fill="#ffffff" fill-opacity="0.92" stroke="${s.stroke}" stroke-opacity="0.4"/>`,
    text(e.labelX, e.labelY + 4, e.label, `class="elabel" text-anchor="middle" fill="${s.stroke}"`),
    '</g>',
  ].join('');
}

function graphSvg(layout: GraphLayout): string {
  if (layout.nodes.length === 0) return '<p class="empty">No services, gateways or external hosts in this folder.</p>';
  const markers = (Object.keys(EDGE_STYLE) as EdgeKind[])
    .map((k) => `<marker id="arrow-${k}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" fill="${EDGE_STYLE[k].stroke}"/></marker>`)
    .join('');
  const clusters = layout.clusters
    .map((c) => `<g class="cluster"><rect x="${f(c.x)}" y="${f(c.y)}" width="${f(c.width)}" height="${f(c.height)}" rx="12" fill="#f8fafc" stroke="#cbd5e1" stroke-dasharray="4 3"/>${text(c.x + 12, c.y + 18, c.label, 'class="clabel"')}</g>`)
    .join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="graph" width="${layout.width}" height="${layout.height}" viewBox="0 0 ${layout.width} ${layout.height}" role="img" aria-label="topology">`,
    `<defs>${markers}</defs>`,
    clusters,
    layout.edges.map(edgeSvg).join(''),
    layout.nodes.map(nodeSvg).join(''),
    '</svg>',
  ].join('\n');
}

function legend(): string {
  const nodes = (Object.keys(NODE_STYLE) as NodeKind[])
    .map((k) => `<span class="key"><svg width="18" height="12"><rect x="1" y="1" width="16" height="10" rx="3" fill="${NODE_STYLE[k].head}" stroke="${NODE_STYLE[k].stroke}"/></svg>${k === 'external' ? 'external host' : k}</span>`)
    .join('');
  const edges = (Object.keys(EDGE_STYLE) as EdgeKind[])
    .map((k) => `<span class="key"><svg width="28" height="12"><path d="M1 6 H27" stroke="${EDGE_STYLE[k].stroke}" stroke-width="2"${EDGE_STYLE[k].dash ? ` stroke-dasharray="4 3"` : ''}/></svg>${escapeHtml(EDGE_STYLE[k].name)}</span>`)
    .join('');
  return `<div class="legend">${nodes}${edges}<span class="key"><svg width="28" height="12"><rect x="1" y="1" width="26" height="10" rx="2" fill="#eef2ff"/><rect x="1" y="1" width="16" height="10" rx="2" fill="#bfdbfe"/></svg>route weight of a version</span></div>`;
}

function table(headers: readonly string[], rows: readonly (readonly string[])[], empty: string): string {
  if (rows.length === 0) return `<p class="empty">${escapeHtml(empty)}</p>`;
  return `<table><thead><tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** Escapes each item and joins them as lines. */
function lines(items: readonly (string | undefined)[]): string {
  return items.filter((i): i is string => !!i).map(escapeHtml).join('<br>');
}

function code(value: string | undefined): string {
  return value ? `<code>${escapeHtml(value)}</code>` : '';
}

function section(id: string, title: string, body: string): string {
  return `<section id="${id}"><h2>${escapeHtml(title)}</h2>${body}</section>`;
}


const CSS = `
:root{color-scheme:light}
*{box-sizing:border-box}
body{margin:0;background:#ffffff;color:#0f172a;font:14px/1.45 "DejaVu Sans","Liberation Sans",Arial,Helvetica,sans-serif}
header{padding:20px 28px 12px;border-bottom:1px solid #e2e8f0;background:#f8fafc}
h1{margin:0 0 4px;font-size:22px}
h2{font-size:17px;margin:28px 0 10px;padding-bottom:4px;border-bottom:1px solid #e2e8f0}
main{padding:8px 28px 40px}
.meta{color:#475569;font-size:13px}
.meta b{color:#0f172a}
nav{margin-top:8px;font-size:13px}
nav a{color:#2563eb;margin-right:14px;text-decoration:none}
.graphbox{overflow-x:auto;border:1px solid #e2e8f0;border-radius:10px;padding:8px;background:#ffffff;margin-top:12px}
svg.graph{display:block;font-family:"DejaVu Sans","Liberation Sans",Arial,Helvetica,sans-serif}
svg .title{font-size:${METRICS.titleFont}px;font-weight:bold;fill:#0f172a}
svg .sub{font-size:11px;fill:#475569}
svg .row{font-size:${METRICS.font}px;fill:#1e293b}
svg .row.muted{fill:#64748b}
svg .row.strong{fill:#0f172a}
svg .row.warn{fill:#b91c1c;font-weight:bold}
svg .elabel{font-size:11px}
svg .clabel{font-size:12px;fill:#475569;font-weight:bold}
.legend{display:flex;flex-wrap:wrap;gap:6px 18px;margin:10px 2px;font-size:12px;color:#334155}
.legend .key{display:inline-flex;align-items:center;gap:6px}
table{border-collapse:collapse;width:100%;font-size:13px;margin:6px 0 4px}
th,td{text-align:left;vertical-align:top;padding:6px 10px;border-bottom:1px solid #e2e8f0}
th{background:#f1f5f9;font-weight:bold;color:#334155}
tr:nth-child(even) td{background:#fbfdff}
code{font-family:"DejaVu Sans Mono","Liberation Mono",monospace;font-size:12px;background:#f1f5f9;padding:1px 4px;border-radius:4px;word-break:break-all}
.sev-critical{color:#b91c1c;font-weight:bold}
.sev-warning{color:#b45309;font-weight:bold}
.empty{color:#64748b;font-style:italic}
.note{color:#475569;font-size:12px}
footer{color:#64748b;font-size:12px;padding:0 28px 24px}
`;

/** The whole page. Same input, same bytes. */
export function renderPage(input: PageInput): string {
  const { model } = input;
  const serviceRows = model.services.map((s) => [
    `<b>${escapeHtml(s.name)}</b><br><span class="note">${escapeHtml(s.namespace)} · ${escapeHtml(s.type)}</span>`,
    lines(s.ports.map((p) => `${p.protocol} ${p.port}${p.targetPort ? ` → ${p.targetPort}` : ''}${p.name ? ` (${p.name})` : ''}`)) + (s.externalName ? `<br>→ ${code(s.externalName)}` : ''),
    s.versions.map((v) => `${escapeHtml(v.version)}: ${escapeHtml(v.kind)} ${escapeHtml(v.workload)}${v.replicas ? ` · replicas ${escapeHtml(v.replicas)}` : ''} · sa ${escapeHtml(v.serviceAccount)}<br>${v.images.map(code).join(' ')}`).join('<br>'),
  ]);
  const routeRows = model.routes.flatMap((v) =>
    v.routes.map((h, i) => [
      i === 0 ? `<b>${escapeHtml(v.id)}</b><br><span class="note">hosts ${escapeHtml(v.hosts.join(', '))}<br>gateways ${escapeHtml(v.gateways.length ? v.gateways.join(', ') : 'mesh')}</span>` : '',
      `${escapeHtml(h.kind)} ${escapeHtml(h.name ?? `#${i}`)}`,
      lines(h.match.length ? h.match : ['every request']),
      lines(h.destinations.map((d) => `${d.host}${d.subset ? ` subset ${d.subset}` : ''}${d.port ? `:${d.port}` : ''} ${percent(d.weight)}`)),
      lines([h.timeout ? `timeout ${h.timeout}` : undefined, h.retries ? `retries ${h.retries}` : undefined]),
    ]),
  );
  const gatewayRows = model.gateways.flatMap((g) =>
    g.servers.map((s, i) => [i === 0 ? `<b>${escapeHtml(g.id)}</b>` : '', escapeHtml(`${s.protocol} ${s.port ?? '?'}`), lines(s.hosts), escapeHtml(s.tls ?? '')]),
  );
  const externalRows = [
    ...model.externals.map((e) => [`<b>${escapeHtml(e.id)}</b><br><span class="note">ServiceEntry</span>`, lines(e.hosts), lines(e.ports.map((p) => `${p.protocol} ${p.port}`)), escapeHtml(`${e.location} · ${e.resolution}`)]),
    ...model.services.filter((s) => s.type === 'ExternalName').map((s) => [`<b>${escapeHtml(s.id)}</b><br><span class="note">Service ExternalName</span>`, escapeHtml(s.externalName ?? ''), lines(s.ports.map((p) => `${p.protocol} ${p.port}`)), 'DNS CNAME']),
  ];
  const authzRows = model.authorization.map((a) => [
    `<b>${escapeHtml(a.id)}</b>`,
    escapeHtml(a.action) + (a.denyAll ? '<br><span class="sev-warning">no rules: denies every request it selects</span>' : ''),
    escapeHtml(a.scope) + (a.targets.length ? `<br><span class="note">${escapeHtml(a.targets.join(', '))}</span>` : ''),
    lines(a.rules),
  ]);
  const callerRows = model.callers.map((c) => [escapeHtml(c.to), escapeHtml(c.from), lines(c.operations.length ? c.operations : ['everything']), escapeHtml(c.policy)]);
  const mtlsRows = model.peerAuthentications.map((p) => [`<b>${escapeHtml(p.id)}</b>`, escapeHtml(p.scope), `<b>${escapeHtml(p.mode)}</b>`, lines(p.portLevel)]);
  const tpRows = model.trafficPolicies.map((t) => [
    `<b>${escapeHtml(t.id)}</b><br><span class="note">${escapeHtml(t.host)}</span>`,
    lines(t.subsets),
    escapeHtml(t.tls ?? '—'),
    escapeHtml(t.loadBalancer ?? '—'),
    lines(t.connectionPool.length ? t.connectionPool : ['—']),
    lines(t.outlierDetection.length ? t.outlierDetection : ['—']),
  ]);
  const alertRow = (a: AlertInfo): string[] => [
    `<b>${escapeHtml(a.alert)}</b><br><span class="note">${escapeHtml(a.group)}</span>`,
    a.severity ? `<span class="sev-${escapeHtml(a.severity)}">${escapeHtml(a.severity)}</span>` : '',
    escapeHtml(a.for ?? ''),
    escapeHtml(a.summary ?? '') + `<br>${code(a.expr)}`,
    `<span class="note">${escapeHtml(a.source)}</span>`,
  ];
  const dashRow = (d: DashboardInfo): string[] => [`<b>${escapeHtml(d.title)}</b>`, code(d.uid), escapeHtml(d.tags.join(', ')), String(d.panels), `<span class="note">${escapeHtml(d.source)}</span>`];
  const alerts = [...model.alerts.map(alertRow), ...input.related.alerts.map(alertRow)];
  const dashboards = [...model.dashboards.map(dashRow), ...input.related.dashboards.map(dashRow)];
  const relatedNote = input.related.alerts.length || input.related.dashboards.length ? '<p class="note">Includes alerts and dashboards defined in other folders that concern this app’s namespaces (source column).</p>' : '';
  const mesh = model.services.filter((s) => s.type !== 'ExternalName');
  const versions = mesh.reduce((n, s) => n + s.versions.length, 0);

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>meshforge · ${escapeHtml(input.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>meshforge topology · ${escapeHtml(input.title)}</h1>
<div class="meta">From <b>${escapeHtml(input.source)}</b> (${input.files} files, ${model.kinds.reduce((n, k) => n + k.count, 0)} objects) · namespaces <b>${escapeHtml(model.namespaces.join(', ') || '—')}</b> · <b>${mesh.length}</b> services, <b>${versions}</b> workloads, <b>${model.gateways.length}</b> gateways, <b>${model.externals.length}</b> external services, <b>${model.callers.length}</b> allowed callers</div>
<nav><a href="#graph">Graph</a><a href="#services">Services</a><a href="#routes">Routes</a><a href="#gateways">Gateways</a><a href="#external">External</a><a href="#security">Security</a><a href="#traffic">Traffic policy</a><a href="#alerts">Alerts</a><a href="#dashboards">Dashboards</a><a href="#objects">All objects</a></nav>
</header>
<main>
<section id="graph">${legend()}<div class="graphbox">${graphSvg(input.layout)}</div></section>
${section('services', 'Services, ports and versions', table(['Service', 'Ports (protocol as Istio sees it)', 'Versions (workloads)'], serviceRows, 'No Services.'))}
${section('routes', 'Routes (VirtualService)', table(['VirtualService', 'Route', 'Match', 'Destinations and weights', 'Timeout / retries'], routeRows, 'No VirtualServices.'))}
${section('gateways', 'Gateways and hosts', table(['Gateway', 'Port', 'Hosts', 'TLS'], gatewayRows, 'No Gateways.'))}
${section('external', 'External services', table(['Name', 'Hosts', 'Ports', 'Location · resolution'], externalRows, 'No ServiceEntries or ExternalName Services.'))}
${section('security', 'Security', `<h3>Allowed callers</h3>${table(['Service', 'Caller', 'May do', 'Policy'], callerRows, 'No ALLOW rules.')}<h3>AuthorizationPolicies</h3>${table(['Policy', 'Action', 'Applies to', 'Rules'], authzRows, 'No AuthorizationPolicies.')}<h3>mTLS (PeerAuthentication)</h3>${table(['PeerAuthentication', 'Scope', 'Mode', 'Port level'], mtlsRows, 'No PeerAuthentication: the mesh default applies (PERMISSIVE unless set mesh-wide).')}`)}
${section('traffic', 'Traffic policy (DestinationRule)', table(['DestinationRule', 'Subsets', 'TLS', 'Load balancer', 'Connection pool', 'Outlier detection'], tpRows, 'No DestinationRules.'))}
${section('alerts', 'Alerts', relatedNote + table(['Alert', 'Severity', 'For', 'Summary and expression', 'Source'], alerts, 'No alerting rules.'))}
${section('dashboards', 'Grafana dashboards', table(['Title', 'UID', 'Tags', 'Panels', 'Source'], dashboards, 'No dashboards.'))}
${section('objects', 'All objects', table(['Kind', 'Namespace/name', 'File'], model.objects.map((o) => [escapeHtml(o.kind), escapeHtml(o.id), `<span class="note">${escapeHtml(o.file)}</span>`]), 'No Kubernetes objects.'))}
</main>
<footer>Generated by <code>npm run report</code> from the YAML in ${escapeHtml(input.source)}. Objects by kind: ${escapeHtml(model.kinds.map((k) => `${k.kind} ${k.count}`).join(', '))}.</footer>
</body>
</html>
`;
}
