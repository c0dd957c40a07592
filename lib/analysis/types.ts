import { Manifest, ObjectRef, PolicyObject } from '../policy/types';

/**
 * How bad a finding is. `error` fails `npm run check`; `warning` and `info` are
 * shown and the check still exits 0 (the same three levels as `istioctl analyze`).
 */
export type AnalysisLevel = 'error' | 'warning' | 'info';

/** One analyzer code: the public contract documented in the codes table. */
export interface AnalysisCode {
  /** `IST0101` for a code Istio's analyzer has, `MF0001` for meshforge's own. */
  readonly code: string;
  /** Istio's message name (`ReferencedResourceNotFound`) or meshforge's. */
  readonly name: string;
  readonly level: AnalysisLevel;
  /** One line: what the code finds. */
  readonly summary: string;
  /** The generic fix; findings carry a specific one. */
  readonly fix: string;
}

/** One result of the analyzer, attached to the object it is about. */
export interface AnalysisFinding {
  readonly code: string;
  readonly name: string;
  readonly level: AnalysisLevel;
  readonly object: ObjectRef;
  /** What is wrong (Istio's message template where Istio has the code). */
  readonly message: string;
  /** What to change. */
  readonly fix: string;
  /** The manifest field concerned, as a dotted path with [indexes]. */
  readonly field: string;
}

/** What an analyzer reports before the runner attaches code data: the object and the specifics. */
export interface RawFinding {
  readonly object: PolicyObject;
  readonly message: string;
  readonly fix: string;
  readonly field: string;
  /** Overrides the code's level (a code whose certainty depends on what the input shows). @default the code's level */
  readonly level?: AnalysisLevel;
}

/** One analyzer: reads the whole input (cross-object) and reports findings for one code. */
export interface Analyzer {
  readonly code: AnalysisCode;
  analyze(input: AnalysisInput): readonly RawFinding[];
}

/** A checked object of a known kind, with the namespace Istio would give it. */
export interface Located {
  readonly object: PolicyObject;
  readonly manifest: Manifest;
  /** `metadata.namespace`, or `default` when unset (what `istioctl analyze` assumes for files). */
  readonly namespace: string;
  readonly name: string;
}

/** The indexed input every analyzer reads (built once per check). */
export interface AnalysisInput {
  readonly objects: readonly PolicyObject[];
  readonly virtualServices: readonly Located[];
  readonly destinationRules: readonly Located[];
  readonly serviceEntries: readonly Located[];
  readonly gateways: readonly Located[];
  /** Kubernetes Gateway API Gateways (gateway.networking.k8s.io). */
  readonly kubernetesGateways: readonly Located[];
  readonly services: readonly Located[];
  readonly serviceAccounts: readonly Located[];
  readonly secrets: readonly Located[];
  /** cert-manager Certificates (they create the Secret named in `spec.secretName`). */
  readonly certificates: readonly Located[];
  /** Every workload with a pod template (Pod, Deployment, StatefulSet, ...). */
  readonly workloads: readonly WorkloadInfo[];
  /** Whether the mesh config in the input turns on DNS capture with address auto-allocation. */
  readonly autoAllocatesAddresses: boolean;
}

/** A workload's pod template, located. */
export interface WorkloadInfo extends Located {
  /** The pod template's labels. */
  readonly podLabels: Readonly<Record<string, string>>;
  /** The pod template's annotations. */
  readonly podAnnotations: Readonly<Record<string, string>>;
  /** The pod spec. */
  readonly podSpec: Readonly<Record<string, unknown>>;
  /** Dotted path of the pod spec in the manifest. */
  readonly podSpecPath: string;
}

/** The analyzer's result over one input. */
export interface AnalysisReport {
  /** In input order (file, document, List item), then code order. */
  readonly findings: readonly AnalysisFinding[];
  /** Findings dropped by a `galley.istio.io/analyze-suppress` annotation. */
  readonly suppressed: readonly AnalysisFinding[];
}
