import { DestinationRuleSpecTrafficPolicyLoadBalancerLocalityLbSetting } from '../../imports/networking.istio.io';
import { MeshforgeError } from '../validation/meshforge-error';

/** Traffic from the `from` region goes to the `to` region when none of its own endpoints is healthy. */
export interface LocalityFailover {
  /** Region the clients are in, e.g. "us-east1". */
  readonly from: string;
  /** Region to fail over to, e.g. "us-west1". */
  readonly to: string;
}

/** Weighted distribution of the traffic of clients in `from` over localities. */
export interface LocalityDistribution {
  /** Locality of the clients: `region[/zone[/subzone]]`, optionally ending in `*`, e.g. "us-west1/*". */
  readonly from: string;
  /** Share of the traffic in percent per locality (`region[/zone[/subzone]]` or ending in `*`); the shares sum to 100. */
  readonly to: Readonly<Record<string, number>>;
}

/** Options of `LocalityLoadBalancing.failover`. */
export interface LocalityFailoverOptions {
  /** Explicit region pairs. @default - Istio's order: same zone, same region, then any other region */
  readonly failover?: readonly LocalityFailover[];
  /**
   * Pod labels in priority order: endpoints matching the client's values of
   * all of them come first, then of all but the last, and so on (e.g.
   * `["topology.istio.io/network", "topology.kubernetes.io/region"]`). With
   * `failover`, the topology labels (region, zone, subzone) are not allowed.
   * @default - none
   */
  readonly failoverPriority?: readonly string[];
}

/** Labels Istio refuses in `failoverPriority` next to `failover` (pkg/config/validation/agent ValidateLocalityLbSetting). */
const TOPOLOGY_LABELS = ['topology.kubernetes.io/region', 'topology.kubernetes.io/zone', 'topology.istio.io/subzone'];

/**
 * Locality-aware load balancing of a service (DestinationRule
 * `trafficPolicy.loadBalancer.localityLbSetting`): keep traffic in the
 * client's zone and region, and say where it goes when they fail.
 *
 * Failover only happens when an endpoint is found unhealthy, which needs
 * `outlierDetection` on the same service: without it istiod accepts the rule
 * with a warning and nothing fails over, so meshforge refuses it
 * (LOCALITY_FAILOVER).
 *
 * @see https://istio.io/latest/docs/tasks/traffic-management/locality-load-balancing/
 */
export class LocalityLoadBalancing {
  /**
   * Prefer the client's zone, then region, then other regions (in the order
   * of `failover`, or by `failoverPriority` labels). Needs `outlierDetection`.
   */
  public static failover(options: LocalityFailoverOptions = {}): LocalityLoadBalancing {
    // enabled: the DestinationRule then overrides a mesh config that turned locality load balancing off
    return new LocalityLoadBalancing({ enabled: true, failover: options.failover && [...options.failover], failoverPriority: options.failoverPriority && [...options.failoverPriority] });
  }
  /** Split each client locality's traffic by weight over localities (exclusive with failover). */
  public static distribute(distribution: readonly LocalityDistribution[]): LocalityLoadBalancing {
    return new LocalityLoadBalancing({ distribute: distribution.map((d) => ({ from: d.from, to: { ...d.to } })) });
  }
  /** Turn locality load balancing off for this service (endpoints of every locality are equal). */
  public static disabled(): LocalityLoadBalancing {
    return new LocalityLoadBalancing({ enabled: false });
  }

  private constructor(private readonly setting: DestinationRuleSpecTrafficPolicyLoadBalancerLocalityLbSetting) {}

  /**
   * Whether traffic fails over by locality (the case that needs outlier
   * detection): `failover()` with or without explicit regions. istiod only
   * assigns locality priorities when outlier detection is set
   * (pilot/pkg/networking/core/loadbalancer: `enableFailover := ... c.OutlierDetection != nil`).
   */
  public get failsOver(): boolean {
    return this.setting.enabled === true;
  }

  /** The Istio `localityLbSetting` block. */
  public toIstio(): DestinationRuleSpecTrafficPolicyLoadBalancerLocalityLbSetting {
    return this.setting;
  }

