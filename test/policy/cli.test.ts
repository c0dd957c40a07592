import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { main } from '../../bin/check';
import { loadPolicyObjects } from '../../lib/policy';
import { tmpDir } from '../helpers';
import { set, workload } from './fixtures';

function run(paths: string[], cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const code = main({ paths, cwd, log: (l) => out.push(l), error: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function writeDocs(file: string, docs: unknown[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, docs.map((d) => stringify(d)).join('---\n'));
}

describe('check CLI (npm run check)', () => {
  it('exits 0 on a compliant folder and 1 with the table on a violation', () => {
    const root = tmpDir();
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } };
    writeDocs(path.join(root, 'dist/shop/app.k8s.yaml'), [workload('Deployment'), service]);
    fs.writeFileSync(path.join(root, 'dist/shop/kustomization.yaml'), 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - app.k8s.yaml\n');
    fs.writeFileSync(path.join(root, 'dist/README.txt'), 'not yaml, ignored');
    const ok = run(['dist'], root);
    expect(ok).toEqual({ code: 0, out: 'Policy check passed: 3 objects in 2 files, no violations, 0 honoured exceptions.', err: '' });
    // Without arguments it checks dist/ of the folder it runs in (npm scripts run in the project root).
    expect(run([], root)).toEqual(ok);

    writeDocs(path.join(root, 'dist/shop/bad.k8s.yaml'), [set(workload('Deployment', 'bad'), 'spec.template.spec.containers[0].securityContext.privileged', true)]);
    const bad = run(['dist'], root);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('Policy check FAILED: 1 violation in 1 object (4 objects in 3 files checked).');
    expect(bad.out).toMatch(/Deployment\/shop\/bad\s+dist\/shop\/bad\.k8s\.yaml\s+privileged\s+container "web" runs privileged\s+set spec\.template\.spec\.containers\[0\]\.securityContext\.privileged: false/);

    // Paths given as arguments narrow the check to those files.
    expect(run(['dist/shop/app.k8s.yaml'], root).code).toBe(0);
  });

  it('exits 2 on a missing path, invalid YAML or no YAML at all', () => {
    const root = tmpDir();
    expect(run(['nope'], root)).toEqual({ code: 2, out: '', err: 'meshforge check failed: nothing to check at this path; value: "nope"; expected: a YAML file or a folder holding YAML files' });
    fs.writeFileSync(path.join(root, 'broken.yaml'), 'kind: [unclosed\n');
    expect(run(['broken.yaml'], root)).toEqual({
      code: 2,
      out: '',
      err: 'meshforge check failed: [broken.yaml] invalid YAML; field: line 2; value: "unexpected end of the stream within a flow collection"; expected: valid YAML',
    });
    fs.mkdirSync(path.join(root, 'empty'));
    expect(run(['empty'], root)).toEqual({ code: 2, out: '', err: 'meshforge check: no Kubernetes YAML found in empty' });
  });

  it('reads YAML the way Kubernetes does (1.1 booleans, dates as strings) and keeps file and document positions', () => {
    const root = tmpDir();
    fs.writeFileSync(path.join(root, 'a.yaml'), '---\n# empty\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\nnot: a k8s object\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata: {x: "on"}\n');
    const objects = loadPolicyObjects(['a.yaml'], { cwd: root });
    expect(objects.map((o) => [o.file, o.index, o.manifest.kind])).toEqual([
      ['a.yaml', 1, 'Namespace'],
      ['a.yaml', 3, 'ConfigMap'],
    ]);
    expect(objects[1].manifest.data).toEqual({ x: 'on' });
    fs.writeFileSync(path.join(root, 'b.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {since: 2024-01-01}}\nspec:\n  hostNetwork: yes\n  hostPID: off\n');
    const [pod] = loadPolicyObjects(['b.yaml'], { cwd: root });
    expect(pod.manifest).toEqual({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { since: '2024-01-01' } }, spec: { hostNetwork: true, hostPID: false } });
  });
});
