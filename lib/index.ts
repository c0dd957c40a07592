export * from './synth';
export * from './validation';
// The policy check keeps generic names (Manifest, Finding, RULES...) inside lib/policy; the barrel exposes its entry points.
export {
  checkObjects,
  checkPaths,
  renderReport,
  policyException,
  POLICY_RULE_IDS,
  RULES as POLICY_RULES,
} from './policy';
export type { PolicyReport, PolicyObject, PolicyRule, PolicyRuleId, Violation as PolicyViolation, HonouredException } from './policy';
export * from './security';
export * from './mesh';
export * from './common';
