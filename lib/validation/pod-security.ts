/**
 * Pod Security Admission namespace labels, shared by every construct that
 * creates a namespace so the pinned policy version never differs between them.
 */

/**
 * PSA policy version meshforge pins: a cluster upgrade must not tighten the
 * rules under running workloads. cdk8s-plus-27 targets Kubernetes 1.27.
 */
export const PSA_VERSION = 'v1.27';

/** A Pod Security Standards level. */
export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

/** The six `pod-security.kubernetes.io/*` labels, each mode pinned to PSA_VERSION. */
export function podSecurityLabels(levels: {
  readonly enforce: PodSecurityLevel;
  readonly warn: PodSecurityLevel;
  readonly audit: PodSecurityLevel;
}): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const mode of ['enforce', 'warn', 'audit'] as const) {
    labels[`pod-security.kubernetes.io/${mode}`] = levels[mode];
    labels[`pod-security.kubernetes.io/${mode}-version`] = PSA_VERSION;
  }
  return labels;
}
