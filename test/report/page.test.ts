import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { main } from '../../bin/report';
import { loadPolicyObjects } from '../../lib/policy';
import { appFolders, writeReports } from '../../lib/report/report';
import { graphOf, layoutGraph } from '../../lib/report/layout';
import { buildModel } from '../../lib/report/model';
import { tmpDir } from '../helpers';

const ROOT = path.resolve(__dirname, '../..');

describe('report layout', () => {
  const model = buildModel(loadPolicyObjects(['dist/prod/shop'], { cwd: ROOT }));

  it('draws gateways, callers, routes and dependencies as edges', () => {
    const { edges } = graphOf(model);
    expect(edges.map((e) => `${e.kind} ${e.from} → ${e.to}: ${e.label}`).sort()).toEqual([
      'caller caller:cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account → service:shop/storefront: allowed',
      'caller caller:cluster.local/ns/shop/sa/nightly-report → service:shop/catalog: allowed',
      'caller service:shop/cart → service:shop/catalog: allowed',
      'caller service:shop/cart → service:shop/queue: allowed',
      'caller service:shop/storefront → service:shop/cart: paths /api/cart, /api/cart/*',
      'caller service:shop/storefront → service:shop/catalog: allowed',
      'ingress gateway:shop/public → service:shop/storefront: shop.example.com',
      'reference service:shop/cart → external:shop/orders-db: env DB_HOST',
      'reference service:shop/cart → service:shop/queue: env QUEUE_ADDR',
      'reference service:shop/orders-db → external:shop/orders-db: ExternalName',
    ]);
    const cart = graphOf(model).nodes.find((n) => n.id === 'service:shop/cart')!;
    expect(cart.rows.filter((r) => r.weight !== undefined).map((r) => [r.text.split(' · ')[0], r.weight])).toEqual([
      ['v1 90%', 90],
      ['v2 10%', 10],
    ]);
  });

  it('places boxes without overlap, inside their namespace box, and edges with points', () => {
    const layout = layoutGraph(model);
    const nodes = layout.nodes;
    for (let i = 0; i < nodes.length; i++) {
      for (let j = i + 1; j < nodes.length; j++) {
        const [a, b] = [nodes[i], nodes[j]];
        const apart = a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
        expect(apart, `${a.id} overlaps ${b.id}`).toBe(true);
      }
    }
    for (const n of nodes.filter((x) => x.cluster)) {
      const c = layout.clusters.find((x) => x.id === n.cluster)!;
      expect(n.x >= c.x && n.y >= c.y && n.x + n.width <= c.x + c.width && n.y + n.height <= c.y + c.height, `${n.id} inside namespace ${c.id}`).toBe(true);
    }
    for (const e of layout.edges) expect(e.points.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...nodes.map((n) => n.x + n.width))).toBeLessThanOrEqual(layout.width);
    expect(Math.max(...layout.clusters.map((c) => c.y + c.height))).toBeLessThanOrEqual(layout.height);
    expect(Math.min(...layout.clusters.map((c) => c.y))).toBeGreaterThanOrEqual(0);
  });
});

describe('npm run report', () => {
  it('writes one self-contained page per app folder, byte-identical on rerun', () => {
    const out = tmpDir('meshforge-report-');
    const first = writeReports('dist', out, { cwd: ROOT });
    expect(first.map((f) => path.relative(out, path.resolve(ROOT, f)))).toEqual([
      'dev/observability.html', 'dev/sandbox.html', 'dev/shop.html',
      'gitops/argocd.html', 'gitops/flux/dev.html', 'gitops/flux/prod.html', 'gitops/flux/test.html',
      'prod/observability.html', 'prod/shop.html', 'test/observability.html', 'test/shop.html',
    ]);
    const bytes = first.map((f) => fs.readFileSync(path.resolve(ROOT, f)));
    writeReports('dist', out, { cwd: ROOT });
    first.forEach((f, i) => expect(fs.readFileSync(path.resolve(ROOT, f)).equals(bytes[i]), f).toBe(true));

    const shop = fs.readFileSync(path.join(out, 'prod/shop.html'), 'utf8');
    // Nothing is fetched at view time: no script, stylesheet link, image source, font or CSS url().
    expect(shop).not.toMatch(/<script|<link|<img|<iframe|\bsrc=|@import|@font-face|url\((?!#)/i);
    for (const href of shop.match(/href="[^"]*"/g) ?? []) expect(href).toMatch(/^href="#/);
    expect(shop).toContain('<svg xmlns="http://www.w3.org/2000/svg" class="graph"');
    expect(shop).toContain('v1 90% · cart:');
    expect(shop).toContain('shop.example.com');
    expect(shop).toContain('RED: shop/cart');
    expect(shop).toContain('MeshServiceHighErrorRate');
    expect(fs.readFileSync(path.join(out, 'dev/shop.html'), 'utf8')).toContain('shop.dev.example.com');
    const obs = fs.readFileSync(path.join(out, 'prod/observability.html'), 'utf8');
    expect(obs).toContain('TargetDown');
    expect(obs).toContain('Cluster overview');
  });

  it('finds app folders per environment and fails clearly without dist/', () => {
    const root = tmpDir('meshforge-report-');
    for (const f of ['dist/prod/shop/a.yaml', 'dist/staging/shop/a.yaml', 'dist/gitops/flux/a.yaml']) {
      fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
      fs.writeFileSync(path.join(root, f), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n');
    }
    expect(appFolders(path.join(root, 'dist'))).toEqual(['gitops/flux', 'prod/shop', 'staging/shop']);
    const log: string[] = [];
    expect(main({ cwd: root, log: (l) => log.push(l), error: (l) => log.push(l) })).toBe(0);
    expect(log).toEqual(['wrote report/gitops/flux.html', 'wrote report/prod/shop.html', 'wrote report/staging/shop.html']);
    const err: string[] = [];
    expect(main({ cwd: root, dist: 'nope', error: (l) => err.push(l) })).toBe(2);
    expect(err).toEqual(['meshforge report: nope does not exist (run npm run synth first)']);
  });
});
