/* eslint-disable @typescript-eslint/no-explicit-any */
import { Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Kiali, ObservabilityStack, ObservabilityStackProps, Receiver } from '../../lib/observability';
import { loadDist } from './tools';

const docs = loadDist('observability');
const find = (kind: string, name: string, ns = 'monitoring') => docs.find((d) => d.kind === kind && d.metadata.name === name && (d.metadata.namespace ?? ns) === ns)!;
const deployment = find('Deployment', 'kiali');
const pod = deployment.spec.template.spec;
const container = pod.containers[0];
const config = parse(find('ConfigMap', 'kiali').data['config.yaml']);
const datasources = parse(docs.find((d) => d.kind === 'ConfigMap' && d.data?.['datasources.yaml'])!.data['datasources.yaml']).datasources;

/** `http://name.ns.svc:port...` → the Service and port it names, from dist. */
function serviceOf(url: string): { svc: any; port: number } {
  const u = new URL(url);
  const [name, ns] = u.hostname.split('.');
  return { svc: find('Service', name, ns), port: Number(u.port) };
}

describe('dist/observability: Kiali', () => {
  it('is not anonymous: token login, view-only', () => {
    expect(config.auth.strategy).toBe('token');
    expect(config.deployment.view_only_mode).toBe(true);
  });

  it('reads the session signing key from a Secret where Kiali v2 looks for overrides', () => {
    const mount = container.volumeMounts.find((m: any) => m.mountPath === '/kiali-override-secrets');
    const volume = pod.volumes.find((v: any) => v.name === mount.name);
    expect(volume.projected.sources[0].secret).toEqual({ name: 'kiali', items: [{ key: 'login-token-signing-key', path: 'login-token-signing-key/value.txt' }] });
    expect(container.env.map((e: any) => e.name)).toEqual(['ACTIVE_NAMESPACE']);
  });

  it('queries the Prometheus Grafana uses, and links to the stack Jaeger Service', () => {
    expect(config.external_services.prometheus.url).toBe(datasources.find((d: any) => d.type === 'prometheus').url);
    expect(config.external_services.tracing).toMatchObject({ enabled: true, provider: 'jaeger', use_grpc: false });
    expect(config.external_services.tracing.internal_url).toBe(datasources.find((d: any) => d.type === 'jaeger').url);
    for (const url of [config.external_services.prometheus.url, config.external_services.tracing.internal_url]) {
      const { svc, port } = serviceOf(url);
      expect(svc.spec.ports.map((p: any) => p.port), url).toContain(port);
    }
  });

  it('leaves Grafana off: the app gives Kiali no external Grafana URL to link to nor a token to read Grafana with', () => {
    expect(config.external_services.grafana).toEqual({ enabled: false });
  });
});

describe('ObservabilityStack: Kiali and Grafana', () => {
  const stackConfig = (props: ObservabilityStackProps): any => {
    const c = new Chart(Testing.app(), 'test');
    const stack = new ObservabilityStack(c, 'obs', { alertmanager: { receivers: [Receiver.webhook('ops', { url: 'https://ops.example.com/hook' })] }, ...props });
    return stack.kiali!.config.external_services;
  };

  it('links to the Istio service and workload dashboards by their Grafana titles and variables, with a token', () => {
    const c = new Chart(Testing.app(), 'test');
    new ObservabilityStack(c, 'obs', {
      alertmanager: { receivers: [Receiver.webhook('ops', { url: 'https://ops.example.com/hook' })] },
      kiali: { grafanaExternalUrl: 'https://grafana.example.com', grafanaTokenSecret: { name: 'kiali-grafana', key: 'token' } },
    });
    const objs = Testing.synth(c) as any[];
    const grafana = parse(objs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'kiali').data['config.yaml']).external_services.grafana;
    expect(grafana).toMatchObject({ enabled: true, internal_url: 'http://grafana.monitoring.svc:3000', external_url: 'https://grafana.example.com', auth: { type: 'bearer', use_kiali_token: false } });
    const svc = objs.find((d) => d.kind === 'Service' && d.metadata.name === 'grafana' && d.metadata.namespace === 'monitoring');
    expect(svc.spec.ports.map((p: any) => p.port)).toContain(3000);
    const titles = objs.filter((d) => d.kind === 'ConfigMap').flatMap((cm) => Object.entries(cm.data ?? {}).filter(([k]) => k.endsWith('.json')).map(([, v]) => JSON.parse(v as string)));
    for (const d of grafana.dashboards) {
      const dash = titles.find((t) => t.title === d.name);
      expect(dash, d.name).toBeDefined();
      const vars = dash.templating.list.map((v: any) => `var-${v.name}`);
      expect(Object.values(d.variables).sort()).toEqual(vars.sort());
    }
    expect(grafana.dashboards.map((d: any) => d.name)).toEqual(['Istio service', 'Istio workload']);
  });

  it('with Grafana anonymous access, an external URL is enough (no token, auth none)', () => {
    expect(stackConfig({ grafana: { anonymousAccess: true }, kiali: { grafanaExternalUrl: 'https://grafana.example.com' } }).grafana).toMatchObject({ enabled: true, auth: { type: 'none' } });
  });

  it('without an external URL, or without a way to read Grafana, the integration is off', () => {
    expect(stackConfig({ kiali: { grafanaTokenSecret: { name: 'kiali-grafana', key: 'token' } } }).grafana).toEqual({ enabled: false });
    expect(stackConfig({ kiali: { grafanaExternalUrl: 'https://grafana.example.com' } }).grafana).toEqual({ enabled: false });
  });
});

