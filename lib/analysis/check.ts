import { resolveEnvironments, unknownEnvironment } from '../policy/environment';
import { loadPolicyObjects, LoadOptions } from '../policy/load';
import { positionKey, renderReport } from '../policy/report';
import { checkObjects, CheckOptions, groupByEnvironment, refOf } from '../policy/runner';
import { PolicyObject, PolicyReport } from '../policy/types';
import { analysisFails, analyzeObjects, AnalyzeOptions } from './analyze';
import { renderAnalysis } from './report';
import { AnalysisReport } from './types';

/** Everything `npm run check` finds: the per-object policy rules and the cross-object mesh analysis. */
export interface CheckResult {
  readonly policy: PolicyReport;
  readonly analysis: AnalysisReport;
  /** False when a policy rule is violated or the analysis has an error-level finding. */
  readonly ok: boolean;
}

/** Options of `checkAll`: where files are shown from, the declared environments, `--env`, and the rules to run. */
export type CheckAllOptions = Omit<LoadOptions, 'environmentNames'> & CheckOptions & AnalyzeOptions;

/**
 * Runs the analyzers once per environment (and once over the objects outside
 * every environment): each environment is its own cluster, so the same
 * VirtualService rendered for dev and prod is no conflict, and a Service in
 * prod does not resolve a reference in dev. Findings keep the input order.
 */
function analyzeByEnvironment(objects: readonly PolicyObject[], options: AnalyzeOptions): AnalysisReport {
  const groups = [...groupByEnvironment(objects).values()];
  if (groups.length <= 1) return analyzeObjects(objects, options);
  const position = new Map(objects.map((o, i) => [positionKey(refOf(o)), i]));
  const reports = groups.map((g) => analyzeObjects(g, options));
  const at = (f: AnalysisReport['findings'][number]): number => position.get(positionKey(f.object)) ?? 0;
  return {
    findings: reports.flatMap((r) => r.findings).sort((a, b) => at(a) - at(b)),
    suppressed: reports.flatMap((r) => r.suppressed).sort((a, b) => at(a) - at(b)),
  };
}

/**
 * Loads every object under `paths` once (List documents expanded, each tagged
 * with its environment) and runs the policy rules, the environment rules and
 * the analyzers. Throws a `MeshforgeError` before reading anything when the
 * environment list is invalid or `env` names no declared environment.
 */
export function checkAll(paths: readonly string[], options: CheckAllOptions = {}): CheckResult {
  const names = resolveEnvironments(options.environments ?? []).map((e) => e.name);
  if (options.env !== undefined && !names.includes(options.env)) throw unknownEnvironment(options.env, names);
  const objects = loadPolicyObjects(paths, { ...options, environmentNames: names });
  const policy = checkObjects(objects, options);
  const analysis = analyzeByEnvironment(objects, options);
  return { policy, analysis, ok: policy.violations.length === 0 && !analysisFails(analysis) };
}

/** The human report: the policy part, then the mesh analysis part. */
export function renderCheck(result: CheckResult): string {
  return `${renderReport(result.policy)}\n\n${renderAnalysis(result.analysis)}`;
}

/** The `--json` report: stable field names, for CI annotations and scripts. */
export function checkJson(result: CheckResult): string {
  const { policy, analysis } = result;
  return JSON.stringify(
    {
      ok: result.ok,
      objects: policy.objects,
      files: policy.files,
      violations: policy.violations,
      exceptions: policy.exceptions,
      unusedExceptions: policy.unusedExceptions,
      environments: policy.environments,
      environmentExceptions: policy.environmentExceptions,
      unusedEnvironmentExceptions: policy.unusedEnvironmentExceptions,
      findings: analysis.findings,
      suppressedFindings: analysis.suppressed,
    },
    null,
    2,
  );
}
