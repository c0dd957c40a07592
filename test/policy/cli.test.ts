import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { main, parseArgs } from '../../bin/check';
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
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] } };
    writeDocs(path.join(root, 'dist/shop/app.k8s.yaml'), [workload('Deployment'), service]);
    fs.writeFileSync(path.join(root, 'dist/shop/kustomization.yaml'), 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - app.k8s.yaml\n');
    fs.writeFileSync(path.join(root, 'dist/README.txt'), 'not yaml, ignored');
    const ok = run(['dist'], root);
    expect(ok).toEqual({ code: 0, out: 'Policy check passed: 3 objects in 2 files, no violations, 0 honoured exceptions.\n\nMesh analysis passed: no findings.', err: '' });
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

describe('check CLI: mesh analysis, --json and List documents', () => {
  const vs = (attempts: number, weights: [number, number]) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'web', namespace: 'shop' },
    spec: {
      hosts: ['web'],
      http: [
        {
          timeout: '3s',
          retries: { attempts, perTryTimeout: '1s' },
          route: [
            { destination: { host: 'web' }, weight: weights[0] },
            { destination: { host: 'web' }, weight: weights[1] },
          ],
        },
      ],
    },
  });
  const service = (portName: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { selector: { app: 'web' }, ports: [{ name: portName, port: 80 }] } });

  it('fails on an analyzer error, shows warnings and info without failing', () => {
    const root = tmpDir();
    writeDocs(path.join(root, 'mesh.yaml'), [workload('Deployment'), service('web'), vs(3, [90, 10])]);
    const bad = run(['mesh.yaml'], root);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('Policy check passed: 3 objects in 1 file, no violations, 0 honoured exceptions.');
    expect(bad.out).toContain('Mesh analysis FAILED: 1 error, 0 warnings, 1 info.');
    expect(bad.out).toMatch(/ERROR\s+MF0001 RetryBudgetExceedsTimeout\s+VirtualService\/shop\/web\s+mesh\.yaml\s+http\[0\]: \(1 try \+ 3 retries\) × perTryTimeout 1s = 4s/);
    expect(bad.out).toMatch(/INFO\s+IST0118 PortNameIsNotUnderNamingConvention\s+Service\/shop\/web\s+mesh\.yaml\s+Port name web \(port: 80, targetPort: 80\)/);

    writeDocs(path.join(root, 'mesh.yaml'), [workload('Deployment'), service('web'), vs(2, [90, 10])]);
    const info = run(['mesh.yaml'], root);
    expect(info.code).toBe(0);
    expect(info.out).toContain('Mesh analysis passed: 0 errors, 0 warnings, 1 info.');
  });

  it('--json prints every finding with code, level, object, file, message and fix', () => {
    const root = tmpDir();
    writeDocs(path.join(root, 'mesh.yaml'), [workload('Deployment'), service('http'), vs(2, [90, 20])]);
    const out: string[] = [];
    const code = main({ paths: ['mesh.yaml'], cwd: root, json: true, log: (l) => out.push(l), error: (l) => out.push(l) });
    expect(code).toBe(1);
    const report = JSON.parse(out.join('\n'));
    expect(report).toMatchObject({ ok: false, objects: 3, files: 1, violations: [], exceptions: [], unusedExceptions: [], suppressedFindings: [] });
    expect(report.findings).toEqual([
      {
        code: 'MF0003',
        name: 'RouteWeightsNotHundred',
        level: 'error',
        object: { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace: 'shop', name: 'web', file: 'mesh.yaml', index: 2 },
        message: 'http[0] route weights sum to 110 (90 + 20), not 100; Istio rescales them to shares of the total',
        fix: 'make spec.http[0].route[*].weight sum to 100',
        field: 'spec.http[0].route',
      },
    ]);
    expect(parseArgs(['--json', 'dist/shop'])).toEqual({ paths: ['dist/shop'], json: true });
  });

  it('expands kind: List and typed *List documents for the policy rules and the analyzer', () => {
    const root = tmpDir();
    const pod = set(workload('Pod', 'debug'), 'spec.containers[0].securityContext.privileged', true);
    // API list responses omit apiVersion/kind on items; the list's kind names them.
    const bareDeployment = workload('Deployment', 'typed');
    delete bareDeployment.apiVersion;
    delete bareDeployment.kind;
    writeDocs(path.join(root, 'list.yaml'), [
      { apiVersion: 'v1', kind: 'List', metadata: {}, items: [workload('Deployment'), { apiVersion: 'v1', kind: 'List', items: [pod] }, vs(3, [50, 50])] },
      { apiVersion: 'apps/v1', kind: 'DeploymentList', items: [set(bareDeployment, 'spec.template.spec.hostNetwork', true)] },
    ]);
    const objects = loadPolicyObjects(['list.yaml'], { cwd: root });
    expect(objects.map((o) => [o.index, o.item, o.manifest.kind, (o.manifest.metadata as { name: string }).name])).toEqual([
      [0, [0], 'Deployment', 'web'],
      [0, [1, 0], 'Pod', 'debug'],
      [0, [2], 'VirtualService', 'web'],
      [1, [0], 'Deployment', 'typed'],
    ]);
    expect(objects[3].manifest.apiVersion).toBe('apps/v1');
    const result = run(['list.yaml'], root);
    expect(result.code).toBe(1);
    expect(result.out).toContain('Policy check FAILED: 2 violations in 2 objects (4 objects in 1 file checked).');
    expect(result.out).toMatch(/Pod\/shop\/debug\s+list\.yaml items\[1\]\.items\[0\]\s+privileged\s+container "web" runs privileged/);
    expect(result.out).toMatch(/Deployment\/shop\/typed\s+list\.yaml items\[0\]\s+host-namespaces/);
    expect(result.out).toMatch(/ERROR\s+MF0001 RetryBudgetExceedsTimeout\s+VirtualService\/shop\/web\s+list\.yaml items\[2\]/);
  });
});
