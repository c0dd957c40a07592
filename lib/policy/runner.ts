import { EnvironmentPolicyRef } from '../environments/environment-policy';
import { buildEnvironmentContext, ENVIRONMENT_RULES, EnvironmentContext, EnvironmentRule, ResolvedEnvironment, resolveEnvironments, unknownEnvironment } from './environment';
import { parseExceptions } from './exceptions';
import { apiGroup, metadataOf, str, stringMap } from './manifest';
import { RULES } from './rules';
import {
  CheckContext,
  Finding,
  HonouredEnvironmentException,
  HonouredException,
  Manifest,
  ObjectRef,
  PolicyObject,
  PolicyReport,
  PolicyRule,
  UnusedEnvironmentException,
  UnusedException,
  Violation,
} from './types';
import { podTemplateOf } from './workloads';

export interface CheckOptions {
  /** The rules to run. @default RULES (every rule) */
  readonly rules?: readonly PolicyRule[];
  /**
   * The declared environments and their policies. Objects tagged with an
   * environment (`PolicyObject.environment`) get the environment rules under
   * its policy; an object tagged with an environment not listed here is an error.
   * @default - none: no object may be tagged with an environment
   */
  readonly environments?: readonly EnvironmentPolicyRef[];
  /** The environment rules to run on objects of an environment. @default ENVIRONMENT_RULES */
  readonly environmentRules?: readonly EnvironmentRule[];
}

/** How an object is named in results. */
export function refOf(object: PolicyObject): ObjectRef {
  const m = object.manifest;
  const metadata = metadataOf(m);
  const namespace = str(metadata.namespace);
  return {
    apiVersion: str(m.apiVersion) ?? '',
    kind: str(m.kind) ?? '',
    ...(namespace !== undefined ? { namespace } : {}),
    name: str(metadata.name) ?? '',
    file: object.file,
    index: object.index ?? 0,
    ...(object.item !== undefined ? { item: object.item } : {}),
    ...(object.environment !== undefined ? { environment: object.environment } : {}),
  };
}

/**
 * Indexes pod template labels by namespace and label so that each Service is
 * matched against the few templates sharing its rarest selector label: the
 * check stays linear in the number of objects.
 */
export function buildContext(objects: readonly PolicyObject[]): CheckContext {
  const byLabel = new Map<string, Record<string, string>[]>();
  const byKind = new Map<string, Manifest[]>();
  for (const { manifest } of objects) {
    const kindKey = `${str(metadataOf(manifest).namespace) ?? ''}\u0000${apiGroup(manifest)}\u0000${str(manifest.kind) ?? ''}`;
    const same = byKind.get(kindKey);
    if (same) same.push(manifest);
    else byKind.set(kindKey, [manifest]);
    const pod = podTemplateOf(manifest);
    if (!pod) continue;
    const namespace = str(metadataOf(manifest).namespace) ?? '';
    const labels = stringMap(pod.metadata.labels);
    for (const [k, v] of Object.entries(labels)) {
      const key = `${namespace}\u0000${k}\u0000${v}`;
      const list = byLabel.get(key);
      if (list) list.push(labels);
      else byLabel.set(key, [labels]);
    }
  }
  return {
    selectsPods(namespace, selector) {
      const pairs = Object.entries(selector);
      if (pairs.length === 0) return true;
      let candidates: Record<string, string>[] | undefined;
      for (const [k, v] of pairs) {
        const list = byLabel.get(`${namespace}\u0000${k}\u0000${v}`);
        if (!list) return false;
        if (!candidates || list.length < candidates.length) candidates = list;
      }
      return candidates!.some((labels) => pairs.every(([k, v]) => labels[k] === v));
    },
    objectsIn(namespace, kind, group) {
      return byKind.get(`${namespace}\u0000${group}\u0000${kind}`) ?? [];
    },
  };
}

/** The objects of each environment (`undefined`: outside every environment), in input order. */
export function groupByEnvironment(objects: readonly PolicyObject[]): Map<string | undefined, PolicyObject[]> {
  const groups = new Map<string | undefined, PolicyObject[]>();
  for (const object of objects) {
    const list = groups.get(object.environment);
    if (list) list.push(object);
    else groups.set(object.environment, [object]);
  }
  return groups;
}

/** What the runner keeps per environment group: its cross-object context, and its policy for an environment. */
interface Group {
  readonly size: number;
  readonly context: CheckContext;
  readonly environment?: { readonly policy: ResolvedEnvironment; readonly context: EnvironmentContext };
}

