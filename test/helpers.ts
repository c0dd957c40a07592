import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AppDefinition, defineApp } from '../lib';

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
