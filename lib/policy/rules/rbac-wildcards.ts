import { arr, isKind, obj } from '../manifest';
import { Finding, PolicyRule } from '../types';

const FIELDS = [
  ['verbs', 'every verb'],
  ['resources', 'every resource'],
  ['apiGroups', 'every API group'],
  ['nonResourceURLs', 'every non-resource URL'],
] as const;

/** No `*` in Role / ClusterRole rules: wildcards silently grant whatever is added to the API later. */
export const rbacWildcards: PolicyRule = {
  id: 'rbac-wildcards',
  summary: 'Role and ClusterRole rules list verbs, resources, API groups and URLs explicitly, without "*".',
  fix: 'List exactly the verbs, resources and API groups needed instead of "*".',
  check(manifest): readonly Finding[] {
    if (!isKind(manifest, 'Role', ['rbac.authorization.k8s.io']) && !isKind(manifest, 'ClusterRole', ['rbac.authorization.k8s.io'])) {
      return [];
    }
    const findings: Finding[] = [];
    arr(manifest.rules).forEach((r, i) => {
      const rule = obj(r);
      for (const [key, what] of FIELDS) {
        // "pods/*" (every subresource, exec included) is as broad as "*".
        const wild = arr(rule[key]).map(String).filter((v) => (key === 'nonResourceURLs' ? v === '*' : v.includes('*')));
        if (wild.length === 0) continue;
        const field = `rules[${i}].${key}`;
        findings.push({
          message: `rule ${i} grants ${what} (${wild.map((w) => JSON.stringify(w)).join(', ')} in ${key})`,
          fix: `list the needed ${key} explicitly in ${field}`,
          field,
        });
      }
    });
    return findings;
  },
};
