import { arr, isKind, obj, str } from '../manifest';
import { detectSecret } from '../../validation/secret-detector';
import { Finding, Manifest, PolicyRule } from '../types';
import { containersOf, podTemplateOf } from '../workloads';

const FIX_CONFIGMAP = 'move it to a Secret managed outside git (External Secrets, Sealed Secrets, SOPS) and mount or reference that';

function checkConfigMap(manifest: Manifest): Finding[] {
  const findings: Finding[] = [];
  for (const [key, value] of Object.entries(obj(manifest.data))) {
    if (typeof value !== 'string') continue;
    const why = detectSecret(key, value);
    if (!why) continue;
    const field = `data[${JSON.stringify(key)}]`;
    findings.push({ message: `ConfigMap key ${JSON.stringify(key)} inlines a secret-looking value: ${why}`, fix: `${FIX_CONFIGMAP}; remove ${field}`, field });
  }
  for (const [key, value] of Object.entries(obj(manifest.binaryData))) {
    if (typeof value !== 'string') continue;
    const why = detectSecret(key, Buffer.from(value, 'base64').toString('utf8'));
    if (!why) continue;
    const field = `binaryData[${JSON.stringify(key)}]`;
    findings.push({ message: `ConfigMap key ${JSON.stringify(key)} inlines a secret-looking value: ${why}`, fix: `${FIX_CONFIGMAP}; remove ${field}`, field });
  }
  return findings;
}

/** How deep the walk over kinds without a known pod template goes. */
const MAX_DEPTH = 24;

/**
 * Kinds with no pod template meshforge knows (Argo Rollouts, Knative Services,
 * operator CRDs, HelmRelease values...) still carry container `env` lists; every
 * `env: [{name, value}]` anywhere under `spec` is checked.
 */
function checkAnyEnv(value: unknown, path: string, depth: number, findings: Finding[]): void {
  if (depth > MAX_DEPTH) return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkAnyEnv(v, `${path}[${i}]`, depth + 1, findings));
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const childPath = path === '' ? key : `${path}.${key}`;
    if (key === 'env' && Array.isArray(child)) {
      child.forEach((e, i) => {
        const env = obj(e);
        const name = str(env.name);
        const v = str(env.value);
        if (name === undefined || v === undefined) return;
        const why = detectSecret(name, v);
        if (!why) return;
        const field = `${childPath}[${i}].value`;
        findings.push({ message: `env ${JSON.stringify(name)} at ${childPath}[${i}] inlines a secret-looking value: ${why}`, fix: `replace ${field} with ${childPath}[${i}].valueFrom.secretKeyRef`, field });
      });
    } else {
      checkAnyEnv(child, childPath, depth + 1, findings);
    }
  }
}

function checkEnv(manifest: Manifest): Finding[] {
  const pod = podTemplateOf(manifest);
  if (!pod) {
    const findings: Finding[] = [];
    checkAnyEnv(manifest.spec, 'spec', 0, findings);
    return findings;
  }
  const findings: Finding[] = [];
  for (const c of containersOf(pod)) {
    arr(c.container.env).forEach((e, i) => {
      const env = obj(e);
      const name = str(env.name) ?? '';
      const value = str(env.value);
      if (value === undefined) return;
      const why = detectSecret(name, value);
      if (!why) return;
      const field = `${c.path}.env[${i}].value`;
      findings.push({
        message: `${c.label} env ${JSON.stringify(name)} inlines a secret-looking value: ${why}`,
        fix: `replace ${field} with ${c.path}.env[${i}].valueFrom.secretKeyRef`,
        field,
      });
    });
  }
  return findings;
}

/** No secret values in plain text: ConfigMap data and container env values. The message never echoes the value. */
export const inlineSecrets: PolicyRule = {
  id: 'inline-secrets',
  summary: 'No secret-looking values inlined in ConfigMap data or container env values.',
  fix: 'Keep the value in a Secret (managed outside git) and reference it with env.valueFrom.secretKeyRef or a secret volume.',
  check(manifest): readonly Finding[] {
    return isKind(manifest, 'ConfigMap', ['']) ? checkConfigMap(manifest) : checkEnv(manifest);
  },
};
