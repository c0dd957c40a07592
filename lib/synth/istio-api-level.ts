import { newJsonObject, putJsonKey } from '../common/json-object';
import { MeshforgeError } from '../validation/meshforge-error';

/**
 * The Istio API versions the output uses, one setting for every app:
 *
 * - `v1` (default): `networking.istio.io/v1`, `security.istio.io/v1`,
 *   `telemetry.istio.io/v1`. Served from Istio 1.22 on (istio.io blog,
 *   "Introducing Istio v1 APIs", 2024); an older control plane answers
 *   "no matches for kind".
 * - `v1beta1`: the same objects as `networking.istio.io/v1beta1`,
 *   `security.istio.io/v1beta1` and `telemetry.istio.io/v1alpha1`, for Istio
 *   1.18 to 1.21 (the releases that support Kubernetes 1.27). The v1 APIs were
 *   promoted without schema changes, so only `apiVersion` differs; Istio 1.22
 *   and later still serve these versions.
 *
 * Kinds still in beta or alpha in Istio (EnvoyFilter, ProxyConfig,
 * WasmPlugin) keep the version their construct emits.
 */
export type IstioApiLevel = 'v1' | 'v1beta1';

/** `group/kind` → apiVersion at the `v1beta1` level, for every kind Istio 1.22 promoted to v1. */
const V1BETA1: Readonly<Record<string, string>> = {
  'networking.istio.io/VirtualService': 'networking.istio.io/v1beta1',
  'networking.istio.io/DestinationRule': 'networking.istio.io/v1beta1',
  'networking.istio.io/Gateway': 'networking.istio.io/v1beta1',
  'networking.istio.io/ServiceEntry': 'networking.istio.io/v1beta1',
  'networking.istio.io/Sidecar': 'networking.istio.io/v1beta1',
  'networking.istio.io/WorkloadEntry': 'networking.istio.io/v1beta1',
  'networking.istio.io/WorkloadGroup': 'networking.istio.io/v1beta1',
  'security.istio.io/AuthorizationPolicy': 'security.istio.io/v1beta1',
  'security.istio.io/PeerAuthentication': 'security.istio.io/v1beta1',
  'security.istio.io/RequestAuthentication': 'security.istio.io/v1beta1',
  'telemetry.istio.io/Telemetry': 'telemetry.istio.io/v1alpha1',
};

/** Every supported level (for error messages and docs). */
export const ISTIO_API_LEVELS: readonly IstioApiLevel[] = ['v1', 'v1beta1'];

/** Fails on a level meshforge does not know (a typo in JavaScript callers). */
export function checkIstioApiLevel(level: string): IstioApiLevel {
  if (!(ISTIO_API_LEVELS as readonly string[]).includes(level)) {
    throw new MeshforgeError('unknown Istio API level', {
      code: 'ISTIO_API_LEVEL',
      field: 'istioApiLevel',
      value: level,
      expected: `one of ${ISTIO_API_LEVELS.map((l) => `"${l}"`).join(', ')} ("v1": Istio >= 1.22; "v1beta1": Istio 1.18-1.21)`,
    });
  }
  return level as IstioApiLevel;
}

/**
 * `obj` with the apiVersion of `level` (the same object when nothing
 * changes: the constructs emit v1). Keys keep their order.
 */
export function withIstioApiLevel(obj: Record<string, unknown>, level: IstioApiLevel): Record<string, unknown> {
  if (level === 'v1' || typeof obj.apiVersion !== 'string' || !obj.apiVersion.endsWith('.istio.io/v1')) return obj;
  const apiVersion = V1BETA1[`${obj.apiVersion.slice(0, obj.apiVersion.indexOf('/'))}/${String(obj.kind)}`];
  if (!apiVersion) return obj;
  const out = newJsonObject();
  for (const key of Object.keys(obj)) putJsonKey(out, key, key === 'apiVersion' ? apiVersion : obj[key]);
  return out;
}
