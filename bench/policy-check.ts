import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { Yaml } from 'cdk8s';
import { checkObjects, loadPolicyObjects, Manifest } from '../lib/policy';

/**
 * A dist/-sized workload for the policy check: `services` compliant services
 * (Deployment + Service + ConfigMap + ServiceAccount each) spread over
 * `namespaces` namespaces, every pod sharing the common meshforge labels (the
 * worst case for selector matching).
 */
export function syntheticServices(services: number, namespaces = 30): Manifest[] {
  const out: Manifest[] = [];
  for (let i = 0; i < services; i++) {
    const name = `svc-${i}`;
    const namespace = `team-${i % namespaces}`;
    const labels = { app: name, version: 'v1', 'app.kubernetes.io/managed-by': 'meshforge', 'app.kubernetes.io/part-of': 'shop' };
    const container = {
      name,
      image: `registry.example.com/${name}:1.0.${i}`,
      ports: [{ containerPort: 8080, name: 'http' }],
      env: [{ name: 'LOG_LEVEL', value: 'info' }, { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name, key: 'password' } } }],
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
      livenessProbe: { httpGet: { path: '/healthz', port: 8080 } },
      readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
    };
    out.push(
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { 'app.properties': `server.port=8080\nservice.name=${name}\n` } },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace, labels },
        spec: {
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: name,
              securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
              containers: [container],
              volumes: [{ name: 'tmp', emptyDir: {} }, { name: 'config', configMap: { name } }],
            },
          },
        },
      },
      { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace, labels }, spec: { selector: { app: name, 'app.kubernetes.io/part-of': 'shop' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } },
    );
  }
  return out;
}

function time<T>(fn: () => T): [T, number] {
  const start = performance.now();
  const result = fn();
  return [result, performance.now() - start];
}

/** `node build/bench/policy-check.js [services...]`: times loading and checking YAML for each size. */
function main(sizes: readonly number[]): void {
  for (const n of sizes) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshforge-policy-bench-'));
    const manifests = syntheticServices(n);
    // One file per namespace, as dist/<app>/<chart>.k8s.yaml would be.
    const byNamespace = new Map<string, Manifest[]>();
    for (const m of manifests) {
      const ns = String((m.metadata as { namespace: string }).namespace);
      byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), m]);
    }
    for (const [ns, docs] of byNamespace) fs.writeFileSync(path.join(dir, `${ns}.k8s.yaml`), Yaml.stringify(...docs));
    const bytes = [...byNamespace.keys()].reduce((sum, ns) => sum + fs.statSync(path.join(dir, `${ns}.k8s.yaml`)).size, 0);
    const [objects, loadMs] = time(() => loadPolicyObjects([dir]));
    const [report, checkMs] = time(() => checkObjects(objects));
    fs.rmSync(dir, { recursive: true, force: true });
    process.stdout.write(
      `${n} services: ${objects.length} objects, ${(bytes / 1e6).toFixed(1)} MB YAML; load ${loadMs.toFixed(0)} ms, check ${checkMs.toFixed(0)} ms, ${report.violations.length} violations\n`,
    );
  }
}

if (require.main === module) main(process.argv.slice(2).map(Number).filter((n) => n > 0).length > 0 ? process.argv.slice(2).map(Number) : [1000, 3000]);
