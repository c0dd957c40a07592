import { ApiObject, ApiObjectMetadata, App, ImplicitTokenResolver, Lazy, LazyResolver, NumberStringUnionResolver } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { newJsonObject } from '../common/json-object';

/*
 * Fast rendering of MeshService's objects: the same JSON as cdk8s and
 * cdk8s-plus (`ApiObject.toJson`: resolve, sanitize with sorted keys, JSON
 * patches; then the typed re-serialisation of the imports), from data
 * MeshService already holds as plain values.
 *
 * Why: at 1000 services, building cdk8s-plus constructs and cdk8s's generic
 * rendering (Lazy tokens, resolvers, a deep clone per JSON patch) were about
 * two thirds of synth time. A fast path is only taken when it renders what
 * cdk8s would: the app uses cdk8s's built-in resolvers only (custom resolvers
 * may rewrite any value) and nobody else added JSON patches; otherwise
 * cdk8s's own `toJson` runs. `test/mesh/fast-render.test.ts` compares both
 * over many prop combinations.
 */

/**
 * Replaces `api.toJson` (an Istio import object without JSON patches of its
 * own) by `render`, which returns the same JSON from plain data, or
 * undefined when it cannot (e.g. after an escape hatch handed the object out).
 */
export function installFastJson(api: ApiObject, render: () => Record<string, unknown> | undefined): void {
  const slow = api.toJson.bind(api);
  Object.defineProperty(api, 'toJson', {
    configurable: true,
    writable: true,
    value: (): unknown => {
      if (patchCount(api) !== 0 || !builtInResolversOnly(api)) return slow();
      const fast = render();
      if (fast === undefined) return slow();
      fastRenders++;
      return fast;
    },
  });
}

let fastRenders = 0;

/** @internal How many objects rendered through the fast path so far (tests prove it is taken). */
export function _fastRenderCount(): number {
  return fastRenders;
}

/** The class's own `toJson` of an object whose `toJson` was replaced by `installFastJson` (tests compare the two). */
export function slowToJson(api: ApiObject): unknown {
  return Object.getPrototypeOf(api).toJson.call(api);
}

/** Number of JSON patches on the object (`ApiObject.patches` is private; read, never written). */
function patchCount(api: ApiObject): number {
  const patches = (api as unknown as { readonly patches?: readonly unknown[] }).patches;
  return patches ? patches.length : -1;
}

const BUILT_IN_RESOLVERS = [LazyResolver, ImplicitTokenResolver, NumberStringUnionResolver];
const checkedApps = new WeakMap<App, boolean>();

function builtInResolversOnly(scope: IConstruct): boolean {
  let app: App;
  try {
    app = App.of(scope);
  } catch {
    return false; // not under an App: nothing to judge the resolvers by
  }
  let ok = checkedApps.get(app);
  if (ok === undefined) {
    ok = app.resolvers.every((r) => BUILT_IN_RESOLVERS.some((cls) => r instanceof cls));
    checkedApps.set(app, ok);
  }
  return ok;
}

/**
 * cdk8s's `sanitizeValue` with sorted keys, for plain JSON data: `null` and
 * `undefined` members dropped, keys sorted, arrays mapped. Returns undefined
 * for anything that is not plain data, so the caller falls back to cdk8s.
 */
export function sanitize(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(sanitize);
  if ((value as object).constructor !== Object) throw new NotPlain();
  const out = newJsonObject();
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record).sort()) {
    const v = sanitize(record[key]);
    if (v !== null && v !== undefined) out[key] = v;
  }
  return out;
}

/** Thrown by `sanitize` on a non-plain value; `plainOrUndefined` turns it into a fallback. */
class NotPlain extends Error {}

/**
 * A manifest as `ApiObject.toJson` builds it from plain data (sanitized, then
 * apiVersion, kind, metadata first), or undefined when `value` holds a
 * non-plain object.
 */
export function plainManifest(value: Record<string, unknown>): Record<string, unknown> | undefined {
  try {
    return apiOrder(sanitize(value) as Record<string, unknown>);
  } catch (e) {
    if (e instanceof NotPlain) return undefined;
    throw e;
  }
}

/**
 * The top-level key order of `ApiObject.toJson`: apiVersion, kind, metadata,
 * then the rest in the (sorted) order they come in.
 */
export function apiOrder(json: Record<string, unknown>): Record<string, unknown> {
  const result = newJsonObject();
  for (const k of ['apiVersion', 'kind', 'metadata', ...Object.keys(json)]) if (k in json) result[k] = json[k];
  return result;
}

/** A manifest as plain JSON data (`apiVersion`, `kind`, `metadata` and the rest; a top-level value may be a `Lazy`). */
export interface PlainJson {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ApiObjectMetadata;
  readonly [key: string]: unknown;
}

/**
 * An API object whose manifest is plain data known up front (top-level
 * values may be `Lazy`, produced at synth): `toJson` sorts and copies it (plus the current metadata, which may have been changed)
 * instead of cdk8s's resolve/sanitize/clone. JSON patches or custom
 * resolvers send it through cdk8s's `ApiObject.toJson`.
 */
class PlainApiObject extends ApiObject {
  constructor(scope: Construct, id: string, private readonly json: PlainJson) {
    super(scope, id, json);
  }

  public override toJson(): any { // eslint-disable-line @typescript-eslint/no-explicit-any
    if (patchCount(this) !== 0 || !builtInResolversOnly(this)) return super.toJson();
    const data = newJsonObject();
    for (const [k, v] of Object.entries(this.json)) data[k] = v instanceof Lazy ? v.produce() : v;
    data.metadata = this.metadata.toJson();
    const fast = plainManifest(data);
    if (fast === undefined) return super.toJson();
    fastRenders++;
    return fast;
  }
}

/**
 * Stand-in for a cdk8s-plus resource (a construct with the API object as its
 * `Resource` child, so paths are the same) until an escape hatch needs the
 * real one.
 */
export class PlainResource extends Construct {
  public readonly apiObject: ApiObject;
  constructor(scope: Construct, id: string, json: PlainJson) {
    super(scope, id);
    this.apiObject = new PlainApiObject(this, 'Resource', json);
  }
}

type ChildMap = Record<string, IConstruct>;

/** The private child map of a construct node (constructs 10 keeps children in insertion order in `_children`). */
function childMap(scope: IConstruct): ChildMap | undefined {
  const children = (scope.node as unknown as { _children?: unknown })._children;
  return children !== null && typeof children === 'object' ? (children as ChildMap) : undefined;
}

/**
 * Whether stand-ins can be used under `scope`: replacing them later must keep
 * the order of children (it is the order of the objects in the output), which
 * needs constructs' child map, and only cdk8s's built-in resolvers may be in play.
 */
export function canStandIn(scope: IConstruct): boolean {
  const children = childMap(scope);
  return children !== undefined && Object.keys(children).length === scope.node.children.length && builtInResolversOnly(scope);
}

/** Puts `scope`'s children with the ids in `order` first, in that order (others keep theirs, after them). */
export function reorderChildren(scope: IConstruct, order: readonly string[]): void {
  const children = childMap(scope)!;
  const all = { ...children };
  for (const id of Object.keys(all)) delete children[id];
  for (const id of order) if (all[id]) children[id] = all[id];
  for (const [id, child] of Object.entries(all)) if (!(id in children)) children[id] = child;
}
