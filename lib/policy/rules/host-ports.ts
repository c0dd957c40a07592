import { arr, obj } from '../manifest';
import { Finding } from '../types';
import { containerRule } from './pod-rule';

/** PSS baseline "Host Ports". */
export const hostPorts = containerRule({
  id: 'host-ports',
  summary: 'Containers do not bind host ports.',
  fix: 'Remove hostPort from the container ports; expose the port through a Service.',
  checkContainer(c) {
    const findings: Finding[] = [];
    arr(c.container.ports).forEach((p, i) => {
      const hostPort = obj(p).hostPort;
      if (hostPort === undefined || hostPort === null || hostPort === 0) return;
      const field = `${c.path}.ports[${i}].hostPort`;
      findings.push({ message: `${c.label} binds host port ${String(hostPort)}`, fix: `remove ${field}`, field });
    });
    return findings;
  },
});
