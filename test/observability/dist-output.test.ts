/* eslint-disable @typescript-eslint/no-explicit-any */
import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { tmpDir } from '../helpers';
import { loadDist, promtoolCopy, run, writeTemp } from './tools';

/**
 * Checks on the committed product, dist/prod/observability/: the real tools on
 * every generated config, dashboards against the metrics the stack produces,
 * and the security properties a platform team relies on.
 */
const docs = loadDist('observability');
const byKind = (kind: string) => docs.filter((d) => d.kind === kind);
const configMaps = byKind('ConfigMap');
const dataEntries = (suffix: string) => configMaps.flatMap((cm) => Object.entries((cm.data ?? {}) as Record<string, string>).filter(([k]) => k.endsWith(suffix)).map(([k, v]) => ({ cm, key: k, text: v })));
const ruleFiles = Object.fromEntries(dataEntries('.rules.yml').map((e) => [e.key, e.text]));
const workloads = docs.filter((d) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(d.kind));
const namespaceLevel = (ns: string) => byKind('Namespace').find((n) => n.metadata.name === ns)?.metadata.labels['pod-security.kubernetes.io/enforce'];

/**
 * Metrics each component of the stack exports (upstream names). A query may only
 * use these: a typo or a metric nobody scrapes would draw an empty panel forever.
 */
const PRODUCED: Record<string, readonly string[]> = {
  prometheus: [
    'up',
    'prometheus_config_last_reload_successful',
    'prometheus_rule_evaluation_failures_total',
    'prometheus_notifications_alertmanagers_discovered',
    'prometheus_notifications_errors_total',
    'prometheus_notifications_sent_total',
    'prometheus_tsdb_compactions_failed_total',
    'prometheus_tsdb_reloads_failures_total',
    'prometheus_tsdb_wal_corruptions_total',
    'prometheus_tsdb_head_truncations_failed_total',
  ],
  alertmanager: ['alertmanager_config_last_reload_successful', 'alertmanager_notifications_failed_total', 'alertmanager_notifications_total'],
  'node-exporter': ['node_cpu_seconds_total', 'node_memory_MemAvailable_bytes', 'node_memory_MemTotal_bytes', 'node_filesystem_avail_bytes', 'node_filesystem_size_bytes', 'node_filesystem_readonly'],
  'kube-state-metrics': [
    'kube_pod_container_status_restarts_total',
    'kube_pod_container_status_waiting_reason',
    'kube_pod_container_status_last_terminated_reason',
    'kube_pod_status_phase',
    'kube_deployment_status_replicas_unavailable',
    // kube-state-metrics v2 statefulset and job collectors (--resources lists statefulsets and jobs)
    'kube_statefulset_status_replicas',
    'kube_statefulset_status_replicas_ready',
    'kube_statefulset_status_replicas_updated',
    'kube_job_failed',
    'kube_node_status_condition',
    'kube_horizontalpodautoscaler_status_current_replicas',
    'kube_horizontalpodautoscaler_spec_max_replicas',
    'kube_horizontalpodautoscaler_spec_min_replicas',
    'kube_poddisruptionbudget_status_desired_healthy',
    'kube_poddisruptionbudget_status_current_healthy',
    'kube_poddisruptionbudget_status_pod_disruptions_allowed',
    'kube_poddisruptionbudget_status_expected_pods',
  ],
  'istio-envoy': [
    'istio_requests_total', 'istio_request_duration_milliseconds_bucket',
    'istio_tcp_received_bytes_total', 'istio_tcp_sent_bytes_total', 'istio_tcp_connections_opened_total', 'istio_tcp_connections_closed_total',
  ],
  // istiod (scraped through its own prometheus.io annotations by kubernetes-pods)
  istiod: ['citadel_server_root_cert_expiry_timestamp', 'citadel_server_cert_chain_expiry_timestamp'],
  'fluent-bit': ['fluentbit_output_retries_failed_total', 'fluentbit_output_errors_total'],
  fluentd: ['fluentd_output_status_num_errors', 'fluentd_output_status_retry_count', 'fluentd_output_status_buffer_available_space_ratio'],
  'elasticsearch-exporter': ['elasticsearch_cluster_health_status', 'elasticsearch_filesystem_data_available_bytes', 'elasticsearch_filesystem_data_size_bytes'],
};
const producedMetrics = new Set(Object.values(PRODUCED).flat());
const KEYWORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'inf', 'nan']);

