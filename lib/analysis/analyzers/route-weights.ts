import { CODES } from '../codes';
import { Analyzer, RawFinding } from '../types';
import { routeDestinations } from './routes';

/**
 * MF0003. Istio rejects only negative weights and an all-zero route with several
 * destinations (pkg/config/validation validateHTTPRouteDestinations); other sums
 * are silently rescaled, so the split that runs is not the one written. A single
 * destination takes all traffic whatever its weight, so only routes with two or
 * more destinations are checked; an unset weight counts 0, as in Istio.
 */
export const routeWeights: Analyzer = {
  code: CODES.routeWeights,
  analyze(input) {
    const findings: RawFinding[] = [];
    for (const vs of input.virtualServices) {
      const byRule = new Map<string, ReturnType<typeof routeDestinations>>();
      for (const d of routeDestinations(vs.manifest)) {
        const key = `${d.kind}[${d.ruleIndex}]`;
        const list = byRule.get(key);
        if (list) list.push(d);
        else byRule.set(key, [d]);
      }
      for (const [key, dests] of byRule) {
        if (dests.length < 2) continue;
        const weights = dests.map((d) => d.weight ?? 0);
        const sum = weights.reduce((a, b) => a + b, 0);
        if (sum === 100) continue;
        findings.push({
          object: vs.object,
          message: `${key} route weights sum to ${sum} (${weights.join(' + ')}), not 100${sum > 0 ? '; Istio rescales them to shares of the total' : '; Istio rejects an all-zero route'}`,
          fix: `make spec.${key}.route[*].weight sum to 100`,
          field: `spec.${key}.route`,
        });
      }
    }
    return findings;
  },
};
