import * as kplus from 'cdk8s-plus-27';
import { MeshforgeError } from '../validation/meshforge-error';
import { cidrProblem } from '../validation/rules/kubernetes';
import { MeshServiceProps } from './mesh-service-props';

/*
 * The Service options of externally reachable services (`NODE_PORT`,
 * `LOAD_BALANCER`): the API server rejects them on other types
 * (kubernetes pkg/apis/core/validation/validation.go, ValidateService:
 * externalTrafficPolicy "may only be set for externally-accessible
 * services", loadBalancerSourceRanges "may only be used when `type` is
 * 'LoadBalancer'", each range parsed with ValidateCIDR).
 */

/** Refuses `externalTrafficPolicy` and `loadBalancerSourceRanges` on a Service type that cannot have them. */
export function checkExternalTrafficOptions(path: string, p: Pick<MeshServiceProps, 'serviceType' | 'externalTrafficPolicy' | 'loadBalancerSourceRanges'>): void {
  const type = p.serviceType ?? kplus.ServiceType.CLUSTER_IP;
  const external = type === kplus.ServiceType.NODE_PORT || type === kplus.ServiceType.LOAD_BALANCER;
  if (p.externalTrafficPolicy !== undefined && !external) {
    throw new MeshforgeError('externalTrafficPolicy on a Service that is not externally reachable', {
      code: 'SERVICE_TYPE',
      path,
      field: 'externalTrafficPolicy',
      value: p.externalTrafficPolicy,
      expected: `serviceType NODE_PORT or LOAD_BALANCER (it is ${type}; the API server rejects the field otherwise)`,
    });
  }
  if (p.loadBalancerSourceRanges !== undefined && type !== kplus.ServiceType.LOAD_BALANCER) {
    throw new MeshforgeError('loadBalancerSourceRanges on a Service that is not a LoadBalancer', {
      code: 'SERVICE_TYPE',
      path,
      field: 'loadBalancerSourceRanges',
      value: [...p.loadBalancerSourceRanges],
      expected: `serviceType LOAD_BALANCER (it is ${type}; the API server rejects the field otherwise)`,
    });
  }
  (p.loadBalancerSourceRanges ?? []).forEach((cidr, i) => {
    const problem = cidrProblem(cidr);
    if (problem) {
      throw new MeshforgeError(`invalid CIDR (${problem})`, {
        code: 'INVALID_CIDR',
        path,
        field: `loadBalancerSourceRanges[${i}]`,
        value: cidr,
        expected: 'an IPv4 or IPv6 CIDR, e.g. "203.0.113.0/24" or "2001:db8::/32"',
      });
    }
  });
}
