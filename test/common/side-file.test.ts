import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { main } from '../../bin/synth';
import { AppDefinition, SideFile, defineApp, readTree, synthesizeApp } from '../../lib';
import { tmpDir } from '../helpers';

/** An app with one namespace and the given side files. */
function appWith(name: string, files: { path: string; content: string; notice?: string }[]): AppDefinition {
  return defineApp({
    name,
    description: 'side files',
    build(app: App) {
      const chart = new Chart(app, 'base');
      new kplus.Namespace(chart, 'ns', { metadata: { name } });
      files.forEach((f, i) => new SideFile(chart, `side${i}`, { path: f.path, content: () => f.content, notice: f.notice }));
    },
  });
}

describe('SideFile', () => {
  it('is written under dist/<app>/ but never listed in kustomization.yaml', () => {
    const out = synthesizeApp(appWith('web', [{ path: 'istio/mesh.yaml', content: 'a: 1\n', notice: 'apply it' }]));
    expect([...out.sideFiles]).toEqual([['istio/mesh.yaml', 'a: 1\n']]);
    expect(out.files.has('istio/mesh.yaml')).toBe(false);
    const kustomization = parseAllDocuments(out.files.get('kustomization.yaml')!)[0].toJS() as { resources: string[] };
    expect(kustomization.resources).toEqual(['00-namespaces.k8s.yaml']);
    expect(out.notices).toEqual([{ file: 'istio/mesh.yaml', text: 'apply it' }]);
  });

  it('synth writes it and prints its notice once, after the folder listing', () => {
    const dir = path.join(tmpDir(), 'dist');
    const lines: string[] = [];
    const apps = [appWith('web', [{ path: 'istio/a.yaml', content: 'x\n', notice: 'ACTION REQUIRED: apply it' }, { path: 'istio/b.yaml', content: 'y\n' }])];
    expect(main({ apps, outdir: dir, log: (l) => lines.push(l) })).toBe(0);
    expect(readTree(dir).get('web/istio/a.yaml')).toBe('x\n');
    expect(readTree(dir).get('web/istio/b.yaml')).toBe('y\n');
    const notices = lines.filter((l) => l.includes('ACTION REQUIRED'));
    expect(notices).toEqual([`${path.relative(process.cwd(), path.join(dir, 'web', 'istio', 'a.yaml'))}: ACTION REQUIRED: apply it`]);
    expect(lines.indexOf(notices[0])).toBe(lines.length - 1);
  });

  it.each([
    ['mesh.yaml', 'a relative path inside a sub-folder'],
    ['istio/../x.yaml', 'a relative path inside a sub-folder'],
    ['/etc/x.yaml', 'a relative path inside a sub-folder'],
    ['istio/x.k8s.yaml', 'not ending in .k8s.yaml'],
    ['istio/kustomization.yaml', 'not a kustomization.yaml'],
  ])('rejects the path %s', (p) => {
    const chart = new Chart(new App(), 'c');
    expect(() => new SideFile(chart, 's', { path: p, content: () => '' })).toThrowError(
      `[c/s] invalid side file path; field: path; value: ${JSON.stringify(p)}; expected: a relative path inside a sub-folder of dist/<app>/ (e.g. "istio/mesh-config.yaml"), not ending in .k8s.yaml and not a kustomization.yaml`,
    );
  });

  it('rejects a notice of several lines and two files on one path', () => {
    const chart = new Chart(new App(), 'c');
    expect(() => new SideFile(chart, 's', { path: 'a/b.yaml', content: () => '', notice: 'one\ntwo' })).toThrowError('[c/s] invalid side file notice; field: notice; value: "one\\ntwo"; expected: one non-empty line');
    expect(() => synthesizeApp(appWith('dup', [{ path: 'a/b.yaml', content: '' }, { path: 'a/b.yaml', content: '' }]))).toThrowError(
      'app "dup" failed to synthesize: [base/side1] two side files share a path; field: path; value: "a/b.yaml"; expected: one SideFile per path',
    );
  });
});
