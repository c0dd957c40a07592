import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { crdSchemas, selectCrds } from './crd-schemas';
import { writeGeneratedValidators } from './schema-validators';

/**
 * Regenerates imports/ from the CRDs named in cdk8s.yaml (or, with CRD_DIR,
 * from every *.yaml in that folder). Only the kinds meshforge uses and their
 * `v1` version are kept, so upstream files and the trimmed local copies give
 * identical bindings, and all CRDs go through one `cdk8s import` so that one
 * API group spread over several files becomes one module.
 */
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
  const crds = selectCrds(await readSources(root));
  // The schemas feed lib/validation/schema-validator.ts (strict validation of emitted CRs, offline).
  fs.writeFileSync(path.join(root, 'imports', 'crd-schemas.json'), crdSchemas(crds));
  // precompiled validators for synth (imports/validators/), from the same schemas
  writeGeneratedValidators(root);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'meshforge-crds-'));
  try {
    const file = path.join(tmp, 'crds.yaml');
    fs.writeFileSync(file, crds.map((c) => stringify(c)).join('---\n'));
    // `cdk8s import <file>` appends <file> to cdk8s.yaml's imports; keep the recorded upstream URLs instead
    const cdk8sYaml = fs.readFileSync(path.join(root, 'cdk8s.yaml'), 'utf8');
    try {
      execFileSync(path.join(root, 'node_modules', '.bin', 'cdk8s'), ['import', '--no-check-upgrade', file, '-l', 'typescript', '-o', path.join(root, 'imports')], {
        stdio: 'inherit',
        cwd: root,
      });
    } finally {
      fs.writeFileSync(path.join(root, 'cdk8s.yaml'), cdk8sYaml);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  process.stderr.write(`import failed: ${e.message}\n`);
  process.exitCode = 1;
});
