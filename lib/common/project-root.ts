import * as fs from 'fs';
import * as path from 'path';
import { MeshforgeError } from '../validation/meshforge-error';

/**
 * The nearest folder at or above `dir` holding a package.json: the project
 * root both from sources (vitest) and from the compiled build/ tree, so apps
 * can find their config files in either.
 */
export function projectRoot(dir: string): string {
  let current = path.resolve(dir);
  while (!fs.existsSync(path.join(current, 'package.json'))) {
    const parent = path.dirname(current);
    if (parent === current) {
      throw new MeshforgeError('no package.json above directory', { code: 'CONFIG_FILE_NOT_FOUND', value: dir, expected: 'a directory inside the project' });
    }
    current = parent;
  }
  return current;
}
