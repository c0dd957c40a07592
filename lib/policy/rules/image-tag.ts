import { parseImageRef } from '../../validation/images';
import { str, stringMap } from '../manifest';
import { PodTemplate } from '../workloads';
import { containerRule } from './pod-rule';

/** The tag of an image reference (`undefined` when it has none) and whether it carries a digest (one parser: lib/validation/images). */
export function parseImage(image: string): { readonly tag?: string; readonly digest: boolean } {
  const { tag, digest } = parseImageRef(image);
  return tag !== undefined ? { tag, digest: digest !== undefined } : { digest: digest !== undefined };
}

/** Istio gateway deployments say `image: auto`; the injector replaces it with the pinned proxy image. */
function istioInjected(pod: PodTemplate): boolean {
  return stringMap(pod.metadata.labels)['sidecar.istio.io/inject'] === 'true' || stringMap(pod.metadata.annotations)['inject.istio.io/templates'] !== undefined;
}

/** Images pinned to a version: a tag other than `latest`, or a digest. */
export const imageTag = containerRule({
  id: 'image-tag',
  summary: 'Every image is pinned: a version tag (not latest) or a @sha256 digest.',
  fix: 'Pin the image to a version tag (app:1.4.2) or a digest (app@sha256:...).',
  checkContainer(c, pod) {
    const image = str(c.container.image);
    if (image === undefined || (image === 'auto' && istioInjected(pod))) return [];
    const { tag, digest } = parseImage(image);
    const field = `${c.path}.image`;
    const fix = `pin ${field} to a version tag or digest`;
    if (digest) return [];
    if (tag === undefined) return [{ message: `${c.label} image ${JSON.stringify(image)} has no tag`, fix, field }];
    if (tag === 'latest') return [{ message: `${c.label} image ${JSON.stringify(image)} uses the mutable "latest" tag`, fix, field }];
    return [];
  },
});
