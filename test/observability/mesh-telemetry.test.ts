/* eslint-disable @typescript-eslint/no-explicit-any */
import { Chart, Testing } from 'cdk8s';
import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { apps, environments, gitops, istioApiLevel } from '../../apps';
import { main } from '../../bin/synth';
import { tmpDir } from '../helpers';
import { SideFile, synthesizeAll } from '../../lib';
import { AccessLogFilter, AccessLogProvider, IstioTracing, MeshTelemetry, ObservabilityStack, Receiver, requestIdSuffixRegex } from '../../lib/observability';
import { loadDist } from './tools';

function chart(): Chart {
  return new Chart(Testing.app(), 'test');
}
const hook = () => Receiver.webhook('ops', { url: 'http://hook.monitoring.svc:8080/', external: true });
const tracing = (c: Chart, providerName = 'jaeger') => new IstioTracing(c, 'tracing', { collectorHost: 'jaeger-collector.tracing.svc.cluster.local', providerName, standalone: false });

/** Every two-hex-digit request-id suffix, lower case. */
const SUFFIXES = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** RE2's inline `(?i)` as a JavaScript flag. */
const jsRegex = (re2: string) => new RegExp(re2.replace(/^\(\?i\)/, ''), 'i');

describe('AccessLogFilter', () => {
  it.each([0.39, 1, 5, 10, 25, 33.3, 50, 62.5, 99, 99.8])('sample(%s) keeps round(p × 256 / 100) of the 256 request-id suffixes', (pct) => {
    const expr = AccessLogFilter.sample(pct).expression!;
    const re = /^request\.id\.matches\('(.*)'\)$/.exec(expr)![1];
    const kept = SUFFIXES.filter((s) => jsRegex(re).test(`7f3c9a2e-1b4d-4c8e-9f00-12345678${'ab'}${s}`));
    expect(kept.length).toBe(Math.round((pct * 256) / 100));
    // the kept suffixes are the lowest ones, in upper case too (a client may send its own id)
    expect(kept).toEqual(SUFFIXES.slice(0, kept.length));
    expect(kept.every((s) => jsRegex(re).test(`X-${s.toUpperCase()}`))).toBe(true);
  });

  it('builds the regex from whole and partial blocks of 16', () => {
    expect(requestIdSuffixRegex(1)).toBe('(?i)(00)$');
    expect(requestIdSuffixRegex(16)).toBe('(?i)(0[0-9a-f])$');
    expect(requestIdSuffixRegex(26)).toBe('(?i)(0[0-9a-f]|1[0-9])$');
    expect(requestIdSuffixRegex(255)).toBe('(?i)([0-9a-e][0-9a-f]|f[0-9a-e])$');
  });

  it('sample(100) keeps everything; all() has no expression; or/and compose', () => {
    expect(AccessLogFilter.sample(100).expression).toBe('true');
    expect(AccessLogFilter.all().expression).toBeUndefined();
    expect(AccessLogFilter.errors().or(AccessLogFilter.all()).expression).toBeUndefined();
    expect(AccessLogFilter.all().and(AccessLogFilter.expression('response.code >= 500')).expression).toBe('response.code >= 500');
    expect(AccessLogFilter.expression('a').or(AccessLogFilter.expression('b')).expression).toBe('(a) || (b)');
    expect(AccessLogFilter.expression('a').and(AccessLogFilter.expression('b')).expression).toBe('(a) && (b)');
  });

  it('errors() reads the gRPC status only on gRPC requests (Envoy infers one from the HTTP status otherwise)', () => {
    const e = AccessLogFilter.errors().expression!;
    expect(e).toContain('response.code >= 400');
    expect(e).toContain("request.headers['content-type'].startsWith('application/grpc') && response.grpc_status != 0");
    expect(e).toContain('response.flags != 0');
  });

  it.each([0.1, 101, Number.NaN])('rejects sample(%s)', (pct) => {
    expect(() => AccessLogFilter.sample(pct)).toThrowError(
      `invalid access log sampling percentage; field: AccessLogFilter.sample; value: ${JSON.stringify(pct)}; expected: a percentage from 0.39 to 100 (sampling keeps n/256 of the request ids, so smaller shares round to nothing)`,
    );
  });

  it('rejects an empty or multi-line expression', () => {
    expect(() => AccessLogFilter.expression(' ')).toThrowError('invalid access log filter; field: AccessLogFilter.expression; value: " "; expected: a non-empty CEL expression on one line, e.g. "response.code >= 400"');
    expect(() => AccessLogFilter.expression('a\nb')).toThrowError('invalid access log filter');
  });
});

