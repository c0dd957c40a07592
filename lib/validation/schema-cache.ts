import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { projectRoot } from '../common/project-root';
import { generatedValidatorsDir } from './generated-validators';

/** Bump when what "valid" means changes in a way the fingerprint below cannot see. */
const FORMAT = 'meshforge-schema-cache-1';
/** Most entries kept: ~2 MB of hashes, far more objects than any real output. */
const MAX_ENTRIES = 100_000;
const HASH_BYTES = 20;

/**
 * Hashes of the exact YAML documents that passed schema validation in an
 * earlier synth, so an unchanged object is not validated again (cold,
 * validation costs ~100 µs per Deployment, mostly loading and warming up
 * the kubernetes-models validators; a hash, ~1 µs per kB).
 *
 * Correct by construction: the key is the document's full text (what dist/
 * gets), and the file is only used when its fingerprint matches: the
 * validator code, every generated validator of imports/validators/ and the
 * versions of the packages whose schemas are used. Only valid documents are
 * recorded, so an invalid one is always validated and reported.
 * Stored in node_modules/.cache/meshforge/ (never in dist/); written at exit
 * through a temporary file and a rename, so concurrent synths never see a torn
 * file. `MESHFORGE_SCHEMA_CACHE=0` turns it off (the benchmark's cold numbers).
 */
export class SchemaCache {
  private static instance?: SchemaCache | null;

  /** The process-wide cache, or undefined when it is turned off or unavailable. */
  public static shared(): SchemaCache | undefined {
    if (SchemaCache.instance === undefined) {
      SchemaCache.instance = process.env.MESHFORGE_SCHEMA_CACHE === '0' ? null : SchemaCache.open();
    }
    return SchemaCache.instance ?? undefined;
  }

  private static open(): SchemaCache | null {
    try {
      const print = fingerprint();
      // one file per fingerprint: runs from lib/ (vitest) and from build/ (npm run synth) do not evict each other
      const file = path.join(projectRoot(__dirname), 'node_modules', '.cache', 'meshforge', `schema-valid-${print.toString('hex').slice(0, 12)}.bin`);
      const cache = new SchemaCache(file, print);
      process.once('exit', () => cache.save());
      return cache;
    } catch {
      return null; // no project root or unreadable validators: validate everything
    }
  }

  /** Hashes (latin1 strings) known valid, in the order they were last used. */
  private readonly known = new Set<string>();
  private readonly used = new Set<string>();
  private added = 0;

  constructor(
    private readonly file: string,
    private readonly fingerprint: Buffer,
  ) {
    for (const k of this.read()) this.known.add(k);
  }

  /** The hashes in the file; none when it is missing, torn or of another fingerprint. */
  private read(): string[] {
    let data: Buffer;
    try {
      data = fs.readFileSync(this.file);
    } catch {
      return [];
    }
    if (data.length < HASH_BYTES || !data.subarray(0, HASH_BYTES).equals(this.fingerprint) || data.length % HASH_BYTES !== 0) return [];
    const out: string[] = [];
    for (let i = HASH_BYTES; i < data.length; i += HASH_BYTES) out.push(data.toString('latin1', i, i + HASH_BYTES));
    return out;
  }

  /** The key of one YAML document. */
  public static key(document: string): string {
    return crypto.createHash('sha1').update(document).digest().toString('latin1');
  }

  /** Whether this exact document passed validation before. */
  public has(key: string): boolean {
    if (!this.known.has(key)) return false;
    this.used.add(key);
    return true;
  }

  /** Records a document that passed validation. */
  public add(key: string): void {
    if (!this.used.has(key)) this.added++;
    this.used.add(key);
  }

  /**
   * Writes the hashes used by this run first, then the file's current ones
   * (re-read, so that synths running at the same time add up rather than
   * overwrite each other), up to MAX_ENTRIES; nothing when nothing was added.
   */
  public save(): void {
    if (this.added === 0) return;
    const keys = [...this.used];
    for (const k of new Set([...this.read(), ...this.known])) {
      if (keys.length >= MAX_ENTRIES) break;
      if (!this.used.has(k)) keys.push(k);
    }
    const buf = Buffer.alloc(HASH_BYTES * (keys.length + 1));
    this.fingerprint.copy(buf, 0);
    keys.forEach((k, i) => buf.write(k, HASH_BYTES * (i + 1), 'latin1'));
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, buf);
      fs.renameSync(tmp, this.file);
      removeStale(path.dirname(this.file), this.file);
    } catch {
      // a cache that cannot be written only costs time next run
    }
  }
}

/** Temporary files of killed runs (older than a minute) and caches of other fingerprints unused for a week. */
function removeStale(dir: string, current: string): void {
  const now = Date.now();
  for (const f of fs.readdirSync(dir)) {
    const file = path.join(dir, f);
    if (file === current || !f.startsWith('schema-valid')) continue;
    const age = now - fs.statSync(file).mtimeMs;
    if ((f.endsWith('.tmp') && age > 60_000) || (f.endsWith('.bin') && age > 7 * 24 * 3600_000)) fs.rmSync(file, { force: true });
  }
}

/** What the cached results depend on besides the documents themselves. */
function fingerprint(): Buffer {
  const h = crypto.createHash('sha1').update(FORMAT);
  // the validator code (this folder, built or not) and the generated validators
  for (const file of ['schema-validator', 'known-fields', 'schema-errors', 'generated-validators', 'schema-cache']) {
    const ext = path.extname(__filename);
    h.update(fs.readFileSync(path.join(__dirname, `${file}${ext}`)));
  }
  const dir = generatedValidatorsDir();
  for (const f of fs.readdirSync(dir).sort()) h.update(f).update(fs.readFileSync(path.join(dir, f)));
  for (const pkg of ['kubernetes-models', '@kubernetes-models/apimachinery', '@kubernetes-models/argo-cd', '@kubernetes-models/flux-cd', '@kubernetes-models/validate', '@kubernetes-models/base', 'ajv']) {
    h.update(`${pkg}@${packageVersion(pkg)}`);
  }
  return h.digest();
}

/** The installed version of a package (some do not export their package.json). */
function packageVersion(pkg: string): string {
  for (let dir = path.dirname(require.resolve(pkg)); path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (!fs.existsSync(file)) continue;
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (json.name === pkg) return String(json.version);
  }
  throw new Error(`no package.json of ${pkg}`);
}
