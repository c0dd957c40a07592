/** Binary and decimal suffixes of Kubernetes quantities (k8s.io/apimachinery/pkg/api/resource). */
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
