export * from './synth';
export * from './environments';
export * from './validation';
// The policy check keeps generic names (Manifest, Finding, RULES...) inside lib/policy; the barrel exposes its entry points.
export {
  checkObjects,
  checkPaths,
  renderReport,
  policyException,
  POLICY_RULE_IDS,
  RULES as POLICY_RULES,
  ENVIRONMENT_RULES,
  ENVIRONMENT_RULE_IDS,
} from './policy';
export type { PolicyReport, PolicyObject, PolicyRule, PolicyRuleId, Violation as PolicyViolation, HonouredException } from './policy';
// The per-environment policy of `npm run check` (the contract lives in lib/environments/environment-policy.ts).
export type { EnvironmentPolicy, EnvironmentPolicyException, EnvironmentPolicyRef, EnvironmentRuleId, EnvironmentRule, HonouredEnvironmentException } from './policy';
// The mesh analyzer behind `npm run check` (istioctl-analyze-style codes over any YAML).
export { analyzeObjects, checkAll, renderAnalysis, renderCheck, checkJson, ANALYZERS, CODES as ANALYSIS_CODES, EXISTING_SERVICE_ACCOUNT_ANNOTATION } from './analysis';
export type { AnalysisCode, AnalysisFinding, AnalysisLevel, AnalysisReport, CheckResult } from './analysis';
export * from './security';
export * from './mesh';
export * from './common';
