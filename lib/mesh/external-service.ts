import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ServiceEntry, ServiceEntrySpecLocation, ServiceEntrySpecResolution } from '../../imports/networking.istio.io';
import { MeshforgeError } from '../validation/meshforge-error';
import { DNS_NAME, requireDnsLabel } from '../validation/names';
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
}

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
    if (props.serviceEntry ?? true) {
      this.serviceEntry = new ServiceEntry(this, 'ServiceEntry', {
        metadata: { name: this.name, namespace: this.namespace, labels },
        spec: {
          hosts: [props.host],
          location: ServiceEntrySpecLocation.MESH_UNDERSCORE_EXTERNAL,
          resolution: ServiceEntrySpecResolution.DNS,
          ports: this.ports.map((p) => ({ number: p.number, name: portName(p), protocol: p.protocol ?? 'TCP' })),
        },
      });
    }
  }
}
