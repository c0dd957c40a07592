import { MeshforgeError } from './meshforge-error';

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

/**
 * Throws IMAGE_TAG unless `image` is pinned or `allowLatestTag` (the mesh
 * constructs' rule for every container they emit); `example` shows a pinned image.
 */
export function requirePinnedImage(path: string, field: string, image: string, allowLatestTag: boolean | undefined, example = 'ghcr.io/acme/cart:1.4.2'): void {
  if (allowLatestTag || isPinnedImage(image)) return;
  throw new MeshforgeError('image has no pinned tag', {
    code: 'IMAGE_TAG',
    path,
    field,
    value: image,
    expected: `an explicit tag or digest, e.g. "${example}" (set allowLatestTag: true to accept it)`,
  });
}

/**
 * The container image reference grammar of the distribution project, which the
 * kubelet and every container runtime parse before pulling
 * (github.com/distribution/reference, regexp.go; an invalid one leaves the pod
 * in `InvalidImageName`). Upper-case letters in the repository, spaces and two
 * tags are the usual mistakes.
 */
const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const TAG_PATTERN = '[\\w][\\w.-]{0,127}';
const DIGEST_PATTERN = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const REFERENCE = new RegExp(`^(${NAME})(?::${TAG_PATTERN})?(?:@${DIGEST_PATTERN})?$`);

/** Longest repository name the grammar allows (NameTotalLengthMax). */
const NAME_MAX = 255;

/** Why `image` is not a valid reference, or undefined when it is. */
export function imageReferenceProblem(image: string): string | undefined {
  if (image.length === 0) return 'empty';
  if (image.trim() !== image || /\s/.test(image)) return 'contains white space';
  const m = REFERENCE.exec(image);
  if (!m) {
    if (REFERENCE.test(image.toLowerCase())) return 'the repository name must be lowercase';
    return 'not a valid reference (expected [registry[:port]/]repository[:tag][@digest])';
  }
  if (m[1].length > NAME_MAX) return `the repository name is longer than ${NAME_MAX} characters`;
  return undefined;
}
