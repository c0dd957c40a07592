/**
 * The policy check's annotation keys, here so that constructs (which may not
 * import lib/policy) write the exact keys `npm run check` reads.
 */

/** Annotations under this prefix belong to the policy check. */
export const POLICY_ANNOTATION_PREFIX = 'policy.meshforge.io/';
/** `policy.meshforge.io/allow-<rule-id>: "<reason>"` exempts one object from one rule. */
export const EXCEPTION_ANNOTATION_PREFIX = `${POLICY_ANNOTATION_PREFIX}allow-`;
