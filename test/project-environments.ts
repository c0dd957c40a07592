import * as apps from '../apps';
import type { EnvironmentPolicyRef } from '../lib/policy';

/**
 * The project's environments, as `npm run check` loads them from apps/ (none
 * while apps/ exports no `environments`): the dist/ tests check each
 * `dist/<env>/` folder under its environment's policy, as the CLI does.
 */
export const PROJECT_ENVIRONMENTS: readonly EnvironmentPolicyRef[] = (apps as { environments?: readonly EnvironmentPolicyRef[] }).environments ?? [];
