import { Manifest } from './types';

/**
 * Small readers over untyped manifests. The check reads YAML written by anyone,
 * so every access tolerates missing or wrongly-typed fields (the API server
 * validates types; the check only judges what is there).
 */

export type JsonObject = Readonly<Record<string, unknown>>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value` if it is an object, else an empty object. */
export function obj(value: unknown): JsonObject {
  return isObject(value) ? value : {};
}

/** `value` if it is an array, else an empty array. */
export function arr(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** `value` if it is a string, else undefined. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The API group of an apiVersion: `apps/v1` → `apps`, `v1` → `` (core). */
export function apiGroup(manifest: Manifest): string {
  const apiVersion = str(manifest.apiVersion) ?? '';
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** Whether the manifest is `kind` in one of `groups` (so a CRD reusing a core kind name is not mistaken for it). */
export function isKind(manifest: Manifest, kind: string, groups: readonly string[]): boolean {
  return manifest.kind === kind && groups.includes(apiGroup(manifest));
}

export function metadataOf(manifest: Manifest): JsonObject {
  return obj(manifest.metadata);
}

/** String-valued entries of a labels/annotations/selector map. */
export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(value))) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Quotes a list of names for messages: `"a", "b"`. */
export function quoteList(names: readonly string[]): string {
  return names.map((n) => JSON.stringify(n)).join(', ');
}
