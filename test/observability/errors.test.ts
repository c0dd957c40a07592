import { App, Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { AppSynthError, MeshforgeError, MeshforgeValidationError, defineApp, synthesizeApp, validateApp } from '../../lib';
import {
  AlertRules,
  Alertmanager,
  FluentBit,
  Fluentd,
  Grafana,
  GrafanaDataSource,
  IstioTracing,
  ObservabilityStack,
  clusterOverviewDashboard,
  Prometheus,
  Receiver,
  validateKubernetesSdConfig,
} from '../../lib/observability';

/** Every bad input fails at synth with a named MeshforgeError and an exact message. */
function chart(): Chart {
  return new Chart(Testing.app(), 'test');
}

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof MeshforgeError ? e.code : 'not a MeshforgeError';
  }
  return undefined;
}

describe('observability input errors', () => {
  it('a webhook receiver with no URL', () => {
    const fn = () => new Alertmanager(chart(), 'am', { receivers: [Receiver.webhook('ops', { url: '' })] });
    expect(fn).toThrowError('[test/am] receiver has no URL; field: receivers[ops].url; value: ""; expected: an absolute http:// or https:// URL, e.g. "http://alert-adapter.monitoring.svc:8080/alerts"');
    expect(codeOf(fn)).toBe('RECEIVER_URL_MISSING');
  });

  it('a WeChat robot adapter name that is not a DNS label', () => {
    const fn = () =>
      new Alertmanager(chart(), 'am', { receivers: [Receiver.wechatRobot('robot', { robotKeySecret: { name: 'robot', key: 'key' }, adapter: { name: 'Robot_Adapter' } })] });
    expect(fn).toThrowError(/^\[test\/am\/WeChatRobot-robot\] .*; field: name; value: "Robot_Adapter"; expected: /);
  });

  it('an SMTP user without a password Secret', () => {
    const fn = () =>
      new Alertmanager(chart(), 'am', { receivers: [Receiver.email('mail', { to: 'a@example.com', from: 'b@example.com', smarthost: 'smtp.example.com:587', authUsername: 'b' })] });
    expect(fn).toThrowError('[test/am] SMTP username and password secret go together; field: receivers[mail].authPasswordSecret; value: null; expected: both authUsername and authPasswordSecret, or neither');
  });

  it('an e-mail receiver with a bad address', () => {
    const fn = () => new Alertmanager(chart(), 'am', { receivers: [Receiver.email('mail', { to: 'oncall', from: 'b@example.com', smarthost: 'smtp.example.com:587' })] });
    expect(fn).toThrowError('[test/am] invalid e-mail address; field: receivers[mail].to; value: "oncall"; expected: one or more comma-separated addresses like "oncall@example.com"');
  });

  it('duplicate receivers and malformed matchers', () => {
    const hook = () => Receiver.webhook('ops', { url: 'http://hook:8080/', external: true });
    expect(() => new Alertmanager(chart(), 'am', { receivers: [hook(), hook()] })).toThrowError('[test/am] duplicate receiver name; field: receivers; value: "ops"; expected: each receiver name once');
    expect(() => new Alertmanager(chart(), 'am', { receivers: [hook()], routes: [{ receiver: 'ops', matchers: ['severity="critical"', 'team=sre ops'] }] })).toThrowError(
      '[test/am] invalid matcher; field: routes[0].matchers[1]; value: "team=sre ops"; expected: a label name, an operator (=, !=, =~, !~) and a value, unquoted without whitespace, quotes, commas, braces, "!", "=", "~" or "\\" (severity=critical) or double-quoted (namespace=~"shop|payments")',
    );
    expect(() => new Alertmanager(chart(), 'am', { receivers: [hook()], inhibitRules: [{ sourceMatchers: ['severity=critical'], targetMatchers: ['severity='], equal: [] }] })).toThrowError(
      /^\[test\/am\] invalid matcher; field: inhibitRules\[0\]\.targetMatchers\[0\]; value: "severity="; expected: a label name/,
    );
  });

  it('a route to an undefined receiver fails the synth-time validation', () => {
    const app = new App();
    const c = new Chart(app, 'test');
    new Alertmanager(c, 'am', { receivers: [Receiver.webhook('ops', { url: 'http://hook:8080/', external: true })], routes: [{ receiver: 'pager', matchers: ['severity="critical"'] }] });
    expect(() => validateApp(app)).toThrowError(MeshforgeValidationError);
    expect(() => validateApp(app)).toThrowError('  [test/am] receiver is not defined; field: routes[0].receiver; value: "pager"; expected: one of "ops"');
  });

  it('a default receiver that is not defined fails the synth-time validation', () => {
    const app = new App();
    new Alertmanager(new Chart(app, 'test'), 'am', { receivers: [Receiver.webhook('ops', { url: 'http://hook:8080/', external: true }), Receiver.blackhole('null')], defaultReceiver: 'pager' });
    expect(() => validateApp(app)).toThrowError('  [test/am] receiver is not defined; field: defaultReceiver; value: "pager"; expected: one of "ops", "null"');
  });

  it('an Alertmanager without receivers fails the synth-time validation', () => {
    const app = new App();
    new Alertmanager(new Chart(app, 'test'), 'am');
    expect(() => validateApp(app)).toThrowError('[test/am] Alertmanager has no receivers; field: receivers; value: []; expected: at least one receiver, added with addReceiver() or the receivers prop');
  });

  it('fails the whole app at synth, naming the app and the construct', () => {
    const bad = defineApp({
      name: 'obs-bad',
      description: 'bad tracing',
      build(app) {
        new ObservabilityStack(new Chart(app, 'stack'), 'obs', {
          alertmanager: { receivers: [Receiver.webhook('ops', { url: 'http://hook:8080/', external: true })] },
          tracing: { istio: { samplingPercentage: 150 } },
        });
      },
    });
    expect(() => synthesizeApp(bad)).toThrowError(AppSynthError);
    expect(() => synthesizeApp(bad)).toThrowError('[stack/obs/IstioTracing] invalid sampling percentage; field: samplingPercentage; value: 150;');
    expect(() => synthesizeApp(bad)).toThrowError(/^app "obs-bad" failed to synthesize/);
  });

  it('a sampling percentage of 150', () => {
    const fn = () => new IstioTracing(chart(), 'tracing', { collectorHost: 'jaeger-collector.tracing.svc.cluster.local', samplingPercentage: 150 });
    expect(fn).toThrowError('[test/tracing] invalid sampling percentage; field: samplingPercentage; value: 150; expected: a number from 0 to 100 with at most two decimals, e.g. 1 or 0.25');
    expect(codeOf(fn)).toBe('INVALID_SAMPLING_PERCENTAGE');
  });

  it('a sampling percentage with three decimals or negative', () => {
    expect(() => new IstioTracing(chart(), 'tracing', { collectorHost: 'c', samplingPercentage: 0.125 })).toThrowError('[test/tracing] invalid sampling percentage; field: samplingPercentage; value: 0.125;');
    expect(() => new IstioTracing(chart(), 'tracing', { collectorHost: 'c', samplingPercentage: -1 })).toThrowError('[test/tracing] invalid sampling percentage; field: samplingPercentage; value: -1;');
    expect(new IstioTracing(chart(), 'tracing', { collectorHost: 'c', samplingPercentage: 12.34 }).samplingPercentage).toBe(12.34);
  });

  it('a retention of "5 days"', () => {
    const fn = () => new Prometheus(chart(), 'prom', { retentionTime: '5 days' });
    expect(fn).toThrowError('[test/prom] invalid duration; field: retentionTime; value: "5 days"; expected: a positive Prometheus duration such as "30s", "5m", "1h30m" or "15d" (units ms, s, m, h, d, w, y; no spaces)');
    expect(codeOf(fn)).toBe('INVALID_DURATION');
  });

  it('bad durations: zero, wrong unit order, empty', () => {
    expect(codeOf(() => new Prometheus(chart(), 'prom', { scrapeInterval: '0s' }))).toBe('INVALID_DURATION');
    expect(codeOf(() => new Prometheus(chart(), 'prom', { scrapeInterval: '5m1h' }))).toBe('INVALID_DURATION');
    expect(codeOf(() => new Alertmanager(chart(), 'am', { repeatInterval: '' }))).toBe('INVALID_DURATION');
    expect(() => new Prometheus(chart(), 'prom', { scrapeInterval: '10s', scrapeTimeout: '30s' })).toThrowError(
      '[test/prom] scrape timeout is longer than the scrape interval; field: scrapeTimeout; value: "30s"; expected: at most scrapeInterval (10s)',
    );
  });

  it('a retention size without a Prometheus unit', () => {
    expect(() => new Prometheus(chart(), 'prom', { retentionSize: '40Gi' })).toThrowError(
      '[test/prom] invalid retention size; field: retentionSize; value: "40Gi"; expected: a positive integer with a unit B, KB, MB, GB, TB, PB or EB, e.g. "50GB"',
    );
  });

  it('an unpinned image', () => {
    expect(() => new Prometheus(chart(), 'prom', { image: 'quay.io/prometheus/prometheus:latest' })).toThrowError(
      '[test/prom] image is not pinned; field: image; value: "quay.io/prometheus/prometheus:latest"; expected: an image with a version tag or digest, e.g. "quay.io/prometheus/prometheus:v2.53.2" (never "latest")',
    );
    expect(codeOf(() => new Prometheus(chart(), 'prom', { image: 'localhost:5000/prometheus' }))).toBe('UNPINNED_IMAGE');
  });

  it('static jobs: bad targets and duplicate names', () => {
    expect(() => new Prometheus(chart(), 'prom', { staticJobs: [{ name: 'db', targets: ['http://db:9187'] }] })).toThrowError(
      '[test/prom] invalid scrape targets; field: staticJobs[db].targets; value: ["http://db:9187"]; expected: at least one "host:port" target',
    );
    expect(() => new Prometheus(chart(), 'prom', { staticJobs: [{ name: 'kubernetes-pods', targets: ['db:9187'] }] })).toThrowError(
      '[test/prom] duplicate scrape job name; field: staticJobs[kubernetes-pods].name; value: "kubernetes-pods"; expected: a job name not used by another job',
    );
  });

  it('thresholds out of range and duplicate services', () => {
    const rules = new AlertRules(chart(), 'rules');
    expect(() => rules.monitor({ name: 'checkout', namespace: 'shop' }, { errorRatio: 5 })).toThrowError(
      '[test/rules] value out of range; field: thresholds[shop/checkout].errorRatio; value: 5; expected: a number from 0 to 1',
    );
    expect(() => rules.monitor({ name: 'checkout', namespace: 'shop' }, { for: '5 minutes' })).toThrowError('[test/rules] invalid duration; field: thresholds[shop/checkout].for; value: "5 minutes";');
    rules.monitor({ name: 'checkout', namespace: 'shop' });
    expect(() => rules.monitor({ name: 'checkout', namespace: 'shop' })).toThrowError(
      '[test/rules] service is already monitored; field: service; value: "shop/checkout"; expected: each service passed to monitor() once',
    );
  });

  it('a Kubernetes SD block promtool cannot check is checked by meshforge', () => {
    expect(() => validateKubernetesSdConfig('p', 'sd', { role: 'deployment' })).toThrowError(
      '[p] invalid kubernetes_sd_configs entry: unknown role; field: sd; value: "deployment"; expected: one of node, service, pod, endpoints, endpointslice, ingress',
    );
    expect(() => validateKubernetesSdConfig('p', 'sd', { role: 'node', selectors: [{ role: 'pod', label: 'app=x' }] })).toThrowError(
      '[p] invalid kubernetes_sd_configs entry: selector role not allowed for role node; field: sd; value: "pod"; expected: one of node',
    );
    expect(() => validateKubernetesSdConfig('p', 'sd', { role: 'pod', namespaces: { names: ['Shop'] } })).toThrowError(
      '[p] invalid kubernetes_sd_configs entry: invalid namespace name; field: sd; value: "Shop"; expected: a DNS label',
    );
    expect(() => validateKubernetesSdConfig('p', 'sd', { role: 'pod', selectors: [{ role: 'pod', label: 'app in (a b' }] })).toThrowError(/invalid label selector/);
    expect(() => validateKubernetesSdConfig('p', 'sd', { role: 'pod', api_server: 'x' })).toThrowError(/unknown field/);
    expect(() => validateKubernetesSdConfig('p', 'sd', { role: 'endpoints', namespaces: { names: ['default'] }, selectors: [{ role: 'service', label: 'app=web,tier!=db' }] })).not.toThrow();
  });

  it('node agents sharing a restricted namespace', () => {
    expect(() => new ObservabilityStack(chart(), 'obs', { namespaces: { nodeAgents: 'monitoring' } })).toThrowError(
      '[test/obs] node agents need their own namespace; field: namespaces.nodeAgents; value: "monitoring"; expected: a namespace other than monitoring, logging and tracing: it is labelled PSA privileged for host access',
    );
  });

  it('the remaining receiver, route, target and Grafana checks', () => {
    const am = () => new Alertmanager(chart(), 'am');
    expect(() => am().addReceiver(Receiver.email('mail', { to: 'a@example.com', from: 'b@example.com', smarthost: 'smtp.example.com' }))).toThrowError(
      '[test/am] invalid SMTP smarthost; field: receivers[mail].smarthost; value: "smtp.example.com"; expected: a "host:port" such as "smtp.example.com:587"',
    );
    expect(() => am().addReceiver(Receiver.wechat('wx', { corpId: '', agentId: '1', apiSecret: { name: 'wx', key: 'k' } }))).toThrowError(
      '[test/am] invalid WeChat setting; field: receivers[wx].corpId; value: ""; expected: a non-empty ID (letters, digits, "_", "-")',
    );
    expect(() => am().addReceiver(Receiver.webhook('ops', { url: 'http://hook:8080/', external: true, bearerTokenSecret: { name: 'Bad_Name', key: 'token' } }))).toThrowError(
      '[test/am] invalid secret reference; field: receivers[ops]; value: {"name":"Bad_Name","key":"token"}; expected: an existing Secret name (DNS subdomain) and key',
    );
    expect(() => am().addRoute({ receiver: 'ops', matchers: [] })).toThrowError(
      '[test/am] route has no matchers; field: routes[0].matchers; value: []; expected: at least one matcher such as severity="critical"',
    );
    expect(() => new Prometheus(chart(), 'prom').addAlertmanager('http://alertmanager:9093')).toThrowError(
      '[test/prom] invalid Alertmanager target; field: alertmanagers; value: "http://alertmanager:9093"; expected: a "host:port" such as "alertmanager.monitoring.svc:9093"',
    );
    const grafana = new Grafana(chart(), 'grafana').addDataSource(GrafanaDataSource.jaeger('http://jaeger-query.tracing.svc:16686'));
    expect(() => grafana.addDataSource(GrafanaDataSource.jaeger('http://other:16686'))).toThrowError(
      '[test/grafana] duplicate data source; field: dataSources; value: "Jaeger"; expected: each data source once',
    );
    expect(() => grafana.addDataSource(GrafanaDataSource.prometheus('prometheus:9090'))).toThrowError('[test/grafana] invalid URL; field: dataSources[Prometheus].url; value: "prometheus:9090";');
    grafana.addDashboard('overview', clusterOverviewDashboard());
    expect(() => grafana.addDashboard('overview-2', clusterOverviewDashboard())).toThrowError(
      '[test/grafana] duplicate dashboard; field: dashboards; value: "overview-2"; expected: a dashboard name and uid used once',
    );
  });

  it('a Fluent Bit forward target that is not host:port', () => {
    expect(() => new FluentBit(chart(), 'fb', { forwardTo: 'fluentd.logging.svc' })).toThrowError(
      '[test/fb] invalid forward target; field: forwardTo; value: "fluentd.logging.svc"; expected: a "host:port" such as "fluentd.logging.svc:24224"',
    );
  });

  it('a Fluentd buffer size that is not whole Gi', () => {
    expect(() => new Fluentd(chart(), 'fluentd', { bufferSize: '500Mi' })).toThrowError(
      '[test/fluentd] invalid buffer size; field: bufferSize; value: "500Mi"; expected: a whole number of Gi or Ti, e.g. "10Gi"',
    );
  });

  it('an invalid service name', () => {
    const stack = new ObservabilityStack(chart(), 'obs', { alertmanager: { receivers: [Receiver.webhook('ops', { url: 'http://hook:8080/', external: true })] } });
    expect(() => stack.monitor({ name: 'Checkout', namespace: 'shop' })).toThrowError(
      '[test/obs/AlertRules] invalid name; field: service.name; value: "Checkout"; expected: a DNS label of at most 63 characters: lowercase letters, digits and "-" (e.g. "cart")',
    );
    expect(stack.alertRules.monitoredServices).toEqual([]);
  });
});
