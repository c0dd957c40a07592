import { Construct } from 'constructs';
import { toYaml } from './common';
import { Telemetry, TelemetrySpecTracing } from '../../imports/telemetry.istio.io';
import { MeshforgeError } from '../validation/meshforge-error';
import { checkDnsLabel } from './validators';

export interface IstioTracingProps {
  /** Name of the extension provider; must equal the name in `meshConfig.extensionProviders`. @default "jaeger" */
  readonly providerName?: string;
  /**
   * How Envoy sends spans: `opentelemetry` (OTLP gRPC) or `zipkin`.
   * @default "opentelemetry"
   */
  readonly protocol?: TracingProtocol;
  /** Collector host, e.g. `jaeger-collector.tracing.svc.cluster.local`. */
  readonly collectorHost: string;
  /** @default 4317 for opentelemetry, 9411 for zipkin */
  readonly collectorPort?: number;
  /** Percentage of requests traced, 0–100 with at most two decimals. @default 1 */
  readonly samplingPercentage?: number;
  /** Namespace of the Telemetry object: the Istio root namespace makes it mesh-wide. @default "istio-system" */
  readonly namespace?: string;
  /**
   * Emit a Telemetry object of its own. `false` when a MeshTelemetry carries
   * the tracing section (`meshTelemetry.useTracing(tracing)`): Istio allows
   * one selector-less Telemetry per namespace.
   * @default true
   */
  readonly standalone?: boolean;
}

/** The extension-provider type Envoy uses to export spans. */
export type TracingProtocol = 'opentelemetry' | 'zipkin';

/** Annotation on the Telemetry object carrying the mesh-config snippet it depends on. */
export const MESH_CONFIG_ANNOTATION = 'meshforge.io/required-mesh-config';

/**
 * The Istio side of tracing: a `Telemetry` resource choosing the provider and
 * sampling percentage. The provider itself lives in the Istio install
 * (`meshConfig.extensionProviders`), which meshforge does not own: the snippet
 * is returned by `meshConfigSnippet()`, documented in docs/observability.md and recorded
 * as an annotation on the Telemetry object so the two never drift apart.
 *
 * @see https://istio.io/latest/docs/tasks/observability/distributed-tracing/
 */
export class IstioTracing extends Construct {
  public readonly providerName: string;
  public readonly samplingPercentage: number;
  public readonly protocol: TracingProtocol;
  /** Whether this construct emits its own Telemetry object. */
  public readonly standalone: boolean;
  private readonly collectorHost: string;
  private readonly collectorPort: number;

  constructor(scope: Construct, id: string, props: IstioTracingProps) {
    super(scope, id);
    const path = this.node.path;
    this.providerName = checkDnsLabel(path, 'providerName', props.providerName ?? 'jaeger');
    const pct = props.samplingPercentage ?? 1;
    if (!Number.isFinite(pct) || pct < 0 || pct > 100 || Math.round(pct * 100) !== pct * 100) {
      throw new MeshforgeError('invalid sampling percentage', {
        code: 'INVALID_SAMPLING_PERCENTAGE',
        path,
        field: 'samplingPercentage',
        value: pct,
        expected: 'a number from 0 to 100 with at most two decimals, e.g. 1 or 0.25',
      });
    }
    this.samplingPercentage = pct;
    this.collectorHost = props.collectorHost;
    this.protocol = props.protocol ?? 'opentelemetry';
    this.collectorPort = props.collectorPort ?? (this.protocol === 'zipkin' ? 9411 : 4317);
    this.standalone = props.standalone ?? true;
    if (this.standalone) {
      new Telemetry(this, 'Resource', {
        metadata: {
          name: 'mesh-tracing',
          namespace: props.namespace ?? 'istio-system',
          labels: { 'app.kubernetes.io/managed-by': 'meshforge', 'app.kubernetes.io/part-of': 'meshforge-observability' },
          annotations: { [MESH_CONFIG_ANNOTATION]: JSON.stringify(this.meshConfig()) },
        },
        spec: { tracing: [this.tracingSpec()] },
      });
    }
  }

  /** The Telemetry `tracing` entry: the provider and the sampling percentage. */
  public tracingSpec(): TelemetrySpecTracing {
    return { providers: [{ name: this.providerName }], randomSamplingPercentage: this.samplingPercentage };
  }

  /** The `meshConfig` fragment the Istio install must contain (IstioOperator `spec.meshConfig` / Helm `meshConfig`). */
  public meshConfig(): { enableTracing: true; extensionProviders: ({ name: string } & Record<string, unknown>)[] } {
    return {
      enableTracing: true,
      extensionProviders: [{ name: this.providerName, [this.protocol]: { service: this.collectorHost, port: this.collectorPort } }],
    };
  }

  /** `meshConfig` snippet as YAML, ready to paste into IstioOperator or Helm values. */
  public meshConfigSnippet(): string {
    return toYaml({ meshConfig: this.meshConfig() });
  }
}
