import { EnvironmentRuleId } from '../environments/environment-policy';
import { MeshforgeError } from '../validation';
import { exceptionAnnotation } from '../validation/policy-annotations';
import { EXCEPTION_ANNOTATION_PREFIX } from './exceptions';

/**
 * The id of every policy rule, in report order. Kept equal to the ids of
 * `RULES` by a test; constructs use `PolicyRuleId` so a misspelled id fails to
 * compile instead of failing the check.
 */
export const POLICY_RULE_IDS = [
  'privileged',
  'host-namespaces',
  'host-path',
  'host-ports',
  'proc-mount',
  'sysctls',
  'apparmor',
  'selinux',
  'volume-types',
  'privilege-escalation',
  'capabilities',
  'run-as-non-root',
  'seccomp',
  'read-only-root-fs',
  'resources',
  'probes',
  'image-tag',
  'inline-secrets',
  'rbac-wildcards',
  'service-selector',
  'mesh-zero-trust',
] as const;

/** The id of a policy rule (see `POLICY_RULE_IDS`). */
export type PolicyRuleId = (typeof POLICY_RULE_IDS)[number];

/**
 * The annotation that exempts one object from one policy rule (or one
 * environment rule), for a construct's `metadata.annotations`:
 * `{ ...policyException('host-path', 'reads /var/log of the node') }`.
 * Throws when the reason is blank: an exception must say why.
 */
export function policyException(rule: PolicyRuleId | EnvironmentRuleId, reason: string): Record<string, string> {
  if (reason.trim() === '') {
    throw new MeshforgeError('a policy exception needs a reason', {
      code: 'POLICY_EXCEPTION_REASON',
      field: `metadata.annotations["${EXCEPTION_ANNOTATION_PREFIX}${rule}"]`,
      value: reason,
      expected: 'a sentence saying why this object needs the exception',
    });
  }
  return exceptionAnnotation(rule, reason);
}
