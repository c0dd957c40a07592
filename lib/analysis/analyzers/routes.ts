import { arr, obj, str } from '../../policy/manifest';
import { Manifest } from '../../policy/types';
import { specOf } from '../input';

/** One destination of a VirtualService route (virtualservice/util.go getRouteDestinations). */
export interface RouteDestination {
  /** `http`, `tcp` or `tls`. */
  readonly kind: 'http' | 'tcp' | 'tls';
  readonly ruleIndex: number;
  readonly destIndex: number;
  readonly host: string;
  readonly subset: string;
  /** `destination.port.number`, when set. */
  readonly port?: number;
  /** `weight`, when set. */
  readonly weight?: number;
  /** Dotted path of the destination, e.g. `spec.http[0].route[1].destination`. */
  readonly field: string;
}

function destinationOf(value: unknown, base: Omit<RouteDestination, 'host' | 'subset' | 'port'>): RouteDestination {
  const d = obj(value);
  const port = obj(d.port).number;
  return { ...base, host: str(d.host) ?? '', subset: str(d.subset) ?? '', ...(typeof port === 'number' ? { port } : {}) };
}

/** Route destinations in Istio's order: tcp, tls, http. */
export function routeDestinations(vs: Manifest): RouteDestination[] {
  const spec = specOf(vs);
  const out: RouteDestination[] = [];
  for (const kind of ['tcp', 'tls', 'http'] as const) {
    arr(spec[kind]).forEach((rule, ruleIndex) => {
      arr(obj(rule).route).forEach((rd, destIndex) => {
        const weight = obj(rd).weight;
        out.push(
          destinationOf(obj(rd).destination, {
            kind,
            ruleIndex,
            destIndex,
            ...(typeof weight === 'number' ? { weight } : {}),
            field: `spec.${kind}[${ruleIndex}].route[${destIndex}].destination`,
          }),
        );
      });
    });
  }
  return out;
}

/** HTTP mirror destinations (`mirror` and `mirrors[]`). */
export function mirrorDestinations(vs: Manifest): RouteDestination[] {
  const out: RouteDestination[] = [];
  arr(specOf(vs).http).forEach((rule, ruleIndex) => {
    const r = obj(rule);
    if (r.mirror !== undefined) out.push(destinationOf(r.mirror, { kind: 'http', ruleIndex, destIndex: 0, field: `spec.http[${ruleIndex}].mirror` }));
    arr(r.mirrors).forEach((m, destIndex) =>
      out.push(destinationOf(obj(m).destination, { kind: 'http', ruleIndex, destIndex, field: `spec.http[${ruleIndex}].mirrors[${destIndex}].destination` })),
    );
  });
  return out;
}
