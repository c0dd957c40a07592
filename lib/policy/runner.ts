import { parseExceptions } from './exceptions';
import { apiGroup, metadataOf, str, stringMap } from './manifest';
import { RULES } from './rules';
import {
  CheckContext,
  HonouredException,
  Manifest,
  ObjectRef,
  PolicyObject,
  PolicyReport,
  PolicyRule,
  UnusedException,
  Violation,
} from './types';
import { podTemplateOf } from './workloads';

export interface CheckOptions {
  /** The rules to run. @default RULES (every rule) */
  readonly rules?: readonly PolicyRule[];
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

/**
 * Runs every rule over every object. Violations come in input order, then rule
 * order; an object's exception annotation turns that rule's findings into an
 * honoured exception instead. Linear in the number of objects.
 */
export function checkObjects(objects: readonly PolicyObject[], options: CheckOptions = {}): PolicyReport {
  const rules = options.rules ?? RULES;
  const knownIds = new Set(RULES.map((r) => r.id));
  const ranIds = new Set(rules.map((r) => r.id));
  const context = buildContext(objects);
  const violations: Violation[] = [];
  const exceptions: HonouredException[] = [];
  const unusedExceptions: UnusedException[] = [];
  for (const object of objects) {
    const ref = refOf(object);
    const parsed = parseExceptions(object.manifest, ref, knownIds);
    violations.push(...parsed.violations);
    const used = new Set<string>();
    for (const rule of rules) {
      const findings = rule.check(object.manifest, context);
      if (findings.length === 0) continue;
      const reason = parsed.allowed.get(rule.id);
      if (reason !== undefined) {
        used.add(rule.id);
        exceptions.push({ rule: rule.id, object: ref, reason, suppressed: findings });
      } else {
        for (const f of findings) violations.push({ rule: rule.id, object: ref, message: f.message, fix: f.fix, field: f.field });
      }
    }
    for (const [rule, reason] of parsed.allowed) if (!used.has(rule) && ranIds.has(rule)) unusedExceptions.push({ rule, object: ref, reason });
  }
  return { objects: objects.length, files: new Set(objects.map((o) => o.file)).size, violations, exceptions, unusedExceptions };
}
