import { GitOpsConfig } from '../lib';

/**
 * Where Argo CD and Flux find this repository. Apps opt in with
 * `defineApp({ gitops: { argocd: true, flux: true } })`; their Application /
 * Kustomization objects are written to dist/gitops/. Change `repoURL` to the
 * repository your cluster pulls from.
 */
export const gitops: GitOpsConfig = {
  repoURL: 'https://github.com/example/meshforge.git',
  branch: 'main',
};
