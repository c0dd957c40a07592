/* eslint-disable @typescript-eslint/no-explicit-any */
import { execFileSync } from 'child_process';
import { Chart, Testing } from 'cdk8s';
import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import {
  AlertRules,
  Alertmanager,
  Elasticsearch,
  IstioTracing,
  Jaeger,
  JaegerStorage,
  LogShippingSidecar,
  NodeExporter,
  ObservabilityStack,
  Prometheus,
  Receiver,
} from '../../lib/observability';
import { tmpDir } from '../helpers';
import { run, writeTemp } from './tools';

function chart(): Chart {
  return new Chart(Testing.app(), 'test');
}
const synth = (c: Chart): any[] => Testing.synth(c);
const hook = () => Receiver.webhook('ops', { url: 'http://hook.monitoring.svc:8080/' });

describe('prometheus-operator mode', () => {
  const c = chart();
  const stack = new ObservabilityStack(c, 'obs', {
    scrapeMode: 'prometheus-operator',
    operatorSelectorLabels: { release: 'kube-prometheus' },
    alertmanager: { receivers: [hook()] },
    logging: false,
    tracing: false,
  });
  stack.monitor({ name: 'checkout', namespace: 'shop' }, { p99LatencyMs: 250 });
  const objs = synth(c);

  it('emits no Prometheus workload or config, but ServiceMonitors, a PodMonitor and PrometheusRules with the selector labels', () => {
    expect(stack.prometheus).toBeUndefined();
    expect(objs.filter((o) => o.metadata.name === 'prometheus' || o.metadata.name === 'prometheus-config')).toEqual([]);
    expect(objs.filter((o) => o.kind === 'ServiceMonitor').map((o) => o.metadata.name)).toEqual(['node-exporter', 'kube-state-metrics', 'alertmanager', 'grafana', 'kiali']);
    expect(objs.filter((o) => o.kind === 'PodMonitor').map((o) => o.metadata.name)).toEqual(['envoy-stats']);
    const rules = objs.filter((o) => o.kind === 'PrometheusRule');
    expect(rules.map((o) => o.metadata.name)).toEqual(['prometheus-rules-cluster', 'prometheus-rules-shop-checkout']);
    for (const o of [...rules, ...objs.filter((x) => x.kind === 'ServiceMonitor' || x.kind === 'PodMonitor')]) expect(o.metadata.labels.release).toBe('kube-prometheus');
    const ne = objs.find((o) => o.kind === 'ServiceMonitor' && o.metadata.name === 'node-exporter');
    expect(ne.spec).toEqual({ endpoints: [{ interval: '30s', port: 'http-metrics' }], namespaceSelector: { matchNames: ['monitoring-node'] }, selector: { matchLabels: { 'app.kubernetes.io/name': 'node-exporter', 'app.kubernetes.io/part-of': 'meshforge-observability' } } });
  });

  it('PrometheusRule groups pass promtool check rules', () => {
    const dir = tmpDir();
    for (const r of objs.filter((o) => o.kind === 'PrometheusRule')) {
      const res = run('promtool', ['check', 'rules', writeTemp(`${r.metadata.name}.yml`, stringify({ groups: r.spec.groups }), dir)]);
      expect(res.out).toContain('SUCCESS');
      expect(res.code).toBe(0);
    }
    const svc = objs.find((o) => o.metadata.name === 'prometheus-rules-shop-checkout');
    expect(svc.spec.groups[0].rules[1].expr).toContain('> 250');
  });

  it('points Grafana at the operator-managed Prometheus', () => {
    const ds = parse(objs.find((o) => o.metadata.name === 'grafana-datasources').data['datasources.yaml']).datasources;
    expect(ds.map((d: any) => d.url)).toEqual(['http://prometheus-operated.monitoring.svc:9090']);
  });
});

