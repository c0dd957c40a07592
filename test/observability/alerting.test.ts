/* eslint-disable @typescript-eslint/no-explicit-any */
import { App, Chart, Testing } from 'cdk8s';
import { KubeService } from 'cdk8s-plus-27/lib/imports/k8s';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MeshService, MeshforgeValidationError, validateApp } from '../../lib';
import { Alertmanager, ObservabilityStack, Receiver, inClusterService } from '../../lib/observability';
import { serviceRedDashboard } from '../../lib/observability/dashboards';
import { run, writeTemp } from './tools';

/**
 * Item 3 of issue 13: every receiver delivers. In-cluster receiver hosts must
 * be Services of the app (or be declared external); the WeChat Work robot
 * receiver deploys its adapter, whose contract Alertmanager's webhook follows.
 */
const synth = (c: Chart): any[] => Testing.synth(c);

describe('receiver hosts inside the cluster', () => {
  const known = new Set(['monitoring', 'shop']);
  it.each([
    ['alert-gateway.monitoring.svc', 'alert-gateway.monitoring'],
    ['alert-gateway.monitoring.svc.cluster.local', 'alert-gateway.monitoring'],
    ['alert-gateway.monitoring.svc.corp.internal', 'alert-gateway.monitoring'],
    ['am-0.alertmanager.monitoring.svc', 'alertmanager.monitoring'],
    ['hook.shop', 'hook.shop'],
    ['hook', 'hook.monitoring'],
    ['HOOK.Shop.', 'hook.shop'],
  ])('%s is the Service %s', (host, service) => {
    expect(inClusterService(host, 'monitoring', known)).toBe(service);
  });

  it.each(['smtp.example.com', 'example.com', 'hooks.slack.com', '10.0.0.7', 'localhost', 'qyapi.weixin.qq.com'])('%s is outside the cluster', (host) => {
    expect(inClusterService(host, 'monitoring', known)).toBeUndefined();
  });

  const validate = (build: (c: Chart) => void) => {
    const app = new App();
    build(new Chart(app, 'test'));
    return () => validateApp(app);
  };

  it('a webhook to a Service nobody deploys fails synth, naming the field, the URL and the way out', () => {
    const fn = validate((c) => new Alertmanager(c, 'am', { receivers: [Receiver.webhook('default', { url: 'http://alert-gateway.monitoring.svc:8080/alerts' })] }));
    expect(fn).toThrowError(MeshforgeValidationError);
    expect(fn).toThrowError(
      '  [test/am] receiver points at an in-cluster Service this app does not deploy; field: receivers[default].url; value: "http://alert-gateway.monitoring.svc:8080/alerts"; expected: a host naming a Service of this app (one of alertmanager.monitoring.svc), a host outside the cluster, or external: true on receiver "default" when something else deploys alert-gateway.monitoring.svc',
    );
  });

  it('checks the SMTP smarthost and the WeChat API URL as well', () => {
    const fn = validate(
      (c) =>
        new Alertmanager(c, 'am', {
          receivers: [
            Receiver.email('mail', { to: 'a@example.com', from: 'b@example.com', smarthost: 'mailrelay:25' }),
            Receiver.wechat('wx', { corpId: 'ww1', agentId: '1', apiSecret: { name: 'wx', key: 'k' }, apiUrl: 'http://wechat-proxy.shop/cgi-bin/' }),
          ],
        }),
    );
    expect(fn).toThrowError(/field: receivers\[mail\]\.smarthost; value: "mailrelay:25"; expected: .* external: true on receiver "mail" when something else deploys mailrelay\.monitoring\.svc/);
    // "shop" is no namespace of this app, so wechat-proxy.shop reads as an outside host.
    expect(fn).not.toThrowError(/receivers\[wx\]/);
  });

  it('the port must be one of the Service\'s ports (http:// without a port is 80)', () => {
    const withGateway = (url: string) =>
      validate((c) => {
        new KubeService(c, 'gw', { metadata: { name: 'alert-gateway', namespace: 'monitoring' }, spec: { ports: [{ port: 8080 }, { port: 80 }] } });
        new Alertmanager(c, 'am', { receivers: [Receiver.webhook('gw', { url })] });
      });
    expect(withGateway('http://alert-gateway.monitoring.svc:9000/alerts')).toThrowError(
      '  [test/am] receiver port is not a port of its Service; field: receivers[gw].url; value: "http://alert-gateway.monitoring.svc:9000/alerts"; expected: one of the ports of Service alert-gateway.monitoring: 8080, 80',
    );
    expect(withGateway('http://alert-gateway.monitoring.svc/alerts')).not.toThrow();
    expect(withGateway('https://alert-gateway.monitoring.svc/alerts')).toThrowError(/RECEIVER_SERVICE_PORT|receiver port is not a port of its Service/);
  });

  it('a MeshService of the same app is a Service (its rendering stand-ins count too)', () => {
    expect(
      validate((c) => {
        new MeshService(c, 'hook', { namespace: 'ops', image: 'ghcr.io/acme/alert-hook:1.0.0' });
        new Alertmanager(c, 'am', { receivers: [Receiver.webhook('ops', { url: 'http://hook.ops:8080/alerts' })] });
      }),
    ).not.toThrow();
    expect(validate((c) => new Alertmanager(c, 'am', { receivers: [Receiver.webhook('ops', { url: 'http://hook.ops.svc:8080/alerts' })] }))).toThrowError(/value: "http:\/\/hook\.ops\.svc:8080\/alerts"/);
  });

  it('passes when the Service is in the app, when declared external, and for hosts outside the cluster', () => {
    expect(
      validate((c) => {
        new KubeService(c, 'gw', { metadata: { name: 'alert-gateway', namespace: 'monitoring' }, spec: { ports: [{ port: 8080 }] } });
        new Alertmanager(c, 'am', {
          receivers: [
            Receiver.webhook('gw', { url: 'http://alert-gateway.monitoring.svc:8080/alerts' }),
            Receiver.webhook('other-team', { url: 'http://pager.ops.svc.cluster.local/hook', external: true }),
            Receiver.webhook('saas', { url: 'https://events.pagerduty.com/v2/enqueue' }),
            Receiver.email('mail', { to: 'a@example.com', from: 'b@example.com', smarthost: 'smtp.example.com:587' }),
          ],
        });
      }),
    ).not.toThrow();
  });
});

