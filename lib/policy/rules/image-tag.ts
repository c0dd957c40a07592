import { str, stringMap } from '../manifest';
import { Finding } from '../types';
import { containersOf } from '../workloads';
import { podRule } from './pod-rule';

/** The tag of an image reference (`undefined` when it has none) and whether it carries a digest. */
export function parseImage(image: string): { readonly tag?: string; readonly digest: boolean } {
  const at = image.indexOf('@');
  const digest = at >= 0;
  const name = digest ? image.slice(0, at) : image;
  // A ':' after the last '/' is a tag; before it, it is a registry port (registry:5000/app).
  const lastSegment = name.slice(name.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  return colon >= 0 ? { tag: lastSegment.slice(colon + 1), digest } : { digest };
}

/** Images pinned to a version: a tag other than `latest`, or a digest. */
export const imageTag = podRule({
  id: 'image-tag',
  summary: 'Every image is pinned: a version tag (not latest) or a @sha256 digest.',
  fix: 'Pin the image to a version tag (app:1.4.2) or a digest (app@sha256:...).',
  checkPod(pod) {
    const findings: Finding[] = [];
    // Istio gateway deployments say `image: auto`; the injector replaces it with the pinned proxy image.
    const istioInjected =
      stringMap(pod.metadata.labels)['sidecar.istio.io/inject'] === 'true' || stringMap(pod.metadata.annotations)['inject.istio.io/templates'] !== undefined;
    for (const c of containersOf(pod)) {
      const image = str(c.container.image);
      if (image === undefined || (image === 'auto' && istioInjected)) continue;
      const { tag, digest } = parseImage(image);
      if (digest) continue;
      const field = `${c.path}.image`;
      if (tag === undefined) {
        findings.push({ message: `${c.label} image ${JSON.stringify(image)} has no tag`, fix: `pin ${field} to a version tag or digest`, field });
      } else if (tag === 'latest') {
        findings.push({
          message: `${c.label} image ${JSON.stringify(image)} uses the mutable "latest" tag`,
          fix: `pin ${field} to a version tag or digest`,
          field,
        });
      }
    }
    return findings;
  },
});
