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

/** Whether an Istio StringMatch (exact, prefix, RE2 regex on the whole value) accepts `value`; no condition accepts all. */
function stringMatches(m: Obj | undefined, value: string): boolean {
  if (!m) return true;
  if (m.exact !== undefined) return value === m.exact;
  if (m.prefix !== undefined) return value.startsWith(m.prefix);
  if (m.regex !== undefined) return new RegExp(`^(?:${m.regex})$`).test(value);
  return false;
}

/**
 * The name of the HTTP route a plain GET of `path` takes through `gateway`
 * (`"mesh"` or `<namespace>/<name>`) in this VirtualService, as Istio
 * evaluates it: the VirtualService must be bound to the gateway (default
 * `mesh`), a match's own `gateways` override the VirtualService's, the first
 * route with an applying match wins. Undefined: no route, Envoy answers 404.
 */
export function routeFor(vs: Obj, gateway: string, path: string): string | undefined {
  const bound: string[] = vs.spec.gateways ?? ['mesh'];
  if (!bound.includes(gateway)) return undefined;
  for (const route of (vs.spec.http ?? []) as Obj[]) {
    const matches: Obj[] = route.match ?? [{}];
    const applies = (m: Obj) =>
      (m.gateways ?? bound).includes(gateway) && stringMatches(m.uri, path) && stringMatches(m.method, 'GET') && !m.headers && !m.queryParams;
    if (matches.some(applies)) return route.name;
  }
  return undefined;
}