describe('WeChat Work group-robot receiver', () => {
  const c = new Chart(Testing.app(), 'test');
  const am = new Alertmanager(c, 'am', { receivers: [Receiver.wechatRobot('Team_Robot', { robotKeySecret: { name: 'wechat-robot', key: 'robot-key' } })] });
  const objs = synth(c);
  const of = (kind: string, name = 'wechat-robot-team-robot') => objs.find((o) => o.kind === kind && o.metadata.name === name);
  const amConfig = parse(am.configYaml());

  it('posts to the adapter endpoint and template PrometheusAlert serves (type=wx, tpl=prometheus-wx), without the key', () => {
    const url = new URL(amConfig.receivers.find((r: any) => r.name === 'Team_Robot').webhook_configs[0].url);
    expect(url.host).toBe('wechat-robot-team-robot.monitoring.svc:8080');
    expect(url.pathname).toBe('/prometheusalert');
    expect(Object.fromEntries(url.searchParams)).toEqual({ type: 'wx', tpl: 'prometheus-wx' });
    expect(am.configYaml()).not.toContain('robot-key');
  });

  it('deploys the adapter: Service on the URL port, pinned image, probes, restricted security context', () => {
    const svc = of('Service');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 'http' }]);
    const spec = of('Deployment').spec.template.spec;
    expect(svc.spec.selector).toEqual(of('Deployment').spec.selector.matchLabels);
    const [server] = spec.containers;
    expect(server.image).toBe('docker.io/feiyu563/prometheus-alert:v4.9.1');
    expect(server.ports).toEqual([{ name: 'http', containerPort: 8080 }]);
    expect(server.readinessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(server.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65534 });
    expect(server.resources.limits).toEqual({ cpu: '200m', memory: '128Mi' });
  });

  it('keeps the robot key in an optional Secret mount, rendered into a memory volume with the channel switched on', () => {
    const spec = of('Deployment').spec.template.spec;
    expect(spec.volumes.find((v: any) => v.name === 'robot-key').secret).toEqual({ secretName: 'wechat-robot', items: [{ key: 'robot-key', path: 'robot-key' }], optional: true, defaultMode: 0o440 });
    expect(spec.volumes.find((v: any) => v.name === 'conf').emptyDir.medium).toBe('Memory');
    const script = spec.initContainers[0].command[2];
    expect(script).toContain("printf 'wxurl = %s?key=%s\\nlogin_password = %s\\n' 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send' \"$key\" \"$password\"");
    const conf = of('ConfigMap').data['app.conf'];
    expect(conf).toMatch(/^open-weixin = 1$/m);
    expect(conf).toMatch(/^httpport = 8080$/m);
    expect(conf).not.toMatch(/wxurl|login_password/);
    // Alertmanager itself mounts no robot Secret.
    const amPod = objs.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'alertmanager').spec.template.spec;
    expect(amPod.volumes.filter((v: any) => v.secret)).toEqual([]);
  });

  it('admits only Alertmanager and reaches only DNS and HTTPS', () => {
    const np = of('NetworkPolicy').spec;
    expect(np.podSelector.matchLabels).toEqual(of('Deployment').spec.selector.matchLabels);
    expect(np.policyTypes).toEqual(['Ingress', 'Egress']);
    const amLabels = objs.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'alertmanager').spec.template.metadata.labels;
    expect(np.ingress).toEqual([{ from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'alertmanager', 'app.kubernetes.io/part-of': 'meshforge-observability' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }]);
    for (const [k, v] of Object.entries(np.ingress[0].from[0].podSelector.matchLabels)) expect(amLabels[k]).toBe(v);
    expect(np.egress.flatMap((e: any) => e.ports.map((p: any) => `${p.protocol}/${p.port}`))).toEqual(['UDP/53', 'TCP/53', 'TCP/443']);
  });

  it('its adapter Service satisfies the in-cluster receiver check', () => {
    const app = new App();
    new Alertmanager(new Chart(app, 'test'), 'am', { receivers: [Receiver.wechatRobot('robot', { robotKeySecret: { name: 'r', key: 'k' } })] });
    expect(() => validateApp(app)).not.toThrow();
  });
});

