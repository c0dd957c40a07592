import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { SYNC_WAVE_ANNOTATION, synthesizeApp } from '../lib';
import { environments } from '../apps';
import shop from '../apps/shop';

/*
 * What the committed dist/ does on a real cluster (issue 12): one test per
 * class of problem, read from the YAML as Argo CD / Flux would apply it.
 */

const DIST = path.resolve(__dirname, '..', 'dist');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

/** The objects of dist/<env>/<app>/ in apply order (kustomization.yaml's file order, then document order). */
function appObjects(app: string): Obj[] {
  const kustomization = parse(fs.readFileSync(path.join(DIST, app, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
  return kustomization.resources.flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(DIST, app, f), 'utf8')).map((d) => d.toJS() as Obj));
}

// every dist/<env>/<app>/ (each environment is a cluster of its own; the checks below hold in each)
const APPS = fs
  .readdirSync(DIST)
  .filter((e) => e !== 'gitops')
  .flatMap((e) => fs.readdirSync(path.join(DIST, e)).map((a) => `${e}/${a}`))
  .filter((a) => fs.existsSync(path.join(DIST, a, 'kustomization.yaml')));
const ALL = APPS.flatMap(appObjects);
const ns = (o: Obj) => o.metadata.namespace;
const wave = (o: Obj) => Number(o.metadata.annotations[SYNC_WAVE_ANNOTATION]);
const WORKLOADS = ['Deployment', 'StatefulSet', 'DaemonSet'];

