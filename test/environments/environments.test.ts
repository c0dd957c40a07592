import * as fs from 'fs';
import * as path from 'path';
import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { AppDefinition, Environment, SchemaValidator, defineApp, defineEnvironments, synthesizeAll, validateReleases } from '../../lib';
import { environments } from '../../apps';
import { errorOf, tmpDir } from '../helpers';

interface Settings {
  readonly replicas: number;
}
const env = (name: string, replicas = 1, server = `https://${name}.k8s.example.com:6443`): Environment<Settings> => ({ name, cluster: { name, server }, settings: { replicas } });
const ENVS = [env('dev', 1), env('test', 2), env('prod', 3)];


/** An app whose Deployment takes its replicas from the environment and its tag from `releases`. */
function app(name: string, options: Partial<AppDefinition<Settings>> = {}): AppDefinition<Settings> {
  return defineApp<Settings>({
    name,
    description: 'environment test app',
    build(a, { environment, releases }) {
      const chart = new Chart(a, 'c');
      new kplus.ConfigMap(chart, 'cm', {
        metadata: { name, namespace: name },
        data: { environment: environment.name, replicas: String(environment.settings.replicas), ...(releases.has('web') ? { tag: releases.tag('web') } : {}) },
      });
    },
    ...options,
  });
}

describe('defineEnvironments', () => {
  it('accepts the project environments', () => {
    expect(environments.map((e) => e.name)).toEqual(['dev', 'test', 'prod']);
    expect(defineEnvironments(ENVS)).toBe(ENVS);
  });

  it.each([
    ['an empty list', [], 'NO_ENVIRONMENTS', 'no environments; field: environments; value: []'],
    ['a name that is no DNS label', [env('Prod')], 'INVALID_ENVIRONMENT', '[environments[0]] invalid environment name; field: name; value: "Prod"; expected: a DNS label'],
    ['the reserved name gitops', [env('dev'), env('gitops')], 'INVALID_ENVIRONMENT', '[environments[1]] environment name is reserved; field: name; value: "gitops"; expected: another name: dist/gitops/ holds the generated Argo CD and Flux objects'],
    ['a duplicate', [env('dev'), env('dev')], 'DUPLICATE_ENVIRONMENT', '[environments[1]] two environments share a name; field: name; value: "dev"'],
    ['a cluster name that is no DNS label', [{ ...env('dev'), cluster: { name: 'Dev_1', server: 'https://dev.example.com' } }], 'INVALID_ENVIRONMENT', '[environments[0] (dev)] invalid cluster name; field: cluster.name; value: "Dev_1"'],
    ['an http API server', [env('dev', 1, 'http://dev.example.com')], 'INVALID_ENVIRONMENT', '[environments[0] (dev)] invalid cluster API server URL; field: cluster.server; value: "http://dev.example.com"'],
    ['an API server with a trailing slash', [env('dev', 1, 'https://dev.example.com/')], 'INVALID_ENVIRONMENT', 'field: cluster.server; value: "https://dev.example.com/"'],
  ])('rejects %s', (_what, list, code, message) => {
    const e = errorOf(() => defineEnvironments(list as Environment[]));
    expect(e.code).toBe(code);
    expect(e.message).toContain(message);
  });
});

