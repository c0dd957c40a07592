import * as path from 'path';

/**
 * The environment a YAML file belongs to, from where it sits. `file` and
 * `root` (the checked path it was found under) are absolute.
 *
 * 1. Below the checked folder: the first folder of the file's path relative to
 *    `root` is a known environment (`npm run check -- out` → `out/prod/shop/a.yaml` is `prod`).
 * 2. Else below a `dist` folder: the folder right below the nearest `dist`
 *    folder above the file is a known environment (`dist/prod/shop/a.yaml`,
 *    whether the check was given `dist`, `dist/prod`, `.` or the file itself).
 *
 * Only folders count (a file `dist/prod.yaml` is in no environment); names
 * match exactly (case-sensitive); a file in no known environment's folder gets
 * none, so no environment rule applies to it.
 */
export function environmentOfFile(file: string, root: string, names: ReadonlySet<string>): string | undefined {
  if (names.size === 0) return undefined;
  const rel = path.relative(root, file);
  if (rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)) {
    const below = rel.split(path.sep);
    if (below.length >= 2 && names.has(below[0])) return below[0];
  }
  const folders = path.dirname(file).split(path.sep);
  for (let i = folders.length - 2; i >= 0; i--) {
    if (folders[i] === 'dist') return names.has(folders[i + 1]) ? folders[i + 1] : undefined;
  }
  return undefined;
}
