import * as path from 'path';
import { Yaml } from 'cdk8s';
import { describe, expect, it, vi } from 'vitest';
import { apps, environments, gitops } from '../../apps';
import { readTree, synthesizeAll } from '../../lib';

/*
 * The other half of the dist/ differential test (fast-yaml.test.ts re-parses
 * the committed YAML): every document synth hands to the fast writer, as the
 * very objects synth built, is recorded and compared with cdk8s's
 * `Yaml.stringify` of the same object.
 */
const seen = vi.hoisted(() => [] as { doc: unknown; fast: string | undefined }[]);
vi.mock('../../lib/synth/fast-yaml', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../lib/synth/fast-yaml')>();
  return {
    ...original,
    tryEmitDocument: (doc: unknown): string | undefined => {
      const fast = original.tryEmitDocument(doc);
      seen.push({ doc, fast });
      return fast;
    },
  };
});

describe('synth of the committed apps', () => {
  it('writes every object it renders exactly as the yaml library would, with no fallback', () => {
    const result = synthesizeAll(apps, { gitops, environments });

    // the objects checked are the ones in dist/: synth's files are the committed ones
    const dist = readTree(path.resolve(__dirname, '..', '..', 'dist'));
    // side files (istio/mesh-config.*.yaml) are written by their constructs, not by the emitter; they only complete the tree
    const files = new Map(result.flatMap((app) => [...app.files, ...app.sideFiles].map(([f, text]) => [`${app.name}/${f}`, text] as const)));
    expect(new Map([...dist].filter(([f]) => f.endsWith('.yaml')))).toEqual(files);

    expect(seen.length).toBeGreaterThan(100);
    const fallbacks = seen.filter((s) => s.fast === undefined).map((s) => JSON.stringify(s.doc).slice(0, 120));
    expect(fallbacks).toEqual([]);
    for (const { doc, fast } of seen) expect(fast).toBe(Yaml.stringify(doc));
  });
});