describe('synth per environment', () => {
  it('renders every app once per environment into <env>/<app>, with that environment in the context', () => {
    const out = synthesizeAll([app('web'), app('sandbox', { environments: ['dev'] })], { environments: ENVS });
    expect(out.map((a) => a.name)).toEqual(['dev/web', 'dev/sandbox', 'test/web', 'prod/web']);
    expect(out.map((a) => a.environment)).toEqual(['dev', 'dev', 'test', 'prod']);
    const prod = parse(out.find((a) => a.name === 'prod/web')!.files.get('10-config.k8s.yaml')!);
    expect(prod.data).toEqual({ environment: 'prod', replicas: '3' });
  });

  it('the same object in two environments is no duplicate (separate clusters); inside one environment it is', () => {
    expect(() => synthesizeAll([app('web'), app('web2', { build: (a) => void new kplus.ConfigMap(new Chart(a, 'c'), 'cm', { metadata: { name: 'web', namespace: 'web' } }) })], { environments: ENVS })).toThrowError(
      /ConfigMap web\/web is emitted twice: by app "dev\/web" at c\/cm\/Resource \(dist\/dev\/web\/10-config.k8s.yaml\) and by app "dev\/web2"/,
    );
  });

  it('an app declaring an unknown environment fails naming the app', () => {
    const e = errorOf(() => synthesizeAll([app('web', { environments: ['dev', 'staging'] })], { environments: ENVS }));
    expect(e.code).toBe('APP_UNKNOWN_ENVIRONMENT');
    expect(e.message).toBe('[web] app deploys to an unknown environment; field: environments[1]; value: "staging"; expected: one of: dev, test, prod');
    expect(errorOf(() => synthesizeAll([app('web', { environments: [] })], { environments: ENVS })).message).toContain('[web] app deploys to no environment');
    expect(errorOf(() => synthesizeAll([app('web', { environments: ['dev'] })])).message).toContain('app declares environments but the project has none');
  });

  it('a failing build names the app and the environment', () => {
    const failing = app('web', {
      build(a, { environment }) {
        if (environment.name === 'test') throw new Error('no settings for test');
        new kplus.ConfigMap(new Chart(a, 'c'), 'cm', { metadata: { name: 'web', namespace: 'web' } });
      },
    });
    expect(() => synthesizeAll([failing], { environments: ENVS })).toThrowError(/^app "web" failed to synthesize for environment "test": no settings for test \(at test\/environments\/environments.test.ts:\d+:\d+\)$/);
  });

  it('without environments, apps render to <app> as before', () => {
    expect(synthesizeAll([app('web')]).map((a) => [a.name, a.environment])).toEqual([['web', undefined]]);
  });
});

describe('releases', () => {
  const write = (data: unknown): string => {
    const file = path.join(tmpDir(), 'releases.json');
    fs.writeFileSync(file, typeof data === 'string' ? data : JSON.stringify(data));
    return file;
  };

  it('apps read their tag per environment', () => {
    const file = write({ dev: { web: '1.1.0' }, test: { web: '1.0.0' }, prod: { web: '1.0.0' } });
    const out = synthesizeAll([app('web', { releases: file })], { environments: ENVS });
    expect(out.map((a) => parse(a.files.get('10-config.k8s.yaml')!).data.tag)).toEqual(['1.1.0', '1.0.0', '1.0.0']);
  });

  it('a service without a tag in an environment fails naming service, environment, app and file', () => {
    const file = write({ dev: { web: '1.1.0' } });
    const strict = app('web', { releases: file, build: (a, { releases }) => void new kplus.ConfigMap(new Chart(a, 'c'), 'cm', { metadata: { name: 'x', namespace: 'x' }, data: { tag: releases.tag('web') } }) });
    const shown = path.relative(process.cwd(), file);
    expect(() => synthesizeAll([strict], { environments: ENVS })).toThrowError(
      `app "web" failed to synthesize for environment "test": [${shown}] no image tag for service "web" in environment "test"; field: test.web; expected: a tag for "web" under "test" (\`npm run promote -- web/web <tag> --env test\`); tags there: (none)`,
    );
  });

  it('a tag no service reads (a typo) fails', () => {
    const file = write({ dev: { web: '1.1.0', wbe: '1.0.0' } });
    expect(() => synthesizeAll([app('web', { releases: file })], { environments: ENVS })).toThrowError(/releases file has tags no service reads; field: dev\.wbe/);
  });

  it.each([
    ['not an object', [], 'RELEASES_INVALID', 'releases file is not an object'],
    ['an unknown environment', { staging: { web: '1.0' } }, 'RELEASES_UNKNOWN_ENVIRONMENT', 'releases file names an environment the app does not deploy to; field: staging; value: "staging"; expected: one of: dev, test, prod'],
    ['an environment that is no object', { dev: '1.0' }, 'RELEASES_INVALID', 'releases of an environment are not an object; field: dev'],
    ['a service that is no DNS label', { dev: { Web: '1.0' } }, 'RELEASES_INVALID', 'invalid service name in releases file; field: dev.Web'],
    ['a malformed tag', { dev: { web: '-1.0' } }, 'RELEASE_INVALID_TAG', 'invalid image tag (not an OCI tag); field: dev.web; value: "-1.0"'],
    ['a tag that is a number', { dev: { web: 1 } }, 'RELEASE_INVALID_TAG', 'invalid image tag (not an OCI tag); field: dev.web; value: 1'],
    ['latest', { dev: { web: 'latest' } }, 'RELEASE_INVALID_TAG', 'invalid image tag ("latest" names no particular build)'],
  ])('rejects %s', (_what, data, code, message) => {
    const e = errorOf(() => validateReleases(data, 'apps/web/releases.json', ['dev', 'test', 'prod']));
    expect(e.code).toBe(code);
    expect(e.message).toContain(`[apps/web/releases.json] ${message}`);
  });

  it('invalid JSON fails naming the file, before anything is rendered', () => {
    const file = write('{ "dev": ');
    expect(errorOf(() => synthesizeAll([app('web', { releases: file })], { environments: ENVS })).message).toMatch(/releases file is not valid JSON/);
  });
});

