import { JsonObject, obj } from '../manifest';
import { Finding } from '../types';
import { containersOf, podSecurityContextOf, securityContextOf } from '../workloads';
import { podRule } from './pod-rule';

/** SELinux types PSS baseline allows (besides unset / empty). */
export const ALLOWED_SELINUX_TYPES: readonly string[] = ['container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'];

function check(options: JsonObject, where: string, path: string, findings: Finding[]): void {
  const type = options.type;
  if (type !== undefined && type !== null && type !== '' && !ALLOWED_SELINUX_TYPES.includes(String(type))) {
    const field = `${path}.seLinuxOptions.type`;
    findings.push({
      message: `${where} sets SELinux type ${JSON.stringify(type)}`,
      fix: `remove ${field} or use one of ${ALLOWED_SELINUX_TYPES.join(', ')}`,
      field,
    });
  }
  for (const key of ['user', 'role'] as const) {
    const value = options[key];
    if (value === undefined || value === null || value === '') continue;
    const field = `${path}.seLinuxOptions.${key}`;
    findings.push({ message: `${where} sets SELinux ${key} ${JSON.stringify(value)}`, fix: `remove ${field}`, field });
  }
}

/** PSS baseline "SELinux": only container types, never a custom user or role. */
export const selinux = podRule({
  id: 'selinux',
  summary: `SELinux options use only an allowed type (${ALLOWED_SELINUX_TYPES.join(', ')}) and no custom user or role.`,
  fix: 'Remove seLinuxOptions.user / role and any non-container SELinux type.',
  checkPod(pod) {
    const findings: Finding[] = [];
    check(obj(podSecurityContextOf(pod).seLinuxOptions), 'pod', `${pod.path}.securityContext`, findings);
    for (const c of containersOf(pod)) {
      check(obj(securityContextOf(c).seLinuxOptions), c.label, `${c.path}.securityContext`, findings);
    }
    return findings;
  },
});
