import { Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { AlertRules } from '../../lib/observability/alert-rules';
import { Alertmanager } from '../../lib/observability/alertmanager';
import { Receiver } from '../../lib/observability/alertmanager-receiver';
import { Prometheus } from '../../lib/observability/prometheus';
import { tmpDir } from '../helpers';
import { promtoolCopy, run, toolVersion, writeTemp } from './tools';

function setup() {
  const chart = new Chart(Testing.app(), 'test');
  const rules = new AlertRules(chart, 'rules');
  rules.monitor({ name: 'checkout', namespace: 'shop' }, { errorRatio: 0.1, p99LatencyMs: 500 });
  const am = new Alertmanager(chart, 'am', {
    receivers: [
      Receiver.webhook('ops', { url: 'http://alert-hook.monitoring.svc:8080/alerts', external: true, bearerTokenSecret: { name: 'alert-hook', key: 'token' } }),
      Receiver.email('mail', { to: 'oncall@example.com', from: 'am@example.com', smarthost: 'smtp.example.com:587', authUsername: 'am', authPasswordSecret: { name: 'smtp', key: 'password' } }),
      Receiver.wechat('wechat', { corpId: 'ww123', agentId: '1000002', toParty: '2', apiSecret: { name: 'wechat', key: 'api-secret' } }),
      Receiver.wechatRobot('robot', { robotKeySecret: { name: 'wechat-robot', key: 'key' } }),
      Receiver.blackhole('null'),
    ],
    routes: [
      { receiver: 'wechat', matchers: ['severity="critical"'], continue: true, repeatInterval: '1h' },
      { receiver: 'null', matchers: ['alertname=~"Watchdog|InfoInhibitor"'] },
    ],
  });
  const prom = new Prometheus(chart, 'prom', { staticJobs: [{ name: 'external', targets: ['db.example.com:9187'] }] });
  prom.addRules(rules).addAlertmanager(am.target);
  return { chart, rules, am, prom };
}

describe('promtool and amtool', () => {
  it('are installed (missing tools fail the suite)', () => {
    expect(toolVersion('promtool')).toMatch(/promtool, version/);
    expect(toolVersion('amtool')).toMatch(/amtool, version/);
  });

  it('promtool check config --syntax-only accepts the generated prometheus.yml (kubernetes_sd swapped)', () => {
    const { prom, rules } = setup();
    const dir = tmpDir();
    const file = writeTemp('prometheus.yml', promtoolCopy(prom.configYaml(), rules.ruleFiles(), dir), dir);
    const r = run('promtool', ['check', 'config', '--syntax-only', file]);
    expect(r.out).toContain('SUCCESS');
    expect(r.code).toBe(0);
  });

  it('promtool check rules accepts every rule file', () => {
    const { rules } = setup();
    const dir = tmpDir();
    for (const [name, text] of Object.entries(rules.ruleFiles())) {
      const r = run('promtool', ['check', 'rules', writeTemp(name, text, dir)]);
      expect(r.out, name).toContain('SUCCESS');
      expect(r.code).toBe(0);
    }
  });

  it('amtool check-config accepts the generated alertmanager.yml', () => {
    const { am } = setup();
    const r = run('amtool', ['check-config', writeTemp('alertmanager.yml', am.configYaml())]);
    expect(r.out).toContain('SUCCESS');
    expect(r.code).toBe(0);
  });

  it('promtool rejects a broken rule file (the check can fail)', () => {
    const r = run('promtool', ['check', 'rules', writeTemp('bad.yml', 'groups:\n- name: x\n  rules:\n  - alert: X\n    expr: sum(rate(\n')]);
    expect(r.code).not.toBe(0);
  });

  it('references the rule files at the paths Prometheus mounts', () => {
    const { prom } = setup();
    expect(parse(prom.configYaml()).rule_files).toEqual([
      '/etc/prometheus/rules/prometheus-rules/cluster.rules.yml',
      '/etc/prometheus/rules/prometheus-rules/self-monitoring.rules.yml',
      '/etc/prometheus/rules/prometheus-rules/mesh-services.rules.yml',
    ]);
  });
});
