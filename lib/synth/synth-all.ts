import { MeshforgeError } from '../validation/meshforge-error';
import { AppDefinition } from './app-definition';
import { writeDist } from './dist-writer';
import { SynthesizedApp, synthesizeApp } from './synthesize-app';

/**
 * Synthesizes every app in memory first; only when all of them succeeded is
 * `outdir` replaced. A failing app throws (naming the app) and nothing is written.
 */
export function synthesizeAll(apps: readonly AppDefinition[]): SynthesizedApp[] {
  const seen = new Set<string>();
  for (const a of apps) {
    if (seen.has(a.name)) {
      throw new MeshforgeError('two apps share a name', {
        code: 'DUPLICATE_APP',
        field: 'name',
        value: a.name,
        expected: 'a unique name per app (it is the dist/ folder name)',
      });
    }
    seen.add(a.name);
  }
  return apps.map((a) => synthesizeApp(a));
}

export function synthToDist(apps: readonly AppDefinition[], outdir: string): SynthesizedApp[] {
  const result = synthesizeAll(apps);
  writeDist(outdir, result);
  return result;
}
