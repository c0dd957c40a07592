import { MeshforgeError } from '../validation/meshforge-error';
import { DNS_NAME } from '../validation/names';
import { APP_LABEL, VERSION_LABEL, sortedEntries } from './conventions';
import { MeshServiceProps } from './mesh-service-props';

/*
 * Names of the objects a MeshService emits, when a team adopts live objects
 * (`deployment/mocha`, `configmap/mocha-cm`) instead of meshforge's defaults
 * (`<name>-<version>`, `<name>-config`). Two objects of one kind, namespace
 * and name anywhere in dist/ fail the synth (DUPLICATE_OBJECT, naming both
 * construct paths: lib/synth/object-identity.ts).
 */

const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** Construction-time checks of `deploymentName`, `configMapName` and `deploymentSelector` (several versions: Workload.addVersion). */
export function checkObjectNames(path: string, name: string, p: MeshServiceProps): void {
  for (const field of ['deploymentName', 'configMapName'] as const) {
    const value = p[field];
    if (value !== undefined && (!DNS_NAME.test(value) || value.length > 253)) {
      throw new MeshforgeError('invalid object name', {
        code: 'INVALID_NAME',
        path,
        field,
        value,
        expected: 'a DNS subdomain of at most 253 characters: lowercase letters, digits, "-" and "." (e.g. "mocha")',
      });
    }
  }
  if (p.configMapName !== undefined && Object.keys(p.files ?? {}).length === 0) {
    throw new MeshforgeError('configMapName without files', {
      code: 'CONFIG_MAP_NAME',
      path,
      field: 'configMapName',
      value: p.configMapName,
      expected: 'files to put in the ConfigMap, or no configMapName (an existing ConfigMap is read with envFromConfigMaps)',
    });
  }
  const selector = p.deploymentSelector;
  if (selector === undefined) return;
  if (Object.keys(selector).length === 0) {
    throw new MeshforgeError('empty deploymentSelector', {
      code: 'DEPLOYMENT_SELECTOR',
      path,
      field: 'deploymentSelector',
      value: selector,
      expected: 'the matchLabels of the live Deployment\'s spec.selector (an empty selector would select every pod of the namespace)',
    });
  }
  for (const [key, value] of sortedEntries(selector)) {
    if (!LABEL_KEY.test(key) || key.length > 316 || !LABEL_VALUE.test(value)) {
      throw new MeshforgeError('invalid label in deploymentSelector', {
        code: 'DEPLOYMENT_SELECTOR',
        path,
        field: `deploymentSelector.${key}`,
        value,
        expected: 'a Kubernetes label: an optional DNS-subdomain prefix and "/", a name of at most 63 characters, a value of at most 63 characters ([A-Za-z0-9-_.])',
      });
    }
    // the Service selects app=<name> and each subset version=<version> on the same pods
    const fixed = key === APP_LABEL ? name : undefined;
    const version = key === VERSION_LABEL ? versionName(p) : undefined;
    const required = fixed ?? version;
    if (required !== undefined && value !== required) {
      throw new MeshforgeError('deploymentSelector contradicts the Service selector or subset', {
        code: 'DEPLOYMENT_SELECTOR',
        path,
        field: `deploymentSelector.${key}`,
        value,
        expected: `"${required}" (pods carry ${APP_LABEL}=${name} and ${VERSION_LABEL}=${versionName(p)}; leave the label out of the selector if the live Deployment does not select on it)`,
      });
    }
  }
}

/** The single version's name. */
function versionName(p: MeshServiceProps): string {
  const first = (p.versions ?? ['v1'])[0];
  return typeof first === 'string' ? first : first.name;
}