/** Metric names referenced by a PromQL expression. */
function metricsOf(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\boffset\s+\d+[smhdwy]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  return [...stripped.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\()?/g)].filter((m) => !m[2] && !KEYWORDS.has(m[1].toLowerCase())).map((m) => m[1]);
}

describe('dist/observability: Prometheus', () => {
  const configs = dataEntries('prometheus.yml');

  it('has one Prometheus config and the rule files it references', () => {
    expect(configs).toHaveLength(1);
    expect(Object.keys(ruleFiles).sort()).toEqual(['cluster.rules.yml', 'logging.rules.yml', 'mesh-services.rules.yml', 'self-monitoring.rules.yml']);
  });

  it.each(configs.map((c) => [c.cm.metadata.name, c.text]))('promtool check config --syntax-only passes on %s (kubernetes_sd swapped for file_sd)', (_n, text) => {
    const dir = tmpDir();
    const r = run('promtool', ['check', 'config', '--syntax-only', writeTemp('prometheus.yml', promtoolCopy(text, ruleFiles, dir), dir)]);
    expect(r.out).toContain('SUCCESS');
    expect(r.code).toBe(0);
  });

  it.each(configs.map((c) => [c.cm.metadata.name, c.text]))('full promtool check config passes on %s, rule files included', (_n, text) => {
    const dir = tmpDir();
    const r = run('promtool', ['check', 'config', writeTemp('prometheus.yml', promtoolCopy(text, ruleFiles, dir, { serviceAccountFiles: true }), dir)]);
    expect(r.out).toContain('SUCCESS');
    expect(r.out).toMatch(/SUCCESS: \d+ rules found/);
    expect(r.code).toBe(0);
  });

  it.each(Object.entries(ruleFiles))('promtool check rules passes on %s', (name, text) => {
    const r = run('promtool', ['check', 'rules', writeTemp(name, text)]);
    expect(r.out).toContain('SUCCESS');
    expect(r.code).toBe(0);
  });

  it('needs the swap: Debian promtool 2.42 rejects kubernetes_sd_configs itself', () => {
    // If this starts passing, promtool gained Kubernetes SD and the swap can go.
    const r = run('promtool', ['check', 'config', '--syntax-only', writeTemp('prometheus.yml', configs[0].text)]);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('field kubernetes_sd_configs not found');
  });

  it('swaps only the kubernetes_sd_configs blocks for promtool', () => {
    const original = parse(configs[0].text);
    const copy = parse(promtoolCopy(configs[0].text, ruleFiles, tmpDir()));
    expect(copy.global).toEqual(original.global);
    expect(copy.alerting).toEqual(original.alerting);
    original.scrape_configs.forEach((job: any, i: number) => {
      const { kubernetes_sd_configs: sd, ...rest } = job;
      const { file_sd_configs: fsd, ...copyRest } = copy.scrape_configs[i];
      expect(copyRest).toEqual(rest);
      expect(fsd === undefined).toBe(sd === undefined);
    });
  });

  it('scrapes apiservers, nodes, cadvisor, annotated endpoints and pods, and Envoy sidecars', () => {
    const jobs = parse(configs[0].text).scrape_configs.map((j: any) => j.job_name);
    expect(jobs).toEqual(['kubernetes-apiservers', 'kubernetes-nodes', 'kubernetes-cadvisor', 'kubernetes-service-endpoints', 'kubernetes-pods', 'envoy-stats']);
    const cfg = parse(configs[0].text);
    expect(cfg.alerting.alertmanagers[0].static_configs[0].targets).toEqual(['alertmanager.monitoring.svc:9093']);
    const sts = workloads.find((w) => w.metadata.name === 'prometheus')!;
    expect(sts.spec.template.spec.containers[0].args).toContain('--storage.tsdb.retention.time=15d');
    expect(sts.spec.template.spec.containers[0].args).toContain('--storage.tsdb.retention.size=45GB');
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('50Gi');
    // Rule files are mounted where prometheus.yml says they are.
    const mount = sts.spec.template.spec.containers[0].volumeMounts.find((m: any) => m.name === 'rules-prometheus-rules');
    for (const f of cfg.rule_files) expect(f.startsWith(`${mount.mountPath}/`)).toBe(true);
  });

  it('monitors every MeshService of apps/shop, in declaration order, with the thresholds declared in apps/observability', () => {
    const groups = parse(ruleFiles['mesh-services.rules.yml']).groups;
    expect(groups.map((g: any) => g.name)).toEqual(['meshforge.service.shop.catalog', 'meshforge.service.shop.queue', 'meshforge.service.shop.cart', 'meshforge.service.shop.storefront']);
    const expr = (svc: string, alert: string) => groups.find((g: any) => g.name.endsWith(svc)).rules.find((r: any) => r.alert === alert).expr;
    expect(expr('.cart', 'MeshServiceHighErrorRate')).toMatch(/\) > 0\.01$/);
    expect(expr('.cart', 'MeshServiceHighLatencyP99')).toMatch(/ > 1500$/);
    expect(expr('storefront', 'MeshServiceHighLatencyP99')).toMatch(/ > 800$/);
    expect(expr('catalog', 'MeshServiceHighErrorRate')).toMatch(/\) > 0\.05$/);
  });

  it('takes Istio series from envoy-stats only (the merged 15020 endpoint would double them)', () => {
    const jobs = parse(dataEntries('prometheus.yml')[0].text).scrape_configs;
    for (const name of ['kubernetes-pods', 'kubernetes-service-endpoints']) {
      expect(jobs.find((j: any) => j.job_name === name).metric_relabel_configs).toEqual([{ source_labels: ['__name__'], action: 'drop', regex: 'istio_.*|envoy_.*' }]);
    }
    expect(jobs.find((j: any) => j.job_name === 'envoy-stats').metric_relabel_configs).toBeUndefined();
  });

  it('every metric in every rule is one the stack produces', () => {
    for (const text of Object.values(ruleFiles)) {
      for (const g of parse(text).groups) for (const r of g.rules) for (const m of metricsOf(r.expr)) expect(producedMetrics, `${r.alert}: ${m}`).toContain(m);
    }
  });
});

