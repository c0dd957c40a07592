import { obj, stringMap } from '../manifest';
import { Finding } from '../types';
import { containersOf, podSecurityContextOf, securityContextOf } from '../workloads';
import { podRule } from './pod-rule';

const ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

function allowedType(type: unknown): boolean {
  return type === undefined || type === null || type === 'RuntimeDefault' || type === 'Localhost';
}

/** PSS baseline "AppArmor": the field (1.30+) and the legacy per-container annotation. */
export const apparmor = podRule({
  id: 'apparmor',
  summary: 'AppArmor is not disabled: profile unset, RuntimeDefault or Localhost.',
  fix: 'Remove the Unconfined AppArmor profile (or use RuntimeDefault).',
  checkPod(pod) {
    const findings: Finding[] = [];
    const podType = obj(podSecurityContextOf(pod).appArmorProfile).type;
    if (!allowedType(podType)) {
      const field = `${pod.path}.securityContext.appArmorProfile.type`;
      findings.push({ message: `pod AppArmor profile is ${JSON.stringify(podType)}`, fix: `set ${field}: RuntimeDefault`, field });
    }
    for (const c of containersOf(pod)) {
      const type = obj(securityContextOf(c).appArmorProfile).type;
      if (allowedType(type)) continue;
      const field = `${c.path}.securityContext.appArmorProfile.type`;
      findings.push({ message: `${c.label} AppArmor profile is ${JSON.stringify(type)}`, fix: `set ${field}: RuntimeDefault`, field });
    }
    for (const [key, value] of Object.entries(stringMap(pod.metadata.annotations))) {
      if (!key.startsWith(ANNOTATION_PREFIX)) continue;
      if (value === 'runtime/default' || value.startsWith('localhost/')) continue;
      const container = key.slice(ANNOTATION_PREFIX.length);
      const field = `${pod.metadataPath}.annotations[${JSON.stringify(key)}]`;
      findings.push({
        message: `container ${JSON.stringify(container)} AppArmor annotation is ${JSON.stringify(value)}`,
        fix: `set ${field} to "runtime/default"`,
        field,
      });
    }
    return findings;
  },
});
