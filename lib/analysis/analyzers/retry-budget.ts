import { arr, obj, str } from '../../policy/manifest';
import { CODES } from '../codes';
import { formatMs, parseDurationMs } from '../duration';
import { specOf } from '../input';
import { Analyzer, RawFinding } from '../types';

/**
 * MF0001. `retries.attempts` counts retries after the first try: Istio copies it
 * into Envoy's `num_retries` (istio/istio pilot/pkg/networking/core/route/retry/retry.go,
 * `NumRetries: in.Attempts`), and Envoy's num_retries is "the allowed number of
 * retries" (envoy route_components.proto RetryPolicy). So a request may take
 * (1 + attempts) × perTryTimeout; the route `timeout` covers all of them and cuts
 * the rest. Only checked when timeout, attempts > 0 and perTryTimeout are all set
 * (no route timeout means none; no perTryTimeout means each try may use the whole timeout).
 */
export const retryBudget: Analyzer = {
  code: CODES.retryBudget,
  analyze(input) {
    const findings: RawFinding[] = [];
    for (const vs of input.virtualServices) {
      arr(specOf(vs.manifest).http).forEach((r, i) => {
        const rule = obj(r);
        const retries = obj(rule.retries);
        const timeout = parseDurationMs(rule.timeout);
        const perTry = parseDurationMs(retries.perTryTimeout);
        const attempts = retries.attempts;
        if (timeout === undefined || timeout <= 0 || perTry === undefined || perTry <= 0 || typeof attempts !== 'number' || attempts <= 0) return;
        const budget = (1 + attempts) * perTry;
        if (budget <= timeout) return;
        const label = str(rule.name) !== undefined ? `http[${i}] (${JSON.stringify(rule.name)})` : `http[${i}]`;
        const fitAttempts = Math.max(0, Math.floor(timeout / perTry) - 1);
        const fitPerTry = Math.floor(timeout / (1 + attempts));
        findings.push({
          object: vs.object,
          message: `${label}: (1 try + ${attempts} retries) × perTryTimeout ${formatMs(perTry)} = ${formatMs(budget)}, over the route timeout ${formatMs(timeout)}: the last retries can never run`,
          fix: `set spec.http[${i}].retries.attempts to ${fitAttempts}, perTryTimeout to ${formatMs(fitPerTry)}, or spec.http[${i}].timeout to ${formatMs(budget)}`,
          field: `spec.http[${i}].retries`,
        });
      });
    }
    return findings;
  },
};
