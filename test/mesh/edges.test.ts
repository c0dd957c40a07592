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

  it('says why it enforces privileged, on the Namespace; nothing to say when it enforces restricted', () => {
    const ns = (props: ConstructorParameters<typeof MeshNamespace>[2]) => one(render((c) => new MeshNamespace(c, 'shop', props)), 'Namespace').metadata;
    expect(ns({}).annotations['meshforge.io/pod-security-reason']).toMatch(/^enforce privileged: without the Istio CNI plugin .*istio-init \(NET_ADMIN, NET_RAW\).*set cni: true/);
    expect(ns({ cni: true }).annotations?.['meshforge.io/pod-security-reason']).toBeUndefined();
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
    const objs = render((c) => new ExternalService(c, 'orders-db', { namespace: 'shop', host: 'orders.abc.rds.amazonaws.com', ports: [{ number: 5432 }], addresses: ['10.20.0.0/24'] }));
    // the ServiceEntry applies first (mesh-config, before services and workloads)
    expect(kinds(objs)).toEqual(['ServiceEntry', 'Service']);
    expect(one(objs, 'Service').spec).toEqual({
      type: 'ExternalName',
      externalName: 'orders.abc.rds.amazonaws.com',
      ports: [{ name: 'tcp-5432', port: 5432, protocol: 'TCP', appProtocol: 'tcp' }],
    });
    expect(one(objs, 'ServiceEntry').spec).toEqual({
      hosts: ['orders.abc.rds.amazonaws.com'],
      addresses: ['10.20.0.0/24'],
      exportTo: ['.'],
      location: 'MESH_EXTERNAL',
      resolution: 'DNS',
      ports: [{ number: 5432, name: 'tcp-5432', protocol: 'TCP' }],
    });
  });

  it('a TCP port needs addresses or the explicit DNS auto-allocation choice (IST0134); TLS routes on SNI and needs neither', () => {
    const tcp = { namespace: 'shop', host: 'orders.abc.rds.amazonaws.com', ports: [{ number: 5432 }, { number: 6379, protocol: 'REDIS' as const }] };
    expect(() => render((c) => new ExternalService(c, 'db', tcp))).toThrowError(
      '[c/db] TCP ServiceEntry without addresses would capture the port in every sidecar; field: addresses; value: "TCP/5432, REDIS/6379"; '
        + 'expected: addresses (the IPs or CIDRs of the dependency), or autoAllocateAddress: true with Istio DNS proxying and auto-allocation enabled (Istio analyzer IST0134)',
    );
    const auto = render((c) => new ExternalService(c, 'db', { ...tcp, autoAllocateAddress: true }));
    expect(one(auto, 'ServiceEntry').metadata.annotations['networking.meshforge.io/address-allocation']).toBe('istio-dns-auto-allocate');
    expect(one(auto, 'ServiceEntry').spec.addresses).toBeUndefined();
    const tls = render((c) => new ExternalService(c, 'api', { namespace: 'shop', host: 'api.stripe.com', ports: [{ number: 443, protocol: 'TLS' }] }));
    expect(one(tls, 'ServiceEntry').metadata.annotations['networking.meshforge.io/address-allocation']).toBeUndefined();
    // without a ServiceEntry nothing is captured: no address needed
    expect(() => render((c) => new ExternalService(c, 'db', { ...tcp, serviceEntry: false }))).not.toThrow();
    expect(() => render((c) => new ExternalService(c, 'db', { ...tcp, addresses: ['10.0.0.300'] }))).toThrowError(
      '[c/db] invalid address; field: addresses[0]; value: "10.0.0.300"; expected: an IPv4 or IPv6 address or CIDR, e.g. "10.20.0.15" or "10.20.0.0/24"',
    );
  });

  it('is exported to its own namespace unless widened explicitly', () => {
    const base = { namespace: 'shop', host: 'api.stripe.com', ports: [{ number: 443, protocol: 'TLS' as const }] };
    expect(one(render((c) => new ExternalService(c, 'api', base)), 'ServiceEntry').spec.exportTo).toEqual(['.']);
    expect(one(render((c) => new ExternalService(c, 'api', { ...base, exportTo: ['.', 'billing'] })), 'ServiceEntry').spec.exportTo).toEqual(['.', 'billing']);
    expect(() => render((c) => new ExternalService(c, 'api', { ...base, exportTo: ['Billing'] }))).toThrowError(
      '[c/api] invalid exportTo entry; field: exportTo[0]; value: "Billing"; expected: "." (this namespace), "*" (all) or a namespace name',
    );
  });

  it('either object can be switched off', () => {
    const objs = render((c) => new ExternalService(c, 'api', { namespace: 'shop', host: 'api.stripe.com', ports: [{ number: 443, protocol: 'TLS' }], externalName: false }));
    expect(kinds(objs)).toEqual(['ServiceEntry']);
  });
});
