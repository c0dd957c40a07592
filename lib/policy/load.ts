import * as fs from 'fs';
import * as path from 'path';
import * as jsyaml from 'js-yaml';
import { MeshforgeError } from '../validation';
import { environmentOfFile } from './environment/paths';
import { isObject } from './manifest';
import { PolicyObject } from './types';

export interface LoadOptions {
  /** Files are shown relative to this folder. @default process.cwd() */
  readonly cwd?: string;
  /**
   * Names of the known environments: a file under `dist/<name>/` (or `<checked folder>/<name>/`)
   * is tagged with that environment (see `environmentOfFile`).
   * @default - none: no file is in an environment
   */
  readonly environmentNames?: readonly string[];
  /**
   * Check every file as this environment, wherever it sits (`npm run check -- --env prod <path>`).
   * @default - the environment comes from the file's folder
   */
  readonly env?: string;
}

/** Every `*.yaml` / `*.yml` file under `dir`, sorted, recursively. */
function yamlFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...yamlFilesUnder(full));
    else if (/\.ya?ml$/.test(entry.name)) out.push(full);
  }
  return out;
}

/** The YAML files named by `paths` (absolute), each with the checked path it was found under; a file found twice keeps its first root. */
export function findYamlFilesWithRoots(paths: readonly string[], options: LoadOptions = {}): { file: string; root: string }[] {
  const cwd = options.cwd ?? process.cwd();
  const found = new Map<string, string>();
  for (const p of paths) {
    const full = path.resolve(cwd, p);
    if (!fs.existsSync(full)) {
      throw new MeshforgeError('nothing to check at this path', { code: 'POLICY_PATH', value: p, expected: 'a YAML file or a folder holding YAML files' });
    }
    for (const file of fs.statSync(full).isDirectory() ? yamlFilesUnder(full) : [full]) if (!found.has(file)) found.set(file, full);
  }
  return [...found].map(([file, root]) => ({ file, root }));
}

/** The YAML files named by `paths`: files as given, folders searched recursively. */
export function findYamlFiles(paths: readonly string[], options: LoadOptions = {}): string[] {
  return findYamlFilesWithRoots(paths, options).map((f) => f.file);
}

const TRUE = ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'];
const FALSE = ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'];

/**
 * The schema Kubernetes reads manifests with (sigs.k8s.io/yaml, YAML 1.1):
 * `yes`/`on`/`y` are booleans, so `privileged: yes` cannot slip past a rule,
 * and unquoted dates stay strings. js-yaml is used because it parses about ten
 * times faster than the `yaml` library's document API; dist/ can be large.
 */
const KUBERNETES_SCHEMA = jsyaml.DEFAULT_SCHEMA.extend({
  implicit: [
    new jsyaml.Type('tag:yaml.org,2002:bool', {
      kind: 'scalar',
      resolve: (data: unknown) => typeof data === 'string' && (TRUE.includes(data) || FALSE.includes(data)),
      construct: (data: string) => TRUE.includes(data),
      predicate: (value: unknown) => typeof value === 'boolean',
    }),
    // Same tag and kind as js-yaml's timestamp type, so it replaces it: never resolves implicitly.
    new jsyaml.Type('tag:yaml.org,2002:timestamp', { kind: 'scalar', resolve: () => false }),
  ],
});

/** How deep `List`s inside `List`s are expanded; deeper ones are checked as they are. */
const MAX_LIST_DEPTH = 8;

/**
 * Whether a manifest is a list of objects: `kind: List` (what `kubectl get -o yaml`
 * prints) or a typed list such as `PodList`/`DeploymentList` (API list responses),
 * holding an `items` array. kubectl applies each item, so each must be checked.
 */
function isListManifest(manifest: Readonly<Record<string, unknown>>): boolean {
  return typeof manifest.kind === 'string' && manifest.kind.endsWith('List') && Array.isArray(manifest.items);
}

/**
 * The objects a document stands for: itself, or the items of a List (recursively).
 * Items of a typed list (`DeploymentList`) may omit apiVersion and kind, as API
 * responses do; they take the list's apiVersion and kind without `List`.
 */
function expandDocument(manifest: Readonly<Record<string, unknown>>, file: string, index: number, item: readonly number[], out: PolicyObject[]): void {
  if (item.length < MAX_LIST_DEPTH && isListManifest(manifest)) {
    const listKind = manifest.kind as string;
    (manifest.items as unknown[]).forEach((entry, i) => {
      if (!isObject(entry)) return;
      const typed = listKind !== 'List' && entry.kind === undefined ? { apiVersion: manifest.apiVersion, kind: listKind.slice(0, -'List'.length), ...entry } : entry;
      if (typeof typed.kind === 'string') expandDocument(typed, file, index, [...item, i], out);
    });
    return;
  }
  out.push(item.length > 0 ? { manifest, file, index, item } : { manifest, file, index });
}

/**
 * Parses one file's documents the way Kubernetes reads them (YAML 1.1). Empty
 * documents and documents that are not Kubernetes objects (no kind) are skipped;
 * `List` documents stand for their items.
 */
export function parseManifests(text: string, file: string): PolicyObject[] {
  let docs: unknown[];
  try {
    docs = jsyaml.loadAll(text, null, { schema: KUBERNETES_SCHEMA, filename: file });
  } catch (e) {
    const mark = (e as jsyaml.YAMLException).mark as jsyaml.Mark | undefined;
    throw new MeshforgeError('invalid YAML', {
      code: 'POLICY_YAML',
      path: file,
      ...(mark ? { field: `line ${mark.line + 1}` } : {}),
      value: (e as jsyaml.YAMLException).reason ?? (e as Error).message,
      expected: 'valid YAML',
    });
  }
  const objects: PolicyObject[] = [];
  docs.forEach((manifest, index) => {
    if (isObject(manifest) && typeof manifest.kind === 'string') expandDocument(manifest, file, index, [], objects);
  });
  return objects;
}

/**
 * Loads every Kubernetes object from the YAML files under `paths`, in file
 * order then document order, tagged with its environment (`options.env`, or
 * the file's folder among `options.environmentNames`).
 */
export function loadPolicyObjects(paths: readonly string[], options: LoadOptions = {}): PolicyObject[] {
  const cwd = options.cwd ?? process.cwd();
  const names = new Set(options.environmentNames ?? []);
  const objects: PolicyObject[] = [];
  for (const { file, root } of findYamlFilesWithRoots(paths, options)) {
    const parsed = parseManifests(fs.readFileSync(file, 'utf8'), path.relative(cwd, file) || file);
    const environment = options.env ?? environmentOfFile(file, root, names);
    objects.push(...(environment === undefined ? parsed : parsed.map((o) => ({ ...o, environment }))));
  }
  return objects;
}
