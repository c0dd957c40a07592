import { Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import * as monitoring from '../imports/monitoring.coreos.com';
import * as networking from '../imports/networking.istio.io';
import * as security from '../imports/security.istio.io';
import * as telemetry from '../imports/telemetry.istio.io';

// The generated bindings are committed; this pins the API versions meshforge relies on.
describe('imports/', () => {
  it.each([
    [networking.VirtualService, 'networking.istio.io/v1', 'VirtualService'],
    [networking.DestinationRule, 'networking.istio.io/v1', 'DestinationRule'],
    [networking.Gateway, 'networking.istio.io/v1', 'Gateway'],
    [networking.ServiceEntry, 'networking.istio.io/v1', 'ServiceEntry'],
    [networking.Sidecar, 'networking.istio.io/v1', 'Sidecar'],
    [security.PeerAuthentication, 'security.istio.io/v1', 'PeerAuthentication'],
    [security.AuthorizationPolicy, 'security.istio.io/v1', 'AuthorizationPolicy'],
    [telemetry.Telemetry, 'telemetry.istio.io/v1', 'Telemetry'],
    [monitoring.ServiceMonitor, 'monitoring.coreos.com/v1', 'ServiceMonitor'],
    [monitoring.PodMonitor, 'monitoring.coreos.com/v1', 'PodMonitor'],
    [monitoring.PrometheusRule, 'monitoring.coreos.com/v1', 'PrometheusRule'],
  ] as const)('%o has %s %s', (cls, apiVersion, kind) => {
    expect(cls.GVK).toEqual({ apiVersion, kind });
  });

  it('renders typed specs', () => {
    const chart: Chart = Testing.chart();
    new networking.VirtualService(chart, 'vs', {
      metadata: { name: 'web' },
      spec: { hosts: ['web'], http: [{ route: [{ destination: { host: 'web', subset: 'v1' }, weight: 100 }] }] },
    });
    expect(Testing.synth(chart)[0]).toEqual({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'web' },
      spec: { hosts: ['web'], http: [{ route: [{ destination: { host: 'web', subset: 'v1' }, weight: 100 }] }] },
    });
  });
});
