/**
 * Shapes shared by the policy check: the objects it reads, the rules it runs and
 * the structured results it returns (tests assert on these; the CLI renders them).
 */

/** A parsed Kubernetes manifest. Only plain JSON values (what YAML parsing yields). */
export type Manifest = Readonly<Record<string, unknown>>;

/** One manifest and where it came from. */
export interface PolicyObject {
  /** The parsed manifest. */
  readonly manifest: Manifest;
  /** The file it was read from, as the user should see it (e.g. `dist/shop/web.k8s.yaml`). */
  readonly file: string;
  /** Position of the document inside the file, starting at 0. @default 0 */
  readonly index?: number;
  /**
   * Position inside the document's `items` when the object came from a `kind: List`
   * (or `*List`) document, as a path of indexes (nested lists add one each).
   * @default - the object is the document itself
   */
  readonly item?: readonly number[];
  /**
   * The environment the object is rendered for (its file sits under `dist/<environment>/`,
   * or the check ran with `--env`): the environment rules apply to it.
   * @default - outside every environment: no environment rule applies
   */
  readonly environment?: string;
}

/** How a checked object is named in results and reports. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  /** Absent for cluster-scoped objects and objects that leave the namespace to kustomize. */
  readonly namespace?: string;
  readonly name: string;
  readonly file: string;
  /** Position of the document inside its file, starting at 0. */
  readonly index: number;
  /** Position inside a `List` document's `items` (absent for a document that is the object itself). */
  readonly item?: readonly number[];
  /** The environment the object belongs to (absent outside every environment). */
  readonly environment?: string;
}

/** What a rule reports for one object; the runner adds the object and rule id. */
export interface Finding {
  /** What is wrong, naming the container/volume/key concerned. Never contains a secret value. */
  readonly message: string;
  /** What to change, as specific as the rule can make it (usually the exact field). */
  readonly fix: string;
  /** The manifest field concerned, as a dotted path with [indexes]. */
  readonly field: string;
}

/** A finding attached to its object and rule: one row of the report. */
export interface Violation extends Finding {
  readonly rule: string;
  readonly object: ObjectRef;
}

/** An exception annotation that suppressed at least one finding. */
export interface HonouredException {
  readonly rule: string;
  readonly object: ObjectRef;
  readonly reason: string;
  /** The findings it suppressed. */
  readonly suppressed: readonly Finding[];
}

/** A valid exception annotation on an object that had nothing to suppress (safe to remove). */
export interface UnusedException {
  readonly rule: string;
  readonly object: ObjectRef;
  readonly reason: string;
}

/** The result of a policy check. Lists are in input order (file, document), then rule order. */
export interface PolicyReport {
  /** Number of objects checked. */
  readonly objects: number;
  /** Number of distinct files the objects came from. */
  readonly files: number;
  readonly violations: readonly Violation[];
  readonly exceptions: readonly HonouredException[];
  readonly unusedExceptions: readonly UnusedException[];
  /** The environments checked (those with at least one object), in declaration order, with their object counts. */
  readonly environments: readonly EnvironmentSummary[];
  /** Environment-wide exceptions that suppressed at least one finding. */
  readonly environmentExceptions: readonly HonouredEnvironmentException[];
  /** Environment-wide exceptions of a checked environment that suppressed nothing (safe to remove). */
  readonly unusedEnvironmentExceptions: readonly UnusedEnvironmentException[];
}

/** One checked environment. */
export interface EnvironmentSummary {
  readonly name: string;
  /** Objects of the check that belong to the environment. */
  readonly objects: number;
}

/** A declared environment exception (`EnvironmentPolicy.exceptions`) that suppressed findings. */
export interface HonouredEnvironmentException {
  readonly environment: string;
  readonly rule: string;
  readonly reason: string;
  /** The findings it suppressed, each with its object. */
  readonly suppressed: readonly Violation[];
}

/** A declared environment exception whose rule found nothing in the environment. */
export interface UnusedEnvironmentException {
  readonly environment: string;
  readonly rule: string;
  readonly reason: string;
}

/** Facts about the whole checked set that cross-object rules need (built once per check). */
export interface CheckContext {
  /**
   * Whether some pod template in `namespace` carries every label of `selector`.
   * `namespace` is `''` for objects without one.
   */
  selectsPods(namespace: string, selector: Readonly<Record<string, string>>): boolean;
  /** The checked objects of `kind` (in API group `group`, `''` for core) in `namespace`. */
  objectsIn(namespace: string, kind: string, group: string): readonly Manifest[];
}

/** One policy rule. Rules are pure: same object and context, same findings. */
export interface PolicyRule {
  /** Stable id, used in reports and in `policy.meshforge.io/allow-<id>` exception annotations. */
  readonly id: string;
  /** One line: what the rule enforces. */
  readonly summary: string;
  /** The generic fix, for documentation; findings carry a specific one. */
  readonly fix: string;
  /** Findings for one object; an empty list when the rule passes or does not apply. */
  check(object: Manifest, context: CheckContext): readonly Finding[];
}
