import { MeshforgeError } from '../validation/meshforge-error';
import { hostCovers, isValidHost } from './conventions';
import { MeshGateway } from './mesh-gateway';
import { GatewayExposure, GatewayExposureOptions } from './mesh-service-props';

/** The gateways a MeshService is exposed through (`exposeVia`), with their public hosts. */
export class Exposures {
  private readonly exposures: GatewayExposure[] = [];

  /** `path`: the service's construct path, named in errors; `namespace`: where its VirtualServices are. */
  constructor(
    private readonly path: string,
    private readonly namespace: string,
  ) {}

  /** The exposures, in the order added. */
  public get list(): readonly GatewayExposure[] {
    return [...this.exposures];
  }

  /** `ref`s of the gateways, in the order added. */
  public get gatewayRefs(): string[] {
    return this.exposures.map((e) => e.gateway.ref);
  }

  /** Public hosts of every exposure, first occurrence first. */
  public get hosts(): string[] {
    return [...new Set(this.exposures.flatMap((e) => e.hosts))];
  }

  /** Checks the hosts against the gateway's and registers the exposure with it. */
  public add(gateway: MeshGateway, options: GatewayExposureOptions): void {
    const field = `exposeVia[${this.exposures.length}].hosts`;
    const hosts = options.hosts ?? gateway.hosts;
    for (const host of hosts) {
      // "*" (every host) is valid on a gateway-only VirtualService when the gateway accepts "*" (the gateway raised a notice)
      if (host === '*' && gateway.hosts.includes('*')) continue;
      if (!isValidHost(host)) {
        throw new MeshforgeError('invalid host', {
          code: 'INVALID_HOST',
          path: this.path,
          field,
          value: host,
          expected: `a DNS name without wildcard, such as "shop.example.com", or "*" on a gateway with host "*"${options.hosts ? '' : ' (pass hosts: the gateway has "*." wildcard hosts)'}`,
        });
      }
      if (!gateway.hosts.some((p) => hostCovers(p, host))) {
        throw new MeshforgeError('host not served by the gateway', {
          code: 'INVALID_HOST',
          path: this.path,
          field,
          value: host,
          expected: `a host covered by gateway ${gateway.ref}: ${gateway.hosts.join(', ')}`,
        });
      }
    }
    this.exposures.push({ gateway, hosts: [...hosts], exposeAll: options.exposeAll ?? false });
    gateway._registerExposure(this.path, this.namespace, hosts);
  }
}
