import { ApiObject, App, Chart, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { describe, expect, it } from 'vitest';
import { checkObjects } from '../../lib/policy';

function checkChart(build: (chart: Chart) => void): string[] {
  const chart = new Chart(new App(), 'c', { namespace: 'shop' });
  build(chart);
  return checkObjects(chart.toJson().map((manifest, index) => ({ manifest, file: 'c.k8s.yaml', index }))).violations.map(
    (v) => `${v.rule}: ${v.message} | ${v.fix}`,
  );
}

const IMAGE = 'registry.example.com/shop/web:1.4.2';

describe('cdk8s-plus Deployments and the policy check', () => {
  it('cdk8s-plus secure defaults still miss capabilities, seccomp and probes (what constructs must add)', () => {
    const violations = checkChart((chart) => {
      const d = new kplus.Deployment(chart, 'web', { containers: [{ name: 'web', image: IMAGE, portNumber: 8080 }] });
      d.exposeViaService({ ports: [{ port: 80, targetPort: 8080 }] });
    });
    expect(violations).toEqual([
      'capabilities: container "web" does not drop ALL capabilities | set spec.template.spec.containers[0].securityContext.capabilities.drop: ["ALL"]',
      'seccomp: no seccomp profile for containers "web" | set spec.template.spec.securityContext.seccompProfile.type: RuntimeDefault (covers every container)',
      'probes: container "web" has no livenessProbe, readinessProbe | add livenessProbe and readinessProbe to spec.template.spec.containers[0]',
    ]);
  });

  it('flags the CAP_-prefixed names of the cdk8s-plus Capability enum, which admission rejects', () => {
    const violations = checkChart((chart) => {
      new kplus.Deployment(chart, 'web', {
        containers: [
          {
            name: 'web',
            image: IMAGE,
            portNumber: 8080,
            securityContext: { capabilities: { add: [kplus.Capability.NET_BIND_SERVICE] } },
            liveness: kplus.Probe.fromHttpGet('/healthz'),
            readiness: kplus.Probe.fromHttpGet('/ready'),
          },
        ],
      });
    });
    expect(violations).toContain(
      'capabilities: container "web" adds forbidden capabilities "CAP_NET_BIND_SERVICE" | remove "CAP_NET_BIND_SERVICE" from spec.template.spec.containers[0].securityContext.capabilities.add (only NET_BIND_SERVICE may be added; write NET_BIND_SERVICE without the CAP_ prefix)',
    );
  });

  it('the recipe in docs/security.md passes every rule', () => {
    const violations = checkChart((chart) => {
      const d = new kplus.Deployment(chart, 'web', {
        containers: [
          {
            name: 'web',
            image: IMAGE,
            portNumber: 8080,
            liveness: kplus.Probe.fromHttpGet('/healthz'),
            readiness: kplus.Probe.fromHttpGet('/ready'),
          },
        ],
      });
      d.exposeViaService({ ports: [{ port: 80, targetPort: 8080 }] });
      // cdk8s-plus-27 has no seccompProfile and its Capability enum has no ALL: patch them in.
      ApiObject.of(d).addJsonPatch(
        JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
        JsonPatch.add('/spec/template/spec/containers/0/securityContext/capabilities', { drop: ['ALL'] }),
      );
    });
    expect(violations).toEqual([]);
  });
});
