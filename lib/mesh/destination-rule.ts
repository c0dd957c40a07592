import { DestinationRuleSpecTrafficPolicyTlsMode } from '../../imports/networking.istio.io';
import { VERSION_LABEL } from './conventions';
import { MeshServiceProps } from './mesh-service-props';
import { connectionPoolToIstio, outlierDetectionToIstio } from './traffic-policy';

/** The props a DestinationRule is made of. */
export type TrafficPolicyProps = Pick<MeshServiceProps, 'tlsMode' | 'loadBalancer' | 'connectionPool' | 'outlierDetection' | 'locality'>;

/** A MeshService's DestinationRule spec: its traffic policy and one subset per version (selected by the `version` label). */
export function destinationRuleSpec(host: string, versions: readonly string[], p: TrafficPolicyProps) {
  return {
    host,
    trafficPolicy: {
      tls: { mode: p.tlsMode === 'DISABLE' ? DestinationRuleSpecTrafficPolicyTlsMode.DISABLE : DestinationRuleSpecTrafficPolicyTlsMode.ISTIO_UNDERSCORE_MUTUAL },
      loadBalancer: p.locality ? { ...p.loadBalancer?.toIstio(), localityLbSetting: p.locality.toIstio() } : p.loadBalancer?.toIstio(),
      connectionPool: p.connectionPool && connectionPoolToIstio(p.connectionPool),
      outlierDetection: p.outlierDetection && outlierDetectionToIstio(p.outlierDetection),
    },
    subsets: versions.map((v) => ({ name: v, labels: { [VERSION_LABEL]: v } })),
  };
}

/**
 * The spec under its wire names, for the fast path: the import names one
 * field `consecutive5XxErrors`, Istio `consecutive5xxErrors`.
 */
export function destinationRuleWireSpec(spec: ReturnType<typeof destinationRuleSpec>): Record<string, unknown> {
  const od = spec.trafficPolicy.outlierDetection;
  const trafficPolicy = od ? { ...spec.trafficPolicy, outlierDetection: { ...od, consecutive5XxErrors: undefined, consecutive5xxErrors: od.consecutive5XxErrors } } : spec.trafficPolicy;
  return { ...spec, trafficPolicy };
}
