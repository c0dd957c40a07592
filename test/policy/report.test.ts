import { describe, expect, it } from 'vitest';
import { objectName, renderReport, renderTable } from '../../lib/policy';
import { check, set, workload } from './fixtures';

describe('report', () => {
  it('renders violations as a table with object, file, rule, message and fix, then honoured exceptions', () => {
    const bad = set(workload('Deployment'), 'spec.template.spec.containers[0].image', 'nginx:latest');
    const excepted = set(workload('Deployment', 'agent'), 'spec.template.spec.hostPID', true);
    set(excepted, 'metadata.annotations', { 'policy.meshforge.io/allow-host-namespaces': 'reads host processes' });
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'all' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['*'] }] };
    expect(renderReport(check([bad, excepted, role]))).toBe(
      [
        'Policy check FAILED: 2 violations in 2 objects (3 objects in 1 file checked).',
        '',
        'OBJECT               FILE       RULE            MESSAGE                                                             FIX',
        '-------------------  ---------  --------------  ------------------------------------------------------------------  ---------------------------------------------------------------------',
        'Deployment/shop/web  test.yaml  image-tag       container "web" image "nginx:latest" uses the mutable "latest" tag  pin spec.template.spec.containers[0].image to a version tag or digest',
        'ClusterRole/all      test.yaml  rbac-wildcards  rule 0 grants every verb ("*" in verbs)                             list the needed verbs explicitly in rules[0].verbs',
        '',
        'Honoured exceptions (1):',
        'OBJECT                 FILE       RULE             REASON                SUPPRESSED',
        '---------------------  ---------  ---------------  --------------------  ----------',
        'Deployment/shop/agent  test.yaml  host-namespaces  reads host processes  1 finding',
        '',
        'An exception is declared per object with the annotation policy.meshforge.io/allow-<rule>: "<reason>" (see docs/security.md, "Exceptions").',
      ].join('\n'),
    );
  });

  it('says it passed and lists unused exceptions', () => {
    const m = set(workload('Deployment'), 'metadata.annotations', { 'policy.meshforge.io/allow-privileged': 'legacy' });
    expect(renderReport(check(m))).toBe(
      [
        'Policy check passed: 1 object in 1 file, no violations, 0 honoured exceptions.',
        '',
        'Unused exceptions (1): the rule passes without them; remove the annotations:',
        'OBJECT               FILE       RULE        REASON',
        '-------------------  ---------  ----------  ------',
        'Deployment/shop/web  test.yaml  privileged  legacy',
      ].join('\n'),
    );
  });

  it('names objects kind/namespace/name, or kind/name without a namespace', () => {
    expect(objectName({ apiVersion: 'v1', kind: 'Service', namespace: 'shop', name: 'web', file: 'f', index: 0 })).toBe('Service/shop/web');
    expect(objectName({ apiVersion: 'v1', kind: 'Namespace', name: 'shop', file: 'f', index: 0 })).toBe('Namespace/shop');
    expect(renderTable(['A', 'B'], [['long value', 'x']])).toBe('A           B\n----------  -\nlong value  x');
  });
});
