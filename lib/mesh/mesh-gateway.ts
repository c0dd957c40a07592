import { Construct } from 'constructs';
import { Lazy } from 'cdk8s';
import { Gateway, GatewaySpecServers, GatewaySpecServersTlsMode } from '../../imports/networking.istio.io';
import { SynthNotice } from '../common/synth-notice';
import { MeshforgeError } from '../validation/meshforge-error';
import { DEFAULT_INGRESS_GATEWAY, MANAGED_BY, hostCovers, isValidHost, requirePort } from './conventions';
import { requireDnsLabel } from '../validation/names';
import { MeshNamespace } from './mesh-namespace';

/** Protocol of a gateway listener. */
export type GatewayProtocol = 'HTTP' | 'HTTPS' | 'HTTP2' | 'GRPC';

/** One listener of the gateway. */
export interface GatewayServer {
  /** Listener protocol. HTTPS terminates TLS with `credentialName`. */
  readonly protocol: GatewayProtocol;
  /** Port on the ingress gateway. @default 80 for HTTP, 443 for HTTPS, 8080 otherwise */
  readonly port?: number;
  /** Hosts served on this listener. @default - the gateway's `hosts` */
  readonly hosts?: readonly string[];
  /**
   * Secret (in the ingress gateway pods' namespace, `workload.namespace`) with the certificate; required for HTTPS.
   * @default - none
   */
  readonly credentialName?: string;
  /** Answer plain HTTP with a 301 to HTTPS (HTTP listeners only). @default false */
  readonly httpsRedirect?: boolean;
}

/**
 * Where the gateway's pods run and who they are, as security sees them: the
 * AuthorizationPolicy and NetworkPolicy of every service reached through the
 * gateway admit this identity. Unset fields fall back to MeshSecurity's
 * `ingressGateway`, then to Istio's default profile.
 */
export interface GatewayWorkloadOptions {
  /** Namespace of the ingress gateway pods. @default "istio-system" (MeshSecurity's `ingressGateway.namespace` when set) */
  readonly namespace?: string;
  /**
   * Service account of the ingress gateway pods (their mTLS identity).
   * @default "istio-ingressgateway-service-account" (MeshSecurity's `ingressGateway.serviceAccountName` when set)
   */
  readonly serviceAccountName?: string;
}

/** Properties of a MeshGateway. */
export interface MeshGatewayProps {
  /** Gateway name. @default - the construct id */
  readonly name?: string;
  /** Namespace of the Gateway object. */
  readonly namespace: MeshNamespace | string;
  /**
   * Hosts the gateway accepts (DNS names, `*.` wildcards allowed, or `*`
   * alone: every host, e.g. when clients use the load balancer's IP; synth
   * prints a notice, since any Host header then reaches the exposed routes).
   */
  readonly hosts: readonly string[];
  /** Listeners. @default - one HTTP listener on port 80 */
  readonly servers?: readonly GatewayServer[];
  /**
   * Labels of the ingress gateway pods (the Gateway's `selector`; also the
   * NetworkPolicy peer security admits).
   * @default { istio: 'ingressgateway' } (MeshSecurity's `ingressGateway.labels` for the NetworkPolicy when set)
   */
  readonly selector?: Readonly<Record<string, string>>;
  /** Namespace and service account of the gateway pods. @default - see GatewayWorkloadOptions */
  readonly workload?: GatewayWorkloadOptions;
  /**
   * Which namespaces' VirtualServices may bind to a host of this gateway (Istio's default, a bare
   * host, is `*\/<host>`: any namespace). By default an exact host some MeshService exposes
   * (`exposeVia`) is written `<its namespace>/<host>`, so that a VirtualService elsewhere cannot take
   * its traffic; wildcard hosts (`*.example.com`, `*`) and hosts nobody exposes stay bare, since other
   * teams' VirtualServices may bind under them. `exposing-namespaces`: wildcard hosts too are
   * narrowed to the namespaces exposing a host under them. `any`: every host bare.
   * @default - exact exposed hosts narrowed, wildcard hosts bare
   */
  readonly bindFrom?: 'exposing-namespaces' | 'any';
}

