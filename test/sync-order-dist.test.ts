import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { SYNC_WAVE_ANNOTATION, readTree, syncGroupOf } from '../lib';

const DIST = path.resolve(__dirname, '..', 'dist');
const files = [...readTree(DIST)].filter(([f]) => f.endsWith('.k8s.yaml') && !f.startsWith('gitops/'));

describe('committed dist/ is in sync order', () => {
  it.each(files.map(([f, text]) => [f, text]))('dist/%s: every object is in its group file and carries a sync wave', (file, text) => {
    for (const doc of parseAllDocuments(text)) {
      const obj = doc.toJS() as { apiVersion: string; kind: string; metadata: { annotations?: Record<string, string> } };
      const group = syncGroupOf(obj);
      expect(path.basename(file).startsWith(`${group.prefix}-${group.name}.`)).toBe(true);
      // the group's wave, unless a construct chose one itself (kept by withSyncWave)
      expect(obj.metadata.annotations?.[SYNC_WAVE_ANNOTATION]).toMatch(/^-?\d+$/);
    }
  });
});