describe('Watchdog and the dead-man\'s switch', () => {
  const config = (props: ConstructorParameters<typeof Alertmanager>[2]) => parse(new Alertmanager(new Chart(Testing.app(), 'test'), 'am', props).configYaml());
  const ops = () => Receiver.webhook('ops', { url: 'https://ops.example.com/hook' });

  it('without a dead-man\'s switch Watchdog goes to the built-in null receiver, first, so it pages nobody', () => {
    const cfg = config({ receivers: [ops()] });
    expect(cfg.route.routes[0]).toEqual({ receiver: 'watchdog-null', matchers: ['alertname="Watchdog"'] });
    expect(cfg.receivers.at(-1)).toEqual({ name: 'watchdog-null' });
    const file = writeTemp('alertmanager.yml', new Alertmanager(new Chart(Testing.app(), 'test'), 'am', { receivers: [ops()] }).configYaml());
    expect(run('amtool', ['check-config', file]).code).toBe(0);
    expect(run('amtool', ['config', 'routes', 'test', `--config.file=${file}`, 'alertname=Watchdog']).out.split('\n')[0]).toBe('watchdog-null');
  });

  it('with one, Watchdog is re-sent every repeatInterval to that receiver only', () => {
    const cfg = config({ receivers: [ops()], deadMansSwitch: { receiver: Receiver.webhook('snitch', { url: 'https://nosnch.in/abc' }), repeatInterval: '5m' } });
    expect(cfg.route.routes[0]).toEqual({ receiver: 'snitch', matchers: ['alertname="Watchdog"'], group_wait: '0s', group_interval: '5m', repeat_interval: '5m' });
    expect(cfg.receivers.map((r: any) => r.name)).toEqual(['ops', 'snitch']);
  });

  it('rejects the reserved receiver name and a bad interval', () => {
    expect(() => config({ receivers: [Receiver.blackhole('watchdog-null')] })).toThrowError(
      '[test/am] duplicate receiver name; field: receivers; value: "watchdog-null"; expected: each receiver name once, never the reserved "watchdog-null"',
    );
    expect(() => config({ receivers: [ops()], deadMansSwitch: { receiver: Receiver.blackhole('dms'), repeatInterval: '1 minute' } })).toThrowError(/field: deadMansSwitch\.repeatInterval; value: "1 minute"/);
  });
});