describe('dist/observability: Alertmanager', () => {
  const configs = dataEntries('alertmanager.yml');

  it.each(configs.map((c) => [c.cm.metadata.name, c.text]))('amtool check-config passes on %s', (_n, text) => {
    const r = run('amtool', ['check-config', writeTemp('alertmanager.yml', text)]);
    expect(r.out).toContain('SUCCESS');
    expect(r.code).toBe(0);
  });

  it('reads every secret from a mounted Secret file, never inline', () => {
    const cfg = parse(configs[0].text);
    const byName = Object.fromEntries(cfg.receivers.map((r: any) => [r.name, r]));
    expect(byName['oncall-mail'].email_configs[0].auth_password_file).toBe('/etc/alertmanager/secrets/alertmanager-smtp/password');
    expect(byName['oncall-mail'].email_configs[0]).not.toHaveProperty('auth_password');
    // The robot key stays in the adapter: neither in the URL nor mounted into Alertmanager.
    expect(byName['team-robot'].webhook_configs[0]).toEqual({ url: 'http://wechat-robot-team-robot.monitoring.svc:8080/prometheusalert?type=wx&tpl=prometheus-wx', send_resolved: true });
    expect(byName.deadmansswitch.webhook_configs[0].http_config.authorization.credentials_file).toBe('/etc/alertmanager/secrets/alertmanager-heartbeat/token');
    expect(byName['oncall-wechat'].wechat_configs[0].api_secret).toBe('MESHFORGE_SECRET__alertmanager-wechat__api-secret');
    const sts = workloads.find((w) => w.metadata.name === 'alertmanager')!;
    const init = sts.spec.template.spec.initContainers[0];
    expect(init.command[2]).toContain("-v f='/etc/alertmanager/secrets/alertmanager-wechat/api-secret'");
    expect(sts.spec.template.spec.containers[0].args[0]).toBe('--config.file=/etc/alertmanager/rendered/alertmanager.yml');
    // Only the WeChat API secret is needed to start (it is rendered into the config); the rest are optional.
    const secretVolumes = sts.spec.template.spec.volumes.filter((v: any) => v.secret).map((v: any) => [v.secret.secretName, v.secret.optional ?? false]);
    expect(secretVolumes).toEqual([
      ['alertmanager-heartbeat', true],
      ['alertmanager-smtp', true],
      ['alertmanager-wechat', false],
    ]);
  });

  it('has the route tree with grouping, repeat interval and inhibit rules', () => {
    const cfg = parse(configs[0].text);
    expect(cfg.route).toMatchObject({ receiver: 'oncall-mail', group_by: ['alertname', 'namespace'], group_wait: '30s', group_interval: '5m', repeat_interval: '4h' });
    expect(cfg.route.routes.map((r: any) => r.receiver)).toEqual(['deadmansswitch', 'oncall-wechat', 'oncall-mail', 'team-robot']);
    expect(cfg.route.routes[0]).toEqual({ receiver: 'deadmansswitch', matchers: ['alertname="Watchdog"'], group_wait: '0s', group_interval: '1m', repeat_interval: '1m' });
    expect(cfg.inhibit_rules).toEqual([{ source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ['alertname', 'namespace'] }]);
  });

  it.each([
    [['alertname=Watchdog', 'severity=none'], 'deadmansswitch'],
    // Watchdog never reaches a person, whatever else it carries.
    [['alertname=Watchdog', 'severity=critical', 'namespace=shop'], 'deadmansswitch'],
    [['alertname=KubePodCrashLooping', 'severity=critical', 'namespace=payments'], 'oncall-wechat,oncall-mail'],
    [['alertname=MeshServiceHighErrorRate', 'severity=critical', 'namespace=shop'], 'oncall-wechat,oncall-mail,team-robot'],
    [['alertname=MeshServiceNoTraffic', 'severity=warning', 'namespace=shop'], 'team-robot'],
    [['alertname=ElasticsearchClusterYellow', 'severity=warning', 'namespace=logging'], 'oncall-mail'],
  ])('amtool config routes test: %j goes to %s', (labels, receivers) => {
    const file = writeTemp('alertmanager.yml', configs[0].text);
    const r = run('amtool', ['config', 'routes', 'test', `--config.file=${file}`, `--verify.receivers=${receivers}`, ...labels]);
    expect(r.out.trim().split('\n')[0]).toBe(receivers);
    expect(r.code).toBe(0);
  });

  it('the routing test can fail (a wrong expectation exits non-zero)', () => {
    const file = writeTemp('alertmanager.yml', configs[0].text);
    const r = run('amtool', ['config', 'routes', 'test', `--config.file=${file}`, '--verify.receivers=oncall-mail', 'alertname=Watchdog']);
    expect(r.code).not.toBe(0);
  });

  it('the default inhibit rule can match: some alerts exist at both severities under one name', () => {
    const severities = new Map<string, Set<string>>();
    for (const text of Object.values(ruleFiles)) {
      for (const g of parse(text).groups) for (const r of g.rules) severities.set(r.alert, new Set([...(severities.get(r.alert) ?? []), r.labels.severity]));
    }
    const both = [...severities].filter(([, s]) => s.has('critical') && s.has('warning')).map(([a]) => a);
    expect(both.sort()).toEqual(['ElasticsearchDiskSpaceLow', 'IstioCertChainExpiringSoon', 'IstioRootCertExpiringSoon']);
  });
});

