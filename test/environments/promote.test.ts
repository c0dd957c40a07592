import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { describe, expect, it } from 'vitest';
import { AppDefinition, Environment, defineApp, parsePromoteArgs, promote, readTree, synthToDist } from '../../lib';
import { main } from '../../bin/promote';
import { apps, environments, gitops } from '../../apps';
import { errorOf, tmpDir } from '../helpers';

const ROOT = path.resolve(__dirname, '../..');

const envs: Environment[] = ['dev', 'test', 'prod'].map((name) => ({ name, cluster: { name, server: `https://${name}.example.com` }, settings: {} }));

/** A small app whose ConfigMap carries the tags of `web` and (where it has one) `worker`; `explode` fails its build. */
function webApp(releases: string, deploys?: string[]): AppDefinition {
  return defineApp({
    name: 'web',
    description: 'promote test app',
    releases,
    environments: deploys,
    build(app, { releases: tags }) {
      const web = tags.tag('web');
      if (web === 'explode') throw new Error('build failed on purpose');
      new kplus.ConfigMap(new Chart(app, 'c'), 'tags', { metadata: { name: 'tags', namespace: 'web' }, data: { web, worker: tags.has('worker') ? tags.tag('worker') : 'none' } });
    },
  });
}

/** The dist-writer step that writes the first file of the new output, after the lock, the repair and the staging folder. */
const FIRST_WRITE_STEP = 4;

const RELEASES = {
  dev: { web: '1.2.0', worker: '0.9.0' },
  prod: { web: '1.0.0', worker: '0.8.0' },
  test: { web: '1.1.0', worker: '0.9.0' },
};

/** A project in a temp folder: releases file and a synthesized dist/. */
function project(releases: object = RELEASES): { dir: string; file: string; dist: string; app: AppDefinition } {
  const dir = tmpDir();
  const file = path.join(dir, 'releases.json');
  fs.writeFileSync(file, `${JSON.stringify(releases, null, 2)}\n`);
  const app = webApp(file);
  const dist = path.join(dir, 'dist');
  synthToDist([app], dist, { environments: envs });
  return { dir, file, dist, app };
}

/** Content hash of each folder `dist/<top>/<app>` (and dist/gitops). */
function folderHashes(dist: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [rel, content] of readTree(dist)) {
    const folder = rel.split('/').slice(0, 2).join('/');
    out.set(folder, createHash('sha256').update(out.get(folder) ?? '').update(rel).update(content).digest('hex'));
  }
  return out;
}


