import { arr, obj, str, stringMap } from '../../policy/manifest';
import { CODES } from '../codes';
import { destinationHost } from '../hosts';
import { PodIndex, VisibleHost, selects, specOf, strings, visibleHosts } from '../input';
import { AnalysisInput, Analyzer, Located, RawFinding } from '../types';

/**
 * Labels Istio adds to every endpoint from its node and cluster (pilot
 * serviceregistry/util/label AugmentLabels), only when non-empty: a pod template
 * cannot show them, so a subset selecting on one with a value is assumed to match.
 */
const NODE_LABELS = new Set([
  'topology.kubernetes.io/region',
  'topology.kubernetes.io/zone',
  'topology.istio.io/subzone',
  'topology.istio.io/cluster',
  'topology.istio.io/network',
  'kubernetes.io/hostname',
]);

/** The subset labels a pod template can be matched on (node-assigned topology labels with a value left out). */
function templateLabels(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([k, v]) => !(NODE_LABELS.has(k) && v !== '')));
}

/** Resolves each DestinationRule host the way Istio's destinationrule.SubsetSelectPodAnalyzer does. */
function resolved(input: AnalysisInput): { dr: Located; host: string; target: VisibleHost | undefined }[] {
  const visible = visibleHosts(input);
  return input.destinationRules.map((dr) => {
    const spec = specOf(dr.manifest);
    const host = str(spec.host) ?? '';
    return { dr, host, target: destinationHost(dr.namespace, strings(spec.exportTo), host, visible) };
  });
}

/**
 * Whether some endpoint behind `target` carries every label of `subsetLabels`.
 * Istio's analyzer matches subset labels against every Pod in the input; meshforge
 * reads pod templates and keeps to the ones behind the host: a Service's selector
 * in its namespace, or a ServiceEntry's workloadSelector in its namespace. A
 * ServiceEntry without workloadSelector is matched against its `endpoints` labels.
 */
function subsetHasEndpoints(pods: PodIndex, target: VisibleHost, subsetLabels: Record<string, string>): boolean {
  const base = target.serviceSelector ?? target.workloadSelector;
  if (base !== undefined) return pods.selects(target.source.namespace, { ...base, ...subsetLabels });
  if (Object.keys(subsetLabels).length === 0) return true;
  return arr(specOf(target.source.manifest).endpoints).some((e) => selects(subsetLabels, stringMap(obj(e).labels)));
}

/** IST0173: each subset that selects no pod template behind the DestinationRule's host. */
export const subsetSelectsNoPods: Analyzer = {
  code: CODES.subsetSelectsNoPods,
  analyze(input) {
    const findings: RawFinding[] = [];
    const pods = new PodIndex(input.workloads);
    for (const { dr, host, target } of resolved(input)) {
      if (!target) continue;
      // A Service without selector has hand-managed endpoints: nothing to match.
      if (target.source.manifest.kind === 'Service' && target.serviceSelector === undefined) continue;
      arr(specOf(dr.manifest).subsets).forEach((s, i) => {
        const subset = obj(s);
        const name = str(subset.name) ?? '';
        const labels = templateLabels(stringMap(subset.labels));
        if (subsetHasEndpoints(pods, target, labels)) return;
        const behind = target.serviceSelector ?? target.workloadSelector;
        findings.push({
          object: dr.object,
          message: `The Subset ${name} defined in the DestinationRule does not select any pods. Which may lead to 503 UH (NoHealthyUpstream). (host ${host}: no pod template in namespace ${target.source.namespace} has labels ${JSON.stringify({ ...(behind ?? {}), ...labels })})`,
          fix: `set spec.subsets[${i}].labels to labels the pods of ${host} carry (e.g. version), or add those labels to the workload's pod template`,
          field: `spec.subsets[${i}].labels`,
        });
      });
    }
    return findings;
  },
};

/** IST0174: a DestinationRule host that resolves to no Service or ServiceEntry in the input. */
export const unknownDestinationRuleHost: Analyzer = {
  code: CODES.unknownDestinationRuleHost,
  analyze(input) {
    return resolved(input)
      .filter((r) => r.target === undefined)
      .map((r) => ({
        object: r.dr.object,
        message: `The host ${r.host} defined in the DestinationRule does not match any services in the mesh.`,
        fix: `correct spec.host (a short name means <name>.${r.dr.namespace}.svc.cluster.local), or check it together with the YAML that defines the Service`,
        field: 'spec.host',
      }));
  },
};
