import * as fs from 'fs';
import { createRequire } from 'module';
import * as path from 'path';

/**
 * imports/validators/ of the project root: the precompiled schema validators
 * `npm run import` generates (bin/schema-validators.ts). Found upwards from
 * this file, so it works from lib/ under vitest and from build/lib/ after
 * `tsc` (which does not copy them).
 */
let dirCache: string | undefined;
export function generatedValidatorsDir(): string {
  if (dirCache) return dirCache;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'imports', 'validators');
    if (fs.existsSync(path.join(candidate, 'k8s-fields.json'))) return (dirCache = candidate);
    if (path.dirname(dir) === dir) throw new Error(`imports/validators/ not found above ${__dirname}; run \`npm run import\``);
  }
}

/** The text of one generated file. */
export function generatedFile(name: string): string {
  return fs.readFileSync(path.join(generatedValidatorsDir(), name), 'utf8');
}

const load = createRequire(__filename);

/** A generated ajv standalone validator: returns whether `data` is valid and leaves ajv errors on `.errors`. */
export interface GeneratedValidator {
  (data: unknown): boolean;
  errors?: readonly import('ajv').ErrorObject[] | null;
}

/** Loads one generated validator module (`networking.istio.io_v1_VirtualService.js`). */
export function loadGeneratedValidator(file: string): GeneratedValidator {
  return load(path.join(generatedValidatorsDir(), file)) as GeneratedValidator;
}

/** File of a CRD kind's validator under imports/validators/: `networking.istio.io/v1/VirtualService` → `networking.istio.io_v1_VirtualService.js`. */
export function validatorFile(key: string): string {
  return `${key.replaceAll('/', '_')}.js`;
}