describe('components used alone', () => {
  it('Prometheus alone: no alerting block, no rule files, Istio job optional', () => {
    const p = new Prometheus(chart(), 'prom', { scrapeIstioSidecars: false, externalLabels: { cluster: 'dev' } });
    const cfg = parse(p.configYaml());
    expect(cfg.alerting).toBeUndefined();
    expect(cfg.rule_files).toBeUndefined();
    expect(cfg.global).toEqual({ scrape_interval: '30s', scrape_timeout: '10s', evaluation_interval: '30s', external_labels: { cluster: 'dev' } });
    expect(cfg.scrape_configs.map((j: any) => j.job_name)).not.toContain('envoy-stats');
  });

  it('a config change changes the pod-template checksum (rolls Prometheus)', () => {
    const sum = (jobs: number) => {
      const c = chart();
      const p = new Prometheus(c, 'prom');
      for (let i = 0; i < jobs; i++) p.addStaticJob({ name: `j${i}`, targets: ['x:1'] });
      return synth(c).find((o) => o.kind === 'StatefulSet').spec.template.metadata.annotations['checksum/config'];
    };
    expect(sum(0)).toMatch(/^[0-9a-f]{64}$/);
    expect(sum(0)).toBe(sum(0));
    expect(sum(1)).not.toBe(sum(0));
  });

  it('Alertmanager without WeChat reads its config straight from the ConfigMap (no init container)', () => {
    const c = chart();
    new Alertmanager(c, 'am', { receivers: [hook()] });
    const sts = synth(c).find((o) => o.kind === 'StatefulSet');
    expect(sts.spec.template.spec.initContainers).toBeUndefined();
    expect(sts.spec.template.spec.containers[0].args[0]).toBe('--config.file=/etc/alertmanager/template/alertmanager.yml');
  });

  it('the WeChat render step substitutes the secret from the mounted file', () => {
    const c = chart();
    const am = new Alertmanager(c, 'am', { receivers: [Receiver.wechat('wx', { corpId: 'ww1', agentId: '1000002', apiSecret: { name: 'wechat', key: 'api-secret' } })] });
    const sts = synth(c).find((o) => o.kind === 'StatefulSet');
    const script: string = sts.spec.template.spec.initContainers[0].command[2];
    // Run the generated script against a fake filesystem layout.
    const root = tmpDir();
    const rewrite = (s: string) => s.replaceAll('/etc/alertmanager', root);
    fs.mkdirSync(path.join(root, 'template'));
    fs.mkdirSync(path.join(root, 'rendered'));
    fs.mkdirSync(path.join(root, 'secrets/wechat'), { recursive: true });
    fs.writeFileSync(path.join(root, 'template/alertmanager.yml'), am.configYaml());
    fs.writeFileSync(path.join(root, 'secrets/wechat/api-secret'), 'S3cr&t\\1-value');
    execFileSync('/bin/sh', ['-c', rewrite(script)]);
    const rendered = parse(fs.readFileSync(path.join(root, 'rendered/alertmanager.yml'), 'utf8'));
    expect(rendered.receivers[0].wechat_configs[0].api_secret).toBe('S3cr&t\\1-value');
    expect(rendered.receivers[0].wechat_configs[0].to_user).toBe('@all');
    expect(am.configYaml()).not.toContain('S3cr&t');
    const r = run('amtool', ['check-config', path.join(root, 'rendered/alertmanager.yml')]);
    expect(r.code).toBe(0);
  });

  it('AlertRules: cluster rules can be turned off; service thresholds fall back to serviceDefaults', () => {
    const rules = new AlertRules(chart(), 'rules', { clusterRules: false, serviceDefaults: { p99LatencyMs: 300, alertOnNoTraffic: false } });
    rules.monitor({ name: 'catalog', namespace: 'shop' });
    expect(Object.keys(rules.ruleFiles())).toEqual(['mesh-services.rules.yml']);
    const [group] = rules.serviceGroups();
    expect(group.name).toBe('meshforge.service.shop.catalog');
    expect(group.rules.map((r) => r.alert)).toEqual(['MeshServiceHighErrorRate', 'MeshServiceHighLatencyP99']);
    expect(group.rules[1].expr).toBe(
      'histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket{reporter="destination",destination_service_name="catalog",destination_workload_namespace="shop"}[5m]))) > 300',
    );
  });

  it('thresholds: the monitor() argument overrides the service\'s alertThresholds field by field, which override serviceDefaults', () => {
    const rules = new AlertRules(chart(), 'rules', { serviceDefaults: { p99LatencyMs: 300, rateWindow: '2m' } });
    const svc = { name: 'checkout', namespace: 'shop', alertThresholds: { errorRatio: 0.02, p99LatencyMs: 900 } };
    rules.monitor(svc, { p99LatencyMs: 1200 });
    expect(rules.thresholdsFor(svc)).toMatchObject({ errorRatio: 0.02, p99LatencyMs: 1200, rateWindow: '2m', for: '5m' });
  });

  it('NodeExporter: host namespaces and a read-only root mount, annotated', () => {
    const c = chart();
    new NodeExporter(c, 'ne');
    const ds = synth(c).find((o) => o.kind === 'DaemonSet');
    expect(ds.spec.template.spec.hostNetwork).toBe(true);
    expect(ds.spec.template.spec.hostPID).toBe(true);
    expect(ds.spec.template.spec.containers[0].volumeMounts[0]).toEqual({ mountPath: '/host/root', mountPropagation: 'HostToContainer', name: 'root', readOnly: true });
    expect(ds.spec.template.spec.containers[0].securityContext.runAsNonRoot).toBe(true);
    expect(Object.keys(ds.metadata.annotations).sort()).toEqual(['policy.meshforge.io/allow-host-namespaces', 'policy.meshforge.io/allow-host-path', 'policy.meshforge.io/allow-host-ports']);
  });

  it('Elasticsearch sysctl option: privileged init container with annotated exceptions, mmap on', () => {
    const c = chart();
    new Elasticsearch(c, 'es', { sysctlInitContainer: true });
    const sts = synth(c).find((o) => o.kind === 'StatefulSet');
    const init = sts.spec.template.spec.initContainers[0];
    expect(init.command).toEqual(['sysctl', '-w', 'vm.max_map_count=262144']);
    expect(init.securityContext.privileged).toBe(true);
    expect(sts.metadata.annotations['policy.meshforge.io/allow-privileged']).toContain('vm.max_map_count');
    expect(sts.spec.template.spec.containers[0].env.find((e: any) => e.name === 'node.store.allow_mmap').value).toBe('true');
  });

  it('the stack labels the logging namespace privileged only with the ES sysctl option', () => {
    const level = (sysctl: boolean) => {
      const c = chart();
      new ObservabilityStack(c, 'obs', { alertmanager: { receivers: [hook()] }, logging: { elasticsearch: { sysctlInitContainer: sysctl } } });
      return synth(c).find((o) => o.kind === 'Namespace' && o.metadata.name === 'logging').metadata.labels['pod-security.kubernetes.io/enforce'];
    };
    expect(level(false)).toBe('restricted');
    expect(level(true)).toBe('privileged');
  });

  it('imageRegistry mirrors every default image; a component image still wins', () => {
    const c = chart();
    new ObservabilityStack(c, 'obs', {
      imageRegistry: 'registry.example.com/mirror/',
      alertmanager: { receivers: [hook()] },
      grafana: { image: 'docker.io/grafana/grafana:11.2.1' },
      logging: { elasticsearch: { sysctlInitContainer: true } },
    });
    const images = synth(c)
      .filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(o.kind))
      .flatMap((o) => [...o.spec.template.spec.containers, ...(o.spec.template.spec.initContainers ?? [])].map((x: any) => x.image))
      .sort();
    expect(images).toEqual([
      'docker.io/grafana/grafana:11.2.1',
      'registry.example.com/mirror/curlimages/curl:8.10.1',
      'registry.example.com/mirror/curlimages/curl:8.10.1',
      'registry.example.com/mirror/elasticsearch/elasticsearch:8.15.1',
      'registry.example.com/mirror/fluent/fluent-bit:3.1.7',
      'registry.example.com/mirror/fluent/fluent-bit:3.1.7',
      'registry.example.com/mirror/fluent/fluentd-kubernetes-daemonset:v1.17.1-debian-elasticsearch8-1.0',
      'registry.example.com/mirror/jaegertracing/jaeger:2.5.0',
      'registry.example.com/mirror/kiali/kiali:v2.13.0',
      'registry.example.com/mirror/kibana/kibana:8.15.1',
      'registry.example.com/mirror/kube-state-metrics/kube-state-metrics:v2.13.0',
      'registry.example.com/mirror/library/busybox:1.36.1',
      'registry.example.com/mirror/prometheus/alertmanager:v0.27.0',
      'registry.example.com/mirror/prometheus/node-exporter:v1.8.2',
      'registry.example.com/mirror/prometheus/prometheus:v2.53.2',
    ]);
  });

  it('Jaeger with Elasticsearch storage takes the password from a Secret via env expansion', () => {
    const c = chart();
    const j = new Jaeger(c, 'jaeger', { storage: JaegerStorage.elasticsearch({ url: 'http://elasticsearch.logging.svc:9200', user: 'jaeger', passwordSecret: { name: 'jaeger-es', key: 'password' } }) });
    const backend = (j.config.extensions as any).jaeger_storage.backends.main;
    expect(backend.elasticsearch.auth.basic).toEqual({ username: 'jaeger', password: '${env:ES_PASSWORD}' });
    const dep = synth(c).find((o) => o.kind === 'Deployment');
    expect(dep.spec.template.spec.containers[0].env).toEqual([{ name: 'ES_PASSWORD', valueFrom: { secretKeyRef: { name: 'jaeger-es', key: 'password' } } }]);
  });

  it('IstioTracing prints the meshConfig snippet with the same provider name', () => {
    const t = new IstioTracing(chart(), 'tracing', { providerName: 'otel-jaeger', collectorHost: 'jaeger-collector.tracing.svc.cluster.local', samplingPercentage: 0.5 });
    expect(t.meshConfigSnippet()).toBe(
      [
        'meshConfig:',
        '  enableTracing: true',
        '  extensionProviders:',
        '    - name: otel-jaeger',
        '      opentelemetry:',
        '        service: jaeger-collector.tracing.svc.cluster.local',
        '        port: 4317',
        '',
      ].join('\n'),
    );
  });

  it('the stack wires the zipkin protocol to the zipkin Service', () => {
    const stack = new ObservabilityStack(chart(), 'obs', { alertmanager: { receivers: [hook()] }, logging: false, tracing: { istio: { protocol: 'zipkin', providerName: 'zipkin' } } });
    expect(stack.istioTracing!.meshConfig()).toEqual({ enableTracing: true, extensionProviders: [{ name: 'zipkin', zipkin: { service: 'zipkin.tracing.svc.cluster.local', port: 9411 } }] });
  });

  it('LogShippingSidecar: restricted container, shared log volume, config forwarding to Fluentd', () => {
    const c = chart();
    const s = new LogShippingSidecar(c, 'shipper', { namespace: 'shop', workload: 'legacy-billing', logDirectory: '/var/log/billing' });
    expect(s.appVolumeMount).toEqual({ name: 'app-logs', mountPath: '/var/log/billing' });
    expect(s.container.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(s.volumes.map((v) => v.name)).toEqual(['app-logs', 'log-shipper-config', 'log-shipper-state']);
    const cm = synth(c).find((o) => o.kind === 'ConfigMap');
    expect(cm.metadata).toMatchObject({ name: 'legacy-billing-log-shipper', namespace: 'shop' });
    expect(cm.data['fluent-bit.conf']).toMatch(/Path\s+\/var\/log\/billing\/\*\.log/);
    expect(cm.data['fluent-bit.conf']).toMatch(/Host\s+fluentd\.logging\.svc/);
  });
});