/**
 * Runs every rule over every object. Violations come in input order, then rule
 * order; an object's exception annotation turns that rule's findings into an
 * honoured exception instead. Cross-object rules see only the objects of the
 * same environment (objects outside every environment see each other): each
 * environment is its own cluster. Objects of an environment also get the
 * environment rules; their findings not covered by an annotation are
 * suppressed by the environment's declared exception for the rule, if any.
 * Linear in the number of objects.
 */
export function checkObjects(objects: readonly PolicyObject[], options: CheckOptions = {}): PolicyReport {
  const rules = options.rules ?? RULES;
  const environmentRules = options.environmentRules ?? ENVIRONMENT_RULES;
  const policies = resolveEnvironments(options.environments ?? []);
  const byName = new Map(policies.map((p) => [p.name, p]));
  const knownIds = new Set([...RULES.map((r) => r.id), ...ENVIRONMENT_RULES.map((r) => r.id)]);
  const ranIds = new Set(rules.map((r) => r.id));
  const ranEnvironmentIds = new Set(environmentRules.map((r) => r.id));
  const groups = new Map<string | undefined, Group>();
  for (const [name, members] of groupByEnvironment(objects)) {
    const context = buildContext(members);
    if (name === undefined) {
      groups.set(name, { size: members.length, context });
      continue;
    }
    const policy = byName.get(name);
    if (!policy) throw unknownEnvironment(name, policies.map((p) => p.name), 'PolicyObject.environment');
    const manifests = members.map((m) => m.manifest);
    groups.set(name, { size: members.length, context, environment: { policy, context: buildEnvironmentContext(manifests, context, name, policy.minReplicas) } });
  }
  const violations: Violation[] = [];
  const exceptions: HonouredException[] = [];
  const unusedExceptions: UnusedException[] = [];
  const environmentUses = new Map<string, Violation[]>();
  for (const object of objects) {
    const ref = refOf(object);
    const group = groups.get(object.environment)!;
    const parsed = parseExceptions(object.manifest, ref, knownIds);
    violations.push(...parsed.violations);
    const used = new Set<string>();
    const judge = (id: string, findings: readonly Finding[], fallback?: (v: Violation) => boolean): void => {
      if (findings.length === 0) return;
      const reason = parsed.allowed.get(id);
      if (reason !== undefined) {
        used.add(id);
        exceptions.push({ rule: id, object: ref, reason, suppressed: findings });
        return;
      }
      for (const f of findings) {
        const v: Violation = { rule: id, object: ref, message: f.message, fix: f.fix, field: f.field };
        if (!fallback?.(v)) violations.push(v);
      }
    };
    for (const rule of rules) judge(rule.id, rule.check(object.manifest, group.context));
    const env = group.environment;
    if (env) {
      for (const rule of environmentRules) {
        judge(rule.id, rule.check(object.manifest, env.context), (v) => {
          if (!env.policy.exceptions.has(rule.id)) return false;
          const key = `${env.policy.name}\u0000${rule.id}`;
          const uses = environmentUses.get(key);
          if (uses) uses.push(v);
          else environmentUses.set(key, [v]);
          return true;
        });
      }
    }
    for (const [rule, reason] of parsed.allowed) {
      const ran = ranIds.has(rule) || (env !== undefined && ranEnvironmentIds.has(rule as EnvironmentRule['id']));
      if (!used.has(rule) && ran) unusedExceptions.push({ rule, object: ref, reason });
    }
  }
  const environmentExceptions: HonouredEnvironmentException[] = [];
  const unusedEnvironmentExceptions: UnusedEnvironmentException[] = [];
  const checked = policies.filter((p) => groups.has(p.name));
  for (const policy of checked) {
    for (const [rule, reason] of policy.exceptions) {
      if (!ranEnvironmentIds.has(rule as EnvironmentRule['id'])) continue;
      const suppressed = environmentUses.get(`${policy.name}\u0000${rule}`);
      if (suppressed) environmentExceptions.push({ environment: policy.name, rule, reason, suppressed });
      else unusedEnvironmentExceptions.push({ environment: policy.name, rule, reason });
    }
  }
  return {
    objects: objects.length,
    files: new Set(objects.map((o) => o.file)).size,
    violations,
    exceptions,
    unusedExceptions,
    environments: checked.map((p) => ({ name: p.name, objects: groups.get(p.name)!.size })),
    environmentExceptions,
    unusedEnvironmentExceptions,
  };
}
