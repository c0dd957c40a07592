import { createHash } from 'crypto';

/**
 * sha256 (hex) over config files, sorted by name; each name and content is
 * length-prefixed so that no two different file sets hash alike. Written into a
 * pod-template annotation (`checksum/config`), it rolls the pod whenever a file
 * changes: the components here do not watch their files, and ConfigMaps mounted
 * with `subPath` are never refreshed by the kubelet.
 */
export function configChecksum(files: Record<string, string>): string {
  const hash = createHash('sha256');
  for (const name of Object.keys(files).sort()) {
    const content = files[name];
    hash.update(`${name.length}:${name}${content.length}:${content}`);
  }
  return hash.digest('hex');
}
