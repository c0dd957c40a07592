import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { apps, environments, gitops } from '../apps';
import { SynthesizedApp, readTree, synthesizeAll } from '../lib';

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');

/** dist/ as synth would write it now, as relative path → content. */
function freshTree(result: readonly SynthesizedApp[]): Map<string, string> {
  const tree = new Map<string, string>();
  for (const app of [...result].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    // side files (not in kustomization.yaml, e.g. istio/mesh-config.yaml) are part of dist/ too, so they cannot go stale
    for (const [file, content] of [...app.files, ...app.sideFiles].sort(([a], [b]) => (a < b ? -1 : 1))) tree.set(`${app.name}/${file}`, content);
  }
  return tree;
}

const fresh = synthesizeAll(apps, { gitops, environments });

describe('committed dist/', () => {
  it('is what `npm run synth` produces now', () => {
    const committed = readTree(DIST);
    const expected = freshTree(fresh);
    const stale = [...new Set([...committed.keys(), ...expected.keys()])]
      .filter((f) => committed.get(f) !== expected.get(f))
      .map((f) => `  dist/${f}: ${!committed.has(f) ? 'missing' : !expected.has(f) ? 'no longer produced' : 'differs'}`);
    if (stale.length > 0) {
      expect.fail(`dist/ is stale; run \`npm run synth\` and commit the result:\n${stale.join('\n')}`);
    }
  });

  it('is deterministic: a second synthesis is byte-identical', () => {
    expect(freshTree(synthesizeAll(apps, { gitops, environments }))).toEqual(freshTree(fresh));
  });

  it('has one folder per environment, one per app deploying there, and every apps/ folder is registered', () => {
    const folders = fs
      .readdirSync(path.join(ROOT, 'apps'), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    expect(apps.map((a) => a.name).sort()).toEqual(folders);
    // plus dist/gitops/ (Argo CD / Flux entry points) when an app opts in
    const generated = apps.some((a) => a.gitops?.argocd || a.gitops?.flux) ? ['gitops'] : [];
    expect(fs.readdirSync(DIST).sort()).toEqual([...environments.map((e) => e.name), ...generated].sort());
    for (const env of environments) {
      const deployed = apps.filter((a) => (a.environments ?? [env.name]).includes(env.name)).map((a) => a.name);
      expect(fs.readdirSync(path.join(DIST, env.name)).sort(), `dist/${env.name}/`).toEqual(deployed.sort());
    }
  });

  // every folder with a kustomization.yaml: dist/<env>/<app>/, dist/gitops/argocd/ and dist/gitops/flux/<env>/
  const kustomizations = [...freshTree(fresh).keys()].filter((f) => path.basename(f) === 'kustomization.yaml').map((f) => path.dirname(f));

  it('has a kustomization for every app and for each GitOps entry point', () => {
    expect(kustomizations).toEqual(expect.arrayContaining([...fresh.filter((a) => a.environment).map((a) => a.name), 'gitops/argocd', ...environments.map((e) => `gitops/flux/${e.name}`)]));
  });

  it.each(kustomizations)('dist/%s builds with `kubectl kustomize`, in file order', (dir) => {
    const out = execFileSync('kubectl', ['kustomize', path.join(DIST, dir)], { encoding: 'utf8' });
    const docs = parseAllDocuments(out).map((d) => d.toJS() as Record<string, unknown>);
    const tree = freshTree(fresh);
    const resources = (parseAllDocuments(tree.get(`${dir}/kustomization.yaml`)!)[0].toJS() as { resources: string[] }).resources;
    // sortOptions: fifo → kustomize emits exactly the files' objects, in the listed order
    const expected = resources.flatMap((f) => parseAllDocuments(tree.get(`${dir}/${f}`)!).map((d) => d.toJS() as Record<string, unknown>));
    expect(docs).toEqual(expected);
  });
});

// one whole-output snapshot per environment and app (dist/<env>/<app>/), and one of dist/gitops/
describe.each(fresh.map((a) => [a.name, a] as const))('dist/%s', (_name, rendered) => {
  it('matches its snapshot', () => {
    expect(Object.fromEntries(rendered.files)).toMatchSnapshot();
  });
});