describe('dist/observability: Grafana', () => {
  // Grafana's dashboard ConfigMaps (other .json entries are Elasticsearch/Kibana request bodies of the setup Jobs)
  const dashboards = dataEntries('.json').filter((d) => d.cm.metadata.labels['app.kubernetes.io/name'] === 'grafana');
  const datasources = parse(dataEntries('datasources.yaml')[0].text).datasources;

  it('provisions Prometheus, Elasticsearch and Jaeger', () => {
    expect(datasources.map((d: any) => [d.type, d.url])).toEqual([
      ['prometheus', 'http://prometheus.monitoring.svc:9090'],
      ['elasticsearch', 'http://elasticsearch.logging.svc:9200'],
      ['jaeger', 'http://jaeger-query.tracing.svc:16686'],
    ]);
    expect(datasources[1].secureJsonData.basicAuthPassword).toBe('${ELASTICSEARCH_PASSWORD}');
  });

  it('has a cluster overview, the Istio mesh/service/workload dashboards and one RED dashboard per monitored service', () => {
    expect(dashboards.map((d) => JSON.parse(d.text).title).sort()).toEqual(['Cluster overview', 'Istio mesh', 'Istio service', 'Istio workload', 'RED: shop/cart', 'RED: shop/catalog', 'RED: shop/storefront', 'TCP: shop/queue']);
  });

  it.each(dashboards.map((d) => [d.key, d.text]))('%s is valid dashboard JSON whose every query uses produced metrics', (_k, text) => {
    const dash = JSON.parse(text);
    expect(dash.uid.length).toBeLessThanOrEqual(40);
    expect(dash.schemaVersion).toBeGreaterThan(30);
    expect(dash.panels.length).toBeGreaterThan(0);
    const uids = new Set(datasources.map((d: any) => d.uid));
    const ids = new Set();
    for (const p of dash.panels) {
      expect(ids.has(p.id)).toBe(false);
      ids.add(p.id);
      expect(uids).toContain(p.datasource.uid);
      expect(p.targets.length).toBeGreaterThan(0);
      for (const t of p.targets) {
        const metrics = metricsOf(t.expr);
        expect(metrics.length, t.expr).toBeGreaterThan(0);
        for (const m of metrics) expect(producedMetrics, `${p.title}: ${m}`).toContain(m);
      }
    }
  });

  it('the exporters behind those metrics are scraped (annotated Services, envoy-stats job)', () => {
    for (const name of ['node-exporter', 'kube-state-metrics']) {
      const svc = byKind('Service').find((x) => x.metadata.name === name)!;
      expect(svc.metadata.annotations['prometheus.io/scrape']).toBe('true');
      const port = Number(svc.metadata.annotations['prometheus.io/port']);
      const w = workloads.find((x) => x.metadata.name === name)!;
      expect(w.spec.template.spec.containers[0].ports.map((p: any) => p.containerPort)).toContain(port);
    }
    const jobs = parse(dataEntries('prometheus.yml')[0].text).scrape_configs.map((j: any) => j.job_name);
    expect(jobs).toContain('envoy-stats');
    expect(jobs).toContain('kubernetes-service-endpoints');
  });

  it('kube-state-metrics exports the kinds the dashboards and rules query', () => {
    const ksm = workloads.find((w) => w.metadata.name === 'kube-state-metrics')!;
    const resources = ksm.spec.template.spec.containers[0].args.find((a: string) => a.startsWith('--resources=')).split('=')[1].split(',');
    for (const m of PRODUCED['kube-state-metrics']) expect(resources).toContain(`${m.split('_')[1]}s`);
  });

  it('keeps anonymous access off and reads the admin password from a Secret file', () => {
    const env = workloads.find((w) => w.metadata.name === 'grafana')!.spec.template.spec.containers[0].env;
    const get = (n: string) => env.find((e: any) => e.name === n);
    expect(get('GF_AUTH_ANONYMOUS_ENABLED').value).toBe('false');
    expect(get('GF_SECURITY_ADMIN_PASSWORD__FILE').value).toBe('/etc/grafana/secrets/admin-password');
    expect(get('GF_SECURITY_ADMIN_USER').valueFrom.secretKeyRef).toEqual({ name: 'grafana-admin', key: 'admin-user' });
  });
});

