/* eslint-disable @typescript-eslint/no-explicit-any */
import { Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  AlertRules,
  Alertmanager,
  Grafana,
  GrafanaDataSource,
  Jaeger,
  LogShippingSidecar,
  ObservabilityStack,
  Receiver,
  clusterOverviewDashboard,
  serviceRedDashboard,
} from '../../lib/observability';
import { configChecksum } from '../../lib/observability/common';
import { run, writeTemp } from './tools';

/**
 * Config changes must reach running pods. None of the components here watch
 * their files, so every config-bearing pod template carries a checksum of all
 * its config; these tests prove each input that matters moves it.
 */
function chart(): Chart {
  return new Chart(Testing.app(), 'test');
}
const synth = (c: Chart): any[] => Testing.synth(c);
const hook = () => Receiver.webhook('ops', { url: 'http://hook.monitoring.svc:8080/', external: true });
const podAnnotations = (objs: any[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name).spec.template.metadata.annotations;

describe('Prometheus rolls on a config or rule change', () => {
  const promChecksum = (build: (stack: ObservabilityStack) => void, props: { readonly filesystemFreePercent?: number } = {}) => {
    const c = chart();
    const stack = new ObservabilityStack(c, 'obs', {
      alertmanager: { receivers: [hook()] },
      alertRules: { clusterThresholds: { filesystemFreePercent: props.filesystemFreePercent ?? 10 } },
      logging: false,
      tracing: false,
    });
    build(stack);
    return podAnnotations(synth(c), 'StatefulSet', 'prometheus')['checksum/config'];
  };
  const checkout = { name: 'checkout', namespace: 'shop' };

  it('same input, same checksum (a sha256)', () => {
    const a = promChecksum((s) => s.monitor(checkout));
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(promChecksum((s) => s.monitor(checkout))).toBe(a);
  });

  it('a changed service threshold changes it, although prometheus.yml is unchanged', () => {
    const c1 = chart();
    const s1 = new ObservabilityStack(c1, 'obs', { alertmanager: { receivers: [hook()] }, logging: false, tracing: false }).monitor(checkout, { p99LatencyMs: 250 });
    const c2 = chart();
    const s2 = new ObservabilityStack(c2, 'obs', { alertmanager: { receivers: [hook()] }, logging: false, tracing: false }).monitor(checkout, { p99LatencyMs: 300 });
    expect(s1.prometheus!.configYaml()).toBe(s2.prometheus!.configYaml());
    expect(podAnnotations(synth(c1), 'StatefulSet', 'prometheus')['checksum/config']).not.toBe(podAnnotations(synth(c2), 'StatefulSet', 'prometheus')['checksum/config']);
  });

  it('a changed cluster threshold changes it', () => {
    expect(promChecksum(() => undefined, { filesystemFreePercent: 15 })).not.toBe(promChecksum(() => undefined));
  });

  it('a newly monitored service changes it', () => {
    const one = promChecksum((s) => s.monitor(checkout));
    const two = promChecksum((s) => s.monitor(checkout).monitor({ name: 'payments', namespace: 'shop' }));
    expect(two).not.toBe(one);
  });

  it('AlertRules.ruleFilesHash() is the checksum of exactly the files in its ConfigMap', () => {
    const c = chart();
    const rules = new AlertRules(c, 'rules').monitor(checkout);
    const cm = synth(c).find((o) => o.kind === 'ConfigMap');
    expect(Object.keys(cm.data)).toEqual(['cluster.rules.yml', 'mesh-services.rules.yml', 'self-monitoring.rules.yml']);
    expect(rules.ruleFilesHash()).toBe(configChecksum(cm.data));
  });
});

describe('configChecksum', () => {
  it('is order-independent, and moving text between files or names changes it', () => {
    expect(configChecksum({ a: 'x', b: 'y' })).toBe(configChecksum({ b: 'y', a: 'x' }));
    expect(configChecksum({ a: 'xy', b: '' })).not.toBe(configChecksum({ a: 'x', b: 'y' }));
    expect(configChecksum({ ab: 'c' })).not.toBe(configChecksum({ a: 'bc' }));
  });
});

describe('Alertmanager rolls on a config change', () => {
  const sum = (routes: { receiver: string; matchers: string[] }[]) => {
    const c = chart();
    new Alertmanager(c, 'am', { receivers: [hook()], routes });
    return podAnnotations(synth(c), 'StatefulSet', 'alertmanager')['checksum/config'];
  };

  it('same config, same checksum; a new route changes it', () => {
    expect(sum([])).toMatch(/^[0-9a-f]{64}$/);
    expect(sum([])).toBe(sum([]));
    expect(sum([{ receiver: 'ops', matchers: ['severity=critical'] }])).not.toBe(sum([]));
  });
});

describe('Grafana rolls on any provisioning change', () => {
  const sum = (build: (g: Grafana) => void) => {
    const c = chart();
    const g = new Grafana(c, 'grafana');
    build(g);
    return podAnnotations(synth(c), 'StatefulSet', 'grafana')['checksum/provisioning'];
  };
  const base = (g: Grafana) => g.addDataSource(GrafanaDataSource.prometheus('http://prometheus.monitoring.svc:9090')).addDashboard('cluster', clusterOverviewDashboard());

  it('same input, same checksum', () => {
    expect(sum(base)).toBe(sum(base));
  });
  it('a changed data source URL changes it (data sources are read only at start)', () => {
    expect(sum((g) => g.addDataSource(GrafanaDataSource.prometheus('http://prometheus.other.svc:9090')).addDashboard('cluster', clusterOverviewDashboard()))).not.toBe(sum(base));
  });
  it('a new dashboard changes it', () => {
    expect(sum((g) => base(g).addDashboard('checkout', serviceRedDashboard({ name: 'checkout', namespace: 'shop' })))).not.toBe(sum(base));
  });
});

describe('Jaeger, Fluent Bit sidecar', () => {
  it('the Jaeger checksum is the checksum of the ConfigMap content', () => {
    const c = chart();
    new Jaeger(c, 'jaeger');
    const objs = synth(c);
    const cm = objs.find((o) => o.kind === 'ConfigMap');
    expect(podAnnotations(objs, 'Deployment', 'jaeger')['checksum/config']).toBe(configChecksum(cm.data));
  });

  it('LogShippingSidecar gives the workload a checksum of its config, which follows the config', () => {
    const sidecar = (dir: string) => {
      const c = chart();
      const s = new LogShippingSidecar(c, 'shipper', { namespace: 'shop', workload: 'billing', logDirectory: dir });
      return { s, cm: synth(c).find((o) => o.kind === 'ConfigMap') };
    };
    const a = sidecar('/var/log/a');
    expect(a.s.podAnnotations).toEqual({ 'checksum/log-shipper-config': configChecksum(a.cm.data) });
    expect(sidecar('/var/log/b').s.podAnnotations['checksum/log-shipper-config']).not.toBe(a.s.podAnnotations['checksum/log-shipper-config']);
  });
});

describe('Jaeger v2 configuration (Jaeger 2.5.0)', () => {
  const c = chart();
  const jaeger = new Jaeger(c, 'jaeger');
  const objs = synth(c);
  const config = parse(objs.find((o) => o.kind === 'ConfigMap').data['config.yaml']);

  it('exposes its own metrics through a Prometheus pull reader, without the removed `address` key', () => {
    expect(config.service.telemetry.metrics).toEqual({ level: 'basic', readers: [{ pull: { exporter: { prometheus: { host: '0.0.0.0', port: 8888 } } } }] });
    expect(JSON.stringify(config.service.telemetry)).not.toContain('address');
  });

  it('the metrics port matches the Service scrape annotation, the Service port and the container port', () => {
    const port = config.service.telemetry.metrics.readers[0].pull.exporter.prometheus.port;
    const svc = objs.find((o) => o.kind === 'Service' && o.metadata.name === 'jaeger-query');
    expect(svc.metadata.annotations['prometheus.io/port']).toBe(String(port));
    expect(svc.spec.ports.find((p: any) => p.name === 'http-metrics')).toMatchObject({ port, targetPort: 'metrics' });
    const container = objs.find((o) => o.kind === 'Deployment').spec.template.spec.containers[0];
    expect(container.ports.find((p: any) => p.name === 'metrics').containerPort).toBe(port);
  });

  it('health probes hit the healthcheckv2 status endpoint as configured', () => {
    const hc = config.extensions.healthcheckv2;
    expect(hc).toEqual({ use_v2: true, http: { endpoint: '0.0.0.0:13133', status: { enabled: true, path: '/status' } } });
    const container = objs.find((o) => o.kind === 'Deployment').spec.template.spec.containers[0];
    expect(container.ports.find((p: any) => p.name === 'health').containerPort).toBe(13133);
    for (const probe of [container.readinessProbe, container.livenessProbe]) expect(probe.httpGet).toEqual({ path: '/status', port: 'health' });
  });

  it('pipeline components are all declared, and storage names line up', () => {
    expect(config.service.extensions).toEqual(['jaeger_storage', 'jaeger_query', 'healthcheckv2']);
    for (const e of config.service.extensions) expect(config.extensions[e]).toBeDefined();
    const traces = config.service.pipelines.traces;
    for (const r of traces.receivers) expect(config.receivers[r]).toBeDefined();
    for (const p of traces.processors) expect(config.processors[p]).toBeDefined();
    for (const e of traces.exporters) expect(config.exporters[e]).toBeDefined();
    const backends = Object.keys(config.extensions.jaeger_storage.backends);
    expect(backends).toEqual(['main']);
    expect(config.extensions.jaeger_query.storage.traces).toBe('main');
    expect(config.exporters.jaeger_storage_exporter.trace_storage).toBe('main');
    expect(config.receivers.otlp.protocols).toEqual({ grpc: { endpoint: '0.0.0.0:4317' }, http: { endpoint: '0.0.0.0:4318' } });
    expect(config.receivers.zipkin).toEqual({ endpoint: `0.0.0.0:${jaeger.zipkinPort}` });
    expect(config.extensions.jaeger_query.http).toEqual({ endpoint: '0.0.0.0:16686' });
  });
});

describe('observability namespaces pin the Pod Security Standards version', () => {
  it('every Namespace carries enforce/warn/audit with a v1.27 version pin', () => {
    const c = chart();
    new ObservabilityStack(c, 'obs', { alertmanager: { receivers: [hook()] } });
    const namespaces = synth(c).filter((o) => o.kind === 'Namespace');
    expect(namespaces.map((n) => n.metadata.name)).toEqual(['monitoring', 'monitoring-node', 'logging', 'tracing']);
    for (const ns of namespaces) {
      const l = ns.metadata.labels;
      for (const mode of ['enforce', 'warn', 'audit']) {
        expect(l[`pod-security.kubernetes.io/${mode}`]).toMatch(/^(restricted|privileged)$/);
        expect(l[`pod-security.kubernetes.io/${mode}-version`]).toBe('v1.27');
      }
    }
  });
});

describe('Alertmanager matchers: every form Alertmanager accepts', () => {
  const forms = [
    'severity=critical',
    'severity="critical"',
    'namespace=~shop|payments',
    'namespace=~"shop|payments"',
    'team!=ops',
    'team!="ops"',
    'service!~checkout.*',
    'service!~"checkout.*"',
    'env=""',
    ' severity = critical ',
    'summary="disk \\"full\\""',
  ];

  it('accepts each and amtool check-config accepts the generated config', () => {
    const c = chart();
    const am = new Alertmanager(c, 'am', {
      receivers: [hook()],
      routes: forms.map((m) => ({ receiver: 'ops', matchers: [m] })),
      inhibitRules: [{ sourceMatchers: ['severity=critical'], targetMatchers: ['severity=~warning|info'], equal: ['alertname'] }],
    });
    const text = am.configYaml();
    // routes[0] is the built-in Watchdog route.
    expect(parse(text).route.routes.map((r: any) => r.matchers[0])).toEqual(['alertname="Watchdog"', ...forms]);
    const r = run('amtool', ['check-config', writeTemp('alertmanager.yml', text)]);
    expect(r.out).toContain('SUCCESS');
    expect(r.code).toBe(0);
  });

  it.each(['severity=', 'severity=a b', 'severity=a,b', 'severity="critical', '9severity=critical', 'severity==critical', 'severity~critical'])('rejects %s', (m) => {
    expect(() => new Alertmanager(chart(), 'am', { receivers: [hook()], routes: [{ receiver: 'ops', matchers: [m] }] })).toThrowError(/invalid matcher; field: routes\[0\]\.matchers\[0\]/);
  });
});