describe('dist/observability: Kiali (continued)', () => {
  it('probes, Service and metrics port agree with the config', () => {
    expect(container.readinessProbe.httpGet.path).toBe(`${config.server.web_root}/healthz`);
    expect(container.livenessProbe.httpGet.path).toBe(`${config.server.web_root}/healthz`);
    const ports = Object.fromEntries(container.ports.map((p: any) => [p.name, p.containerPort]));
    expect(ports).toEqual({ http: config.server.port, metrics: config.server.observability.metrics.port });
    const svc = find('Service', 'kiali');
    expect(svc.metadata.annotations['prometheus.io/port']).toBe(String(ports.metrics));
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
  });

  it('NetworkPolicy admits the UI from the cluster and metrics from the monitoring namespace only', () => {
    const np = find('NetworkPolicy', 'kiali');
    expect(np.spec.podSelector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    expect(np.spec.policyTypes).toEqual(['Ingress']);
    expect(np.spec.ingress).toEqual([
      { from: [{ namespaceSelector: {} }], ports: [{ protocol: 'TCP', port: 20001 }] },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ protocol: 'TCP', port: 9090 }] },
    ]);
  });

  it('reads Istio and workload objects cluster-wide, and port-forwards only in istio-system', () => {
    const role = find('ClusterRole', 'meshforge-kiali-viewer-monitoring');
    const can = (group: string, resource: string) => role.rules.find((r: any) => r.apiGroups.includes(group) && r.resources.includes(resource))?.verbs;
    expect(can('networking.istio.io', 'virtualservices')).toEqual(['get', 'list', 'watch']);
    expect(can('security.istio.io', 'authorizationpolicies')).toEqual(['get', 'list', 'watch']);
    expect(can('telemetry.istio.io', 'telemetries')).toEqual(['get', 'list', 'watch']);
    expect(can('', 'pods/portforward')).toBeUndefined();
    expect(can('', 'secrets')).toBeUndefined();
    const binding = find('ClusterRoleBinding', role.metadata.name);
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: pod.serviceAccountName, namespace: 'monitoring' }]);
    const debug = find('Role', 'meshforge-kiali-istiod-debug', 'istio-system');
    expect(debug.rules.find((r: any) => r.resources.includes('pods/portforward')).verbs).toEqual(['create']);
  });
});

describe('Kiali construct', () => {
  const chart = () => new Chart(Testing.app(), 'test');

  it('anonymous when asked; a Grafana token mounts as an override file and switches auth to bearer', () => {
    const c = chart();
    const k = new Kiali(c, 'kiali', { prometheusUrl: 'http://prom:9090', authStrategy: 'anonymous', grafanaUrl: 'http://grafana:3000', grafanaTokenSecret: { name: 'kiali-grafana', key: 'token' } });
    expect((k.config.auth as any).strategy).toBe('anonymous');
    expect((k.config.external_services as any).grafana.auth).toEqual({ type: 'bearer', use_kiali_token: false });
    const dep = (Testing.synth(c) as any[]).find((o) => o.kind === 'Deployment');
    expect(dep.spec.template.spec.volumes[1].projected.sources[1].secret).toEqual({ name: 'kiali-grafana', items: [{ key: 'token', path: 'grafana-token/value.txt' }] });
  });

  it('without Grafana or Jaeger URLs, those integrations are off', () => {
    const k = new Kiali(chart(), 'kiali', { prometheusUrl: 'http://prom:9090' });
    expect((k.config.external_services as any).grafana).toEqual({ enabled: false });
    expect((k.config.external_services as any).tracing).toEqual({ enabled: false });
  });

  it('rejects a bad URL with the field named', () => {
    expect(() => new Kiali(chart(), 'kiali', { prometheusUrl: 'http://prom:9090', jaegerUrl: 'jaeger-query:16686' })).toThrowError('[test/kiali] invalid URL; field: jaegerUrl; value: "jaeger-query:16686"');
  });
});
