import { describe, expect, it } from 'vitest';
import { docFiles, linksOf, readDoc } from './markdown';

/**
 * README.md is the front door: short, and it leads to every page of docs/
 * (issue 11: at most 300 lines, at least six topic pages).
 */
describe('README.md and docs/', () => {
  const pages = docFiles().filter((f) => f.startsWith('docs/'));

  it('README.md has at most 300 lines', () => {
    expect(readDoc('README.md').trimEnd().split('\n').length).toBeLessThanOrEqual(300);
  });

  it('docs/ has a page per topic, and README.md links every page', () => {
    expect(pages).toEqual(
      expect.arrayContaining(['docs/architecture.md', 'docs/gitops.md', 'docs/mesh.md', 'docs/observability.md', 'docs/performance.md', 'docs/security.md', 'docs/synth-and-checks.md']),
    );
    const linked = new Set(linksOf('README.md').map((l) => l.target.split('#')[0]));
    expect(pages.filter((p) => !linked.has(p))).toEqual([]);
  });

  it('every page starts with one title', () => {
    for (const page of pages) expect(readDoc(page).split('\n')[0], page).toMatch(/^# \S/);
  });
});
