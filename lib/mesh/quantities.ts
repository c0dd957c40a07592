import { MeshforgeError } from '../validation/meshforge-error';
import { parseQuantity } from '../validation/quantity';
import { ResourceOptions } from './mesh-service-props';

// Public through lib/mesh (it was exported from mesh-service.ts); one parser for constructs and manifest rules.
export { parseQuantity };

/** Each quantity is valid and each request is at most its limit (the API server rejects request > limit). */
export function checkResources(path: string, prefix: string, res: ResourceOptions): void {
  const values: Partial<Record<keyof ResourceOptions, number>> = {};
  for (const key of ['cpuRequest', 'cpuLimit', 'memoryRequest', 'memoryLimit'] as const) {
    const q = res[key];
    if (q === undefined) continue;
    const v = parseQuantity(q);
    if (v === undefined) {
      const cpu = key.startsWith('cpu');
      throw new MeshforgeError(`invalid ${cpu ? 'CPU' : 'memory'} quantity`, {
        code: 'INVALID_QUANTITY',
        path,
        field: `${prefix}.${key}`,
        value: q,
        expected: `a non-negative Kubernetes quantity: a number with an optional suffix m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei (e.g. ${cpu ? '"250m" or "1.5"' : '"256Mi", "1Gi" or "500M"'})`,
      });
    }
    values[key] = v;
  }
  for (const [request, limit] of [['cpuRequest', 'cpuLimit'], ['memoryRequest', 'memoryLimit']] as const) {
    const r = values[request];
    const l = values[limit];
    if (r !== undefined && l !== undefined && r > l) {
      throw new MeshforgeError(`${request} above ${limit}`, {
        code: 'RESOURCES',
        path,
        field: `${prefix}.${request}`,
        value: res[request],
        expected: `at most ${limit} (${JSON.stringify(res[limit])}); Kubernetes rejects a request above its limit`,
      });
    }
  }
}
