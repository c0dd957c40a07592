import { EnvironmentRule } from './types';
import { envDisruptionBudget } from './disruption-budget';
import { envMinReplicas } from './min-replicas';
import { envResourceLimits } from './resource-limits';
import { envStrictMtls } from './strict-mtls';

export * from './types';
export * from './policies';
export { environmentOfFile } from './paths';
export { buildEnvironmentContext, ISTIO_ROOT_NAMESPACE } from './context';
export { desiredHealthy } from './disruption-budget';
export { hostNamespace } from './strict-mtls';
export { envDisruptionBudget, envMinReplicas, envResourceLimits, envStrictMtls };

/**
 * The rules every environment gets at production strength, in report order
 * (kept equal to `ENVIRONMENT_RULE_IDS` by a test). They run only on objects of
 * an environment, over that environment's objects.
 */
export const ENVIRONMENT_RULES: readonly EnvironmentRule[] = [envMinReplicas, envDisruptionBudget, envResourceLimits, envStrictMtls];