describe('MeshTelemetry', () => {
  it('puts tracing and access logging into one Telemetry in the root namespace', () => {
    const c = chart();
    const t = new MeshTelemetry(c, 'mesh', { accessLogging: { filter: AccessLogFilter.errors(), mode: 'SERVER' } });
    t.useTracing(tracing(c));
    const objs = Testing.synth(c) as any[];
    expect(objs.map((o) => o.kind)).toEqual(['Telemetry']);
    expect(objs[0].metadata).toMatchObject({ name: 'mesh-default', namespace: 'istio-system' });
    expect(objs[0].spec).toEqual({
      tracing: [{ providers: [{ name: 'jaeger' }], randomSamplingPercentage: 1 }],
      accessLogging: [{ providers: [{ name: 'envoy' }], filter: { expression: AccessLogFilter.errors().expression }, match: { mode: 'SERVER' } }],
    });
    expect(t.referencedProviders()).toEqual(['jaeger', 'envoy']);
  });

  it('built-in envoy provider and no tracing: no mesh config needed, so no side file', () => {
    const c = chart();
    const t = new MeshTelemetry(c, 'mesh');
    expect(t.meshConfig()).toEqual({ extensionProviders: [] });
    expect(SideFile.of(c)).toEqual([]);
    expect((Testing.synth(c) as any[])[0].spec).toEqual({ accessLogging: [{ providers: [{ name: 'envoy' }] }] });
  });

  it('a JSON provider is declared in both mesh config files under its name', () => {
    const c = chart();
    const t = new MeshTelemetry(c, 'mesh', { accessLogging: { provider: AccessLogProvider.jsonToStdout('json-logs') } });
    const files = Object.fromEntries(SideFile.of(c).map((f) => [f.path, parse(f.render())]));
    expect(Object.keys(files)).toEqual(['istio/mesh-config.istiooperator.yaml', 'istio/mesh-config.istiod-values.yaml']);
    const provider = files['istio/mesh-config.istiooperator.yaml'].spec.meshConfig.extensionProviders[0];
    expect(provider.name).toBe('json-logs');
    expect(provider.envoyFileAccessLog.path).toBe('/dev/stdout');
    expect(provider.envoyFileAccessLog.logFormat.labels.response_code).toBe('%RESPONSE_CODE%');
    expect(files['istio/mesh-config.istiod-values.yaml'].meshConfig).toEqual(t.meshConfig());
    expect(t.referencedProviders()).toEqual(['json-logs']);
  });

  it('refuses a standalone IstioTracing (two selector-less Telemetry objects in one namespace)', () => {
    const c = chart();
    const t = new MeshTelemetry(c, 'mesh');
    const standalone = new IstioTracing(c, 'tracing', { collectorHost: 'c' });
    expect(() => t.useTracing(standalone)).toThrowError(
      '[test/mesh] tracing emits its own Telemetry; field: tracing; value: "test/tracing"; expected: an IstioTracing with standalone: false: Istio allows one selector-less Telemetry per namespace, and istio-system would get two',
    );
  });

  it('refuses a tracing provider named like the access log provider', () => {
    const c = chart();
    const t = new MeshTelemetry(c, 'mesh', { accessLogging: { provider: AccessLogProvider.jsonToStdout('telemetry') } });
    expect(() => t.useTracing(tracing(c, 'telemetry'))).toThrowError(
      '[test/mesh] provider name used twice; field: tracing.providerName; value: "telemetry"; expected: a name other than the access log provider "telemetry": meshConfig.extensionProviders are keyed by name',
    );
  });

  it('the stack writes no Telemetry when tracing and access logging are both off', () => {
    const c = chart();
    const stack = new ObservabilityStack(c, 'obs', { alertmanager: { receivers: [hook()] }, tracing: false, logging: false, kiali: false, meshTelemetry: { accessLogging: false } });
    expect(stack.meshTelemetry).toBeUndefined();
    expect((Testing.synth(c) as any[]).filter((o) => o.kind === 'Telemetry')).toEqual([]);
  });
});

