import { loadPolicyObjects, LoadOptions } from '../policy/load';
import { renderReport } from '../policy/report';
import { checkObjects, CheckOptions } from '../policy/runner';
import { PolicyReport } from '../policy/types';
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

/** Loads every object under `paths` once (List documents expanded) and runs both the policy rules and the analyzers. */
export function checkAll(paths: readonly string[], options: LoadOptions & CheckOptions & AnalyzeOptions = {}): CheckResult {
  const objects = loadPolicyObjects(paths, options);
  const policy = checkObjects(objects, options);
  const analysis = analyzeObjects(objects, options);
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
      findings: analysis.findings,
      suppressedFindings: analysis.suppressed,
    },
    null,
    2,
  );
}
