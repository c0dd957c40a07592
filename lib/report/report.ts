import * as fs from 'fs';
import * as path from 'path';
import { findYamlFiles, loadPolicyObjects } from '../policy/load';
import { PolicyObject } from '../policy/types';
import { renderPage } from './html';
import { layoutGraph } from './layout';
import { TopologyModel, buildModel, relatedObservability } from './model';

export interface AppReport {
  /** The app folder relative to the dist root, e.g. `shop` (later `prod/shop`). */
  readonly name: string;
  readonly model: TopologyModel;
  readonly html: string;
}

export interface ReportFolderOptions {
  /** Paths on the page are shown relative to this folder. @default process.cwd() */
  readonly cwd?: string;
  /** Page title. @default the folder's base name */
  readonly name?: string;
  /**
   * Objects of the neighbouring apps (same environment): alerts and dashboards among them that
   * concern this app's namespaces are shown too. @default none
   */
  readonly context?: readonly PolicyObject[];
}

/** The report page of one folder of YAML (`dist/shop`, later `dist/<env>/shop`). */
export function reportFolder(folder: string, options: ReportFolderOptions = {}): AppReport {
  const cwd = options.cwd ?? process.cwd();
  const objects = loadPolicyObjects([folder], { cwd });
  const model = buildModel(objects);
  const own = new Set(objects.map((o) => o.file));
  const related = relatedObservability((options.context ?? []).filter((o) => !own.has(o.file)), model.namespaces);
  const name = options.name ?? path.basename(path.resolve(cwd, folder));
  const source = path.relative(cwd, path.resolve(cwd, folder)) || folder;
  const files = findYamlFiles([folder], { cwd }).length;
  return { name, model, html: renderPage({ title: name, source, files, model, layout: layoutGraph(model), related }) };
}

function hasYamlDirectly(dir: string): boolean {
  return fs.readdirSync(dir).some((f) => /\.ya?ml$/.test(f) && fs.statSync(path.join(dir, f)).isFile());
}

/**
 * App folders under `root`: every folder that holds YAML files itself, found
 * depth-first (`shop`, `gitops/argocd`; with environments `prod/shop`). Sorted.
 */
export function appFolders(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    const dir = path.join(root, rel);
    if (rel && hasYamlDirectly(dir)) {
      out.push(rel);
      return;
    }
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) walk(rel ? `${rel}/${e}` : e);
  };
  walk('');
  return out;
}

/**
 * Writes `<out>/<app>.html` for every app folder under `distDir`; returns the
 * written paths. Neighbours (for related alerts/dashboards) are the apps that
 * share the same parent folder (the same environment).
 */
export function writeReports(distDir: string, outDir: string, options: { readonly cwd?: string } = {}): string[] {
  const cwd = options.cwd ?? process.cwd();
  const root = path.resolve(cwd, distDir);
  const written: string[] = [];
  const contextCache = new Map<string, PolicyObject[]>();
  for (const app of appFolders(root)) {
    const parent = path.dirname(app);
    if (!contextCache.has(parent)) contextCache.set(parent, loadPolicyObjects([path.join(root, parent)], { cwd }));
    const report = reportFolder(path.join(root, app), { cwd, name: app, context: contextCache.get(parent) });
    const file = path.resolve(cwd, outDir, `${app}.html`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, report.html);
    written.push(path.relative(cwd, file));
  }
  return written;
}
