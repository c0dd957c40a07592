import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { main } from '../../bin/diff';
import { DistFiles, diffDist, readDistAtRef, readDistWorkingTree, renderDiffMarkdown } from '../../lib/report/diff';
import { tmpDir } from '../helpers';

const ROOT = path.resolve(__dirname, '../..');

function docs(...manifests: unknown[]): string {
  return manifests.map((m) => stringify(m)).join('---\n');
}

const vs = (weights: [string, number][], extra: Record<string, unknown> = {}) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'cart', namespace: 'shop' },
  spec: { hosts: ['cart.shop.svc.cluster.local'], http: [{ name: 'default', route: weights.map(([subset, weight]) => ({ destination: { host: 'cart.shop.svc.cluster.local', subset }, weight })), ...extra }] },
});

const deployment = (name: string, image: string, replicas: number, memory = '128Mi') => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'shop' },
  spec: { replicas, template: { metadata: { labels: { app: 'cart', version: 'v1' } }, spec: { serviceAccountName: 'cart', containers: [{ name: 'cart', image, resources: { limits: { memory } } }] } } },
});

const authz = (principals: string[], paths?: string[]) => ({
  apiVersion: 'security.istio.io/v1',
  kind: 'AuthorizationPolicy',
  metadata: { name: 'catalog', namespace: 'shop' },
  spec: { selector: { matchLabels: { app: 'catalog' } }, rules: principals.map((p) => ({ from: [{ source: { principals: [p] } }], ...(paths ? { to: [{ operation: { paths } }] } : {}) })) },
});

const service = (name: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'shop' }, spec: { selector: { app: name } } });

const rulesConfigMap = (alerts: { alert: string; for: string }[]) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'prometheus-rules', namespace: 'monitoring' },
  data: { 'shop.rules.yml': stringify({ groups: [{ name: 'shop', rules: alerts.map((a) => ({ ...a, expr: 'up == 0', labels: { severity: 'warning' } })) }] }), 'prometheus.yml': 'global: {}\n' },
});

function files(entries: Record<string, string>): DistFiles {
  return new Map(Object.entries(entries));
}

function section(md: string, title: string): string[] {
  const part = md.split(`#### ${title}\n\n`)[1];
  return part === undefined ? [] : part.split('\n\n')[0].split('\n').filter((l) => l.startsWith('- ')).map((l) => l.slice(2));
}

