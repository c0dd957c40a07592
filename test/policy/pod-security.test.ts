import { describe, expect, it } from 'vitest';
import { check, compliantContainer, findings, set, workload } from './fixtures';

const S = 'spec.template.spec';
const C = `${S}.containers[0]`;
const deployment = (path: string, value: unknown) => set(workload('Deployment'), path, value);

describe('privileged', () => {
  it('flags privileged: true and Windows HostProcess at pod and container level', () => {
    const m = deployment(`${C}.securityContext.privileged`, true);
    set(m, `${S}.securityContext.windowsOptions.hostProcess`, true);
    set(m, `${C}.securityContext.windowsOptions.hostProcess`, true);
    expect(findings(m)).toEqual([
      'privileged: pod runs as a Windows HostProcess',
      'privileged: container "web" runs privileged',
      'privileged: container "web" runs as a Windows HostProcess',
    ]);
  });
  it('accepts privileged: false', () => {
    expect(findings(deployment(`${C}.securityContext.privileged`, false))).toEqual([]);
  });
});

describe('host-namespaces', () => {
  it('flags hostNetwork, hostPID and hostIPC', () => {
    const m = deployment(`${S}.hostNetwork`, true);
    set(m, `${S}.hostPID`, true);
    set(m, `${S}.hostIPC`, true);
    expect(findings(m)).toEqual([
      'host-namespaces: pod uses the host network (hostNetwork: true)',
      'host-namespaces: pod uses the host PID namespace (hostPID: true)',
      'host-namespaces: pod uses the host IPC namespace (hostIPC: true)',
    ]);
    expect(check(m).violations[0].fix).toBe(`remove ${S}.hostNetwork or set it to false`);
  });
  it('accepts them set to false', () => {
    const m = deployment(`${S}.hostNetwork`, false);
    set(m, `${S}.hostPID`, false);
    expect(findings(m)).toEqual([]);
  });
});

describe('host-path', () => {
  it('flags a hostPath volume once (not again as a volume type)', () => {
    const m = deployment(`${S}.volumes[1]`, { name: 'logs', hostPath: { path: '/var/log' } });
    expect(findings(m)).toEqual(['host-path: volume "logs" mounts host path "/var/log"']);
    expect(check(m).violations[0].field).toBe(`${S}.volumes[1].hostPath`);
  });
  it('accepts non-host volumes', () => {
    expect(findings(deployment(`${S}.volumes[1]`, { name: 'data', persistentVolumeClaim: { claimName: 'data' } }))).toEqual([]);
  });
});

describe('host-ports', () => {
  it('flags a hostPort', () => {
    expect(findings(deployment(`${C}.ports[0].hostPort`, 8080))).toEqual(['host-ports: container "web" binds host port 8080']);
  });
  it('accepts hostPort 0 (unset)', () => {
    expect(findings(deployment(`${C}.ports[0].hostPort`, 0))).toEqual([]);
  });
});

describe('volume-types', () => {
  it('flags a volume type outside the restricted allowlist', () => {
    expect(findings(deployment(`${S}.volumes[1]`, { name: 'shared', nfs: { server: 'nfs', path: '/x' } }))).toEqual([
      'volume-types: volume "shared" has type "nfs", which restricted pods may not use',
    ]);
  });
  it('accepts every allowed type', () => {
    const volumes = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'].map((t) => ({
      name: t.toLowerCase(),
      [t]: {},
    }));
    expect(findings(deployment(`${S}.volumes`, volumes))).toEqual([]);
  });
});

describe('proc-mount', () => {
  it('flags procMount Unmasked and accepts Default', () => {
    expect(findings(deployment(`${C}.securityContext.procMount`, 'Unmasked'))).toEqual(['proc-mount: container "web" sets procMount "Unmasked"']);
    expect(findings(deployment(`${C}.securityContext.procMount`, 'Default'))).toEqual([]);
  });
});

describe('sysctls', () => {
  it('flags an unsafe sysctl and accepts a safe one', () => {
    const m = deployment(`${S}.securityContext.sysctls`, [
      { name: 'net.ipv4.tcp_syncookies', value: '1' },
      { name: 'vm.max_map_count', value: '262144' },
    ]);
    expect(findings(m)).toEqual(['sysctls: pod sets unsafe sysctl "vm.max_map_count"']);
    expect(check(m).violations[0].field).toBe(`${S}.securityContext.sysctls[1]`);
  });
});

describe('apparmor', () => {
  it('flags Unconfined in the field and in the legacy annotation', () => {
    const m = deployment(`${S}.securityContext.appArmorProfile.type`, 'Unconfined');
    set(m, `${C}.securityContext.appArmorProfile.type`, 'Unconfined');
    set(m, 'spec.template.metadata.annotations', { 'container.apparmor.security.beta.kubernetes.io/web': 'unconfined' });
    expect(findings(m)).toEqual([
      'apparmor: pod AppArmor profile is "Unconfined"',
      'apparmor: container "web" AppArmor profile is "Unconfined"',
      'apparmor: container "web" AppArmor annotation is "unconfined"',
    ]);
  });
  it('accepts RuntimeDefault, Localhost, runtime/default and localhost/*', () => {
    const m = deployment(`${S}.securityContext.appArmorProfile.type`, 'RuntimeDefault');
    set(m, `${C}.securityContext.appArmorProfile`, { type: 'Localhost', localhostProfile: 'k8s-web' });
    set(m, 'spec.template.metadata.annotations', {
      'container.apparmor.security.beta.kubernetes.io/web': 'localhost/k8s-web',
      'container.apparmor.security.beta.kubernetes.io/side': 'runtime/default',
    });
    expect(findings(m)).toEqual([]);
  });
});

