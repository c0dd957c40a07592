import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { CrdDocument, crdSchemas } from './crd-schemas';

/**
 * Regenerates imports/ from the CRDs named in cdk8s.yaml (or, with CRD_DIR,
 * from every *.yaml in that folder). Only the kinds meshforge uses and their
 * `v1` version are kept, so upstream files and the trimmed local copies give
 * identical bindings, and all CRDs go through one `cdk8s import` so that one
 * API group spread over several files becomes one module.
 */
const KINDS = new Set([
  'VirtualService', 'DestinationRule', 'Gateway', 'ServiceEntry', 'Sidecar',
  'AuthorizationPolicy', 'PeerAuthentication', 'RequestAuthentication', 'Telemetry',
  'ServiceMonitor', 'PodMonitor', 'PrometheusRule',
]);
const VERSION = 'v1';

type Crd = CrdDocument;

async function readSources(root: string): Promise<string[]> {
  const dir = process.env.CRD_DIR;
  if (dir) {
    return fs.readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
  }
  const config = parse(fs.readFileSync(path.join(root, 'cdk8s.yaml'), 'utf8')) as { imports: string[] };
  const texts: string[] = [];
  for (const url of config.imports) {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
    texts.push(await res.text());
  }
  return texts;
}

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..', '..');
  const crds: Crd[] = [];
  for (const text of await readSources(root)) {
    for (const doc of parseAllDocuments(text)) {
      const crd = doc.toJS() as Crd | null;
      if (!crd || crd.kind !== 'CustomResourceDefinition' || !KINDS.has(crd.spec.names.kind)) continue;
      crd.spec.versions = crd.spec.versions.filter((v) => v.name === VERSION);
      if (crd.spec.versions.length > 0) crds.push(crd);
    }
  }
  const found = new Set(crds.map((c) => c.spec.names.kind));
  const missing = [...KINDS].filter((k) => !found.has(k));
  if (missing.length > 0) throw new Error(`CRDs not found in the sources: ${missing.join(', ')}`);
  // The schemas feed lib/validation/schema-validator.ts (strict validation of emitted CRs, offline).
  fs.writeFileSync(path.join(root, 'imports', 'crd-schemas.json'), crdSchemas(crds));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'meshforge-crds-'));
  try {
    const file = path.join(tmp, 'crds.yaml');
    fs.writeFileSync(file, crds.map((c) => stringify(c)).join('---\n'));
    execFileSync(path.join(root, 'node_modules', '.bin', 'cdk8s'), ['import', '--no-check-upgrade', file, '-l', 'typescript', '-o', path.join(root, 'imports')], {
      stdio: 'inherit',
      cwd: root,
    });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  process.stderr.write(`import failed: ${e.message}\n`);
  process.exitCode = 1;
});
