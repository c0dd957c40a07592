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
      const file = path.join(projectRoot(__dirname), 'node_modules', '.cache', 'meshforge', 'schema-valid.bin');
      const cache = new SchemaCache(file, fingerprint());
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
    let data: Buffer;
    try {
      data = fs.readFileSync(file);
    } catch {
      return;
    }
    if (data.length < HASH_BYTES || !data.subarray(0, HASH_BYTES).equals(fingerprint) || data.length % HASH_BYTES !== 0) return;
    for (let i = HASH_BYTES; i < data.length; i += HASH_BYTES) this.known.add(data.toString('latin1', i, i + HASH_BYTES));
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

  /** Writes the hashes used by this run first, then older ones, up to MAX_ENTRIES; nothing when nothing was added. */
  public save(): void {
    if (this.added === 0) return;
    const keys = [...this.used];
    for (const k of this.known) {
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
    } catch {
      // a cache that cannot be written only costs time next run
    }
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
