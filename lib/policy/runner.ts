import { metadataOf, obj, str, stringMap } from './manifest';
import { EXCEPTION_RULE_ID, RULES } from './rules';
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

/** Annotations under this prefix belong to the policy check. */
export const POLICY_ANNOTATION_PREFIX = 'policy.meshforge.io/';
/** `policy.meshforge.io/allow-<rule-id>: "<reason>"` exempts one object from one rule. */
export const EXCEPTION_ANNOTATION_PREFIX = `${POLICY_ANNOTATION_PREFIX}allow-`;

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
  };
}

/**
 * Indexes pod template labels by namespace and label so that each Service is
 * matched against the few templates sharing its rarest selector label: the
 * check stays linear in the number of objects.
 */
export function buildContext(objects: readonly PolicyObject[]): CheckContext {
  const byLabel = new Map<string, Record<string, string>[]>();
  for (const { manifest } of objects) {
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
  };
}

interface ParsedExceptions {
  readonly allowed: Map<string, string>;
  readonly violations: Violation[];
}

function violation(object: ObjectRef, message: string, fix: string, field: string): Violation {
  return { rule: EXCEPTION_RULE_ID, object, message, fix, field };
}

/** Reads the exception annotations of one object; malformed ones become violations. */
function parseExceptions(manifest: Manifest, ref: ObjectRef, knownIds: ReadonlySet<string>): ParsedExceptions {
  const allowed = new Map<string, string>();
  const violations: Violation[] = [];
  for (const [key, value] of Object.entries(obj(metadataOf(manifest).annotations))) {
    if (!key.startsWith(POLICY_ANNOTATION_PREFIX)) continue;
    const field = `metadata.annotations[${JSON.stringify(key)}]`;
    const id = key.startsWith(EXCEPTION_ANNOTATION_PREFIX) ? key.slice(EXCEPTION_ANNOTATION_PREFIX.length) : undefined;
    if (id === undefined || !knownIds.has(id)) {
      violations.push(
        violation(
          ref,
          id === undefined
            ? `annotation ${JSON.stringify(key)} is not an exception (expected ${EXCEPTION_ANNOTATION_PREFIX}<rule-id>)`
            : `exception annotation ${JSON.stringify(key)} names unknown rule ${JSON.stringify(id)}`,
          `name a rule id from the README "Policy checks" table: ${EXCEPTION_ANNOTATION_PREFIX}<rule-id>`,
          field,
        ),
      );
    } else if (typeof value !== 'string') {
      violations.push(violation(ref, `exception annotation ${JSON.stringify(key)} is not a string (${JSON.stringify(value)})`, 'quote the reason: annotation values are strings', field));
    } else if (value.trim() === '') {
      violations.push(violation(ref, `exception annotation ${JSON.stringify(key)} has an empty reason`, `say why ${ref.kind} ${JSON.stringify(ref.name)} needs the exception in the annotation value`, field));
    } else {
      allowed.set(id, value.trim());
    }
  }
  // Exceptions on a pod template are ignored by the check: say so rather than let the user wonder.
  const pod = podTemplateOf(manifest);
  if (pod && pod.path !== 'spec') {
    const templateMetadata = pod.path.replace(/\.spec$/, '.metadata');
    for (const key of Object.keys(stringMap(pod.metadata.annotations))) {
      if (!key.startsWith(POLICY_ANNOTATION_PREFIX)) continue;
      violations.push(
        violation(
          ref,
          `annotation ${JSON.stringify(key)} is on the pod template, where the check does not read it`,
          `move it from ${templateMetadata}.annotations to the ${ref.kind}'s metadata.annotations`,
          `${templateMetadata}.annotations[${JSON.stringify(key)}]`,
        ),
      );
    }
  }
  return { allowed, violations };
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