describe('parsePromoteArgs', () => {
  it('reads a tag for one environment and a copy between two', () => {
    expect(parsePromoteArgs(['shop/cart', '1.5.0', '--env', 'dev'])).toEqual({ app: 'shop', service: 'cart', environment: 'dev', tag: '1.5.0' });
    expect(parsePromoteArgs(['shop/cart', '--env=dev', '1.5.0'])).toEqual({ app: 'shop', service: 'cart', environment: 'dev', tag: '1.5.0' });
    expect(parsePromoteArgs(['shop/cart', '--from', 'test', '--to', 'prod'])).toEqual({ app: 'shop', service: 'cart', environment: 'prod', from: 'test' });
  });

  it.each([
    [[], 'missing <app>/<service>'],
    [['shop', '1.0', '--env', 'dev'], 'the first argument must be <app>/<service>'],
    [['shop/cart', '--env', 'dev'], 'missing <tag>'],
    [['shop/cart', '1.0'], 'missing --env <environment>'],
    [['shop/cart', '1.0', '2.0', '--env', 'dev'], 'too many arguments'],
    [['shop/cart', '--from', 'test'], '--from and --to go together'],
    [['shop/cart', '1.0', '--from', 'test', '--to', 'prod'], '--from/--to copies a tag: give neither a tag nor --env'],
    [['shop/cart', '1.0', '--env'], '--env needs an environment name'],
    [['shop/cart', '1.0', '--env', 'dev', '--force'], 'unknown option'],
  ])('%j fails: %s', (argv, message) => {
    const e = errorOf(() => parsePromoteArgs(argv));
    expect(e.code).toBe('PROMOTE_USAGE');
    expect(e.message).toMatch(new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}; value: .*; expected: npm run promote -- <app>/<service> <tag> --env <environment>, or <app>/<service> --from <environment> --to <environment>$`));
  });
});

describe('promote', () => {
  it('sets one tag: only the releases entry and dist/<env>/ change', () => {
    const p = project();
    const before = folderHashes(p.dist);
    const result = promote({ app: 'web', service: 'web', environment: 'test', tag: '1.3.0-rc.1' }, { apps: [p.app], environments: envs, outdir: p.dist });
    expect(result).toMatchObject({ previous: '1.1.0', tag: '1.3.0-rc.1', changed: true, environment: 'test' });
    expect(JSON.parse(fs.readFileSync(p.file, 'utf8'))).toEqual({ ...RELEASES, test: { web: '1.3.0-rc.1', worker: '0.9.0' } });
    const after = folderHashes(p.dist);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    expect([...after.keys()].filter((f) => after.get(f) !== before.get(f))).toEqual(['test/web']);
    expect(fs.readFileSync(path.join(p.dist, 'test/web/10-config.k8s.yaml'), 'utf8')).toContain('web: 1.3.0-rc.1');
  });

  it('copies the tag of one environment into another', () => {
    const p = project();
    const before = folderHashes(p.dist);
    const result = promote({ app: 'web', service: 'web', environment: 'prod', from: 'test' }, { apps: [p.app], environments: envs, outdir: p.dist });
    expect(result).toMatchObject({ previous: '1.0.0', tag: '1.1.0', changed: true });
    expect(JSON.parse(fs.readFileSync(p.file, 'utf8')).prod).toEqual({ web: '1.1.0', worker: '0.8.0' });
    const after = folderHashes(p.dist);
    expect([...after.keys()].filter((f) => after.get(f) !== before.get(f))).toEqual(['prod/web']);
  });

  it('the same tag again changes nothing', () => {
    const p = project();
    const tree = readTree(p.dist);
    const text = fs.readFileSync(p.file, 'utf8');
    expect(promote({ app: 'web', service: 'worker', environment: 'test', from: 'dev' }, { apps: [p.app], environments: envs, outdir: p.dist }).changed).toBe(false);
    expect(readTree(p.dist)).toEqual(tree);
    expect(fs.readFileSync(p.file, 'utf8')).toBe(text);
  });

  it('a failing synth changes neither the releases file nor dist/', () => {
    const p = project();
    const tree = readTree(p.dist);
    const text = fs.readFileSync(p.file, 'utf8');
    expect(() => promote({ app: 'web', service: 'web', environment: 'dev', tag: 'explode' }, { apps: [p.app], environments: envs, outdir: p.dist })).toThrowError(
      'app "web" failed to synthesize for environment "dev": build failed on purpose',
    );
    expect(fs.readFileSync(p.file, 'utf8')).toBe(text);
    expect(readTree(p.dist)).toEqual(tree);
    expect(fs.readdirSync(p.dir).sort()).toEqual(['.dist.backup', 'dist', 'releases.json']);
  });

  it('a failing dist/ write puts the releases file back', () => {
    const p = project();
    const tree = readTree(p.dist);
    const text = fs.readFileSync(p.file, 'utf8');
    // The disk fills up while the new output is written (after synth, after the releases file was replaced).
    process.env.MESHFORGE_DIST_FAULT = `${FIRST_WRITE_STEP}:ENOSPC`;
    try {
      const e = errorOf(() => promote({ app: 'web', service: 'web', environment: 'dev', tag: '2.0.0' }, { apps: [p.app], environments: envs, outdir: p.dist }));
      expect(e.code).toBe('DIST_IO');
      expect(e.message).toContain('no space left on device');
    } finally {
      delete process.env.MESHFORGE_DIST_FAULT;
    }
    expect(fs.readFileSync(p.file, 'utf8')).toBe(text);
    expect(readTree(p.dist)).toEqual(tree);
  });

  describe('bad input fails with a clear error and changes nothing', () => {
    const p = project();
    const tree = readTree(p.dist);
    const text = fs.readFileSync(p.file, 'utf8');
    const run = (request: Parameters<typeof promote>[0], app = p.app) => errorOf(() => promote(request, { apps: [app], environments: envs, outdir: p.dist }));

    it.each([
      ['unknown app', { app: 'shop', service: 'web', environment: 'dev', tag: '1.0' }, 'PROMOTE_UNKNOWN_APP', 'unknown app; field: <app>; value: "shop"; expected: one of: web'],
      ['unknown service', { app: 'web', service: 'api', environment: 'dev', tag: '1.0' }, 'PROMOTE_UNKNOWN_SERVICE', `[${path.relative(process.cwd(), p.file)}] unknown service of app "web"; field: <service>; value: "api"; expected: one of: web, worker (a new service gets its first tags by editing ${path.relative(process.cwd(), p.file)})`],
      ['unknown environment', { app: 'web', service: 'web', environment: 'staging', tag: '1.0' }, 'PROMOTE_UNKNOWN_ENVIRONMENT', 'unknown environment; field: --env; value: "staging"; expected: one of: dev, test, prod'],
      ['unknown source environment', { app: 'web', service: 'web', environment: 'prod', from: 'qa' }, 'PROMOTE_UNKNOWN_ENVIRONMENT', 'unknown environment; field: --from; value: "qa"; expected: one of: dev, test, prod'],
      ['malformed tag', { app: 'web', service: 'web', environment: 'dev', tag: '1.0+build' }, 'RELEASE_INVALID_TAG', 'invalid image tag (not an OCI tag); field: <tag>; value: "1.0+build"'],
      ['tag "latest"', { app: 'web', service: 'web', environment: 'dev', tag: 'latest' }, 'RELEASE_INVALID_TAG', 'invalid image tag ("latest" names no particular build)'],
      ['tag too long', { app: 'web', service: 'web', environment: 'dev', tag: 'a'.repeat(129) }, 'RELEASE_INVALID_TAG', 'invalid image tag (not an OCI tag)'],
      ['same from and to', { app: 'web', service: 'web', environment: 'test', from: 'test' }, 'PROMOTE_SAME_ENVIRONMENT', '--from and --to name the same environment; field: --to; value: "test"; expected: another environment than --from'],
    ])('%s', (_what, request, code, message) => {
      const e = run(request);
      expect(e.code).toBe(code);
      expect(e.message).toContain(message);
      expect(readTree(p.dist)).toEqual(tree);
      expect(fs.readFileSync(p.file, 'utf8')).toBe(text);
    });

    it('missing source tag', () => {
      const q = project({ dev: { web: '1.2.0', worker: '0.9.0' }, test: { web: '1.1.0' }, prod: RELEASES.prod });
      const e = errorOf(() => promote({ app: 'web', service: 'worker', environment: 'prod', from: 'test' }, { apps: [q.app], environments: envs, outdir: q.dist }));
      expect(e.code).toBe('PROMOTE_MISSING_SOURCE_TAG');
      expect(e.message).toContain('environment "test" has no tag for "worker" to promote; field: test.worker; expected: an environment with a tag for it: dev, prod');
    });

    it('an environment the app does not deploy to', () => {
      const e = run({ app: 'web', service: 'web', environment: 'prod', tag: '1.0' }, { ...p.app, environments: ['dev', 'test'] });
      expect(e.code).toBe('PROMOTE_UNKNOWN_ENVIRONMENT');
      expect(e.message).toBe('app "web" does not deploy to this environment; field: --env; value: "prod"; expected: one of the app\'s environments: dev, test');
    });
  });
});

describe('npm run promote on the repository apps', () => {
  it('changes exactly one environment folder of the real dist/ (and the releases file)', () => {
    const dir = tmpDir();
    const dist = path.join(dir, 'dist');
    fs.cpSync(path.join(ROOT, 'dist'), dist, { recursive: true });
    const file = path.join(dir, 'releases.json');
    fs.copyFileSync(path.join(ROOT, 'apps/shop/releases.json'), file);
    const shop = { ...apps.find((a) => a.name === 'shop')!, releases: file };
    const project = apps.map((a) => (a.name === 'shop' ? shop : a));
    const before = folderHashes(dist);
    const log: string[] = [];
    const code = main(['shop/storefront', '--from', 'dev', '--to', 'test'], { apps: project, environments, gitops, outdir: dist, log: (l) => log.push(l), error: (l) => log.push(l) });
    expect(log.join('\n')).toContain('shop/storefront in test: 2.3.1 → 2.4.0');
    expect(code).toBe(0);
    const after = folderHashes(dist);
    expect([...after.keys()].filter((f) => after.get(f) !== before.get(f))).toEqual(['test/shop']);
    expect(fs.readFileSync(path.join(dist, 'test/shop/40-workloads.k8s.yaml'), 'utf8')).toContain('image: ghcr.io/acme-shop/storefront:2.4.0');
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).test.storefront).toBe('2.4.0');

    const err: string[] = [];
    expect(main(['shop/cart', 'not a tag', '--env', 'prod'], { apps: project, environments, gitops, outdir: dist, log: () => undefined, error: (l) => err.push(l) })).toBe(1);
    expect(err[0]).toBe('meshforge promote failed; nothing was changed:');
    expect(folderHashes(dist)).toEqual(after);
  });
});
