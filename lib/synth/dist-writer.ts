import * as fs from 'fs';
import * as path from 'path';
import { SynthesizedApp } from './synthesize-app';

/**
 * Replaces `outdir` with exactly the given apps, atomically from the point of
 * view of a reader: everything is first written to a sibling temporary
 * directory, which is then renamed into place. If anything fails before the
 * swap, `outdir` is untouched; stale files from removed apps do not survive.
 */
export function writeDist(outdir: string, apps: readonly SynthesizedApp[]): void {
  const target = path.resolve(outdir);
  const parent = path.dirname(target);
  fs.mkdirSync(parent, { recursive: true });
  const staging = fs.mkdtempSync(path.join(parent, `.${path.basename(target)}.staging-`));
  const retired = `${staging}.old`;
  try {
    for (const app of apps) {
      const dir = path.join(staging, app.name);
      fs.mkdirSync(dir);
      for (const [file, content] of [...app.files, ...app.sideFiles]) {
        if (file.includes('/')) fs.mkdirSync(path.join(dir, path.dirname(file)), { recursive: true }); // dist/gitops/argocd/…
        fs.writeFileSync(path.join(dir, file), content);
      }
    }
    fs.chmodSync(staging, 0o755); // mkdtemp creates 0700; dist/ should be readable like any folder
    const hadPrevious = fs.existsSync(target);
    if (hadPrevious) fs.renameSync(target, retired);
    try {
      fs.renameSync(staging, target);
    } catch (e) {
      if (hadPrevious) fs.renameSync(retired, target);
      throw e;
    }
    fs.rmSync(retired, { recursive: true, force: true });
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Reads a directory tree into a map of relative path → content (for tests and checks). */
export function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(r);
      else out.set(r, fs.readFileSync(path.join(dir, r), 'utf8'));
    }
  };
  if (fs.existsSync(dir)) walk('');
  return out;
}
