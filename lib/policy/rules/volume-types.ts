import { arr, obj, str } from '../manifest';
import { Finding } from '../types';
import { podRule } from './pod-rule';

/** The volume sources PSS "restricted" allows. */
export const ALLOWED_VOLUME_TYPES: readonly string[] = [
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
];

/** PSS restricted "Volume Types". hostPath is left to the `host-path` rule so one volume is reported once. */
export const volumeTypes = podRule({
  id: 'volume-types',
  summary: `Volumes use only the restricted types: ${ALLOWED_VOLUME_TYPES.join(', ')}.`,
  fix: 'Replace the volume with an allowed type, e.g. a persistentVolumeClaim bound to the storage you need.',
  checkPod(pod) {
    const findings: Finding[] = [];
    arr(pod.spec.volumes).forEach((v, i) => {
      const volume = obj(v);
      const name = str(volume.name) ?? `#${i}`;
      for (const type of Object.keys(volume)) {
        if (type === 'name' || type === 'hostPath' || ALLOWED_VOLUME_TYPES.includes(type)) continue;
        const field = `${pod.path}.volumes[${i}].${type}`;
        findings.push({
          message: `volume ${JSON.stringify(name)} has type ${JSON.stringify(type)}, which restricted pods may not use`,
          fix: `replace ${field} with a persistentVolumeClaim or another allowed type (${ALLOWED_VOLUME_TYPES.join(', ')})`,
          field,
        });
      }
    });
    return findings;
  },
});
