import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { Telemetry, TelemetrySpecAccessLogging, TelemetrySpecAccessLoggingMatchMode } from '../../imports/telemetry.istio.io';
import { SideFile } from '../common/side-file';
import { MeshforgeError } from '../validation/meshforge-error';
import { AccessLogFilter, AccessLogMode, AccessLogProvider, AccessLoggingOptions } from './access-logging';
import { PART_OF, toYaml } from './common';
import type { IstioTracing } from './istio-tracing';
import { MESH_CONFIG_ANNOTATION } from './istio-tracing';
import { checkDnsLabel } from './validators';

export interface MeshTelemetryProps {
  /** Istio's root namespace (`meshConfig.rootNamespace`): a Telemetry there applies to the whole mesh. @default "istio-system" */
  readonly rootNamespace?: string;
  /** Name of the Telemetry object. @default "mesh-default" */
  readonly name?: string;
  /** Envoy access logs for every sidecar and gateway; `false` for none. @default {} (see AccessLoggingOptions) */
  readonly accessLogging?: AccessLoggingOptions | false;
  /**
   * Folder under `dist/<app>/` for the mesh config files (not applied by
   * GitOps; see SideFile).
   * @default "istio"
   */
  readonly meshConfigFolder?: string;
}

/** A `meshConfig.extensionProviders` entry. */
export type ExtensionProvider = Readonly<Record<string, unknown>> & { readonly name: string };

/** The `meshConfig` fragment the Istio install must contain. */
export interface MeshConfigFragment {
  /** @default - absent: Istio's own default (true) */
  readonly enableTracing?: boolean;
  readonly extensionProviders: readonly ExtensionProvider[];
}

/** File names under `meshConfigFolder`. */
export const MESH_CONFIG_FILES = { istioOperator: 'mesh-config.istiooperator.yaml', helmValues: 'mesh-config.istiod-values.yaml' } as const;

/**
 * The mesh-wide `Telemetry` object in Istio's root namespace: tracing (from
 * an IstioTracing) and Envoy access logs in one resource, because Istio
 * allows only one selector-less Telemetry per namespace, the root included
 * (istio.io Telemetry reference). Namespaces and workloads can still override
 * any section with their own Telemetry; each section is replaced as a whole.
 *
 * Mesh-wide rather than one Telemetry per MeshNamespace: access logs are on
 * for every meshed namespace (and gateway) without each app opting in, and
 * the observability app writes nothing into application namespaces, which
 * another app creates (GitOps applies apps independently, so such an object
 * would fail until that namespace exists).
 *
 * Providers that Istio does not ship are declared in the Istio install's
 * `meshConfig.extensionProviders`, which meshforge does not own: synth writes
 * them to `dist/<app>/<meshConfigFolder>/` (an IstioOperator overlay and
 * istiod Helm values, neither listed in kustomization.yaml) and prints one
 * line saying the user must apply them.
 *
 * @see https://istio.io/latest/docs/tasks/observability/telemetry/
 * @see https://istio.io/latest/docs/tasks/observability/logs/access-log/
 */
export class MeshTelemetry extends Construct {
  public readonly name: string;
  public readonly rootNamespace: string;
  /** The access log provider, when access logging is on. */
  public readonly accessLogProvider?: AccessLogProvider;
  /** The access log filter, when access logging is on. */
  public readonly accessLogFilter?: AccessLogFilter;
  public readonly accessLogMode?: AccessLogMode;
  private readonly folder: string;
  private tracing?: IstioTracing;
  private filesAdded = false;

  constructor(scope: Construct, id: string, props: MeshTelemetryProps = {}) {
    super(scope, id);
    const path = this.node.path;
    this.rootNamespace = checkDnsLabel(path, 'rootNamespace', props.rootNamespace ?? 'istio-system');
    this.name = checkDnsLabel(path, 'name', props.name ?? 'mesh-default');
    this.folder = props.meshConfigFolder ?? 'istio';
    const logging = props.accessLogging === false ? undefined : (props.accessLogging ?? {});
    if (logging) {
      this.accessLogProvider = logging.provider ?? AccessLogProvider.envoy();
      this.accessLogFilter = logging.filter ?? AccessLogFilter.all();
      this.accessLogMode = logging.mode ?? 'CLIENT_AND_SERVER';
      if (this.accessLogProvider.extensionProvider) this.addMeshConfigFiles();
    }
    new Telemetry(this, 'Resource', {
      metadata: {
        name: this.name,
        namespace: this.rootNamespace,
        labels: { 'app.kubernetes.io/managed-by': 'meshforge', 'app.kubernetes.io/part-of': PART_OF },
        annotations: { [MESH_CONFIG_ANNOTATION]: Lazy.any({ produce: () => JSON.stringify(this.meshConfig()) }) as unknown as string },
      },
      spec: Lazy.any({
        produce: () => ({
          ...(this.tracing ? { tracing: [this.tracing.tracingSpec()] } : {}),
          ...(this.accessLogProvider ? { accessLogging: [this.accessLoggingSpec()] } : {}),
        }),
      }),
    });
    this.node.addValidation({ validate: () => (this.tracing || this.accessLogProvider ? [] : ['MeshTelemetry has neither tracing nor access logging: remove it or call useTracing()']) });
  }

