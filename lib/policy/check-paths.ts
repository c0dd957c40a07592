import { loadPolicyObjects, LoadOptions } from './load';
import { checkObjects, CheckOptions } from './runner';
import { PolicyReport } from './types';

/** Loads every object under `paths` (YAML files or folders) and checks it. */
export function checkPaths(paths: readonly string[], options: LoadOptions & CheckOptions = {}): PolicyReport {
  return checkObjects(loadPolicyObjects(paths, options), options);
}
