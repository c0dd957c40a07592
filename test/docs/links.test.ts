import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { Link, ROOT, anchorsOf, docFiles, linksOf, readDoc, slug } from './markdown';

/**
 * Every relative link in README.md and docs/ resolves: the file (or folder)
 * exists in the repository, and a `#anchor` names a heading of the target
 * Markdown file by GitHub's slug rules. External links (http:, https:,
 * mailto:) are not fetched.
 */
export function brokenLinks(docs: ReadonlyMap<string, string>): string[] {
  const anchors = new Map<string, Set<string>>();
  const anchorsIn = (file: string): Set<string> | undefined => {
    if (!anchors.has(file)) {
      const text = docs.get(file) ?? (fs.existsSync(path.join(ROOT, file)) ? readDoc(file) : undefined);
      if (text === undefined) return undefined;
      anchors.set(file, anchorsOf(text));
    }
    return anchors.get(file);
  };
  const broken: string[] = [];
  const links: Link[] = [...docs].flatMap(([file, text]) => linksOf(file, text));
  for (const link of links) {
    const where = `${link.file}:${link.line}: ${link.target}`;
    if (/^[a-z][a-z0-9+.-]*:/i.test(link.target)) {
      if (!/^(https?|mailto):/i.test(link.target)) broken.push(`${where} (unsupported scheme)`);
      continue;
    }
    const [rawPath, anchor] = link.target.split('#', 2);
    const target = rawPath === '' ? link.file : path.posix.normalize(path.posix.join(path.posix.dirname(link.file), decodeURI(rawPath)));
    if (target.startsWith('..') || path.isAbsolute(rawPath)) {
      broken.push(`${where} (outside the repository)`);
      continue;
    }
    if (!docs.has(target) && !fs.existsSync(path.join(ROOT, target))) {
      broken.push(`${where} (no such file)`);
      continue;
    }
    if (anchor !== undefined) {
      if (!target.endsWith('.md')) {
        broken.push(`${where} (anchor into a file that is not Markdown)`);
        continue;
      }
      if (!anchorsIn(target)?.has(decodeURIComponent(anchor))) broken.push(`${where} (no heading with this anchor in ${target})`);
    }
  }
  return broken;
}

describe('links in README.md and docs/', () => {
  const docs = new Map(docFiles().map((f) => [f, readDoc(f)]));

  it('finds the links (the extraction itself works)', () => {
    const all = [...docs].flatMap(([file, text]) => linksOf(file, text));
    expect(all.filter((l) => l.file === 'README.md' && l.target.startsWith('docs/')).length).toBeGreaterThanOrEqual(7);
  });

  it('every relative link and #anchor resolves', () => {
    expect(brokenLinks(docs)).toEqual([]);
  });

  it('GitHub slug rules', () => {
    expect(slug('Metrics under STRICT mTLS')).toBe('metrics-under-strict-mtls');
    expect(slug('Sidecars (`addSidecar`)')).toBe('sidecars-addsidecar');
    expect(slug('MeshGateway and ExternalService')).toBe('meshgateway-and-externalservice');
    expect(slug('Zero trust: mTLS, authorization and NetworkPolicy from declared callers (`lib/security/`)')).toBe(
      'zero-trust-mtls-authorization-and-networkpolicy-from-declared-callers-libsecurity',
    );
    expect(slug('apps → constructs → checks')).toBe('apps--constructs--checks');
    expect(slug('`dist_path` and `snake_case`')).toBe('dist_path-and-snake_case');
    expect(slug('Größe ² — 1.5 Ω')).toBe('größe---15-ω');
    expect([...anchorsOf('# A\n## Options\n```\n# not a heading\n```\n## Options\n')]).toEqual(['a', 'options', 'options-1']);
  });

  it('a broken file link and a broken anchor are both reported', () => {
    const broken = brokenLinks(
      new Map([
        ['docs/a.md', '# Title\n\nSee [b](b.md#nowhere), [c](missing.md), [self](#title), [code](../lib/index.ts) and [ext](https://example.com).\n'],
        ['docs/b.md', '# Somewhere\n'],
      ]),
    );
    expect(broken).toEqual(['docs/a.md:3: b.md#nowhere (no heading with this anchor in docs/b.md)', 'docs/a.md:3: missing.md (no such file)']);
  });
});