const DEFAULT_PORT: Record<GatewayProtocol, number> = { HTTP: 80, HTTPS: 443, HTTP2: 8080, GRPC: 8080 };

/**
 * An Istio Gateway on the ingress gateway: the edge a MeshService is exposed
 * through (`service.exposeVia(gateway, { hosts })`).
 *
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/
 */
export class MeshGateway extends Construct {
  /** Name of the Gateway object. */
  public readonly name: string;
  /** Namespace of the Gateway object. */
  public readonly namespace: string;
  /** How VirtualServices reference it: `<namespace>/<name>`. */
  public readonly ref: string;
  /** Every host of every listener. */
  public readonly hosts: readonly string[];
  /** The Gateway object (escape hatch). */
  public readonly resource: Gateway;
  /**
   * The gateway pods' identity as given (`workload` and `selector`); unset
   * fields are left to MeshSecurity's `ingressGateway` and its defaults.
   */
  public readonly workloadIdentity: { readonly namespace?: string; readonly serviceAccountName?: string; readonly labels?: Readonly<Record<string, string>> };
  private readonly servers: GatewayServer[];
  /** Services exposed through this gateway: construct path, namespace of their VirtualService, hosts. */
  private readonly exposed: { readonly path: string; readonly namespace: string; readonly hosts: readonly string[] }[] = [];

  constructor(scope: Construct, id: string, props: MeshGatewayProps) {
    super(scope, id);
    this.name = props.name ?? id;
    if (typeof props.namespace === 'string') requireDnsLabel(this.node.path, 'namespace', props.namespace);
    this.namespace = typeof props.namespace === 'string' ? props.namespace : props.namespace.name;
    requireDnsLabel(this.node.path, 'name', this.name);
    this.ref = `${this.namespace}/${this.name}`;
    this.servers = [...(props.servers ?? [{ protocol: 'HTTP' }])];
    this.servers.forEach((s, i) => this.checkServer(s, i, props.hosts));
    const portOf = (s: GatewayServer) => s.port ?? DEFAULT_PORT[s.protocol];
    this.servers.forEach((s, i) => {
      const j = this.servers.findIndex((t) => portOf(t) === portOf(s));
      if (j !== i) {
        throw new MeshforgeError(`servers[${j}] and servers[${i}] share a port`, {
          code: 'DUPLICATE_PORT',
          path: this.node.path,
          field: `servers[${i}].port`,
          value: portOf(s),
          expected: 'a port not used by another listener (Istio rejects two servers on one port with different protocols; list several hosts on one server instead)',
        });
      }
    });
    this.hosts = [...new Set(this.servers.flatMap((s) => s.hosts ?? props.hosts))];
    this.hosts.forEach((h) => {
      if (!isValidHost(h, true)) {
        throw new MeshforgeError('invalid host', {
          code: 'INVALID_HOST',
          path: this.node.path,
          field: 'hosts',
          value: h,
          expected: 'a DNS name such as "shop.example.com", optionally with a leading "*." wildcard',
        });
      }
    });
    this.node.addValidation({ validate: () => this.checkHostsUnique() });
    if (props.workload?.namespace !== undefined) requireDnsLabel(this.node.path, 'workload.namespace', props.workload.namespace);
    if (props.workload?.serviceAccountName !== undefined) requireDnsLabel(this.node.path, 'workload.serviceAccountName', props.workload.serviceAccountName, 253);
    this.workloadIdentity = { ...props.workload, labels: props.selector && { ...props.selector } };
    if (this.hosts.includes('*')) {
      // Istio accepts "*" on a Gateway server; the VirtualService bound to it must not also bind to mesh (exposeVia keeps them apart).
      new SynthNotice(this, 'WildcardHost', `gateway ${this.ref} accepts host "*": requests with any Host header (or none, by IP) reach every route exposed through it on ${this.servers.map((s) => s.port ?? DEFAULT_PORT[s.protocol]).join(', ')}`);
    }
    const selector = props.selector ?? DEFAULT_INGRESS_GATEWAY.labels;
    this.resource = new Gateway(this, 'Resource', {
      metadata: { name: this.name, namespace: this.namespace, labels: { 'app.kubernetes.io/managed-by': MANAGED_BY } },
      spec: {
        selector: { ...selector },
        servers: this.servers.map((s): GatewaySpecServers => {
          const port = s.port ?? DEFAULT_PORT[s.protocol];
          return {
            port: { number: port, name: `${s.protocol.toLowerCase()}-${port}`, protocol: s.protocol },
            // the exposures are known once the app is built: resolved at synth
            hosts: Lazy.any({ produce: () => this.boundHosts(s.hosts ?? props.hosts, props.bindFrom) }) as unknown as string[],
            tls:
              s.protocol === 'HTTPS'
                ? { mode: GatewaySpecServersTlsMode.SIMPLE, credentialName: s.credentialName }
                : s.httpsRedirect
                  ? { httpsRedirect: true }
                  : undefined,
          };
        }),
      },
    });
  }