  /** Puts `tracing`'s section into this Telemetry (the IstioTracing must be built with `standalone: false`). */
  public useTracing(tracing: IstioTracing): this {
    if (this.tracing) {
      throw new MeshforgeError('tracing already set', { code: 'DUPLICATE_TRACING', path: this.node.path, field: 'tracing', value: tracing.node.path, expected: 'one IstioTracing per mesh-wide Telemetry' });
    }
    if (tracing.standalone) {
      throw new MeshforgeError('tracing emits its own Telemetry', {
        code: 'STANDALONE_TRACING',
        path: this.node.path,
        field: 'tracing',
        value: tracing.node.path,
        expected: `an IstioTracing with standalone: false: Istio allows one selector-less Telemetry per namespace, and ${this.rootNamespace} would get two`,
      });
    }
    if (this.accessLogProvider && this.accessLogProvider.name === tracing.providerName) {
      throw new MeshforgeError('provider name used twice', {
        code: 'DUPLICATE_EXTENSION_PROVIDER',
        path: this.node.path,
        field: 'tracing.providerName',
        value: tracing.providerName,
        expected: `a name other than the access log provider "${this.accessLogProvider.name}": meshConfig.extensionProviders are keyed by name`,
      });
    }
    this.tracing = tracing;
    this.addMeshConfigFiles();
    return this;
  }

  /** The `meshConfig` fragment the Istio install must contain (also the annotation on the Telemetry object). */
  public meshConfig(): MeshConfigFragment {
    const tracing = this.tracing?.meshConfig();
    const providers: ExtensionProvider[] = [...(tracing?.extensionProviders ?? [])];
    const access = this.accessLogProvider?.extensionProvider;
    if (access) providers.push(access as ExtensionProvider);
    return { ...(tracing ? { enableTracing: true } : {}), extensionProviders: providers };
  }

  /** Names of every provider the Telemetry object references. */
  public referencedProviders(): string[] {
    return [...(this.tracing ? [this.tracing.providerName] : []), ...(this.accessLogProvider ? [this.accessLogProvider.name] : [])];
  }

  private accessLoggingSpec(): TelemetrySpecAccessLogging {
    const mode = this.accessLogMode!;
    return {
      providers: [{ name: this.accessLogProvider!.name }],
      ...(this.accessLogFilter!.expression !== undefined ? { filter: { expression: this.accessLogFilter!.expression } } : {}),
      // CLIENT_AND_SERVER is Istio's default: written only when it differs
      ...(mode !== 'CLIENT_AND_SERVER' ? { match: { mode: mode as TelemetrySpecAccessLoggingMatchMode } } : {}),
    };
  }

  /** The two side files, once; their content is rendered at synth, after every section was added. */
  private addMeshConfigFiles(): void {
    if (this.filesAdded) return;
    this.filesAdded = true;
    const header = (how: string) =>
      [
        '# Generated by meshforge (npm run synth). Not applied by Argo CD / Flux: it configures istiod, which meshforge does not own.',
        `# The Telemetry ${this.rootNamespace}/${this.name} names these extension providers; without them istiod skips that telemetry.`,
        `# ${how}`,
        '',
      ].join('\n');
    const operator = `${this.folder}/${MESH_CONFIG_FILES.istioOperator}`;
    const helm = `${this.folder}/${MESH_CONFIG_FILES.helmValues}`;
    new SideFile(this, 'IstioOperatorOverlay', {
      path: operator,
      content: () =>
        header('Apply: istioctl install -f <your IstioOperator> -f this-file (later files are merged over earlier ones).') +
        toYaml({ apiVersion: 'install.istio.io/v1alpha1', kind: 'IstioOperator', spec: { meshConfig: this.meshConfig() } }),
      notice: `ACTION REQUIRED: add this mesh config to your Istio install (istioctl install -f; for Helm use ${MESH_CONFIG_FILES.helmValues} next to it); the Telemetry providers it declares stay inactive until then.`,
    });
    new SideFile(this, 'IstiodHelmValues', {
      path: helm,
      content: () =>
        header('Apply: helm upgrade istiod istio/istiod -n istio-system --reuse-values -f this-file (Helm replaces lists: merge your own extensionProviders in first).') +
        toYaml({ meshConfig: this.meshConfig() }),
    });
  }
}
