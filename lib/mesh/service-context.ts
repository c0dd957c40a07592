import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { MANAGED_BY, VERSION_LABEL } from './conventions';
import { MeshNamespace } from './mesh-namespace';
import { MeshServiceProps, ServicePortInfo } from './mesh-service-props';

/**
 * What the parts of a MeshService (workload, traffic, exposure, monitor)
 * share: its props and the facts resolved from them once, in the
 * constructor. Read-only: each part keeps its own state.
 */
export interface ServiceContext {
  /** The MeshService: parent of every object its parts create (construct ids are part of the output). */
  readonly scope: Construct;
  /** Construct path, named in errors. */
  readonly path: string;
  readonly props: MeshServiceProps;
  readonly name: string;
  readonly namespace: string;
  /** The MeshNamespace, when the service was given one (not a name). */
  readonly meshNamespace?: MeshNamespace;
  /** `<name>.<namespace>.svc.cluster.local`. */
  readonly host: string;
  readonly mesh: boolean;
  readonly ports: readonly ServicePortInfo[];
  readonly selectorLabels: Readonly<Record<string, string>>;
  readonly serviceAccountName: string;
  readonly appMetrics?: { readonly port: number; readonly path: string };
  /** Path Prometheus scrapes (the merged endpoint's in mesh mode). */
  readonly metricsPath?: string;
  /** The ConfigMap of `files`: its name and content checksum, when there are files. */
  readonly config?: { readonly mapName: string; readonly hash: string };
  /** The built ConfigMap, once the cdk8s-plus object exists (stand-ins build it before the Deployments). */
  configMap(): kplus.ConfigMap | undefined;
}

/** The `app.kubernetes.io/*` labels of the service's objects (with the version on per-version objects). */
export function commonLabels(name: string, partOf: string | undefined, version?: string): Record<string, string> {
  const labels: Record<string, string> = {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
  if (partOf) labels['app.kubernetes.io/part-of'] = partOf;
  if (version) labels['app.kubernetes.io/version'] = version;
  return labels;
}

/** Records one failure of `MeshService.check()` (the parts add theirs in a fixed order). */
export type ReportError = (code: string, message: string, field: string, value: unknown, expected: string) => void;

/** Name of a version's Deployment, HPA and PDB: `deploymentName` (a single version only), else `<name>-<version>`. */
export function deploymentNameOf(ctx: ServiceContext, version: string): string {
  return ctx.props.deploymentName ?? `${ctx.name}-${version}`;
}

/** `spec.selector.matchLabels` of a version's Deployment (immutable once applied): `deploymentSelector`, else app + version. */
export function deploymentSelectorOf(ctx: ServiceContext, version: string): Record<string, string> {
  return ctx.props.deploymentSelector ? { ...ctx.props.deploymentSelector } : { ...ctx.selectorLabels, [VERSION_LABEL]: version };
}
