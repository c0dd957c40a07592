import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { parseAllDocuments } from 'yaml';
import { AppDefinition, MeshforgeError, defineApp } from '../lib';

/** A fresh temporary directory, removed by the OS eventually. */
export function tmpDir(prefix = 'meshforge-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A small valid app with one namespace. */
export function namespaceApp(name: string, namespace = name): AppDefinition {
  return defineApp({
    name,
    description: `test app ${name}`,
    build(app: App) {
      const chart = new Chart(app, 'base');
      new kplus.Namespace(chart, 'ns', { metadata: { name: namespace } });
    },
  });
}

/** An app whose build throws, as a buggy construct would. */
export function throwingApp(name: string): AppDefinition {
  return defineApp({
    name,
    description: 'throws',
    build() {
      throw new Error('boom: replicas must be a number');
    },
  });
}

/** An app whose construct validation fails at synth time. */
export function invalidApp(name: string): AppDefinition {
  return defineApp({
    name,
    description: 'fails validation',
    build(app: App) {
      const chart = new Chart(app, 'base');
      const ns = new kplus.Namespace(chart, 'ns', { metadata: { name } });
      ns.node.addValidation({ validate: () => ['weights sum to 90, expected 100'] });
    },
  });
}

/**
 * Every object an app wrote, parsed, in kustomization order. Tests that look
 * for an object should use this rather than a file name: files are named by
 * sync group and chart (`40-workloads.k8s.yaml`).
 */
export function objectsOf(app: { readonly files: ReadonlyMap<string, string> }): Manifest[] {
  return [...app.files]
    .filter(([file]) => !file.endsWith('kustomization.yaml'))
    .flatMap(([, text]) => parseAllDocuments(text).map((d) => d.toJS() as Manifest));
}

/** A parsed manifest, typed enough for assertions. */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  readonly [field: string]: unknown;
}

/** The MeshforgeError `f` throws; fails the test when it throws nothing. */
export function errorOf(f: () => unknown): MeshforgeError {
  try {
    f();
  } catch (e) {
    return e as MeshforgeError;
  }
  throw new Error('expected an error');
}