describe('dist/observability: tracing', () => {
  it('Telemetry names the provider that the mesh-config annotation declares, pointing at the Jaeger collector', () => {
    const [tel] = byKind('Telemetry');
    expect(tel.metadata.namespace).toBe('istio-system');
    expect(tel.spec.tracing).toEqual([{ providers: [{ name: 'jaeger' }], randomSamplingPercentage: 1 }]);
    const mesh = JSON.parse(tel.metadata.annotations['meshforge.io/required-mesh-config']);
    expect(mesh).toEqual({ enableTracing: true, extensionProviders: [{ name: 'jaeger', opentelemetry: { service: 'jaeger-collector.tracing.svc.cluster.local', port: 4317 } }] });
    const collector = byKind('Service').find((s) => s.metadata.name === 'jaeger-collector')!;
    expect(collector.metadata.namespace).toBe('tracing');
    expect(collector.spec.ports.map((p: any) => p.port)).toEqual([4317, 4318, 9411]);
    const zipkin = byKind('Service').find((s) => s.metadata.name === 'zipkin')!;
    expect([zipkin.metadata.namespace, zipkin.spec.ports[0].port]).toEqual(['tracing', 9411]);
  });

  it('runs Jaeger v2 configured by one file', () => {
    const jaeger = workloads.find((w) => w.metadata.name === 'jaeger')!;
    expect(jaeger.spec.template.spec.containers[0].image).toMatch(/^docker\.io\/jaegertracing\/jaeger:2\.\d+\.\d+$/);
    expect(jaeger.spec.template.spec.containers[0].args).toEqual(['--config', '/etc/jaeger/config.yaml']);
    const cfg = parse(configMaps.find((c) => c.metadata.name === 'jaeger-config')!.data['config.yaml']);
    expect(cfg.service.pipelines.traces).toEqual({ receivers: ['otlp', 'zipkin'], processors: ['batch'], exporters: ['jaeger_storage_exporter'] });
  });
});

