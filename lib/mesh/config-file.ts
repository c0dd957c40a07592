import * as fs from 'fs';
import * as path from 'path';
import { MeshforgeError } from '../validation/meshforge-error';

/**
 * The content of one file in a MeshService's ConfigMap: inline text, or a file
 * read from disk at synth time (so it lives next to the app's code, not in a
 * TypeScript string).
 */
export class ConfigFile {
  /** Inline content. */
  public static fromString(content: string): ConfigFile {
    return new ConfigFile(() => content, 'inline');
  }

  /**
   * Reads `file` (resolved against `baseDir`, usually the app's `__dirname`)
   * when the service is constructed. A missing file fails the synth with
   * CONFIG_FILE_NOT_FOUND.
   */
  public static fromFile(file: string, baseDir: string): ConfigFile {
    const resolved = path.resolve(baseDir, file);
    return new ConfigFile((owner, key) => {
      if (!fs.existsSync(resolved) || !fs.statSync(resolved).isFile()) {
        throw new MeshforgeError('config file not found', {
          code: 'CONFIG_FILE_NOT_FOUND',
          path: owner,
          field: `files.${key}`,
          value: file,
          expected: `an existing file; looked for ${resolved} (paths are relative to the baseDir passed to ConfigFile.fromFile)`,
        });
      }
      return fs.readFileSync(resolved, 'utf8');
    }, resolved);
  }

  private constructor(
    private readonly read: (owner: string, key: string) => string,
    /** Where the content comes from: "inline" or the absolute file path. */
    public readonly source: string,
  ) {}

  /** @internal The content; `owner`/`key` name the construct and file in errors. */
  public _content(owner: string, key: string): string {
    return this.read(owner, key);
  }
}

// Re-exported: apps find their config files relative to the project root.
export { projectRoot } from '../common/project-root';
