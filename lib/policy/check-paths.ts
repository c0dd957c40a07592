import { resolveEnvironments } from './environment/policies';
import { loadPolicyObjects, LoadOptions } from './load';
import { checkObjects, CheckOptions } from './runner';
import { PolicyReport } from './types';

/**
 * Loads every object under `paths` (YAML files or folders) and checks it.
 * Files under `dist/<env>/` of a declared environment (`options.environments`)
 * are checked as that environment (`options.env`: every file).
 */
export function checkPaths(paths: readonly string[], options: Omit<LoadOptions, 'environmentNames'> & CheckOptions = {}): PolicyReport {
  const environmentNames = resolveEnvironments(options.environments ?? []).map((e) => e.name);
  return checkObjects(loadPolicyObjects(paths, { ...options, environmentNames }), options);
}
