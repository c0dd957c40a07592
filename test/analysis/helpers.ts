import * as fs from 'fs';
import * as path from 'path';
import { analyzeObjects, AnalysisReport } from '../../lib/analysis';
import { loadPolicyObjects } from '../../lib/policy';
import { tmpDir } from '../helpers';

/** Writes YAML documents (hand-written text) to one file and analyzes it, as `npm run check FILE` does. */
export function analyzeYaml(...docs: string[]): AnalysisReport {
  const root = tmpDir('meshforge-analysis-');
  fs.writeFileSync(path.join(root, 'input.yaml'), docs.join('\n---\n'));
  return analyzeObjects(loadPolicyObjects(['input.yaml'], { cwd: root }));
}

/** Findings as `CODE level Kind/ns/name: message` lines. */
export function lines(report: AnalysisReport): string[] {
  return report.findings.map((f) => `${f.code} ${f.level} ${f.object.kind}/${f.object.namespace ?? ''}/${f.object.name}: ${f.message}`);
}

/** Only the findings of one code. */
export function codeLines(code: string, ...docs: string[]): string[] {
  return lines(analyzeYaml(...docs)).filter((l) => l.startsWith(`${code} `));
}

/** A workload with pods labelled `labels`, in `namespace`, using ServiceAccount `sa` when given. */
export function deployment(name: string, namespace: string, labels: Record<string, string>, extra = ''): string {
  const l = JSON.stringify(labels);
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  selector: {matchLabels: ${l}}
  template:
    metadata:
      labels: ${l}
    spec:
${extra}      containers: [{name: app, image: "registry.example.com/app:1.0.0"}]`;
}

/** A mesh that every analyzer passes: cart v1/v2 behind a Service, a DestinationRule and a 90/10 VirtualService. */
export const BASE: readonly string[] = [
  deployment('cart-v1', 'shop', { app: 'cart', version: 'v1' }, '      serviceAccountName: cart\n'),
  deployment('cart-v2', 'shop', { app: 'cart', version: 'v2' }, '      serviceAccountName: cart\n'),
  `apiVersion: v1
kind: ServiceAccount
metadata: {name: cart, namespace: shop}`,
  `apiVersion: v1
kind: Service
metadata: {name: cart, namespace: shop}
spec:
  selector: {app: cart}
  ports: [{name: http, port: 80, targetPort: 8080}]`,
  `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: cart, namespace: shop}
spec:
  host: cart
  subsets:
    - {name: v1, labels: {version: v1}}
    - {name: v2, labels: {version: v2}}`,
  `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: cart, namespace: shop}
spec:
  hosts: [cart.shop.svc.cluster.local]
  http:
    - name: default
      timeout: 3s
      retries: {attempts: 2, perTryTimeout: 1s}
      route:
        - {destination: {host: cart, subset: v1}, weight: 90}
        - {destination: {host: cart.shop.svc.cluster.local, subset: v2}, weight: 10}`,
];

/** A VirtualService in `namespace` routing everything to `host` (optionally with subset, gateways, exportTo). */
export function routeTo(name: string, namespace: string, host: string, opts: { subset?: string; gateways?: string[]; hosts?: string[]; exportTo?: string[]; port?: number } = {}): string {
  const dest = { host, ...(opts.subset ? { subset: opts.subset } : {}), ...(opts.port ? { port: { number: opts.port } } : {}) };
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  hosts: ${JSON.stringify(opts.hosts ?? [host])}
${opts.gateways ? `  gateways: ${JSON.stringify(opts.gateways)}\n` : ''}${opts.exportTo ? `  exportTo: ${JSON.stringify(opts.exportTo)}\n` : ''}  http:
    - route: [{destination: ${JSON.stringify(dest)}}]`;
}
