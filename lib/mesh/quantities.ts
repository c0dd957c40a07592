import { MeshforgeError } from '../validation/meshforge-error';
import { ResourceOptions } from './mesh-service-props';

/** Binary and decimal suffixes of Kubernetes quantities. */
const QUANTITY_SUFFIX: Readonly<Record<string, number>> = {
  '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};
const QUANTITY = /^\+?(\d+(?:\.\d*)?|\.\d+)(?:([eE][-+]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/;

/** Value of a non-negative Kubernetes quantity ("250m", "1.5", "1e3", "128Mi", "1G"), undefined when invalid. */
export function parseQuantity(q: string): number | undefined {
  const m = QUANTITY.exec(q);
  if (!m) return undefined;
  return Number(m[1] + (m[2] ?? '')) * QUANTITY_SUFFIX[m[3] ?? ''];
}

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