describe('scraping the log pipeline', () => {
  const c = new Chart(Testing.app(), 'test');
  new ObservabilityStack(c, 'obs', { alertmanager: { receivers: [Receiver.webhook('ops', { url: 'https://ops.example.com/hook' })] }, tracing: false });
  const objs = synth(c);
  const pod = (kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name).spec.template;

  it('Fluent Bit: its HTTP server on 2020, Prometheus format path', () => {
    const t = pod('DaemonSet', 'fluent-bit');
    expect(t.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '2020', 'prometheus.io/path': '/api/v2/metrics/prometheus' });
    expect(t.spec.containers[0].ports).toContainEqual({ name: 'http', containerPort: 2020 });
  });

  it('Fluentd: fluent-plugin-prometheus on 24231 with the output monitor', () => {
    const t = pod('StatefulSet', 'fluentd');
    expect(t.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '24231' });
    expect(t.spec.containers[0].ports).toContainEqual({ name: 'metrics', containerPort: 24231 });
    const conf = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'fluentd-config').data['fluent.conf'];
    expect(conf).toContain('<source>\n  @type prometheus\n  bind 0.0.0.0\n  port 24231\n  metrics_path /metrics\n</source>');
    expect(conf).toContain('@type prometheus_output_monitor');
  });

  it('Elasticsearch: a pinned exporter logging in as the reader user, scraped through its Service', () => {
    const t = pod('Deployment', 'elasticsearch-exporter');
    const [x] = t.spec.containers;
    expect(x.image).toBe('quay.io/prometheuscommunity/elasticsearch-exporter:v1.10.0');
    expect(x.args).toContain('--es.uri=http://elasticsearch.logging.svc:9200');
    // The setup's reader user: its role has the `monitor` cluster privilege, all the exporter needs.
    expect(x.env).toEqual([
      { name: 'ES_USERNAME', value: 'meshforge-grafana' },
      { name: 'ES_PASSWORD', valueFrom: { secretKeyRef: { name: 'elasticsearch-users', key: 'grafana-password' } } },
    ]);
    expect(x.readinessProbe.httpGet.path).toBe('/healthz');
    const svc = objs.find((o) => o.kind === 'Service' && o.metadata.name === 'elasticsearch-exporter');
    expect(svc.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9114' });
    expect(svc.metadata.namespace).toBe('logging');
  });

  it('adds the log-pipeline rules only with logging on', () => {
    const rulesOf = (logging: false | object) => {
      const cc = new Chart(Testing.app(), 'test');
      const s = new ObservabilityStack(cc, 'obs', { alertmanager: { receivers: [Receiver.webhook('ops', { url: 'https://ops.example.com/hook' })] }, tracing: false, logging });
      return Object.keys(s.alertRules.ruleFiles());
    };
    expect(rulesOf({})).toEqual(['cluster.rules.yml', 'self-monitoring.rules.yml', 'logging.rules.yml']);
    expect(rulesOf(false)).toEqual(['cluster.rules.yml', 'self-monitoring.rules.yml']);
  });
});

describe('gRPC-aware RED dashboards', () => {
  const panel = (ports: { protocol: string }[]) => serviceRedDashboard({ name: 'catalog', namespace: 'shop', ports }).panels.find((p) => /ratio/i.test(p.title))!;

  it('a gRPC service counts grpc_response_status other than 0 and adds a gRPC status panel', () => {
    const p = panel([{ protocol: 'grpc' }]);
    expect(p.title).toBe('Error ratio (5xx or gRPC status ≠ OK)');
    expect(p.targets[0].expr).toContain('grpc_response_status!~"0|"');
    expect(serviceRedDashboard({ name: 'catalog', namespace: 'shop', ports: [{ protocol: 'grpc' }] }).panels.map((x) => x.title)).toContain('gRPC requests by status');
  });

  it('an HTTP-only service keeps the 5xx ratio', () => {
    const p = panel([{ protocol: 'http' }]);
    expect(p.title).toBe('5xx error ratio');
    expect(p.targets[0].expr).not.toContain('grpc_response_status');
  });
});

