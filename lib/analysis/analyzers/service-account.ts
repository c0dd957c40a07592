import { metadataOf, str, stringMap } from '../../policy/manifest';
import { CODES, EXISTING_SERVICE_ACCOUNT_ANNOTATION } from '../codes';
import { Analyzer, RawFinding } from '../types';

/**
 * MF0002. A pod whose ServiceAccount does not exist is refused at admission
 * ("error looking up service account"), so a Deployment's ReplicaSet never
 * creates it. `default` exists in every namespace. A workload that uses an
 * account made elsewhere says so with `meshforge.io/existing-service-account: "true"`
 * on the pod template or the workload (meshforge emits it for `existingServiceAccount`).
 */
export const serviceAccountNotFound: Analyzer = {
  code: CODES.serviceAccountNotFound,
  analyze(input) {
    const accounts = new Set(input.serviceAccounts.map((sa) => `${sa.namespace}/${sa.name}`));
    const findings: RawFinding[] = [];
    for (const w of input.workloads) {
      const field = typeof w.podSpec.serviceAccountName === 'string' ? 'serviceAccountName' : 'serviceAccount';
      const name = str(w.podSpec.serviceAccountName) ?? str(w.podSpec.serviceAccount);
      if (name === undefined || name === '' || name === 'default' || accounts.has(`${w.namespace}/${name}`)) continue;
      const existing = w.podAnnotations[EXISTING_SERVICE_ACCOUNT_ANNOTATION] ?? stringMap(metadataOf(w.manifest).annotations)[EXISTING_SERVICE_ACCOUNT_ANNOTATION];
      // "true", or the account's own name (what MeshService's existingServiceAccount writes).
      if (existing === 'true' || existing === name) continue;
      findings.push({
        object: w.object,
        message: `${w.podSpecPath}.${field} names ServiceAccount ${w.namespace}/${name}, which nothing in the checked input creates; the API server refuses its pods until it exists`,
        fix: `add a ServiceAccount ${name} in namespace ${w.namespace}, or annotate the pod template ${EXISTING_SERVICE_ACCOUNT_ANNOTATION}: "true" if it is created elsewhere`,
        field: `${w.podSpecPath}.${field}`,
      });
    }
    return findings;
  },
};
