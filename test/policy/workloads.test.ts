import { describe, expect, it } from 'vitest';
import { check, compliantContainer, findings, get, POD_SPEC_PATH, set, workload, WORKLOAD_KINDS } from './fixtures';

describe('policy check: every place a pod template sits', () => {
  it.each(WORKLOAD_KINDS)('a compliant %s passes every rule', (kind) => {
    expect(findings(workload(kind))).toEqual([]);
  });

  it.each(WORKLOAD_KINDS)('finds a privileged container, init container and ephemeral container in a %s', (kind) => {
    const spec = POD_SPEC_PATH[kind];
    const m = workload(kind);
    set(m, `${spec}.containers[0].securityContext.privileged`, true);
    set(m, `${spec}.initContainers`, [compliantContainer('setup')]);
    set(m, `${spec}.initContainers[0].securityContext.privileged`, true);
    set(m, `${spec}.ephemeralContainers`, [{ ...compliantContainer('debug'), livenessProbe: undefined, readinessProbe: undefined, resources: undefined }]);
    set(m, `${spec}.ephemeralContainers[0].securityContext.privileged`, true);
    const violations = check(m).violations;
    expect(violations.map((v) => [v.rule, v.message, v.field])).toEqual([
      ['privileged', 'container "web" runs privileged', `${spec}.containers[0].securityContext.privileged`],
      ['privileged', 'init container "setup" runs privileged', `${spec}.initContainers[0].securityContext.privileged`],
      ['privileged', 'ephemeral container "debug" runs privileged', `${spec}.ephemeralContainers[0].securityContext.privileged`],
    ]);
    expect(violations[0].object).toEqual({ apiVersion: m.apiVersion, kind, namespace: 'shop', name: 'web', file: 'test.yaml', index: 0 });
    expect(violations[0].fix).toBe(`set ${spec}.containers[0].securityContext.privileged: false`);
  });

  it('ignores objects that hold no pod template, and CRDs that reuse a workload kind name', () => {
    const crd = { apiVersion: 'example.com/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { template: { spec: { hostNetwork: true } } } };
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } };
    expect(findings([crd, ns])).toEqual([]);
  });

  it('reads the pod template of a CronJob under spec.jobTemplate.spec.template', () => {
    const m = set(workload('CronJob'), 'spec.jobTemplate.spec.template.spec.hostPID', true);
    expect(get(m, 'spec.jobTemplate.spec.template.spec.hostPID')).toBe(true);
    expect(findings(m)).toEqual(['host-namespaces: pod uses the host PID namespace (hostPID: true)']);
  });
});
