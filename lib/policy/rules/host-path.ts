import { arr, isObject, obj, str } from '../manifest';
import { Finding } from '../types';
import { podRule } from './pod-rule';

/** PSS baseline "HostPath Volumes". */
export const hostPath = podRule({
  id: 'host-path',
  summary: 'No hostPath volumes.',
  fix: 'Use an emptyDir, configMap, secret, projected or persistentVolumeClaim volume instead of hostPath.',
  checkPod(pod) {
    const findings: Finding[] = [];
    arr(pod.spec.volumes).forEach((v, i) => {
      const volume = obj(v);
      if (!isObject(volume.hostPath)) return;
      const name = str(volume.name) ?? `#${i}`;
      const path = str(volume.hostPath.path) ?? '';
      const field = `${pod.path}.volumes[${i}].hostPath`;
      findings.push({
        message: `volume ${JSON.stringify(name)} mounts host path ${JSON.stringify(path)}`,
        fix: `replace ${field} with a non-host volume (emptyDir, configMap, secret, persistentVolumeClaim)`,
        field,
      });
    });
    return findings;
  },
});
