import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { MeshforgeError } from '../validation';
import { isObject } from './manifest';
import { PolicyObject } from './types';

export interface LoadOptions {
  /** Files are shown relative to this folder. @default process.cwd() */
  readonly cwd?: string;
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

/** The YAML files named by `paths`: files as given, folders searched recursively. */
export function findYamlFiles(paths: readonly string[], options: LoadOptions = {}): string[] {
  const cwd = options.cwd ?? process.cwd();
  const files: string[] = [];
  for (const p of paths) {
    const full = path.resolve(cwd, p);
    if (!fs.existsSync(full)) {
      throw new MeshforgeError('nothing to check at this path', { code: 'POLICY_PATH', value: p, expected: 'a YAML file or a folder holding YAML files' });
    }
    files.push(...(fs.statSync(full).isDirectory() ? yamlFilesUnder(full) : [full]));
  }
  return [...new Set(files)];
}

/**
 * Parses one file's documents the way Kubernetes reads them (YAML 1.1). Empty
 * documents and documents that are not Kubernetes objects (no kind) are skipped.
 */
export function parseManifests(text: string, file: string): PolicyObject[] {
  const objects: PolicyObject[] = [];
  parseAllDocuments(text, { version: '1.1' }).forEach((doc, index) => {
    if (doc.errors.length > 0) {
      throw new MeshforgeError('invalid YAML', { code: 'POLICY_YAML', path: file, field: `document ${index}`, value: doc.errors[0].message.split('\n')[0], expected: 'valid YAML' });
    }
    const manifest: unknown = doc.toJS({ maxAliasCount: -1 });
    if (isObject(manifest) && typeof manifest.kind === 'string') objects.push({ manifest, file, index });
  });
  return objects;
}

/** Loads every Kubernetes object from the YAML files under `paths`, in file order then document order. */
export function loadPolicyObjects(paths: readonly string[], options: LoadOptions = {}): PolicyObject[] {
  const cwd = options.cwd ?? process.cwd();
  const objects: PolicyObject[] = [];
  for (const file of findYamlFiles(paths, options)) {
    objects.push(...parseManifests(fs.readFileSync(file, 'utf8'), path.relative(cwd, file) || file));
  }
  return objects;
}
