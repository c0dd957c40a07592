/* eslint-disable @typescript-eslint/no-explicit-any */
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { istioMeshDashboard, istioServiceDashboard, istioWorkloadDashboard } from '../../lib/observability';
import { loadDist, run, writeTemp } from './tools';

/**
 * Every Grafana dashboard in dist/prod/observability: each PromQL expression
 * parses (promtool has no "check expression" command, but `check rules`
 * parses every recording rule's expr), and every data source uid a panel or
 * variable names is one Grafana provisions.
 */
const docs = loadDist('observability');
const configMaps = docs.filter((d) => d.kind === 'ConfigMap');
const dashboards = configMaps.flatMap((cm) => Object.entries((cm.data ?? {}) as Record<string, string>).filter(([k]) => k.endsWith('.json')).map(([k, v]) => ({ key: k, dash: JSON.parse(v) })))
  // other JSON files (Elasticsearch templates, Kibana data views) live in ConfigMaps too
  .filter(({ dash }) => Array.isArray(dash.panels));
const datasources = parse(configMaps.flatMap((cm) => Object.entries(cm.data ?? {})).find(([k]) => k === 'datasources.yaml')![1] as string).datasources;

/**
 * Grafana's variables replaced by sample values: `$__rate_interval` is a
 * duration, `$name`/`${name}` sit inside label values.
 */
function substitute(expr: string): string {
  return expr.replaceAll('$__rate_interval', '2m').replaceAll('$__interval', '1m').replace(/\$\{?[a-zA-Z_]\w*\}?/g, 'sample');
}

/** The series selector inside `label_values(selector, label)`. */
function variableSelector(query: string): string {
  const m = /^label_values\((.*),\s*[a-zA-Z_]\w*\)$/.exec(query);
  if (!m) throw new Error(`not a label_values() query: ${query}`);
  return m[1];
}

describe('dist/observability: dashboard queries', () => {
  const exprs = dashboards.flatMap(({ key, dash }) => [
    ...dash.panels.flatMap((p: any) => p.targets.map((t: any) => ({ where: `${key} / ${p.title} / ${t.refId}`, expr: t.expr }))),
    ...dash.templating.list.map((v: any) => ({ where: `${key} / $${v.name}`, expr: variableSelector(v.query.query) })),
  ]);

  it('finds the Istio dashboards and their variables', () => {
    expect(dashboards.map((d) => d.key)).toEqual(expect.arrayContaining(['istio-mesh.json', 'istio-service.json', 'istio-workload.json']));
    expect(exprs.filter((e) => e.where.includes('$')).length).toBe(4);
    expect(exprs.length).toBeGreaterThan(40);
  });

  it('every expression parses with promtool (each wrapped as a recording rule)', () => {
    const rules = { groups: [{ name: 'dashboard-queries', rules: exprs.map((e, i) => ({ record: `dashboard:query_${i}:check`, expr: substitute(e.expr) })) }] };
    const file = writeTemp('dashboard-queries.rules.yml', stringify(rules, { lineWidth: 0 }));
    const r = run('promtool', ['check', 'rules', file]);
    expect(r.out).toContain(`SUCCESS: ${exprs.length} rules found`);
    expect(r.code, r.out).toBe(0);
  });

  it('the check can fail: promtool rejects a broken expression from the same pipeline', () => {
    const broken = substitute(istioMeshDashboard().panels[0].targets[0].expr).replace('[2m]', '[2m');
    const file = writeTemp('broken.rules.yml', stringify({ groups: [{ name: 'g', rules: [{ record: 'x:y:z', expr: broken }] }] }));
    expect(run('promtool', ['check', 'rules', file]).code).not.toBe(0);
  });

  it('every panel and variable names a provisioned data source uid', () => {
    const uids = new Set(datasources.map((d: any) => d.uid));
    for (const { key, dash } of dashboards) {
      for (const p of dash.panels) expect(uids, `${key} / ${p.title}`).toContain(p.datasource.uid);
      for (const v of dash.templating.list) expect(uids, `${key} / $${v.name}`).toContain(v.datasource.uid);
    }
  });

  it('variables the queries use are defined by the dashboard', () => {
    for (const d of [istioServiceDashboard(), istioWorkloadDashboard()]) {
      const defined = new Set((d.templating.list as any[]).map((v) => v.name));
      const used = new Set(d.panels.flatMap((p) => p.targets.flatMap((t) => [...t.expr.matchAll(/\$(\w+)/g)].map((m) => m[1]))).filter((n) => !n.startsWith('__')));
      expect([...used].every((u) => defined.has(u)), `${d.title}: ${[...used]}`).toBe(true);
      expect(used.size).toBe(2);
    }
  });

  it('error ratios count 5xx and failed gRPC calls once each (union of series)', () => {
    const ratio = istioServiceDashboard().panels.find((p) => p.title.startsWith('Error ratio'))!.targets[0].expr;
    expect(ratio).toContain('response_code=~"5.."');
    expect(ratio).toContain('grpc_response_status!~"0|"');
    expect(ratio).toMatch(/\) or rate\(/);
  });
});
