/**
 * The contract between the mesh and the observability stack. meshforge's
 * `MeshService` satisfies it structurally (it exposes `name` and `namespace`),
 * so the stack never imports the mesh and the mesh never imports the stack.
 */

/** Golden-signal thresholds for one monitored service (Istio standard metrics). */
export interface ServiceThresholds {
  /**
   * Ratio of failed requests (0–1) above which `MeshServiceHighErrorRate` fires:
   * 5xx responses, plus gRPC statuses other than OK (0) for services with a gRPC port.
   * @default 0.05
   */
  readonly errorRatio?: number;
  /**
   * p99 latency in milliseconds above which `MeshServiceHighLatencyP99` fires.
   * @default 1000
   */
  readonly p99LatencyMs?: number;
  /**
   * How long a condition must hold before the alert fires.
   * @default "5m"
   */
  readonly for?: string;
  /**
   * Window of the `rate()` in every expression.
   * @default "5m"
   */
  readonly rateWindow?: string;
  /**
   * Fire `MeshServiceNoTraffic` when the service receives no requests for `noTrafficFor`.
   * Turn off for services that are idle by design.
   * @default true
   */
  readonly alertOnNoTraffic?: boolean;
  /**
   * How long a service must see no requests before `MeshServiceNoTraffic` fires.
   * @default "15m"
   */
  readonly noTrafficFor?: string;
  /**
   * Severity label of the error-rate and latency alerts.
   * @default "critical"
   */
  readonly severity?: 'critical' | 'warning';
}

/** A service the stack monitors. */
export interface IMonitoredService {
  /** Kubernetes Service name, equal to Istio's `destination_service_name`. */
  readonly name: string;
  /** Namespace, equal to Istio's `destination_workload_namespace`. */
  readonly namespace: string;
  /**
   * The service's own alert thresholds; the `thresholds` argument of
   * `monitor()` overrides them field by field.
   * @default - the stack's `serviceDefaults`
   */
  readonly alertThresholds?: ServiceThresholds;
  /**
   * The Service's ports with their application protocol (`MeshService.ports`
   * fits). A `grpc` port makes the error ratio count gRPC failures too.
   * @default - unknown: the error ratio counts 5xx and gRPC failures
   */
  readonly ports?: readonly { readonly protocol: string }[];
}
