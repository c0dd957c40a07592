import * as fs from 'fs';
import * as path from 'path';
import { MeshforgeError } from '../validation/meshforge-error';

/**
 * The text of `bytes` when they are UTF-8 without control characters other
 * than tab, line feed and carriage return; undefined for anything else, which
 * must go to `binaryData` (decoding it as UTF-8 would replace bytes with U+FFFD,
 * and control characters make YAML tools such as kustomize refuse the file).
 */
export function textOf(bytes: Uint8Array): string | undefined {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
  return /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]/.test(text) ? undefined : text;
}

/**
 * The content of one file in a MeshService's ConfigMap: inline text, or a file
 * read from disk at synth time (so it lives next to the app's code, not in a
 * TypeScript string). Text goes to the ConfigMap's `data`; bytes that are not
 * plain UTF-8 text (images, keystores, compressed files) go to `binaryData`,
 * base64-encoded, and are mounted byte for byte.
 */
export class ConfigFile {
  /** Inline content. */
  public static fromString(content: string): ConfigFile {
    return new ConfigFile(() => content, 'inline');
  }

  /** Inline bytes: text when they are plain UTF-8 text, binary otherwise. */
  public static fromBytes(bytes: Uint8Array): ConfigFile {
    const copy = Buffer.from(bytes);
    return new ConfigFile(() => textOf(copy) ?? copy, 'inline');
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
      const bytes = fs.readFileSync(resolved);
      return textOf(bytes) ?? bytes;
    }, resolved);
  }

  private constructor(
    private readonly read: (owner: string, key: string) => string | Buffer,
    /** Where the content comes from: "inline" or the absolute file path. */
    public readonly source: string,
  ) {}

  /** @internal The content, text or bytes; `owner`/`key` name the construct and file in errors. */
  public _content(owner: string, key: string): string | Buffer {
    return this.read(owner, key);
  }
}

// Re-exported: apps find their config files relative to the project root.
export { projectRoot } from '../common/project-root';
