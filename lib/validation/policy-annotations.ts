/**
 * The policy check's annotation keys, here so that constructs (which may not
 * import lib/policy) write the exact keys `npm run check` reads.
 */

/** Annotations under this prefix belong to the policy check. */
export const POLICY_ANNOTATION_PREFIX = 'policy.meshforge.io/';
/** `policy.meshforge.io/allow-<rule-id>: "<reason>"` exempts one object from one rule. */
export const EXCEPTION_ANNOTATION_PREFIX = `${POLICY_ANNOTATION_PREFIX}allow-`;

/** The annotation exempting an object from `rule`, its reason trimmed (callers check the reason is not blank). */
export function exceptionAnnotation(rule: string, reason: string): Record<string, string> {
  return { [`${EXCEPTION_ANNOTATION_PREFIX}${rule}`]: reason.trim() };
}

/**
 * The inline-secrets exception for the `allowInlineEnv` variables of a
 * workload (`{ VAR: reason }`), as `VAR: reason; ...` in name order; none
 * without variables.
 */
export function inlineSecretsException(allowInlineEnv: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const allowed = Object.entries(allowInlineEnv ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return allowed.length > 0 ? exceptionAnnotation('inline-secrets', allowed.map(([name, reason]) => `${name}: ${reason.trim()}`).join('; ')) : {};
}
