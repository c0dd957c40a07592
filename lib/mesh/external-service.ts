import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ServiceEntry, ServiceEntrySpecLocation, ServiceEntrySpecResolution } from '../../imports/networking.istio.io';
import { MeshforgeError } from '../validation/meshforge-error';
import { DNS_NAME, isDnsLabel, requireDnsLabel } from '../validation/names';
import { MANAGED_BY, requirePort, requireServiceName } from './conventions';
import { MeshNamespace } from './mesh-namespace';

/** Protocol of an external dependency's port, as Istio names it. */
export type ExternalProtocol = 'TCP' | 'TLS' | 'HTTP' | 'HTTPS' | 'GRPC' | 'MONGO' | 'MYSQL' | 'REDIS';

/** A port of the external dependency. */
export interface ExternalPort {
  /** Port number on the external host. */
  readonly number: number;
  /** @default "TCP" */
  readonly protocol?: ExternalProtocol;
  /** @default - `<protocol lowercase>-<number>` */
  readonly name?: string;
}

/** Properties of an ExternalService. */
export interface ExternalServiceProps {
  /** In-cluster alias (Kubernetes Service name). @default - the construct id */
  readonly name?: string;
  /** Namespace of the alias Service and the ServiceEntry. */
  readonly namespace: MeshNamespace | string;
  /** DNS name of the dependency outside the cluster (e.g. `orders.abc.eu-west-1.rds.amazonaws.com`). */
  readonly host: string;
  /** Ports the workloads use. */
  readonly ports: readonly ExternalPort[];
  /**
   * Emit an ExternalName Service so pods reach it as `<name>.<namespace>`.
   * @default true
   */
  readonly externalName?: boolean;
  /**
   * Emit an Istio ServiceEntry so the mesh knows the host (required when the
   * mesh's outboundTrafficPolicy is REGISTRY_ONLY; gives telemetry otherwise).
   * @default true
   */
  readonly serviceEntry?: boolean;
  /**
   * Namespaces whose sidecars see the ServiceEntry (`"."`: its own, `"*"`:
   * all). Istio's own default is every namespace; widening is a choice.
   * @default ["."]
   * @see https://istio.io/latest/docs/reference/config/networking/service-entry/#ServiceEntry
   */
  readonly exportTo?: readonly string[];
  /**
   * Virtual IPs or CIDRs of the dependency. A TCP port (protocol TCP, MONGO,
   * MYSQL or REDIS: no Host header or SNI to route on) without addresses
   * would make every sidecar it is exported to send all traffic on that port
   * here (Istio analyzer IST0134): give addresses, or `autoAllocateAddress`.
   * @default - none
   */
  readonly addresses?: readonly string[];
  /**
   * Rely on Istio's DNS proxying with automatic address allocation for the TCP
   * ports: client sidecars resolve `host` to an allocated virtual IP, so the
   * listener is per address, not `0.0.0.0:<port>`. Off in Istio's default
   * profile: the install (or every client pod) must set the proxy metadata
   * `ISTIO_META_DNS_CAPTURE: "true"` and `ISTIO_META_DNS_AUTO_ALLOCATE: "true"`;
   * a client without them still gets the port-wide listener. Recorded on the
   * ServiceEntry as the annotation `networking.meshforge.io/address-allocation:
   * istio-dns-auto-allocate` so checks can tell the choice from an oversight.
   * @default false
   * @see https://istio.io/latest/docs/ops/configuration/traffic-management/dns-proxy/
   */
  readonly autoAllocateAddress?: boolean;
}

/** Annotation recording, on a ServiceEntry, that its TCP ports rely on Istio DNS auto-allocation. */
export const ADDRESS_ALLOCATION_ANNOTATION = 'networking.meshforge.io/address-allocation';

/** Protocols Istio cannot route by Host header or SNI: a ServiceEntry port of these needs an address. */
const OPAQUE_PROTOCOLS: readonly ExternalProtocol[] = ['TCP', 'MONGO', 'MYSQL', 'REDIS'];
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(\/([12]?\d|3[0-2]))?$/;
const IPV6 = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*(\/(\d|[1-9]\d|1[01]\d|12[0-8]))?$/;

/**
 * A dependency outside the cluster (a managed database, a SaaS API): a
 * Kubernetes ExternalName Service and/or an Istio ServiceEntry.
 */
export class ExternalService extends Construct {
  /** In-cluster alias name (`<name>.<namespace>`). */
  public readonly name: string;
  public readonly namespace: string;
  /** The external DNS name. */
  public readonly host: string;
  /** Ports the workloads use. */
  public readonly ports: readonly ExternalPort[];
  /** The ExternalName Service, if emitted. */
  public readonly service?: kplus.Service;
  /** The ServiceEntry, if emitted. */
  public readonly serviceEntry?: ServiceEntry;
  /** Namespaces that see the ServiceEntry (`"."`: its own, `"*"`: all). */
  public readonly exportTo: readonly string[];

