import { arr, obj, str } from '../manifest';
import { Finding } from '../types';
import { podSecurityContextOf } from '../workloads';
import { podRule } from './pod-rule';

/** The namespaced sysctls PSS baseline allows (Kubernetes 1.29+ list). */
export const SAFE_SYSCTLS: readonly string[] = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ping_group_range',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_syncookies',
];

/** PSS baseline "Sysctls". */
export const sysctls = podRule({
  id: 'sysctls',
  summary: 'Pods set only sysctls from the safe set.',
  fix: 'Remove the unsafe sysctl; node-level tuning (e.g. vm.max_map_count) belongs to the node, not the pod.',
  checkPod(pod) {
    const findings: Finding[] = [];
    arr(podSecurityContextOf(pod).sysctls).forEach((s, i) => {
      const name = str(obj(s).name) ?? '';
      if (SAFE_SYSCTLS.includes(name)) return;
      const field = `${pod.path}.securityContext.sysctls[${i}]`;
      findings.push({ message: `pod sets unsafe sysctl ${JSON.stringify(name)}`, fix: `remove ${field}`, field });
    });
    return findings;
  },
});
