/*
 * What a pinned container image is, for every construct that takes an image
 * (lib/mesh, lib/observability): one rule, different error codes.
 */

/** A tag as the OCI distribution spec allows it. */
const TAG = /^[\w][\w.-]{0,127}$/;
/** A digest `<algorithm>:<encoded>` (OCI image spec, "Digests"). */
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** The tag (undefined when there is none) and digest (after `@`) of an image reference. */
export function parseImageRef(image: string): { readonly tag?: string; readonly digest?: string } {
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  // A ':' after the last '/' is a tag; before it, it is a registry port (registry:5000/app).
  const lastSegment = name.slice(name.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  return { tag: colon >= 0 ? lastSegment.slice(colon + 1) : undefined, digest };
}

/** Pinned to one build: a valid digest, or a valid tag other than `latest`. */
export function isPinnedImage(image: string): boolean {
  const { tag, digest } = parseImageRef(image);
  if (digest !== undefined) return DIGEST.test(digest);
  return tag !== undefined && TAG.test(tag) && tag !== 'latest';
}
