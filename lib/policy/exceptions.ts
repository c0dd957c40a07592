import { EXCEPTION_ANNOTATION_PREFIX, POLICY_ANNOTATION_PREFIX } from '../validation/policy-annotations';
import { metadataOf, obj, stringMap } from './manifest';
import { EXCEPTION_RULE_ID } from './rules';
import { Manifest, ObjectRef, Violation } from './types';
import { podTemplateOf } from './workloads';

export { EXCEPTION_ANNOTATION_PREFIX, POLICY_ANNOTATION_PREFIX } from '../validation/policy-annotations';

/** The exceptions an object declares, and its malformed exception annotations. */
export interface ParsedExceptions {
  readonly allowed: ReadonlyMap<string, string>;
  readonly violations: readonly Violation[];
}

function violation(object: ObjectRef, message: string, fix: string, field: string): Violation {
  return { rule: EXCEPTION_RULE_ID, object, message, fix, field };
}

/** Reads the exception annotations of one object; malformed ones become violations. */
export function parseExceptions(manifest: Manifest, ref: ObjectRef, knownIds: ReadonlySet<string>): ParsedExceptions {
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
          `name a rule id from the "Rules" table of docs/security.md: ${EXCEPTION_ANNOTATION_PREFIX}<rule-id>`,
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
    const templateMetadata = pod.metadataPath;
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

