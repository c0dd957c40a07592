import { describe, expect, it } from 'vitest';
import { POLICY_RULE_IDS, policyException, RULES } from '../../lib/policy';
import { check, findings, set, workload } from './fixtures';

const S = 'spec.template.spec';

function nodeExporter(annotations: Record<string, string>) {
  const m = set(workload('DaemonSet', 'node-exporter', 'monitoring'), `${S}.hostNetwork`, true);
  set(m, `${S}.hostPID`, true);
  set(m, `${S}.volumes[1]`, { name: 'root', hostPath: { path: '/' } });
  return set(m, 'metadata.annotations', annotations);
}

describe('exceptions', () => {
  it('the rule ids other helpers rely on exist', () => {
    const ids = RULES.map((r) => r.id);
    for (const id of [
      'run-as-non-root', 'privilege-escalation', 'capabilities', 'seccomp', 'read-only-root-fs', 'privileged', 'host-namespaces',
      'host-path', 'host-ports', 'volume-types', 'resources', 'probes', 'image-tag', 'inline-secrets', 'rbac-wildcards', 'service-selector',
    ]) {
      expect(ids).toContain(id);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('an annotation with a reason suppresses that rule on that object and is listed as honoured', () => {
    const m = nodeExporter({
      'policy.meshforge.io/allow-host-namespaces': 'node-exporter reads host network and process metrics',
      'policy.meshforge.io/allow-host-path': 'mounts / read-only to report filesystem usage',
    });
    const report = check(m);
    expect(report.violations).toEqual([]);
    expect(report.exceptions.map((e) => [e.rule, e.reason, e.suppressed.map((f) => f.message)])).toEqual([
      ['host-namespaces', 'node-exporter reads host network and process metrics', ['pod uses the host network (hostNetwork: true)', 'pod uses the host PID namespace (hostPID: true)']],
      ['host-path', 'mounts / read-only to report filesystem usage', ['volume "root" mounts host path "/"']],
    ]);
    expect(report.exceptions[0].object).toMatchObject({ kind: 'DaemonSet', namespace: 'monitoring', name: 'node-exporter' });
  });

  it('suppresses only the named rule and only on the annotated object', () => {
    const annotated = nodeExporter({ 'policy.meshforge.io/allow-host-namespaces': 'host metrics' });
    const other = set(workload('Deployment', 'api'), `${S}.hostNetwork`, true);
    expect(findings([annotated, other])).toEqual([
      'host-path: volume "root" mounts host path "/"',
      'host-namespaces: pod uses the host network (hostNetwork: true)',
    ]);
  });

  it('an empty reason does not suppress and is itself a violation', () => {
    const m = nodeExporter({ 'policy.meshforge.io/allow-host-namespaces': '  ', 'policy.meshforge.io/allow-host-path': 'mounts /' });
    const report = check(m);
    expect(report.violations.map((v) => `${v.rule}: ${v.message}`)).toEqual([
      'policy-exception: exception annotation "policy.meshforge.io/allow-host-namespaces" has an empty reason',
      'host-namespaces: pod uses the host network (hostNetwork: true)',
      'host-namespaces: pod uses the host PID namespace (hostPID: true)',
    ]);
    expect(report.violations[0].field).toBe('metadata.annotations["policy.meshforge.io/allow-host-namespaces"]');
  });

  it('a non-string value (unquoted YAML) is a violation', () => {
    const m = set(workload('Deployment'), 'metadata.annotations', { 'policy.meshforge.io/allow-privileged': true });
    expect(findings(m)).toEqual(['policy-exception: exception annotation "policy.meshforge.io/allow-privileged" is not a string (true)']);
  });

  it('an unknown rule id or a stray policy annotation is a violation', () => {
    const m = set(workload('Deployment'), 'metadata.annotations', {
      'policy.meshforge.io/allow-hostnetwork': 'typo',
      'policy.meshforge.io/skip': 'all',
    });
    expect(findings(m)).toEqual([
      'policy-exception: exception annotation "policy.meshforge.io/allow-hostnetwork" names unknown rule "hostnetwork"',
      'policy-exception: annotation "policy.meshforge.io/skip" is not an exception (expected policy.meshforge.io/allow-<rule-id>)',
    ]);
  });

  it('an exception on the pod template is reported, since only the workload metadata counts', () => {
    const m = set(workload('Deployment'), `${S}.hostNetwork`, true);
    set(m, 'spec.template.metadata.annotations', { 'policy.meshforge.io/allow-host-namespaces': 'wrong place' });
    const report = check(m);
    expect(report.violations.map((v) => [v.rule, v.message, v.fix])).toEqual([
      [
        'policy-exception',
        'annotation "policy.meshforge.io/allow-host-namespaces" is on the pod template, where the check does not read it',
        "move it from spec.template.metadata.annotations to the Deployment's metadata.annotations",
      ],
      ['host-namespaces', 'pod uses the host network (hostNetwork: true)', `remove ${S}.hostNetwork or set it to false`],
    ]);
  });

  it('an exception with nothing to suppress is listed as unused, not as a violation', () => {
    const m = set(workload('Deployment'), 'metadata.annotations', { 'policy.meshforge.io/allow-privileged': 'legacy' });
    const report = check(m);
    expect(report.violations).toEqual([]);
    expect(report.exceptions).toEqual([]);
    expect(report.unusedExceptions).toEqual([
      { rule: 'privileged', reason: 'legacy', object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web', file: 'test.yaml', index: 0 } },
    ]);
  });
});

describe('policyException (for constructs)', () => {
  it('builds the annotation, and its rule ids are exactly the rules', () => {
    expect(policyException('host-path', ' reads /var/log ')).toEqual({ 'policy.meshforge.io/allow-host-path': 'reads /var/log' });
    expect(RULES.map((r) => r.id)).toEqual([...POLICY_RULE_IDS]);
    const m = set(workload('Deployment'), `${S}.hostNetwork`, true);
    set(m, 'metadata.annotations', policyException('host-namespaces', 'mesh gateway on the node network'));
    expect(check(m).exceptions.map((e) => e.reason)).toEqual(['mesh gateway on the node network']);
  });
  it('refuses a blank reason', () => {
    expect(() => policyException('privileged', '  ')).toThrowError(
      'a policy exception needs a reason; field: metadata.annotations["policy.meshforge.io/allow-privileged"]; value: "  "; expected: a sentence saying why this object needs the exception',
    );
  });
});