describe('selinux', () => {
  it('flags a custom type, user and role', () => {
    const m = deployment(`${S}.securityContext.seLinuxOptions`, { type: 'spc_t', user: 'system_u' });
    set(m, `${C}.securityContext.seLinuxOptions`, { role: 'sysadm_r' });
    expect(findings(m)).toEqual([
      'selinux: pod sets SELinux type "spc_t"',
      'selinux: pod sets SELinux user "system_u"',
      'selinux: container "web" sets SELinux role "sysadm_r"',
    ]);
  });
  it('accepts container_t and a level', () => {
    expect(findings(deployment(`${S}.securityContext.seLinuxOptions`, { type: 'container_t', level: 's0:c123,c456' }))).toEqual([]);
  });
});

describe('privilege-escalation', () => {
  it('flags allowPrivilegeEscalation true and missing', () => {
    const m = deployment(`${C}.securityContext.allowPrivilegeEscalation`, true);
    set(m, `${S}.initContainers`, [compliantContainer('setup')]);
    set(m, `${S}.initContainers[0].securityContext.allowPrivilegeEscalation`, undefined);
    expect(findings(m)).toEqual([
      'privilege-escalation: container "web" allows privilege escalation',
      'privilege-escalation: init container "setup" does not set allowPrivilegeEscalation: false',
    ]);
  });
  it('accepts allowPrivilegeEscalation: false on every container list', () => {
    const m = deployment(`${S}.initContainers`, [compliantContainer('setup')]);
    set(m, `${S}.ephemeralContainers`, [{ ...compliantContainer('debug'), livenessProbe: undefined, readinessProbe: undefined, resources: undefined }]);
    expect(findings(m)).toEqual([]);
  });
});

describe('capabilities', () => {
  it('flags a container that does not drop ALL', () => {
    expect(findings(deployment(`${C}.securityContext.capabilities.drop`, ['NET_RAW']))).toEqual(['capabilities: container "web" does not drop ALL capabilities']);
    expect(findings(deployment(`${C}.securityContext.capabilities`, undefined))).toEqual(['capabilities: container "web" does not drop ALL capabilities']);
  });
  it('flags added capabilities other than NET_BIND_SERVICE', () => {
    const m = deployment(`${C}.securityContext.capabilities.add`, ['NET_BIND_SERVICE', 'NET_ADMIN', 'SYS_ADMIN']);
    expect(findings(m)).toEqual(['capabilities: container "web" adds forbidden capabilities "NET_ADMIN", "SYS_ADMIN"']);
    expect(check(m).violations[0].fix).toBe(`remove "NET_ADMIN", "SYS_ADMIN" from ${C}.securityContext.capabilities.add (only NET_BIND_SERVICE may be added)`);
  });
  it('accepts drop ALL + add NET_BIND_SERVICE', () => {
    expect(findings(deployment(`${C}.securityContext.capabilities.add`, ['NET_BIND_SERVICE']))).toEqual([]);
  });
});

describe('run-as-non-root', () => {
  it('flags runAsNonRoot missing at pod level and on the containers, once for the pod', () => {
    const m = deployment(`${S}.securityContext.runAsNonRoot`, undefined);
    set(m, `${S}.containers[1]`, compliantContainer('sidecar'));
    expect(findings(m)).toEqual(['run-as-non-root: runAsNonRoot is not true for containers "web", "sidecar"']);
    expect(check(m).violations[0].fix).toBe(`set ${S}.securityContext.runAsNonRoot: true (covers every container)`);
  });
  it('is satisfied by every container setting it when the pod does not', () => {
    const m = deployment(`${S}.securityContext.runAsNonRoot`, undefined);
    set(m, `${C}.securityContext.runAsNonRoot`, true);
    expect(findings(m)).toEqual([]);
  });
  it('flags a container overriding the pod with runAsNonRoot: false, and runAsUser 0 anywhere', () => {
    const m = deployment(`${C}.securityContext.runAsNonRoot`, false);
    set(m, `${S}.securityContext.runAsUser`, 0);
    set(m, `${C}.securityContext.runAsUser`, 0);
    expect(findings(m)).toEqual([
      'run-as-non-root: pod runs as user 0 (root)',
      'run-as-non-root: container "web" sets runAsNonRoot: false',
      'run-as-non-root: container "web" runs as user 0 (root)',
    ]);
  });
  it('accepts a non-zero runAsUser', () => {
    expect(findings(deployment(`${S}.securityContext.runAsUser`, 10001))).toEqual([]);
  });
});

describe('seccomp', () => {
  it('flags a missing profile once for the pod', () => {
    expect(findings(deployment(`${S}.securityContext.seccompProfile`, undefined))).toEqual(['seccomp: no seccomp profile for containers "web"']);
  });
  it('flags Unconfined at pod level (without repeating "missing") and at container level', () => {
    expect(findings(deployment(`${S}.securityContext.seccompProfile.type`, 'Unconfined'))).toEqual(['seccomp: pod seccomp profile is "Unconfined"']);
    expect(findings(deployment(`${C}.securityContext.seccompProfile.type`, 'Unconfined'))).toEqual(['seccomp: container "web" seccomp profile is "Unconfined"']);
  });
  it('is satisfied per container when the pod sets nothing', () => {
    const m = deployment(`${S}.securityContext.seccompProfile`, undefined);
    set(m, `${C}.securityContext.seccompProfile`, { type: 'Localhost', localhostProfile: 'profiles/web.json' });
    expect(findings(m)).toEqual([]);
  });
});