describe('semantic diff of dist/', () => {
  it('says a canary change in one line', () => {
    const d = diffDist(files({ 'shop/traffic.yaml': docs(vs([['v1', 90], ['v2', 10]])) }), files({ 'shop/traffic.yaml': docs(vs([['v1', 50], ['v2', 50]])) }));
    const md = renderDiffMarkdown(d, { from: 'main' });
    expect(section(md, 'Traffic: route weights and matches')).toEqual(['shop/cart: v1 90% → 50%, v2 10% → 50%']);
    // Every changed field of the VirtualService is explained, so nothing is listed again.
    expect(md).not.toContain('Other changes');
    expect(md.split('\n')[0]).toBe('### meshforge: what `dist/` changes (`main` → working tree)');
  });

  it('reports matches, timeouts, new and dropped subsets, and moved objects as the same object', () => {
    const before = files({ 'shop/a.yaml': docs(vs([['v1', 100]], { match: [{ uri: { prefix: '/a' } }], timeout: '1s' })) });
    const after = files({ 'shop/b.yaml': docs(vs([['v1', 80], ['v3', 20]], { match: [{ uri: { prefix: '/b' } }], timeout: '2s' })) });
    const md = renderDiffMarkdown(diffDist(before, after), { from: 'HEAD~1' });
    expect(section(md, 'Traffic: route weights and matches')).toEqual(['shop/cart: v1 100% → 80%, v3 — → 20%', 'shop/cart: match uri prefix /a → uri prefix /b', 'shop/cart: timeout 1s → 2s']);
    expect(md).toContain('1 object changed, 0 added, 0 removed.');
  });

  it('reports callers, images, replicas, resources, mTLS, external hosts and alerts', () => {
    const pa = (mode: string) => ({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace: 'shop' }, spec: { mtls: { mode } } });
    const se = (host: string) => ({ apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'psp', namespace: 'shop' }, spec: { hosts: [host], ports: [{ name: 'tls', number: 443, protocol: 'TLS' }] } });
    const before = files({
      'shop/all.yaml': docs(service('cart'), service('catalog'), deployment('cart-v1', 'ghcr.io/acme/cart:1.0.0', 2), authz(['cluster.local/ns/shop/sa/cart']), pa('STRICT'), se('api.old-psp.com')),
      'observability/rules.yaml': docs(rulesConfigMap([{ alert: 'CartDown', for: '5m' }, { alert: 'Old', for: '1m' }])),
    });
    const after = files({
      'shop/all.yaml': docs(service('cart'), service('catalog'), deployment('cart-v1', 'ghcr.io/acme/cart:1.1.0', 3, '256Mi'), authz(['cluster.local/ns/shop/sa/cart', 'cluster.local/ns/shop/sa/checkout'], ['/api/*']), pa('PERMISSIVE'), se('api.stripe.com')),
      'observability/rules.yaml': docs(rulesConfigMap([{ alert: 'CartDown', for: '10m' }, { alert: 'New', for: '1m' }])),
    });
    const md = renderDiffMarkdown(diffDist(before, after), { from: 'main' });
    expect(section(md, 'Callers (AuthorizationPolicy)')).toEqual([
      'shop/catalog: caller added: cluster.local/ns/shop/sa/checkout (may do paths /api/*)',
      'shop/catalog: caller shop/cart may do everything → paths /api/*',
    ]);
    expect(section(md, 'Images')).toEqual(['shop/cart-v1 (Deployment) cart: `ghcr.io/acme/cart` 1.0.0 → 1.1.0']);
    expect(section(md, 'Replicas')).toEqual(['shop/cart-v1 (Deployment): replicas 2 → 3']);
    expect(section(md, 'Resources')).toEqual(['shop/cart-v1 (Deployment) cart: limits.memory 128Mi → 256Mi']);
    expect(section(md, 'mTLS')).toEqual(['PeerAuthentication shop/default: STRICT → PERMISSIVE ⚠️ plaintext accepted']);
    expect(section(md, 'External hosts')).toEqual(['new external host `api.stripe.com` (ServiceEntry shop/psp, tls 443)', 'external host removed: `api.old-psp.com` (was ServiceEntry shop/psp, tls 443)']);
    expect(section(md, 'Alerts')).toEqual(['alert added: New (shop), warning, for 1m', 'alert removed: Old (shop), warning', 'alert changed: CartDown (shop): for 5m → 10m']);
    expect(md).not.toContain('Other changes');
    // Sections come in a fixed order: traffic meaning first, alerts last.
    expect(md.indexOf('#### Callers')).toBeLessThan(md.indexOf('#### Images'));
    expect(md.indexOf('#### mTLS')).toBeLessThan(md.indexOf('#### Alerts'));
  });

  it('lists other changes by kind/namespace/name with the fields, and added/removed objects', () => {
    const cm = (v: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cart-config', namespace: 'shop' }, data: { 'config.yaml': v } });
    const recording = (expr: string) => ({ apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'rec', namespace: 'shop' }, spec: { groups: [{ name: 'g', rules: [{ record: 'job:up', expr }] }] } });
    const dr = (maxConnections: number) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'cart', namespace: 'shop' },
      spec: { host: 'cart', subsets: [{ name: 'v1', labels: { version: 'v1' }, trafficPolicy: { connectionPool: { tcp: { maxConnections } } } }] },
    });
    const before = files({ 'shop/a.yaml': docs(cm('a: 1'), service('gone'), recording('up'), dr(10)) });
    const after = files({ 'shop/a.yaml': docs(cm('a: 2'), service('new'), recording('max(up)'), dr(20)), 'prod/shop/a.yaml': docs(service('x')) });
    const d = diffDist(before, after);
    const md = renderDiffMarkdown(d, { from: 'main' });
    // What no section prints stays visible: a recording rule, a subset's own traffic policy.
    expect(section(md, 'Other changes')).toEqual([
      'ConfigMap shop/cart-config: `data.config.yaml`',
      'PrometheusRule shop/rec: `spec.groups[0].rules[0].expr`',
      'DestinationRule shop/cart: `spec.subsets[0].trafficPolicy.connectionPool.tcp.maxConnections`',
    ]);
    // Folders two levels deep (environments) are named, so prod and staging objects are told apart.
    expect(section(md, 'Objects added')).toEqual(['[prod/shop] Service shop/x', 'Service shop/new']);
    expect(section(md, 'Objects removed')).toEqual(['Service shop/gone']);
    expect(d).toMatchObject({ added: 2, removed: 1, changed: 3 });
  });

  it('reports policy changes: new policies, actions, scopes and DENY rules', () => {
    const policy = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace: 'shop' }, spec });
    const before = files({ 'shop/p.yaml': docs(service('catalog'), policy('deny-ext', { action: 'DENY', rules: [{ from: [{ source: { notNamespaces: ['shop'] } }] }] }), policy('open', { selector: { matchLabels: { app: 'catalog' } }, rules: [{}] })) });
    const after = files({
      'shop/p.yaml': docs(service('catalog'), policy('deny-ext', { action: 'DENY', rules: [{ from: [{ source: { notNamespaces: ['shop', 'ops'] } }] }] }), policy('open', { selector: { matchLabels: { app: 'cart' } }, rules: [{}] }), policy('allow-nothing', {})),
    });
    const md = renderDiffMarkdown(diffDist(before, after), { from: 'main' });
    expect(section(md, 'Policies')).toEqual([
      'AuthorizationPolicy shop/allow-nothing added: ALLOW on namespace-wide (no rules: denies everything it selects)',
      'AuthorizationPolicy shop/deny-ext: rules from any except notNamespaces ["shop"] → from any except notNamespaces ["shop","ops"]',
      'AuthorizationPolicy shop/open: applies to app=catalog → app=cart',
    ]);
    // What the scope change means for the catalog: it no longer lets anyone in.
    expect(section(md, 'Callers (AuthorizationPolicy)')).toEqual(['shop/catalog: caller removed: any']);
  });

  it('says so when nothing changed', () => {
    const same = files({ 'shop/a.yaml': docs(vs([['v1', 100]])) });
    expect(renderDiffMarkdown(diffDist(same, same), { from: 'main' })).toBe('### meshforge: what `dist/` changes (`main` → working tree)\n\nNo change in `dist/`.\n');
  });
});