describe('prometheus-operator mode with logging', () => {
  const c = new Chart(Testing.app(), 'test');
  new ObservabilityStack(c, 'obs', { scrapeMode: 'prometheus-operator', alertmanager: { receivers: [Receiver.webhook('ops', { url: 'https://ops.example.com/hook' })] }, tracing: false });
  const objs = synth(c);

  it('scrapes the exporter with a ServiceMonitor and Fluent Bit / Fluentd with PodMonitors, and ships the logging rules', () => {
    const sm = objs.find((o) => o.kind === 'ServiceMonitor' && o.metadata.name === 'elasticsearch-exporter');
    expect(sm.spec).toMatchObject({ namespaceSelector: { matchNames: ['logging'] }, endpoints: [{ port: 'http-metrics' }] });
    const pm = (name: string) => objs.find((o) => o.kind === 'PodMonitor' && o.metadata.name === name).spec;
    expect(pm('fluent-bit')).toMatchObject({ namespaceSelector: { matchNames: ['monitoring-node'] }, podMetricsEndpoints: [{ port: 'http', path: '/api/v2/metrics/prometheus' }] });
    expect(pm('fluentd')).toMatchObject({ namespaceSelector: { matchNames: ['logging'] }, podMetricsEndpoints: [{ port: 'metrics', path: '/metrics' }] });
    // The PodMonitors select the pods by the labels their workloads carry.
    expect(objs.find((o) => o.kind === 'DaemonSet' && o.metadata.name === 'fluent-bit').spec.template.metadata.labels).toMatchObject(pm('fluent-bit').selector.matchLabels);
    expect(objs.filter((o) => o.kind === 'PrometheusRule').map((o) => o.metadata.name)).toEqual(['prometheus-rules-cluster', 'prometheus-rules-self-monitoring', 'prometheus-rules-logging']);
  });
});

describe('TCP dashboards', () => {
  it('a TCP-only service gets connection and byte panels from istio_tcp_*, no request panels', () => {
    const d = serviceRedDashboard({ name: 'queue', namespace: 'shop', ports: [{ protocol: 'tcp' }] });
    expect(d.title).toBe('TCP: shop/queue');
    expect(d.panels.map((p) => p.title)).toEqual(['Connections opened per second', 'Bytes per second', 'Connections by caller']);
    expect(d.panels.flatMap((p) => p.targets.map((t) => t.expr)).every((e) => e.includes('istio_tcp_') && !e.includes('istio_requests_total'))).toBe(true);
  });
});

describe('a service with the longest valid names', () => {
  it('gets its RED dashboard: a 63-character service in a 63-character namespace', () => {
    const c = new Chart(Testing.app(), 'test');
    const stack = new ObservabilityStack(c, 'obs', { alertmanager: { receivers: [Receiver.webhook('ops', { url: 'https://ops.example.com/hook' })] }, tracing: false });
    const name = 'a'.repeat(63);
    const namespace = 'n'.repeat(63);
    stack.monitor({ name, namespace });
    const cm = synth(c).find((o) => o.kind === 'ConfigMap' && o.metadata.name === `grafana-dashboard-red-${namespace}-${name}`);
    expect(cm).toBeDefined();
    expect(Object.keys(cm.data)).toEqual([`red-${namespace}-${name}.json`]);
  });

  it('a dashboard name longer than a ConfigMap name allows is refused with the limit', () => {
    const c = new Chart(Testing.app(), 'test');
    const stack = new ObservabilityStack(c, 'obs', { alertmanager: { receivers: [Receiver.webhook('ops', { url: 'https://ops.example.com/hook' })] }, tracing: false });
    expect(() => stack.grafana.addDashboard('d'.repeat(236), serviceRedDashboard({ name: 'x', namespace: 'y' }))).toThrowError('at most 235 characters');
  });
});
