import { MeshforgeError } from './meshforge-error';

/**
 * Kubernetes naming rules, shared by every construct that validates a name
 * (apps, mesh objects, security callers) so they can never disagree.
 */

/** A DNS-1123 label: object names, namespaces, version names. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * A DNS-1035 label: Service names (they become DNS names and environment
 * variable prefixes, so they must start with a letter).
 */
export const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** A ConfigMap / Secret data key. */
export const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]+$/;

/** A DNS-1123 subdomain (a fully qualified host name). */
export const DNS_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** True when `value` is a DNS-1123 label of at most `max` characters. */
export function isDnsLabel(value: string, max = 63): boolean {
  return value.length <= max && DNS_LABEL.test(value);
}

/** True when `value` is a DNS-1035 label of at most `max` characters. */
export function isDns1035Label(value: string, max = 63): boolean {
  return value.length <= max && DNS_1035_LABEL.test(value);
}

/** Throws INVALID_NAME unless `value` is a DNS label of at most `max` characters. */
export function requireDnsLabel(path: string, field: string, value: string, max = 63): string {
  if (!isDnsLabel(value, max)) {
    throw new MeshforgeError('invalid name', {
      code: 'INVALID_NAME',
      path,
      field,
      value,
      expected: `a DNS label of at most ${max} characters: lowercase letters, digits and "-" (e.g. "cart")`,
    });
  }
  return value;
}
