import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { defineApp } from '../../lib';

/**
 * The smallest possible app: one namespace. It exists so the synth pipeline,
 * dist/ layout and CI have something real to work on.
 */
export default defineApp({
  name: 'sandbox',
  description: 'A namespace for experiments; the smallest meshforge app.',
  // for experiments only: never rendered for test or prod
  environments: ['dev'],
  // dist/gitops/argocd/sandbox.k8s.yaml (an ApplicationSet with one element, dev) and dist/gitops/flux/dev/sandbox.k8s.yaml
  gitops: { argocd: true, flux: true },
  build(app) {
    const chart = new Chart(app, 'namespace');
    new kplus.Namespace(chart, 'sandbox', {
      metadata: {
        name: 'sandbox',
        labels: { 'app.kubernetes.io/managed-by': 'meshforge' },
      },
    });
  },
});
