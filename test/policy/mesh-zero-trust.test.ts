import { describe, expect, it } from 'vitest';
import { check, findings } from './fixtures';

const ns = (labels: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels } });
const peerAuth = (mode: string, annotations?: Record<string, string>) => ({
  apiVersion: 'security.istio.io/v1',
  kind: 'PeerAuthentication',
  metadata: { name: 'default', namespace: 'shop', ...(annotations ? { annotations } : {}) },
  spec: { mtls: { mode } },
});
const allowNothing = { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'allow-nothing', namespace: 'shop' }, spec: {} };
const denyIngress = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny', namespace: 'shop' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } };

describe('mesh-zero-trust', () => {
  it('passes a meshed namespace with STRICT mTLS, allow-nothing and default-deny ingress', () => {
    expect(findings([ns({ 'istio-injection': 'enabled' }), peerAuth('STRICT'), allowNothing, denyIngress])).toEqual([]);
    expect(findings([ns({ 'istio.io/rev': 'canary' }), peerAuth('PERMISSIVE', { 'security.meshforge.io/permissive-reason': 'migration' }), allowNothing, denyIngress])).toEqual([]);
  });

  it('ignores namespaces without injection', () => {
    expect(findings([ns({})])).toEqual([]);
  });

  it('names each missing piece of a meshed namespace', () => {
    expect(findings([ns({ 'istio-injection': 'enabled' })])).toEqual([
      'mesh-zero-trust: namespace "shop" has sidecar injection but no PeerAuthentication "default" with mTLS STRICT',
      'mesh-zero-trust: namespace "shop" has sidecar injection but no namespace-wide allow-nothing AuthorizationPolicy',
      'mesh-zero-trust: namespace "shop" has sidecar injection but no default-deny-ingress NetworkPolicy',
    ]);
  });

  it('rejects PERMISSIVE without a reason, a workload-scoped policy and a NetworkPolicy that admits traffic', () => {
    const scoped = { ...allowNothing, spec: { selector: { matchLabels: { app: 'web' } } } };
    const admits = { ...denyIngress, spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] } };
    expect(findings([ns({ 'istio-injection': 'enabled' }), peerAuth('PERMISSIVE'), scoped, admits]).length).toBe(3);
  });

  it('can be excepted on the Namespace with a reason', () => {
    const excepted = ns({ 'istio-injection': 'enabled' });
    (excepted.metadata as Record<string, unknown>).annotations = { 'policy.meshforge.io/allow-mesh-zero-trust': 'policies are managed by the platform team repo' };
    const report = check([excepted]);
    expect(report.violations).toEqual([]);
    expect(report.exceptions.map((e) => [e.rule, e.reason, e.suppressed.length])).toEqual([
      ['mesh-zero-trust', 'policies are managed by the platform team repo', 3],
    ]);
  });
});
