import { MeshforgeError } from '../validation/meshforge-error';
import { isDnsLabel } from '../validation/names';
import type { Environment } from './environment';

/** dist/gitops/ holds the generated Argo CD / Flux objects: no environment may be called that. */
const RESERVED = 'gitops';

/**
 * Checks a project's environments: names are unique DNS labels other than
 * `gitops` (each is a folder of dist/), every cluster has a DNS-label name and
 * an https API server URL, and the list is not empty. Returns the list, so
 * `export const environments = defineEnvironments<Settings>([...])` fails at
 * load time on a typo. Synth runs the same check on lists not made with it.
 */
export function defineEnvironments<S>(environments: readonly Environment<S>[]): readonly Environment<S>[] {
  if (environments.length === 0) {
    throw new MeshforgeError('no environments', {
      code: 'NO_ENVIRONMENTS',
      field: 'environments',
      value: [],
      expected: 'at least one environment, e.g. { name: "dev", cluster: { name: "dev", server: "https://kubernetes.default.svc" }, settings: {...} }',
    });
  }
  const seen = new Set<string>();
  environments.forEach((env, i) => {
    const path = `environments[${i}]`;
    if (typeof env.name !== 'string' || !isDnsLabel(env.name)) {
      throw new MeshforgeError('invalid environment name', {
        code: 'INVALID_ENVIRONMENT',
        path,
        field: 'name',
        value: env.name,
        expected: 'a DNS label: lowercase letters, digits and "-", at most 63 characters (e.g. "prod"); it is the folder dist/<name>/',
      });
    }
    if (env.name === RESERVED) {
      throw new MeshforgeError('environment name is reserved', {
        code: 'INVALID_ENVIRONMENT',
        path,
        field: 'name',
        value: env.name,
        expected: `another name: dist/${RESERVED}/ holds the generated Argo CD and Flux objects`,
      });
    }
    if (seen.has(env.name)) {
      throw new MeshforgeError('two environments share a name', {
        code: 'DUPLICATE_ENVIRONMENT',
        path,
        field: 'name',
        value: env.name,
        expected: 'a unique name per environment (it is the dist/<name>/ folder)',
      });
    }
    seen.add(env.name);
    const cluster = env.cluster ?? ({} as Environment['cluster']);
    if (typeof cluster.name !== 'string' || !isDnsLabel(cluster.name)) {
      throw new MeshforgeError('invalid cluster name', {
        code: 'INVALID_ENVIRONMENT',
        path: `${path} (${env.name})`,
        field: 'cluster.name',
        value: cluster.name,
        expected: 'a DNS label naming the cluster as Argo CD knows it (e.g. "prod-eu-1")',
      });
    }
    if (!isApiServerUrl(cluster.server)) {
      throw new MeshforgeError('invalid cluster API server URL', {
        code: 'INVALID_ENVIRONMENT',
        path: `${path} (${env.name})`,
        field: 'cluster.server',
        value: cluster.server,
        expected: 'an https URL without path, query or credentials, e.g. "https://kubernetes.default.svc" or "https://prod.k8s.example.com:6443"',
      });
    }
  });
  return environments;
}

/** An https URL of a host (and port) only: what Argo CD matches against its cluster Secrets' `server`. */
function isApiServerUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  // Argo CD compares destination.server to the cluster Secret's `server` as a string: a trailing slash
  // or path would never match, so only the bare origin is accepted.
  return url.protocol === 'https:' && !url.username && !url.password && url.search === '' && url.hash === '' && value === url.origin;
}
