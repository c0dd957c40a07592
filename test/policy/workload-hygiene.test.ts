import { describe, expect, it } from 'vitest';
import { parseImage } from '../../lib/policy';
import { check, compliantContainer, findings, POD_SPEC_PATH, set, workload, WorkloadKind } from './fixtures';

const S = 'spec.template.spec';
const C = `${S}.containers[0]`;
const deployment = (path: string, value: unknown) => set(workload('Deployment'), path, value);

describe('read-only-root-fs', () => {
  it('flags a missing or false readOnlyRootFilesystem', () => {
    expect(findings(deployment(`${C}.securityContext.readOnlyRootFilesystem`, false))).toEqual(['read-only-root-fs: container "web" has a writable root filesystem']);
    const m = deployment(`${C}.securityContext.readOnlyRootFilesystem`, undefined);
    expect(check(m).violations[0].fix).toBe(`set ${C}.securityContext.readOnlyRootFilesystem: true (mount an emptyDir where it must write)`);
  });
  it('accepts readOnlyRootFilesystem: true', () => {
    expect(findings(deployment(`${C}.securityContext.readOnlyRootFilesystem`, true))).toEqual([]);
  });
});

describe('resources', () => {
  it('lists exactly the missing requests and limits', () => {
    const m = deployment(`${C}.resources.limits`, undefined);
    set(m, `${C}.resources.requests.cpu`, undefined);
    expect(findings(m)).toEqual(['resources: container "web" has no resources.requests.cpu, resources.limits.cpu, resources.limits.memory']);
    expect(check(m).violations[0].fix).toBe(`set requests.cpu, limits.cpu, limits.memory under ${C}.resources`);
  });
  it('checks init containers but not ephemeral containers (the API forbids resources there)', () => {
    const m = deployment(`${S}.initContainers`, [{ ...compliantContainer('setup'), resources: undefined }]);
    set(m, `${S}.ephemeralContainers`, [{ ...compliantContainer('debug'), resources: undefined }]);
    expect(findings(m)).toEqual([
      'resources: init container "setup" has no resources.requests.cpu, resources.requests.memory, resources.limits.cpu, resources.limits.memory',
    ]);
  });
  it('accepts numeric quantities', () => {
    expect(findings(deployment(`${C}.resources.limits.cpu`, 1))).toEqual([]);
  });
});

describe('probes', () => {
  it('flags missing liveness and readiness probes on a Deployment', () => {
    const m = deployment(`${C}.livenessProbe`, undefined);
    set(m, `${C}.readinessProbe`, undefined);
    expect(findings(m)).toEqual(['probes: container "web" has no livenessProbe, readinessProbe']);
    expect(check(m).violations[0].fix).toBe(`add livenessProbe and readinessProbe to ${C}`);
  });

  it.each<[WorkloadKind, boolean]>([
    ['Deployment', true],
    ['StatefulSet', true],
    ['DaemonSet', true],
    ['ReplicaSet', true],
    ['Pod', true],
    ['Job', false],
    ['CronJob', false],
  ])('%s requires probes: %s', (kind, required) => {
    const m = set(workload(kind), `${POD_SPEC_PATH[kind]}.containers[0].readinessProbe`, undefined);
    expect(findings(m)).toEqual(required ? ['probes: container "web" has no readinessProbe'] : []);
  });

  it('exempts a bare Pod that runs to completion', () => {
    const m = set(workload('Pod'), 'spec.containers[0].livenessProbe', undefined);
    expect(findings(m)).toEqual(['probes: container "web" has no livenessProbe']);
    expect(findings(set(m, 'spec.restartPolicy', 'Never'))).toEqual([]);
  });

  it('requires probes on native sidecars (restartPolicy: Always init containers) only', () => {
    const plain = { ...compliantContainer('setup'), livenessProbe: undefined, readinessProbe: undefined };
    const sidecar = { ...compliantContainer('proxy'), livenessProbe: undefined, restartPolicy: 'Always' };
    expect(findings(deployment(`${S}.initContainers`, [plain, sidecar]))).toEqual(['probes: init container "proxy" has no livenessProbe']);
  });
});

describe('image-tag', () => {
  it('flags the latest tag and untagged images, in every container list', () => {
    const m = deployment(`${C}.image`, 'nginx:latest');
    set(m, `${S}.initContainers`, [{ ...compliantContainer('setup'), image: 'registry.example.com:5000/tools/migrate' }]);
    expect(findings(m)).toEqual([
      'image-tag: container "web" image "nginx:latest" uses the mutable "latest" tag',
      'image-tag: init container "setup" image "registry.example.com:5000/tools/migrate" has no tag',
    ]);
    expect(check(m).violations[0].fix).toBe(`pin ${C}.image to a version tag or digest`);
  });
  it('accepts version tags and digests (even with latest)', () => {
    expect(findings(deployment(`${C}.image`, 'registry.example.com:5000/shop/web:1.2.3'))).toEqual([]);
    expect(findings(deployment(`${C}.image`, `nginx:latest@sha256:${'a'.repeat(64)}`))).toEqual([]);
    expect(findings(deployment(`${C}.image`, `nginx@sha256:${'a'.repeat(64)}`))).toEqual([]);
  });
  it('accepts `image: auto` only on Istio-injected pods (gateway deployments)', () => {
    const m = deployment(`${C}.image`, 'auto');
    expect(findings(m)).toEqual(['image-tag: container "web" image "auto" has no tag']);
    set(m, 'spec.template.metadata.annotations', { 'inject.istio.io/templates': 'gateway' });
    expect(findings(m)).toEqual([]);
    const labelled = set(deployment(`${C}.image`, 'auto'), 'spec.template.metadata.labels', { app: 'web', 'sidecar.istio.io/inject': 'true' });
    expect(findings(labelled)).toEqual([]);
  });
  it('parses image references', () => {
    expect(parseImage('nginx')).toEqual({ digest: false });
    expect(parseImage('localhost:5000/a/b')).toEqual({ digest: false });
    expect(parseImage('localhost:5000/a/b:2')).toEqual({ tag: '2', digest: false });
    expect(parseImage('b@sha256:00')).toEqual({ digest: true });
  });
});