  /**
   * @internal istiod's rules (istio/istio pkg/config/validation/agent/validation.go,
   * ValidateLocalityLbSetting and validateLocalities); `field` is the prop's name.
   */
  public _check(path: string, field: string, hasOutlierDetection: boolean): void {
    const fail = (message: string, f: string, value: unknown, expected: string): never => {
      throw new MeshforgeError(message, { code: 'LOCALITY_LB', path, field: `${field}.${f}`, value, expected });
    };
    const s = this.setting;
    (s.distribute ?? []).forEach((d, i) => {
      const entries = Object.entries(d.to ?? {});
      if (entries.length === 0) fail('distribution without target localities', `distribute[${i}].to`, d.to, 'at least one locality with a weight');
      for (const [loc, w] of entries) {
        if (!Number.isInteger(w) || w < 1 || w > 100) fail('locality weight out of range', `distribute[${i}].to.${loc}`, w, 'a whole number from 1 to 100');
      }
      const total = entries.reduce((sum, [, w]) => sum + w, 0);
      if (total !== 100) fail('locality weights do not sum to 100', `distribute[${i}].to`, total, 'weights that sum to 100 (istiod rejects any other total)');
      checkLocalities(entries.map(([loc]) => loc), (loc, why) => fail(`invalid locality (${why})`, `distribute[${i}].to.${loc}`, loc, LOCALITY_EXPECTED));
    });
    checkLocalities((s.distribute ?? []).map((d) => d.from ?? ''), (loc, why) => {
      const i = (s.distribute ?? []).findIndex((d) => d.from === loc);
      return fail(`invalid locality (${why})`, `distribute[${i}].from`, loc, LOCALITY_EXPECTED);
    });
    (s.failover ?? []).forEach((f, i) => {
      for (const key of ['from', 'to'] as const) {
        const region = f[key] ?? '';
        if (region === '' || region.includes('/') || region.includes('*')) {
          fail('failover locality is not a region', `failover[${i}].${key}`, region, 'a region name without "/" or "*", e.g. "us-east1" (failover is between regions)');
        }
      }
      if (f.from === f.to) fail('failover to the same region', `failover[${i}].to`, f.to, `a region other than "${f.from}"`);
    });
    if ((s.failover?.length ?? 0) > 0) {
      (s.failoverPriority ?? []).forEach((label, i) => {
        if (TOPOLOGY_LABELS.includes(label)) {
          fail('topology label in failoverPriority next to failover', `failoverPriority[${i}]`, label, `labels other than ${TOPOLOGY_LABELS.join(', ')} when failover is given (istiod rejects the pair)`);
        }
      });
    }
    if (this.failsOver && !hasOutlierDetection) {
      // istiod: WrapWarning("outlier detection policy must be provided for failover"); Envoy only
      // moves traffic away from endpoints that outlier detection ejected, so nothing would fail over.
      throw new MeshforgeError('locality failover without outlier detection never fails over', {
        code: 'LOCALITY_FAILOVER',
        path,
        field,
        value: 'failover',
        expected: 'outlierDetection on the same service (e.g. { consecutive5xxErrors: 5 }): endpoints only fail over once ejected',
      });
    }
  }
}

const LOCALITY_EXPECTED = '"region", "region/zone" or "region/zone/subzone", each part non-empty, optionally ending in one "*" (e.g. "us-west1/*"), not overlapping another';

/** validateLocalities: non-empty parts, one trailing `*` at most, no locality covered by another. */
function checkLocalities(localities: readonly string[], fail: (loc: string, why: string) => never): void {
  const seen: string[][] = [];
  for (const loc of localities) {
    const stars = loc.split('*').length - 1;
    if (stars > 1 || (stars === 1 && !loc.endsWith('*'))) fail(loc, 'one "*" at most, at the end');
    const parts = loc.split('/');
    if (parts.length > 3) parts.splice(2, parts.length, parts.slice(2).join('/'));
    if (parts.some((x) => x === '')) fail(loc, 'empty region, zone or subzone');
    // "*" covers everything at its level; a shorter locality covers the longer ones under it
    for (const other of seen) {
      let covered = true;
      for (let k = 0; k < Math.min(other.length, parts.length) && covered; k++) {
        if (other[k] === '*' || parts[k] === '*') break;
        covered = other[k] === parts[k];
      }
      if (covered) fail(loc, 'overlaps a locality given before');
    }
    seen.push(parts);
  }
}
