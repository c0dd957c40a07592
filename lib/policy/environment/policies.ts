import { EnvironmentPolicyRef, EnvironmentRuleId } from '../../environments/environment-policy';
import { MeshforgeError } from '../../validation';
import { quoteList } from '../manifest';

/** Every environment rule id, in report order. */
export const ENVIRONMENT_RULE_IDS: readonly EnvironmentRuleId[] = ['env-min-replicas', 'env-disruption-budget', 'env-resource-limits', 'env-strict-mtls'];

/** `EnvironmentPolicy.minReplicas` when unset. */
export const DEFAULT_MIN_REPLICAS = 2;

/** An environment's policy with its defaults applied: what the runner reads. */
export interface ResolvedEnvironment {
  readonly name: string;
  readonly minReplicas: number;
  /** Declared exceptions: rule id → reason (trimmed). */
  readonly exceptions: ReadonlyMap<string, string>;
}

function fail(name: string, message: string, code: string, field: string, value: unknown, expected: string): never {
  throw new MeshforgeError(message, { code, path: `environments/${name}`, field, value, expected });
}

/**
 * Validates the environment list and applies defaults. Throws a
 * `MeshforgeError` on the first problem: a duplicate or unusable name, a
 * `minReplicas` below 1 (or not a whole number), an exception naming an
 * unknown rule, declared twice, or with a blank reason.
 */
export function resolveEnvironments(refs: readonly EnvironmentPolicyRef[]): ResolvedEnvironment[] {
  const seen = new Set<string>();
  return refs.map((ref, i) => {
    const name = ref.name;
    if (typeof name !== 'string' || name.trim() === '' || name === '.' || name === '..' || /[/\\]/.test(name)) {
      fail(String(name), 'an environment name must be one folder name', 'ENV_POLICY_NAME', `environments[${i}].name`, name, 'a non-empty name without / or \\, e.g. "prod" (its files sit under dist/<name>/)');
    }
    if (seen.has(name)) fail(name, `environment "${name}" is declared twice`, 'ENV_POLICY_DUPLICATE', `environments[${i}].name`, name, 'unique environment names');
    seen.add(name);
    const policy = ref.policy ?? {};
    const minReplicas = policy.minReplicas ?? DEFAULT_MIN_REPLICAS;
    if (typeof minReplicas !== 'number' || !Number.isInteger(minReplicas) || minReplicas < 1) {
      fail(name, 'minReplicas must be a whole number of at least 1', 'ENV_POLICY_MIN_REPLICAS', 'policy.minReplicas', minReplicas, 'an integer >= 1 (relax env-min-replicas with an exception instead of 0)');
    }
    const exceptions = new Map<string, string>();
    const declared = policy.exceptions ?? [];
    if (!Array.isArray(declared)) fail(name, 'exceptions must be a list', 'ENV_POLICY_EXCEPTION', 'policy.exceptions', declared, 'a list of { rule, reason }');
    declared.forEach((e, j) => {
      const field = `policy.exceptions[${j}]`;
      const rule = (e as { rule?: unknown } | undefined)?.rule;
      const reason = (e as { reason?: unknown } | undefined)?.reason;
      if (typeof rule !== 'string' || !(ENVIRONMENT_RULE_IDS as readonly string[]).includes(rule)) {
        fail(name, 'unknown environment rule', 'ENV_POLICY_RULE', `${field}.rule`, rule, `one of ${quoteList(ENVIRONMENT_RULE_IDS)}`);
      }
      if (typeof reason !== 'string' || reason.trim() === '') {
        fail(name, `the exception for ${rule} needs a reason`, 'ENV_POLICY_REASON', `${field}.reason`, reason, `a sentence saying why environment "${name}" may relax ${rule}`);
      }
      if (exceptions.has(rule)) fail(name, `${rule} is relaxed twice`, 'ENV_POLICY_EXCEPTION', `${field}.rule`, rule, 'one exception per rule (join the reasons)');
      exceptions.set(rule, reason.trim());
    });
    return { name, minReplicas, exceptions };
  });
}

/** The error for `--env <name>` (or an object tagged with an environment) that is not declared. */
export function unknownEnvironment(name: string, known: readonly string[], field = '--env'): MeshforgeError {
  return new MeshforgeError('unknown environment', {
    code: 'ENV_UNKNOWN',
    field,
    value: name,
    expected: known.length > 0 ? `one of ${quoteList(known)}` : 'a declared environment, but none is declared (export environments from apps/)',
  });
}
