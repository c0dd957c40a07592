import { configChecksum } from '../common/config-checksum';
import { MeshforgeError } from '../validation/meshforge-error';
import { CONFIG_MAP_KEY } from '../validation/names';
import { ConfigFile } from './config-file';
import { sortedEntries } from './conventions';
import { MeshServiceProps } from './mesh-service-props';

/*
 * A MeshService's `files`: one ConfigMap, mounted read-only at
 * `configMountPath`, whose checksum on the pod template rolls the pods
 * when a file changes.
 */

/** The ConfigMap's text `data` and base64 `binaryData` (keys sorted, binaryData only when a file is binary) and their checksum; undefined without files. */
export function configMapData(
  path: string,
  files: Readonly<Record<string, ConfigFile>> | undefined,
): { readonly data: Record<string, string>; readonly binaryData?: Record<string, string>; readonly hash: string } | undefined {
  if (!files || Object.keys(files).length === 0) return undefined;
  const data: Record<string, string> = {};
  const binaryData: Record<string, string> = {};
  for (const [key, file] of sortedEntries(files)) {
    const content = file._content(path, key);
    if (typeof content === 'string') data[key] = content;
    else binaryData[key] = content.toString('base64');
  }
  // A key is in one of the two maps, so their union hashes every file once.
  const hasBinary = Object.keys(binaryData).length > 0;
  return { data, binaryData: hasBinary ? binaryData : undefined, hash: configChecksum(hasBinary ? { ...data, ...binaryData } : data) };
}

/** Construction-time checks: valid ConfigMap keys, and no writable path over or under the config mount. */
export function checkConfigFiles(path: string, p: Pick<MeshServiceProps, 'files' | 'configMountPath' | 'writablePaths'>): void {
  for (const key of Object.keys(p.files ?? {}).sort()) {
    if (!CONFIG_MAP_KEY.test(key) || key.length > 253) {
      throw new MeshforgeError('invalid ConfigMap key', {
        code: 'INVALID_CONFIG_KEY',
        path,
        field: `files.${key}`,
        value: key,
        expected: 'a file name of at most 253 characters matching [-._a-zA-Z0-9]+ (no "/": files are mounted flat under configMountPath)',
      });
    }
  }
  const mount = p.configMountPath ?? '/config';
  const within = (inner: string, outer: string) => inner === outer || inner.startsWith(outer.endsWith('/') ? outer : `${outer}/`);
  (p.writablePaths ?? []).forEach((w, i) => {
    if (p.files && Object.keys(p.files).length > 0 && (within(mount, w) || within(w, mount))) {
      throw new MeshforgeError('writable path overlaps the config mount', {
        code: 'WRITABLE_PATH',
        path,
        field: `writablePaths[${i}]`,
        value: w,
        expected: `a path neither equal to, above nor inside configMountPath "${mount}" (the emptyDir would hide the config files, or sit in a read-only mount)`,
      });
    }
  });
}