  constructor(scope: Construct, id: string, props: ExternalServiceProps) {
    super(scope, id);
    this.name = props.name ?? id;
    if (typeof props.namespace === 'string') requireDnsLabel(this.node.path, 'namespace', props.namespace);
    this.namespace = typeof props.namespace === 'string' ? props.namespace : props.namespace.name;
    this.host = props.host;
    this.ports = [...props.ports];
    requireServiceName(this.node.path, 'name', this.name);
    if (!DNS_NAME.test(props.host) || props.host.length > 253) {
      throw new MeshforgeError('invalid host', {
        code: 'INVALID_HOST',
        path: this.node.path,
        field: 'host',
        value: props.host,
        expected: 'a lowercase DNS name matching [a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)* (e.g. "db.example.com")',
      });
    }
    const portName = (p: ExternalPort) => p.name ?? `${(p.protocol ?? 'TCP').toLowerCase()}-${p.number}`;
    this.ports.forEach((p, i) => {
      requirePort(this.node.path, `ports[${i}].number`, p.number);
      for (const [key, value] of [['number', p.number], ['name', portName(p)]] as const) {
        const j = this.ports.findIndex((q) => (key === 'number' ? q.number : portName(q)) === value);
        if (j !== i) {
          throw new MeshforgeError(`ports[${j}] and ports[${i}] share a ${key}`, {
            code: 'DUPLICATE_PORT',
            path: this.node.path,
            field: `ports[${i}].${key}`,
            value,
            expected: `a ${key} not used by another port (the Service and ServiceEntry need unique port ${key}s)`,
          });
        }
      }
    });
    const labels = { 'app.kubernetes.io/name': this.name, 'app.kubernetes.io/managed-by': MANAGED_BY };
    if (props.externalName ?? true) {
      this.service = new kplus.Service(this, 'Service', {
        metadata: { name: this.name, namespace: this.namespace, labels },
        externalName: props.host,
      });
      // cdk8s-plus drops ports of ExternalName Services; Istio needs them (with appProtocol)
      // to build the right listener for the alias.
      ApiObject.of(this.service).addJsonPatch(
        JsonPatch.add(
          '/spec/ports',
          this.ports.map((p) => ({ name: portName(p), port: p.number, protocol: 'TCP', appProtocol: (p.protocol ?? 'TCP').toLowerCase() })),
        ),
      );
    }
    const addresses = [...(props.addresses ?? [])];
    addresses.forEach((a, i) => {
      if (!IPV4.test(a) && !IPV6.test(a)) {
        throw new MeshforgeError('invalid address', {
          code: 'INVALID_ADDRESS',
          path: this.node.path,
          field: `addresses[${i}]`,
          value: a,
          expected: 'an IPv4 or IPv6 address or CIDR, e.g. "10.20.0.15" or "10.20.0.0/24"',
        });
      }
    });
    const serviceEntry = props.serviceEntry ?? true;
    const opaque = this.ports.filter((p) => OPAQUE_PROTOCOLS.includes(p.protocol ?? 'TCP'));
    if (serviceEntry && opaque.length > 0 && addresses.length === 0 && !props.autoAllocateAddress) {
      throw new MeshforgeError('TCP ServiceEntry without addresses would capture the port in every sidecar', {
        code: 'SERVICE_ENTRY_ADDRESSES',
        path: this.node.path,
        field: 'addresses',
        value: opaque.map((p) => `${p.protocol ?? 'TCP'}/${p.number}`).join(', '),
        expected: 'addresses (the IPs or CIDRs of the dependency), or autoAllocateAddress: true with Istio DNS proxying and auto-allocation enabled (Istio analyzer IST0134)',
      });
    }
    const exportTo = [...(props.exportTo ?? ['.'])];
    exportTo.forEach((ns, i) => {
      if (ns !== '.' && ns !== '*' && !isDnsLabel(ns)) {
        throw new MeshforgeError('invalid exportTo entry', {
          code: 'INVALID_EXPORT_TO',
          path: this.node.path,
          field: `exportTo[${i}]`,
          value: ns,
          expected: '"." (this namespace), "*" (all) or a namespace name',
        });
      }
    });
    this.exportTo = exportTo;
    if (serviceEntry) {
      const annotations = props.autoAllocateAddress && addresses.length === 0 && opaque.length > 0
        ? { [ADDRESS_ALLOCATION_ANNOTATION]: 'istio-dns-auto-allocate' } : undefined;
      this.serviceEntry = new ServiceEntry(this, 'ServiceEntry', {
        metadata: { name: this.name, namespace: this.namespace, labels, annotations },
        spec: {
          hosts: [props.host],
          addresses: addresses.length > 0 ? addresses : undefined,
          exportTo,
          location: ServiceEntrySpecLocation.MESH_UNDERSCORE_EXTERNAL,
          resolution: ServiceEntrySpecResolution.DNS,
          ports: this.ports.map((p) => ({ number: p.number, name: portName(p), protocol: p.protocol ?? 'TCP' })),
        },
      });
    }
  }
}
