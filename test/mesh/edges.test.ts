import { describe, expect, it } from 'vitest';
import { ExternalService, MeshGateway, MeshNamespace } from '../../lib';
import { kinds, one, render } from './render';

describe('MeshNamespace', () => {
  const labels = (props: ConstructorParameters<typeof MeshNamespace>[2]) =>
    one(render((c) => new MeshNamespace(c, 'shop', props)), 'Namespace').metadata.labels;

  it('without CNI: injection on, PSA enforce privileged (istio-init needs NET_ADMIN/NET_RAW), warn/audit restricted', () => {
    expect(labels({})).toEqual({
      'app.kubernetes.io/managed-by': 'meshforge',
      'istio-injection': 'enabled',
      'pod-security.kubernetes.io/enforce': 'privileged',
      'pod-security.kubernetes.io/enforce-version': 'v1.27',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/warn-version': 'v1.27',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/audit-version': 'v1.27',
    });
  });

  it('with CNI, or without injection, enforces restricted', () => {
    expect(labels({ cni: true })['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const off = labels({ injection: false });
    expect(off['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(off).not.toHaveProperty(['istio-injection']);
    expect(off).not.toHaveProperty(['istio.io/rev']);
  });

  it('a revision uses istio.io/rev and never istio-injection', () => {
    const l = labels({ revision: 'canary-1-24', cni: true });
    expect(l['istio.io/rev']).toBe('canary-1-24');
    expect(l).not.toHaveProperty(['istio-injection']);
  });

  it('exposes its decisions', () => {
    render((c) => {
      const ns = new MeshNamespace(c, 'shop', { name: 'web' });
      expect([ns.name, ns.injection, ns.cni, ns.enforcedPodSecurity]).toEqual(['web', true, false, 'privileged']);
    });
  });
});

describe('MeshGateway', () => {
  it('emits a Gateway on the ingress gateway with HTTPS (credentialName) and an HTTP redirect listener', () => {
    const gw = one(
      render(
        (c) =>
          new MeshGateway(c, 'public', {
            namespace: 'shop',
            hosts: ['shop.example.com', '*.shop.example.com'],
            servers: [
              { protocol: 'HTTPS', credentialName: 'shop-tls' },
              { protocol: 'HTTP', httpsRedirect: true },
              { protocol: 'GRPC', port: 9443, hosts: ['api.shop.example.com'] },
            ],
          }),
      ),
      'Gateway',
    );
    expect(gw.apiVersion).toBe('networking.istio.io/v1');
    expect(gw.metadata).toMatchObject({ name: 'public', namespace: 'shop' });
    expect(gw.spec).toEqual({
      selector: { istio: 'ingressgateway' },
      servers: [
        { port: { number: 443, name: 'https-443', protocol: 'HTTPS' }, hosts: ['shop.example.com', '*.shop.example.com'], tls: { mode: 'SIMPLE', credentialName: 'shop-tls' } },
        { port: { number: 80, name: 'http-80', protocol: 'HTTP' }, hosts: ['shop.example.com', '*.shop.example.com'], tls: { httpsRedirect: true } },
        { port: { number: 9443, name: 'grpc-9443', protocol: 'GRPC' }, hosts: ['api.shop.example.com'] },
      ],
    });
  });

  it('defaults to one HTTP listener on port 80 and exposes its reference', () => {
    render((c) => {
      const gw = new MeshGateway(c, 'public', { namespace: 'edge', hosts: ['a.example.com'], selector: { istio: 'edge' } });
      expect(gw.ref).toBe('edge/public');
      expect(gw.hosts).toEqual(['a.example.com']);
      expect(gw.resource).toBeDefined();
    });
  });
});

describe('ExternalService', () => {
  it('emits an ExternalName Service and a MESH_EXTERNAL ServiceEntry', () => {
    const objs = render((c) => new ExternalService(c, 'orders-db', { namespace: 'shop', host: 'orders.abc.rds.amazonaws.com', ports: [{ number: 5432 }] }));
    expect(kinds(objs)).toEqual(['Service', 'ServiceEntry']);
    expect(one(objs, 'Service').spec).toEqual({
      type: 'ExternalName',
      externalName: 'orders.abc.rds.amazonaws.com',
      ports: [{ name: 'tcp-5432', port: 5432, protocol: 'TCP', appProtocol: 'tcp' }],
    });
    expect(one(objs, 'ServiceEntry').spec).toEqual({
      hosts: ['orders.abc.rds.amazonaws.com'],
      location: 'MESH_EXTERNAL',
      resolution: 'DNS',
      ports: [{ number: 5432, name: 'tcp-5432', protocol: 'TCP' }],
    });
  });

  it('either object can be switched off', () => {
    const objs = render((c) => new ExternalService(c, 'api', { namespace: 'shop', host: 'api.stripe.com', ports: [{ number: 443, protocol: 'TLS' }], externalName: false }));
    expect(kinds(objs)).toEqual(['ServiceEntry']);
  });
});
