import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { readTree, synthToDist } from '../../lib';
import { invalidApp, namespaceApp, throwingApp, tmpDir } from '../helpers';

function siblings(dir: string): string[] {
  return fs.readdirSync(path.dirname(dir)).filter((f) => f !== path.basename(dir));
}

describe('synthToDist (atomic dist/)', () => {
  it('writes dist/<app>/ for every app and removes folders of apps that no longer exist', () => {
    const root = tmpDir();
    const out = path.join(root, 'dist');
    synthToDist([namespaceApp('one'), namespaceApp('two')], out);
    expect([...readTree(out).keys()]).toEqual([
      'one/00-namespaces.k8s.yaml',
      'one/kustomization.yaml',
      'two/00-namespaces.k8s.yaml',
      'two/kustomization.yaml',
    ]);
    synthToDist([namespaceApp('two')], out);
    expect([...readTree(out).keys()]).toEqual(['two/00-namespaces.k8s.yaml', 'two/kustomization.yaml']);
    expect(siblings(out)).toEqual([]); // no staging or retired folders left behind
  });

  it.each([
    ['throws while building', throwingApp('broken')],
    ['fails construct validation', invalidApp('broken')],
  ])('leaves the previous dist/ byte-for-byte untouched when an app %s', (_label, bad) => {
    const root = tmpDir();
    const out = path.join(root, 'dist');
    synthToDist([namespaceApp('good')], out);
    fs.writeFileSync(path.join(out, 'good', 'base.k8s.yaml'), 'hand-edited\n'); // proves nothing rewrites it
    const before = readTree(out);
    expect(() => synthToDist([namespaceApp('good'), namespaceApp('other'), bad], out)).toThrowError(/app "broken" failed to synthesize/);
    expect(readTree(out)).toEqual(before);
    expect(siblings(out)).toEqual([]);
  });

  it('creates dist/ when it does not exist yet, and creates nothing when the first synth fails', () => {
    const root = tmpDir();
    const out = path.join(root, 'nested', 'dist');
    expect(() => synthToDist([throwingApp('broken')], out)).toThrow();
    expect(fs.existsSync(out)).toBe(false);
    synthToDist([namespaceApp('good')], out);
    expect(fs.statSync(out).mode & 0o777).toBe(0o755);
  });
});
