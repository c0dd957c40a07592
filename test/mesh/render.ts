import { App, Chart } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { defineApp, synthesizeApp } from '../../lib';

/** A rendered Kubernetes object, as plain JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Obj = Record<string, any>;

/** Builds one chart `c` in a fresh app through the real synth pipeline and returns every object. */
export function render(build: (chart: Chart, app: App) => void): Obj[] {
  const out = synthesizeApp(
    defineApp({
      name: 'test',
      description: 'mesh test',
      build(app) {
        build(new Chart(app, 'c'), app);
      },
    }),
  );
  return [...out.files]
    .filter(([f]) => f !== 'kustomization.yaml')
    .flatMap(([, text]) => parseAllDocuments(text).map((d) => d.toJS() as Obj));
}

/** The one object of `kind` (and `name`), failing loudly if it is not there exactly once. */
export function one(objects: Obj[], kind: string, name?: string): Obj {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0];
}

/** Kinds of the rendered objects, in order. */
export const kinds = (objects: Obj[]) => objects.map((o) => o.kind);