  /** @internal Called by MeshService.exposeVia so the gateway can check hosts across services. */
  public _registerExposure(path: string, namespace: string, hosts: readonly string[]): void {
    this.exposed.push({ path, namespace, hosts: [...hosts] });
  }

  /**
   * A listener's hosts as written in the Gateway: each host some exposure falls under becomes
   * `<namespace>/<host>` per namespace exposing it (Istio's `namespace/dnsName` form; a
   * VirtualService binds only if its namespace matches), the others stay bare; wildcard hosts only
   * with `exposing-namespaces` set.
   * @see https://istio.io/latest/docs/reference/config/networking/gateway/#Server (hosts)
   */
  private boundHosts(hosts: readonly string[], bindFrom: 'exposing-namespaces' | 'any' | undefined): string[] {
    if (bindFrom === 'any') return [...hosts];
    return hosts.flatMap((pattern) => {
      if (pattern.startsWith('*') && bindFrom === undefined) return [pattern];
      const namespaces = [...new Set(this.exposed.filter((e) => e.hosts.some((h) => hostCovers(pattern, h))).map((e) => e.namespace))].sort();
      return namespaces.length === 0 ? [pattern] : namespaces.map((ns) => `${ns}/${pattern}`);
    });
  }

  /**
   * Two services on one public host would share it: Istio merges the gateway
   * VirtualServices of a host in no order meshforge controls, so one's routes
   * (or its `exposeAll` catch-all) could shadow the other's.
   */
  private checkHostsUnique(): string[] {
    const owner = new Map<string, string>();
    const errors: string[] = [];
    for (const { path, hosts } of this.exposed) {
      for (const host of hosts) {
        const first = owner.get(host);
        if (first === undefined) owner.set(host, path);
        else if (first !== path) {
          errors.push(
            new MeshforgeError(`host exposed by two services: ${first} and ${path}`, {
              code: 'DUPLICATE_HOST',
              path: this.node.path,
              field: 'hosts',
              value: host,
              expected: `one service per host on ${this.ref}; give ${path} its own host in exposeVia, or route to it from ${first}'s gateway routes (destinations: [{ to: RouteTarget.service(...) }])`,
            }).detail,
          );
        }
      }
    }
    return errors;
  }

  private checkServer(s: GatewayServer, i: number, hosts: readonly string[]): void {
    requirePort(this.node.path, `servers[${i}].port`, s.port);
    if (s.protocol === 'HTTPS' && !s.credentialName) {
      throw new MeshforgeError('HTTPS listener without a certificate', {
        code: 'GATEWAY_TLS',
        path: this.node.path,
        field: `servers[${i}].credentialName`,
        value: s.credentialName,
        expected: 'the name of a kubernetes.io/tls Secret in the ingress gateway namespace',
      });
    }
    if ((s.hosts ?? hosts).length === 0) {
      throw new MeshforgeError('listener without hosts', {
        code: 'INVALID_HOST',
        path: this.node.path,
        field: `servers[${i}].hosts`,
        value: [],
        expected: 'at least one host (set hosts on the gateway or the listener)',
      });
    }
  }
}
