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
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const REFERENCE = new RegExp(`^(${NAME})(?::${TAG})?(?:@${DIGEST})?$`);

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
