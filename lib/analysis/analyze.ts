import { apiGroup, metadataOf, stringMap } from '../policy/manifest';
import { refOf } from '../policy/runner';
import { PolicyObject } from '../policy/types';
import { conflictingMeshGatewayHosts } from './analyzers/conflicting-hosts';
import { gatewayCredentialNamespace } from './analyzers/gateway-credential';
import { hostNotFoundInGateway } from './analyzers/gateway-hosts';
import { portNameConvention } from './analyzers/port-name';
import { destinationPortSelectorRequired } from './analyzers/port-selector';
import { referencedResourceNotFound } from './analyzers/references';
import { retryBudget } from './analyzers/retry-budget';
import { routeWeights } from './analyzers/route-weights';
import { serviceAccountNotFound } from './analyzers/service-account';
import { serviceEntryAddressesRequired } from './analyzers/service-entry-addresses';
import { subsetSelectsNoPods, unknownDestinationRuleHost } from './analyzers/subsets';
import { SUPPRESS_ANNOTATION } from './codes';
import { buildInput } from './input';
import { AnalysisFinding, AnalysisReport, Analyzer } from './types';

/** Every analyzer, in report order (IST codes, then MF codes). */
export const ANALYZERS: readonly Analyzer[] = [
  referencedResourceNotFound,
  conflictingMeshGatewayHosts,
  destinationPortSelectorRequired,
  portNameConvention,
  hostNotFoundInGateway,
  serviceEntryAddressesRequired,
  subsetSelectsNoPods,
  unknownDestinationRuleHost,
  retryBudget,
  serviceAccountNotFound,
  routeWeights,
  gatewayCredentialNamespace,
];

export interface AnalyzeOptions {
  /** The analyzers to run. @default ANALYZERS */
  readonly analyzers?: readonly Analyzer[];
}

/**
 * Namespaces `istioctl analyze` leaves out of its input entirely (istio/istio
 * pkg/kube/inject IgnoredNamespaces, applied in pkg/config/analysis/local/istiod_analyze.go).
 */
export const IGNORED_NAMESPACES: ReadonlySet<string> = new Set(['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage']);

function ignored(object: PolicyObject): boolean {
  const metadata = metadataOf(object.manifest);
  const namespace = object.manifest.kind === 'Namespace' && apiGroup(object.manifest) === '' ? metadata.name : metadata.namespace;
  return typeof namespace === 'string' && IGNORED_NAMESPACES.has(namespace);
}

/** Whether the object's `galley.istio.io/analyze-suppress` annotation names `code` (or `*`), as istioctl honours it. */
function suppressed(object: PolicyObject, code: string): boolean {
  const value = stringMap(metadataOf(object.manifest).annotations)[SUPPRESS_ANNOTATION];
  return value !== undefined && value.split(',').some((c) => c.trim() === '*' || c.trim() === code);
}

/**
 * Runs the mesh analyzers over every object (cross-object: references, conflicts,
 * selectors) outside the ignored system namespaces. Findings come in input order (file, document, List item), then code order.
 */
export function analyzeObjects(objects: readonly PolicyObject[], options: AnalyzeOptions = {}): AnalysisReport {
  const input = buildInput(objects.filter((o) => !ignored(o)));
  const position = new Map(objects.map((o, i) => [o, i]));
  const analyzers = options.analyzers ?? ANALYZERS;
  const rows: { finding: AnalysisFinding; pos: number; order: number; seq: number }[] = [];
  const dropped: AnalysisFinding[] = [];
  analyzers.forEach((analyzer, order) => {
    for (const raw of analyzer.analyze(input)) {
      const { code, name, level } = analyzer.code;
      const finding: AnalysisFinding = { code, name, level: raw.level ?? level, object: refOf(raw.object), message: raw.message, fix: raw.fix, field: raw.field };
      if (suppressed(raw.object, code)) dropped.push(finding);
      else rows.push({ finding, pos: position.get(raw.object) ?? 0, order, seq: rows.length });
    }
  });
  rows.sort((a, b) => a.pos - b.pos || a.order - b.order || a.seq - b.seq);
  return { findings: rows.map((r) => r.finding), suppressed: dropped };
}

/** Whether the report fails the check (any error-level finding). */
export function analysisFails(report: AnalysisReport): boolean {
  return report.findings.some((f) => f.level === 'error');
}
