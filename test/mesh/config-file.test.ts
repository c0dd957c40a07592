import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { ConfigFile, projectRoot } from '../../lib';
import { tmpDir } from '../helpers';

describe('ConfigFile', () => {
  it('records where the content comes from', () => {
    expect(ConfigFile.fromString('x').source).toBe('inline');
    expect(ConfigFile.fromFile('a/b.yaml', '/base').source).toBe(path.resolve('/base/a/b.yaml'));
  });

  it('projectRoot finds the folder with package.json from sources and from build/', () => {
    const root = path.resolve(__dirname, '../..');
    expect(projectRoot(path.join(root, 'apps', 'shop'))).toBe(root);
    expect(projectRoot(path.join(root, 'build', 'apps', 'shop'))).toBe(root);
  });

  it('projectRoot fails outside a project', () => {
    const dir = tmpDir();
    fs.mkdirSync(path.join(dir, 'x'));
    expect(() => projectRoot(path.join(dir, 'x'))).toThrowError('no package.json above directory');
  });
});
