import { MeshforgeError } from '../validation/meshforge-error';
import { requirePort } from './conventions';
import { AppProtocol, MeshServicePort, ServicePortInfo } from './mesh-service-props';

const ISTIO_PORT_PREFIXES: readonly AppProtocol[] = ['http', 'http2', 'grpc', 'tcp', 'tls'];
/** Protocols Istio routes with `http` routes (matches, retries, faults...). */
export const HTTP_PROTOCOLS: readonly AppProtocol[] = ['http', 'http2', 'grpc'];

/**
 * The service's ports with names and protocols filled in, checked against
 * Istio's protocol selection (name `<protocol>[-<suffix>]`) and for
 * duplicates. `path` is the construct path named in errors.
 */
export function resolvePorts(path: string, ports: readonly MeshServicePort[]): ServicePortInfo[] {
  const seenProtocols = new Set<string>();
  const resolved = ports.map((p, i): ServicePortInfo => {
    requirePort(path, `ports[${i}].port`, p.port);
    requirePort(path, `ports[${i}].targetPort`, p.targetPort);
    const protocol = p.protocol ?? 'http';
    const name = p.name ?? (seenProtocols.has(protocol) ? `${protocol}-${p.port}` : protocol);
    seenProtocols.add(protocol);
    if (!(name === protocol || name.startsWith(`${protocol}-`)) || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 15) {
      throw new MeshforgeError('port name does not follow Istio protocol selection', {
        code: 'PORT_NAME_PROTOCOL',
        path: path,
        field: `ports[${i}].name`,
        value: name,
        expected: `"${protocol}" or "${protocol}-<suffix>" (at most 15 lowercase characters) for protocol ${protocol}; prefixes: ${ISTIO_PORT_PREFIXES.join(', ')}`,
      });
    }
    return { port: p.port, targetPort: p.targetPort ?? p.port, protocol, name };
  });
  const dup = (field: string, key: (p: ServicePortInfo) => string | number) => {
    resolved.forEach((p, i) => {
      const j = resolved.findIndex((q) => key(q) === key(p));
      if (j !== i) {
        throw new MeshforgeError(`ports[${j}] and ports[${i}] share a ${field}`, {
          code: 'DUPLICATE_PORT',
          path: path,
          field: `ports[${i}].${field}`,
          value: key(p),
          expected: `a ${field} not used by another port`,
        });
      }
    });
  };
  dup('name', (p) => p.name);
  dup('port', (p) => p.port);
  dup('targetPort', (p) => p.targetPort);
  if (resolved.length === 0) {
    throw new MeshforgeError('service without ports', {
      code: 'DUPLICATE_PORT',
      path: path,
      field: 'ports',
      value: [],
      expected: 'at least one port',
    });
  }
  return resolved;
}