describe('npm run diff on a real git repository', () => {
  function gitIn(cwd: string, ...args: string[]): string {
    return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' } });
  }

  it('compares dist/ at a ref with the working tree: the cart canary 90/10 → 50/50 is one line', () => {
    const repo = tmpDir('meshforge-diff-');
    gitIn(repo, 'init', '-q');
    // The repository's real dist/, committed as version 1.
    fs.cpSync(path.join(ROOT, 'dist'), path.join(repo, 'dist'), { recursive: true });
    gitIn(repo, 'add', '-A');
    gitIn(repo, 'commit', '-qm', 'dist v1');
    const file = path.join(repo, 'dist/prod/shop/50-mesh-traffic.k8s.yaml');
    const text = fs.readFileSync(file, 'utf8');
    const changed = text.replace(/(subset: v1\n\s+weight: )90/, '$150').replace(/(subset: v2\n\s+weight: )10/, '$150');
    expect(changed).not.toBe(text);
    fs.writeFileSync(file, changed);

    const out: string[] = [];
    const err: string[] = [];
    expect(main({ ref: 'HEAD', cwd: repo, log: (t) => out.push(t), error: (l) => err.push(l) })).toBe(0);
    expect(err).toEqual([]);
    const md = out.join('');
    // the canary runs in prod only: the change names its environment and app folder
    expect(md).toContain('- [prod/shop] shop/cart: v1 90% → 50%, v2 10% → 50%\n');
    expect(section(md, 'Traffic: route weights and matches')).toEqual(['[prod/shop] shop/cart: v1 90% → 50%, v2 10% → 50%']);
    expect(md).toContain('1 object changed, 0 added, 0 removed.');

    // The reader sees exactly the committed files, not the working tree.
    const atHead = readDistAtRef('HEAD', { cwd: repo });
    expect(atHead.get('prod/shop/50-mesh-traffic.k8s.yaml')).toBe(text);
    expect([...atHead.keys()]).toEqual([...readDistWorkingTree({ cwd: repo }).keys()]);
  });

  it('fails clearly on an unknown ref or without one', () => {
    const repo = tmpDir('meshforge-diff-');
    gitIn(repo, 'init', '-q');
    const err: string[] = [];
    expect(main({ ref: 'no-such-ref', cwd: repo, log: () => undefined, error: (l) => err.push(l) })).toBe(2);
    expect(err[0]).toMatch(/^meshforge diff failed: git failed; field: git rev-parse --verify --quiet no-such-ref\^\{commit\}; value: .*; expected: a git work tree and a ref that exists/);
    expect(main({ cwd: repo, log: () => undefined, error: (l) => err.push(l) })).toBe(2);
    expect(err[1]).toBe('usage: npm run diff -- <git-ref>   (e.g. main, HEAD~1, origin/main)');
  });
});