describe('dist/ on a real cluster', () => {
  it('reads every app (the checks below have objects to look at)', () => {
    expect(APPS).toEqual(expect.arrayContaining(['dev/observability', 'dev/shop', 'prod/observability', 'prod/shop']));
    expect(ALL.filter((o) => o.kind === 'ServiceEntry').length).toBeGreaterThan(0);
    expect(ALL.filter((o) => o.kind === 'StatefulSet').length).toBeGreaterThan(0);
  });

  it('ServiceEntries are exported to their namespace only, and no TCP port is captured port-wide without an explicit choice (IST0134)', () => {
    for (const se of ALL.filter((o) => o.kind === 'ServiceEntry')) {
      expect(se.spec.exportTo, se.metadata.name).toEqual(['.']);
      const tcp = (se.spec.ports as Obj[]).filter((p) => ['TCP', 'MONGO', 'MYSQL', 'REDIS'].includes(p.protocol ?? 'TCP'));
      if (tcp.length > 0 && !se.spec.addresses?.length) {
        expect(se.metadata.annotations['networking.meshforge.io/address-allocation'], se.metadata.name).toBe('istio-dns-auto-allocate');
      }
    }
  });

  it('make-before-break: ServiceEntries, Gateways and DestinationRules apply before the workloads, each VirtualService after its DestinationRule', () => {
    for (const app of APPS) {
      const objs = appObjects(app);
      const firstWorkload = objs.findIndex((o) => WORKLOADS.includes(o.kind));
      for (const [i, o] of objs.entries()) {
        if (['ServiceEntry', 'Gateway', 'DestinationRule'].includes(o.kind) && firstWorkload >= 0) {
          expect(i, `${app}: ${o.kind} ${o.metadata.name}`).toBeLessThan(firstWorkload);
          expect(wave(o)).toBeLessThan(wave(objs[firstWorkload]));
        }
        if (o.kind !== 'VirtualService') continue;
        const subsets = (o.spec.http ?? []).concat(o.spec.tcp ?? [], o.spec.tls ?? []).flatMap((r: Obj) => r.route.map((d: Obj) => d.destination));
        for (const { host, subset } of subsets.filter((d: Obj) => d.subset)) {
          const dr = objs.findIndex((x) => x.kind === 'DestinationRule' && x.spec.host === host && ns(x) === ns(o));
          expect(dr, `${app}: DestinationRule for ${host}`).toBeGreaterThanOrEqual(0);
          expect(objs[dr].spec.subsets.map((s: Obj) => s.name)).toContain(subset);
          expect(dr).toBeLessThan(i);
          expect(wave(objs[dr])).toBeLessThan(wave(o));
        }
      }
    }
  });

  it('GitOps dependencies only where real: the shop does not wait for the observability app', () => {
    for (const env of ['dev', 'test', 'prod']) {
      const flux = parse(fs.readFileSync(path.join(DIST, 'gitops', 'flux', env, 'shop.k8s.yaml'), 'utf8')) as Obj;
      expect(flux.spec.dependsOn).toBeUndefined();
    }
    const argo = parse(fs.readFileSync(path.join(DIST, 'gitops', 'argocd', 'shop.k8s.yaml'), 'utf8')) as Obj;
    const observability = parse(fs.readFileSync(path.join(DIST, 'gitops', 'argocd', 'observability.k8s.yaml'), 'utf8')) as Obj;
    expect(wave(argo)).toBeLessThanOrEqual(wave(observability));
  });

  it('every StatefulSet is governed by a headless Service', () => {
    for (const sts of ALL.filter((o) => o.kind === 'StatefulSet')) {
      const svc = ALL.find((o) => o.kind === 'Service' && o.metadata.name === sts.spec.serviceName && ns(o) === ns(sts));
      expect(svc, `${ns(sts)}/${sts.metadata.name}`).toBeDefined();
      expect(svc!.spec.clusterIP).toBe('None');
    }
  });

  it('pods of a critical priority class outside kube-system have a ResourceQuota that permits the class', () => {
    const critical = ALL.filter((o) => WORKLOADS.includes(o.kind) && /^system-(node|cluster)-critical$/.test(o.spec.template.spec.priorityClassName ?? ''));
    expect(critical.length).toBeGreaterThan(0);
    for (const w of critical.filter((o) => ns(o) !== 'kube-system')) {
      const cls = w.spec.template.spec.priorityClassName;
      const quota = ALL.find((o) => o.kind === 'ResourceQuota' && ns(o) === ns(w)
        && (o.spec.scopeSelector?.matchExpressions ?? []).some((e: Obj) => e.scopeName === 'PriorityClass' && e.operator === 'In' && e.values.includes(cls)));
      expect(quota, `${ns(w)}/${w.metadata.name}`).toBeDefined();
    }
    // one quota per namespace and class in each environment's cluster: components sharing a namespace share it
    for (const app of APPS) {
      const keys = appObjects(app).filter((o) => o.kind === 'ResourceQuota')
        .flatMap((o) => (o.spec.scopeSelector?.matchExpressions ?? []).flatMap((e: Obj) => (e.values ?? []).map((v: string) => `${ns(o)}/${v}`)));
      expect(new Set(keys).size, app).toBe(keys.length);
    }
    expect(ALL.some((o) => o.kind === 'ResourceQuota')).toBe(true);
  });

  it('every ServiceAccount a pod runs as is created in dist/, or declared as made elsewhere', () => {
    for (const w of ALL.filter((o) => WORKLOADS.includes(o.kind))) {
      const sa = w.spec.template.spec.serviceAccountName ?? 'default';
      const created = ALL.some((o) => o.kind === 'ServiceAccount' && o.metadata.name === sa && ns(o) === ns(w));
      const declared = w.metadata.annotations?.['meshforge.io/existing-service-account'] === sa;
      expect(created || declared, `${ns(w)}/${w.metadata.name} runs as ${sa}`).toBe(true);
    }
  });

  it('every retry policy fits in its route timeout: (1 + attempts) × perTryTimeout', () => {
    const ms = (d: string) => (d.endsWith('ms') ? Number(d.slice(0, -2)) : Number(d.slice(0, -1)) * 1000);
    const routes = ALL.filter((o) => o.kind === 'VirtualService').flatMap((vs) => vs.spec.http ?? []);
    expect(routes.some((r: Obj) => r.retries?.perTryTimeout && r.timeout)).toBe(true);
    for (const r of routes.filter((x: Obj) => x.retries?.perTryTimeout && x.timeout)) {
      expect((1 + r.retries.attempts) * ms(r.retries.perTryTimeout), r.name).toBeLessThanOrEqual(ms(r.timeout));
    }
  });

  it('Istio objects use the v1 APIs by default (Istio >= 1.22); one setting selects the v1beta1 level for Istio 1.18-1.21', () => {
    const istio = ALL.filter((o) => o.apiVersion.includes('.istio.io/'));
    expect(istio.length).toBeGreaterThan(0);
    expect(new Set(istio.map((o) => o.apiVersion))).toEqual(new Set(['networking.istio.io/v1', 'security.istio.io/v1', 'telemetry.istio.io/v1']
      .filter((v) => istio.some((o) => o.apiVersion === v))));
    const old = [...synthesizeApp(shop, { istioApiLevel: 'v1beta1', environment: environments[2] }).files]
      .filter(([f]) => f !== 'kustomization.yaml')
      .flatMap(([, text]) => parseAllDocuments(text).map((d) => d.toJS() as Obj))
      .filter((o) => o.apiVersion.includes('.istio.io/'));
    expect([...new Set(old.map((o) => `${o.kind} ${o.apiVersion}`))].sort()).toEqual([
      'AuthorizationPolicy security.istio.io/v1beta1',
      'DestinationRule networking.istio.io/v1beta1',
      'Gateway networking.istio.io/v1beta1',
      'PeerAuthentication security.istio.io/v1beta1',
      'ServiceEntry networking.istio.io/v1beta1',
      'VirtualService networking.istio.io/v1beta1',
    ]);
    expect(() => synthesizeApp(shop, { istioApiLevel: 'v1alpha3' as never, environment: environments[2] })).toThrowError(
      'unknown Istio API level; field: istioApiLevel; value: "v1alpha3"; expected: one of "v1", "v1beta1" ("v1": Istio >= 1.22; "v1beta1": Istio 1.18-1.21)',
    );
  });
});
