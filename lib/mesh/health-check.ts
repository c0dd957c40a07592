import { Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { requireIntInRange, requirePort, requireWholeSeconds } from './conventions';

/** Timing shared by every kind of health check. */
export interface HealthCheckOptions {
  /**
   * Port to probe. Ignored by `exec`.
   * @default - the service's first target port
   */
  readonly port?: number;
  /** @default Duration.seconds(0) */
  readonly initialDelay?: Duration;
  /** @default Duration.seconds(10) */
  readonly period?: Duration;
  /** @default Duration.seconds(1) */
  readonly timeout?: Duration;
  /** @default 3 */
  readonly failureThreshold?: number;
  /**
   * Must be 1 for liveness and startup probes (Kubernetes rule).
   * @default 1
   */
  readonly successThreshold?: number;
}

/** Options of an HTTP GET check. */
export interface HttpHealthCheckOptions extends HealthCheckOptions {
  /** @default "HTTP" */
  readonly scheme?: 'HTTP' | 'HTTPS';
}

/** Options of a gRPC health check (grpc.health.v1.Health/Check). */
export interface GrpcHealthCheckOptions extends HealthCheckOptions {
  /**
   * Service name sent in the HealthCheckRequest.
   * @default - the server's overall health ("")
   */
  readonly service?: string;
}

type Action =
  | { readonly kind: 'http'; readonly path: string; readonly scheme: string }
  | { readonly kind: 'grpc'; readonly service?: string }
  | { readonly kind: 'tcp' }
  | { readonly kind: 'exec'; readonly command: readonly string[] };

/**
 * A liveness, readiness or startup probe. cdk8s-plus' `Probe` has no gRPC
 * variant, so meshforge models all four kinds (HTTP, gRPC, TCP, exec) here.
 *
 * @see https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
 */
export class HealthCheck {
  /** HTTP GET on `path`; 200–399 is healthy. */
  public static http(path: string, options: HttpHealthCheckOptions = {}): HealthCheck {
    return new HealthCheck({ kind: 'http', path, scheme: options.scheme ?? 'HTTP' }, options);
  }
  /** The standard gRPC health checking protocol (Kubernetes ≥ 1.24). */
  public static grpc(options: GrpcHealthCheckOptions = {}): HealthCheck {
    return new HealthCheck({ kind: 'grpc', service: options.service }, options);
  }
  /** Healthy when a TCP connection can be opened. */
  public static tcp(options: HealthCheckOptions = {}): HealthCheck {
    return new HealthCheck({ kind: 'tcp' }, options);
  }
  /** Healthy when `command` exits 0 inside the container. */
  public static exec(command: readonly string[], options: HealthCheckOptions = {}): HealthCheck {
    return new HealthCheck({ kind: 'exec', command: [...command] }, options);
  }

  private constructor(
    private readonly action: Action,
    private readonly options: HealthCheckOptions,
  ) {}

  /** Consecutive successes needed after a failure. */
  public get successThreshold(): number {
    return this.options.successThreshold ?? 1;
  }

  /**
   * @internal Throws a MeshforgeError (path, `<field>.<option>`) for values
   * the API server would reject: fractional or too short durations, ports,
   * thresholds below 1.
   */
  public _check(path: string, field: string): void {
    const o = this.options;
    requireWholeSeconds(path, `${field}.initialDelay`, o.initialDelay, 0);
    requireWholeSeconds(path, `${field}.period`, o.period, 1);
    requireWholeSeconds(path, `${field}.timeout`, o.timeout, 1);
    requirePort(path, `${field}.port`, o.port);
    for (const key of ['failureThreshold', 'successThreshold'] as const) {
      requireIntInRange('PROBE_THRESHOLD', `${key} out of range`, path, `${field}.${key}`, o[key], 1, Number.MAX_SAFE_INTEGER);
    }
  }

  /** @internal The probe as plain JSON data (what `toKube` renders to), for MeshService's fast rendering. */
  public _toPlain(defaultPort: number): Record<string, unknown> {
    const probe = this.toKube(defaultPort);
    const a = this.action;
    const port = this.options.port ?? defaultPort;
    if (a.kind === 'http') return { ...probe, httpGet: { ...probe.httpGet, port } };
    if (a.kind === 'tcp') return { ...probe, tcpSocket: { port } };
    return { ...probe };
  }

  /**
   * The Kubernetes probe (typed: it is patched into a `KubeDeployment`, whose
   * own toJson serializes it); `defaultPort` is used when the check names no port.
   */
  public toKube(defaultPort: number): k8s.Probe {
    const o = this.options;
    const port = o.port ?? defaultPort;
    const timing = {
      initialDelaySeconds: (o.initialDelay ?? Duration.seconds(0)).toSeconds(),
      periodSeconds: (o.period ?? Duration.seconds(10)).toSeconds(),
      timeoutSeconds: (o.timeout ?? Duration.seconds(1)).toSeconds(),
      failureThreshold: o.failureThreshold ?? 3,
      successThreshold: o.successThreshold ?? 1,
    };
    const a = this.action;
    switch (a.kind) {
      case 'http':
        return { ...timing, httpGet: { path: a.path, port: k8s.IntOrString.fromNumber(port), scheme: a.scheme } };
      case 'grpc':
        return { ...timing, grpc: { port, service: a.service } };
      case 'tcp':
        return { ...timing, tcpSocket: { port: k8s.IntOrString.fromNumber(port) } };
      case 'exec':
        return { ...timing, exec: { command: [...a.command] } };
    }
  }
}