describe('GitOps for a fleet', () => {
  const config = { repoURL: 'https://git.example.com/platform.git' };
  const out = synthesizeAll([app('web', { gitops: { argocd: { syncWave: 1 }, flux: { dependsOn: ['base'] } } }), app('base', { gitops: { argocd: true, flux: true } }), app('sandbox', { environments: ['dev'], gitops: { argocd: true, flux: true } })], { environments: ENVS, gitops: config });
  const files = out.find((a) => a.name === 'gitops')!.files;

  it('one ApplicationSet per app: one Application per environment it deploys to, on that environment\'s cluster', () => {
    const set = parse(files.get('argocd/web.k8s.yaml')!);
    expect(set.kind).toBe('ApplicationSet');
    expect(set.spec.generators[0].list.elements).toEqual(ENVS.map((e) => ({ cluster: e.name, environment: e.name, server: e.cluster.server })));
    expect(set.spec.template.metadata.name).toBe('web-{{.environment}}');
    expect(set.spec.template.spec.source).toEqual({ path: 'dist/{{.environment}}/web', repoURL: config.repoURL, targetRevision: 'main' });
    expect(set.spec.template.spec.destination).toEqual({ server: '{{.server}}' });
    expect(set.spec.goTemplateOptions).toEqual(['missingkey=error']);
    expect(parse(files.get('argocd/sandbox.k8s.yaml')!).spec.generators[0].list.elements.map((e: { environment: string }) => e.environment)).toEqual(['dev']);
    expect(SchemaValidator.default().validate(set)).toEqual([]);
  });

  it('one Flux folder per environment: its source and a Kustomization per app of that environment, dependencies inside it', () => {
    expect([...files.keys()].filter((f) => f.startsWith('flux/')).sort()).toEqual([
      'flux/dev/base.k8s.yaml', 'flux/dev/kustomization.yaml', 'flux/dev/sandbox.k8s.yaml', 'flux/dev/source.gitrepository.k8s.yaml', 'flux/dev/web.k8s.yaml',
      'flux/prod/base.k8s.yaml', 'flux/prod/kustomization.yaml', 'flux/prod/source.gitrepository.k8s.yaml', 'flux/prod/web.k8s.yaml',
      'flux/test/base.k8s.yaml', 'flux/test/kustomization.yaml', 'flux/test/source.gitrepository.k8s.yaml', 'flux/test/web.k8s.yaml',
    ]);
    const web = parse(files.get('flux/prod/web.k8s.yaml')!);
    expect(web.spec).toMatchObject({ path: './dist/prod/web', dependsOn: [{ name: 'base' }], sourceRef: { kind: 'GitRepository', name: 'meshforge' } });
  });

  it('a Flux dependency on an app that does not deploy to the environment fails naming it', () => {
    expect(() => synthesizeAll([app('web', { gitops: { flux: { dependsOn: ['sandbox'] } } }), app('sandbox', { environments: ['dev'], gitops: { flux: true } })], { environments: ENVS, gitops: config })).toThrowError(
      '[gitops/flux/test/web] Flux dependency is not another app with Flux enabled in environment "test"; field: gitops.flux.dependsOn[0]; value: "sandbox"; expected: one of: (no other app has gitops.flux in test)',
    );
  });

  it('ApplicationSets are checked against their schema (@kubernetes-models/argo-cd: types and required fields)', () => {
    const bad = { apiVersion: 'argoproj.io/v1alpha1', kind: 'ApplicationSet', metadata: { name: 'x' }, spec: { goTemplate: 'yes', generators: [{ list: { elements: [] } }], template: { metadata: {}, spec: { destination: {}, project: 'default', source: { path: 'x' } } } } };
    expect(SchemaValidator.default().validate(bad)).toEqual([
      { pointer: '/spec/goTemplate', message: 'must be boolean', expected: 'a value of type boolean' },
      { pointer: '/spec/template/spec/source', message: 'must have required property repoURL', expected: 'the required field "repoURL"' },
    ]);
  });
});
