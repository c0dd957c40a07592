import { PolicyRule } from '../types';
import { apparmor } from './apparmor';
import { capabilities } from './capabilities';
import { hostNamespaces } from './host-namespaces';
import { hostPath } from './host-path';
import { hostPorts } from './host-ports';
import { imageTag } from './image-tag';
import { inlineSecrets } from './inline-secrets';
import { meshZeroTrust } from './mesh-zero-trust';
import { privilegeEscalation } from './privilege-escalation';
import { privileged } from './privileged';
import { probes } from './probes';
import { procMount } from './proc-mount';
import { rbacWildcards } from './rbac-wildcards';
import { readOnlyRootFs } from './read-only-root-fs';
import { resources } from './resources';
import { runAsNonRoot } from './run-as-non-root';
import { seccomp } from './seccomp';
import { selinux } from './selinux';
import { serviceSelector } from './service-selector';
import { sysctls } from './sysctls';
import { volumeTypes } from './volume-types';

export { ALLOWED_ADDED_CAPABILITIES } from './capabilities';
export { parseImage } from './image-tag';
export { ALLOWED_SELINUX_TYPES } from './selinux';
export { SAFE_SYSCTLS } from './sysctls';
export { ALLOWED_VOLUME_TYPES } from './volume-types';

/**
 * Every rule, in report order: Pod Security Standards baseline, then restricted,
 * then meshforge's own (read-only root FS, resources, probes, images, secrets,
 * RBAC, Services). Ids are a public contract: exception annotations name them.
 */
export const RULES: readonly PolicyRule[] = [
  privileged,
  hostNamespaces,
  hostPath,
  hostPorts,
  procMount,
  sysctls,
  apparmor,
  selinux,
  volumeTypes,
  privilegeEscalation,
  capabilities,
  runAsNonRoot,
  seccomp,
  readOnlyRootFs,
  resources,
  probes,
  imageTag,
  inlineSecrets,
  rbacWildcards,
  serviceSelector,
  meshZeroTrust,
];

/** The id of the rule that judges exception annotations themselves; it has no exception. */
export const EXCEPTION_RULE_ID = 'policy-exception';