describe('dist/observability: logging', () => {
  it('Fluent Bit tails container logs, merges JSON and forwards to Fluentd', () => {
    const conf = configMaps.find((c) => c.metadata.name === 'fluent-bit-config')!.data['fluent-bit.conf'];
    expect(conf).toMatch(/Path\s+\/var\/log\/containers\/\*\.log/);
    expect(conf).toMatch(/Merge_Log\s+On/);
    expect(conf).toMatch(/Host\s+fluentd\.logging\.svc\n\s+Port\s+24224/);
  });

  it('Fluentd buffers to a PVC and retries, Elasticsearch keeps mmap off and security on', () => {
    const conf = configMaps.find((c) => c.metadata.name === 'fluentd-config')!.data['fluent.conf'];
    expect(conf).toContain('@type elasticsearch');
    expect(conf).toContain('path /buffer/elasticsearch');
    expect(conf).toContain('retry_forever true');
    expect(conf).toContain(`password "#{ENV['ELASTICSEARCH_PASSWORD']}"`);
    const es = workloads.find((w) => w.metadata.name === 'elasticsearch')!;
    const env = Object.fromEntries(es.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env['node.store.allow_mmap']).toBe('false');
    expect(env['xpack.security.enabled']).toBe('true');
    expect(env.ELASTIC_PASSWORD).toEqual({ secretKeyRef: { name: 'elasticsearch-credentials', key: 'elastic-password' } });
    expect(es.spec.template.spec.initContainers).toBeUndefined();
    const kibana = workloads.find((w) => w.metadata.name === 'kibana')!;
    expect(kibana.spec.template.spec.containers[0].env.find((e: any) => e.name === 'ELASTICSEARCH_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'elasticsearch-users', key: 'kibana-system-password' });
  });
});

describe('dist/observability: security', () => {
  const pods = workloads.map((w) => ({ w, spec: w.spec.template.spec, ns: w.metadata.namespace }));

  it('contains no Secret objects and no inline secret values', () => {
    expect(byKind('Secret')).toEqual([]);
    for (const { w, spec } of pods) {
      for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
        for (const e of c.env ?? []) {
          if (/PASSWORD|SECRET|TOKEN|KEY/i.test(e.name) && !e.name.endsWith('__FILE')) expect(e.value, `${w.metadata.name}/${e.name}`).toBeUndefined();
        }
      }
    }
  });

  it('pins every image to a version', () => {
    for (const { spec } of pods) {
      for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) expect(c.image).toMatch(/^[a-z0-9./-]+:v?\d+\.\d+[\w.-]*$/);
    }
  });

  it('gives every container resources and every main container readiness and liveness probes', () => {
    for (const { w, spec } of pods) {
      for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
        expect(c.resources?.requests?.memory, `${w.metadata.name}/${c.name}`).toBeDefined();
        expect(c.resources?.limits?.memory, `${w.metadata.name}/${c.name}`).toBeDefined();
        expect(c.resources?.limits?.cpu, `${w.metadata.name}/${c.name}`).toBeDefined();
      }
      for (const c of spec.containers) {
        expect(c.readinessProbe, `${w.metadata.name}`).toBeDefined();
        expect(c.livenessProbe, `${w.metadata.name}`).toBeDefined();
      }
    }
  });

  it('runs restricted-compliant pods in restricted namespaces', () => {
    for (const { w, spec, ns } of pods.filter((p) => namespaceLevel(p.ns) === 'restricted')) {
      const name = `${ns}/${w.metadata.name}`;
      expect(spec.hostNetwork ?? false, name).toBe(false);
      expect(spec.hostPID ?? false, name).toBe(false);
      expect((spec.volumes ?? []).some((v: any) => v.hostPath), name).toBe(false);
      expect(spec.securityContext.seccompProfile.type, name).toBe('RuntimeDefault');
      for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
        expect(c.securityContext.allowPrivilegeEscalation, name).toBe(false);
        expect(c.securityContext.capabilities.drop, name).toEqual(['ALL']);
        expect(c.securityContext.runAsNonRoot ?? spec.securityContext.runAsNonRoot, name).toBe(true);
        expect(c.securityContext.privileged ?? false, name).toBe(false);
      }
    }
  });

  it('puts host access only in the privileged namespace, each exception annotated', () => {
    const hostPods = pods.filter((p) => p.spec.hostNetwork || p.spec.hostPID || (p.spec.volumes ?? []).some((v: any) => v.hostPath));
    expect(hostPods.map((p) => p.w.metadata.name).sort()).toEqual(['fluent-bit', 'node-exporter']);
    for (const { w, ns, spec } of hostPods) {
      expect(namespaceLevel(ns)).toBe('privileged');
      const a = w.metadata.annotations ?? {};
      expect(a['policy.meshforge.io/allow-host-path']).toMatch(/^.{20,}$/);
      if (spec.hostNetwork || spec.hostPID) expect(a['policy.meshforge.io/allow-host-namespaces']).toMatch(/^.{20,}$/);
    }
    expect(namespaceLevel('monitoring')).toBe('restricted');
    expect(namespaceLevel('logging')).toBe('restricted');
    expect(namespaceLevel('tracing')).toBe('restricted');
  });

  it('grants only get/list/watch on named resources (no wildcards), except two named Kiali grants', () => {
    const roles = [...byKind('ClusterRole'), ...byKind('Role')];
    expect(roles.length).toBe(6);
    // Kiali's token login asks who a token belongs to (TokenReview, reads nothing), and it reads
    // istiod's debug endpoints through a port-forward, granted in istio-system only.
    const exceptions = [
      { role: 'meshforge-kiali-viewer-monitoring', resource: 'tokenreviews', verb: 'create' },
      { role: 'meshforge-kiali-istiod-debug', resource: 'pods/portforward', verb: 'create' },
    ];
    expect(byKind('Role').find((r) => r.metadata.name === 'meshforge-kiali-istiod-debug')!.metadata.namespace).toBe('istio-system');
    for (const r of roles) {
      for (const rule of r.rules) {
        for (const v of rule.verbs) {
          const allowed = exceptions.some((e) => e.role === r.metadata.name && e.verb === v && rule.resources?.length === 1 && rule.resources[0] === e.resource);
          if (!allowed) expect(['get', 'list', 'watch'], `${r.metadata.name}: ${v} ${rule.resources}`).toContain(v);
        }
        for (const x of [...(rule.resources ?? []), ...(rule.apiGroups ?? []), ...(rule.nonResourceURLs ?? [])]) expect(x).not.toContain('*');
      }
    }
    const prom = roles.find((r) => r.metadata.name === 'meshforge-prometheus-monitoring')!;
    expect(prom.rules).toEqual([
      { apiGroups: [''], resources: ['nodes', 'nodes/metrics', 'services', 'endpoints', 'pods'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
      { nonResourceURLs: ['/metrics'], verbs: ['get'] },
    ]);
  });

  it('keeps every stack pod out of the mesh with the per-pod label', () => {
    for (const { w } of pods) expect(w.spec.template.metadata.labels['sidecar.istio.io/inject'], w.metadata.name).toBe('false');
  });

  it('writes config files without YAML anchors or aliases', () => {
    for (const cm of configMaps) {
      for (const [k, v] of Object.entries(cm.data as Record<string, string>)) {
        if (k.endsWith('.yml') || k.endsWith('.yaml')) expect(v, `${cm.metadata.name}/${k}`).not.toMatch(/(^|\s)[&*]a\d+\b/m);
      }
    }
  });

  it('has no Service or ConfigMap name collision per namespace', () => {
    const keys = docs.map((d) => `${d.apiVersion}/${d.kind}/${d.metadata.namespace ?? ''}/${d.metadata.name}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(fs.existsSync(path.resolve(__dirname, '../../dist/prod/observability/kustomization.yaml'))).toBe(true);
  });
});