describe('dist/observability: mesh telemetry', () => {
  const docs = loadDist('observability');
  const DIST = path.resolve(__dirname, '../../dist/prod/observability');
  const operator = parse(fs.readFileSync(path.join(DIST, 'istio/mesh-config.istiooperator.yaml'), 'utf8'));
  const helm = parse(fs.readFileSync(path.join(DIST, 'istio/mesh-config.istiod-values.yaml'), 'utf8'));
  const allDocs = synthesizeAll(apps, { gitops, environments }).filter((a) => a.environment === 'prod').flatMap((a) => [...a.files].filter(([f]) => f.endsWith('.k8s.yaml')).flatMap(([, t]) => parseAllDocuments(t).map((d) => d.toJS())));

  it('one mesh-wide Telemetry in istio-system carries tracing and the access log filter the app chose', () => {
    const telemetries = allDocs.filter((d: any) => d.kind === 'Telemetry');
    expect(telemetries.map((t: any) => `${t.metadata.namespace}/${t.metadata.name}`)).toEqual(['istio-system/mesh-default']);
    const [tel] = telemetries as any[];
    expect(tel.spec.selector).toBeUndefined();
    expect(tel.spec.accessLogging).toEqual([{ providers: [{ name: 'envoy' }], filter: { expression: AccessLogFilter.errors().or(AccessLogFilter.sample(10)).expression } }]);
    expect(tel.spec.tracing[0].providers).toEqual([{ name: 'jaeger' }]);
  });

  it('every provider a Telemetry names is an Istio built-in or declared in both mesh config files, and nothing else is declared', () => {
    // Istio's default mesh config ships these; user providers are merged in by name (istio pkg/config/mesh/mesh.go).
    const builtIn = new Set(['envoy', 'prometheus', 'stackdriver']);
    const referenced = new Set(
      docs
        .filter((d) => d.kind === 'Telemetry')
        .flatMap((t) => ['tracing', 'accessLogging', 'metrics'].flatMap((k) => (t.spec[k] ?? []).flatMap((e: any) => (e.providers ?? []).map((p: any) => p.name)))),
    );
    const declared = operator.spec.meshConfig.extensionProviders.map((p: any) => p.name);
    expect(helm.meshConfig).toEqual(operator.spec.meshConfig);
    expect(new Set(declared)).toEqual(new Set([...referenced].filter((n) => !builtIn.has(n))));
    expect(declared.length).toBeGreaterThan(0);
    const tel = docs.find((d) => d.kind === 'Telemetry')!;
    expect(JSON.parse(tel.metadata.annotations['meshforge.io/required-mesh-config'])).toEqual(operator.spec.meshConfig);
  });

  it('each declared collector is a Service port the stack deploys', () => {
    for (const p of operator.spec.meshConfig.extensionProviders) {
      const target = p.opentelemetry ?? p.zipkin;
      if (!target) continue;
      const [name, ns] = target.service.split('.');
      const svc = docs.find((d) => d.kind === 'Service' && d.metadata.name === name && d.metadata.namespace === ns);
      expect(svc?.spec.ports.map((x: any) => x.port), target.service).toContain(target.port);
    }
  });

  it('`npm run synth` says once that the mesh config must be applied, naming the file', () => {
    const lines: string[] = [];
    expect(main({ apps, environments, gitops, istioApiLevel, outdir: path.join(tmpDir(), 'dist'), log: (l) => lines.push(l) })).toBe(0);
    const notices = lines.filter((l) => /ACTION REQUIRED/.test(l));
    // once per environment, each naming its own file
    expect(notices.length).toBe(environments.length);
    expect(notices[2]).toMatch(/dist\/prod\/observability\/istio\/mesh-config\.istiooperator\.yaml: ACTION REQUIRED: add this mesh config to your Istio install/);
  });

  it('the mesh config files are an IstioOperator overlay and istiod values, outside kustomization.yaml', () => {
    expect(operator.apiVersion).toBe('install.istio.io/v1alpha1');
    expect(operator.kind).toBe('IstioOperator');
    expect(Object.keys(helm)).toEqual(['meshConfig']);
    const kustomization = parse(fs.readFileSync(path.join(DIST, 'kustomization.yaml'), 'utf8'));
    expect(kustomization.resources.every((r: string) => !r.includes('/'))).toBe(true);
  });
});
