import { isHttpFamilyPortName } from '../mesh/conventions';
import { MeshGateway } from '../mesh/mesh-gateway';

/**
 * What the security constructs need to know about a workload. MeshService
 * implements it; security reads the mesh, the mesh never imports security.
 */
export interface WorkloadPort {
  /** Service port name (e.g. `http`, `grpc-api`). */
  readonly name: string;
  /** Port on the Service. */
  readonly port: number;
  /** Port the container listens on (what NetworkPolicy and AuthorizationPolicy see). */
  readonly targetPort: number;
}

export interface IMeshWorkload {
  /** Service name, also the `app` label. */
  readonly name: string;
  /** Namespace of the workload's pods. */
  readonly namespace: string;
  /** Kubernetes service account the pods run as (the mTLS identity). */
  readonly serviceAccountName: string;
  /** Labels that select the workload's pods (all versions), e.g. `{ app: name }`. */
  readonly selectorLabels: Readonly<Record<string, string>>;
  /** Ports the workload serves. */
  readonly workloadPorts: readonly WorkloadPort[];
  /** Whether the pods carry an Istio sidecar; without it only NetworkPolicy applies. */
  readonly meshEnabled: boolean;
  /** Application metrics port scraped by Prometheus, if any. */
  readonly metricsPort?: number;
  /**
   * Gateways the workload is exposed through (MeshService.exposeVia). Each
   * gateway's pods are admitted on the workload's HTTP/gRPC ports (for a
   * MeshService: only the gateways whose routes reach it, `gatewaysServingSelf`).
   */
  readonly gatewayExposures?: readonly { readonly gateway: MeshGateway }[];
  /**
   * The workload's pods call each other (a StatefulSet's replicas replicating
   * through its headless Service): it is admitted as its own caller.
   * @default false
   */
  readonly admitsPeers?: boolean;
}

/** Port names Istio routes HTTP, HTTP/2 and gRPC on (what a Gateway forwards). */
export function isHttpFamilyPort(port: WorkloadPort): boolean {
  return isHttpFamilyPortName(port.name);
}

/** Labels on every object lib/security emits (same convention as the mesh's). */
export function securityLabels(workload?: string): Record<string, string> {
  return {
    'app.kubernetes.io/managed-by': 'meshforge',
    'app.kubernetes.io/component': 'security',
    ...(workload ? { 'app.kubernetes.io/name': workload } : {}),
  };
}
