import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { AppDefinition, AppGitOpsOptions, GitOpsConfig, defineApp, readTree, synthToDist, synthesizeAll } from '../../lib';
import { namespaceApp, tmpDir } from '../helpers';

const config: GitOpsConfig = { repoURL: 'https://git.example.com/platform.git' };
const gitopsApp = (name: string, gitops: AppGitOpsOptions): AppDefinition => ({ ...namespaceApp(name), gitops });
const docsOf = (text: string | undefined) => parseAllDocuments(text!).map((d) => d.toJS());
const gitopsFiles = (apps: AppDefinition[], cfg: GitOpsConfig = config) => synthesizeAll(apps, { gitops: cfg }).find((a) => a.name === 'gitops')?.files;

describe('GitOps objects in dist/gitops/', () => {
  it('are not generated when no app asks for them', () => {
    expect(gitopsFiles([namespaceApp('shop')])).toBeUndefined();
  });

  it('generate an Argo CD Application with sensible defaults', () => {
    const files = gitopsFiles([gitopsApp('shop', { argocd: true }), namespaceApp('plain')])!;
    expect([...files.keys()]).toEqual(['argocd/shop.k8s.yaml', 'argocd/kustomization.yaml']);
    expect(docsOf(files.get('argocd/shop.k8s.yaml'))).toEqual([
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: { annotations: { 'argocd.argoproj.io/sync-wave': '0' }, name: 'shop', namespace: 'argocd' },
        spec: {
          destination: { server: 'https://kubernetes.default.svc' },
          project: 'default',
          source: { path: 'dist/shop', repoURL: 'https://git.example.com/platform.git', targetRevision: 'main' },
          syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['PruneLast=true', 'ServerSideApply=true'] },
        },
      },
    ]);
    expect(docsOf(files.get('argocd/kustomization.yaml'))[0]).toMatchObject({ resources: ['shop.k8s.yaml'], sortOptions: { order: 'fifo' } });
  });

  it('apply per-app Argo CD options and repository options', () => {
    const files = gitopsFiles(
      [gitopsApp('shop', { argocd: { project: 'team-a', destinationNamespace: 'shop', prune: false, selfHeal: false, syncWave: -1 } })],
      { repoURL: 'ssh://git@git.example.com/platform.git', branch: 'release', distPath: './deploy/dist/', argocd: { namespace: 'gitops', server: 'https://prod.example.com' } },
    )!;
    expect(docsOf(files.get('argocd/shop.k8s.yaml'))[0]).toMatchObject({
      metadata: { annotations: { 'argocd.argoproj.io/sync-wave': '-1' }, namespace: 'gitops' },
      spec: {
        destination: { namespace: 'shop', server: 'https://prod.example.com' },
        project: 'team-a',
        source: { path: 'deploy/dist/shop', repoURL: 'ssh://git@git.example.com/platform.git', targetRevision: 'release' },
        syncPolicy: { automated: { prune: false, selfHeal: false } },
      },
    });
  });

  it('generate one Flux GitRepository and a Kustomization per app, sorted by app name', () => {
    const files = gitopsFiles([gitopsApp('web', { flux: true }), gitopsApp('api', { flux: { interval: '5m', prune: false, wait: false, timeout: '2m', targetNamespace: 'api' } })])!;
    expect([...files.keys()]).toEqual(['flux/source.gitrepository.k8s.yaml', 'flux/api.k8s.yaml', 'flux/web.k8s.yaml', 'flux/kustomization.yaml']);
    expect(docsOf(files.get('flux/source.gitrepository.k8s.yaml'))).toEqual([
      {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'GitRepository',
        metadata: { annotations: { 'argocd.argoproj.io/sync-wave': '-1' }, name: 'meshforge', namespace: 'flux-system' },
        spec: { interval: '1m', ref: { branch: 'main' }, url: 'https://git.example.com/platform.git' },
      },
    ]);
    expect(docsOf(files.get('flux/web.k8s.yaml'))[0]).toEqual({
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { annotations: { 'argocd.argoproj.io/sync-wave': '0' }, name: 'web', namespace: 'flux-system' },
      spec: { interval: '10m', path: './dist/web', prune: true, sourceRef: { kind: 'GitRepository', name: 'meshforge' }, timeout: '5m', wait: true },
    });
    expect(docsOf(files.get('flux/api.k8s.yaml'))[0].spec).toEqual({
      interval: '5m', path: './dist/api', prune: false, sourceRef: { kind: 'GitRepository', name: 'meshforge' }, targetNamespace: 'api', timeout: '2m', wait: false,
    });
    expect(docsOf(files.get('flux/kustomization.yaml'))[0].resources).toEqual(['source.gitrepository.k8s.yaml', 'api.k8s.yaml', 'web.k8s.yaml']);
  });

  it('depend on Kustomizations outside meshforge only when named (externalDependsOn)', () => {
    const files = gitopsFiles([gitopsApp('platform', { flux: true }), gitopsApp('shop', { flux: { dependsOn: ['platform'], externalDependsOn: [{ name: 'istio', namespace: 'flux-system' }, { name: 'crds' }] } })])!;
    expect(docsOf(files.get('flux/shop.k8s.yaml'))[0].spec.dependsOn).toEqual([{ name: 'platform' }, { name: 'istio', namespace: 'flux-system' }, { name: 'crds' }]);
    expect(() => gitopsFiles([gitopsApp('shop', { flux: { externalDependsOn: [{ name: 'Istio' }] } })])).toThrowError(
      '[gitops/flux/shop] invalid external Flux dependency; field: gitops.flux.externalDependsOn[0]; value: {"name":"Istio"}',
    );
  });

  it('order Flux apps with dependsOn', () => {
    const files = gitopsFiles([gitopsApp('platform', { flux: true }), gitopsApp('shop', { flux: { dependsOn: ['platform'] } })])!;
    expect(docsOf(files.get('flux/shop.k8s.yaml'))[0].spec.dependsOn).toEqual([{ name: 'platform' }]);
    expect(docsOf(files.get('flux/platform.k8s.yaml'))[0].spec.dependsOn).toBeUndefined();
  });

  it('reject a Flux dependency that is not another Flux-enabled app', () => {
    expect(() => gitopsFiles([gitopsApp('platform', { argocd: true }), gitopsApp('shop', { flux: { dependsOn: ['platform'] } })])).toThrowError(
      '[gitops/flux/shop] Flux dependency is not another app with Flux enabled; field: gitops.flux.dependsOn[0]; value: "platform"; expected: one of: (no other app has gitops.flux)',
    );
    expect(() => gitopsFiles([gitopsApp('web', { flux: true }), gitopsApp('shop', { flux: { dependsOn: ['shop'] } })])).toThrowError(
      'field: gitops.flux.dependsOn[0]; value: "shop"; expected: one of: web',
    );
  });

  it('are written to dist/gitops/{argocd,flux}/, outside every app folder', () => {
    const out = path.join(tmpDir(), 'dist');
    synthToDist([gitopsApp('shop', { argocd: true, flux: true })], out, { gitops: config });
    expect([...readTree(out).keys()]).toEqual([
      'gitops/argocd/kustomization.yaml',
      'gitops/argocd/shop.k8s.yaml',
      'gitops/flux/kustomization.yaml',
      'gitops/flux/shop.k8s.yaml',
      'gitops/flux/source.gitrepository.k8s.yaml',
      'shop/00-namespaces.k8s.yaml',
      'shop/kustomization.yaml',
    ]);
  });

  it('fail without a GitOps config', () => {
    expect(() => synthesizeAll([gitopsApp('shop', { argocd: true }), gitopsApp('web', { flux: true })])).toThrowError(
      'apps ask for GitOps objects but no GitOps config was given; field: gitops; value: ["shop","web"]; expected: a GitOpsConfig (repoURL, branch) passed to synth, e.g. exported from apps/gitops.ts',
    );
  });

  it('are schema-validated: a bad Flux interval fails the synth', () => {
    expect(() => gitopsFiles([gitopsApp('shop', { flux: { interval: '10 minutes' } })])).toThrowError(
      '[gitops/flux/shop] kustomize.toolkit.fluxcd.io/v1 Kustomization flux-system/shop does not match its schema; field: /spec/interval; ' +
        'value: ["/spec/interval: must match pattern \\"^([0-9]+(\\\\.[0-9]+)?(ms|s|m|h))+$\\""]',
    );
  });

  it('collide with an app object of the same identity (DUPLICATE_OBJECT)', () => {
    const rogue = defineApp({
      name: 'rogue',
      description: 'x',
      build(app: App) {
        new kplus.ConfigMap(new Chart(app, 'c'), 'cm', { metadata: { name: 'x', namespace: 'x' } });
        new ApiObject(new Chart(app, 'argo'), 'app', {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Application',
          metadata: { name: 'shop', namespace: 'argocd' },
          // schema-valid, so that the duplicate is what fails
          spec: { project: 'default', destination: { server: 'https://kubernetes.default.svc', namespace: 'shop' }, source: { repoURL: 'https://example.com/r.git', path: 'shop' } },
        });
      },
    });
    expect(() => synthesizeAll([gitopsApp('shop', { argocd: true }), rogue], { gitops: config })).toThrowError(
      '[gitops/argocd/shop] argoproj.io/Application argocd/shop is emitted twice: by app "rogue" at argo/app (dist/rogue/90-other.k8s.yaml) and by app "gitops" at gitops/argocd/shop (dist/gitops/argocd/shop.k8s.yaml)',
    );
  });
});

describe('the reserved app name "gitops"', () => {
  it('is rejected by defineApp', () => {
    expect(() => namespaceApp('gitops')).toThrowError(
      'app name is reserved; field: name; value: "gitops"; expected: another name: dist/gitops/ holds the generated Argo CD and Flux objects',
    );
  });

  it('is rejected by synthesizeAll for a definition not made with defineApp', () => {
    const raw: AppDefinition = { name: 'gitops', description: 'x', build: () => undefined };
    expect(() => synthesizeAll([raw])).toThrowError('app name is reserved; field: name; value: "gitops"');
  });
});
