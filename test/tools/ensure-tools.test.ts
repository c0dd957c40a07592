import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { tmpDir } from '../helpers';

const SCRIPT = path.resolve(__dirname, 'ensure-tools.mjs');

/** A PATH holding only node and the fake tools given (name → what `--version` prints). */
function fakePath(tools: Record<string, string>): string {
  const dir = tmpDir();
  fs.symlinkSync(process.execPath, path.join(dir, 'node'));
  for (const [name, version] of Object.entries(tools)) {
    const file = path.join(dir, name);
    fs.writeFileSync(file, `#!/bin/sh\necho '${version}'\n`);
    fs.chmodSync(file, 0o755);
  }
  return dir;
}

function ensure(tools: Record<string, string>) {
  // `never` keeps the test from running apt-get on a root machine: it is the "cannot install" path.
  const r = spawnSync(process.execPath, [SCRIPT], {
    encoding: 'utf8',
    env: { PATH: fakePath(tools), MESHFORGE_INSTALL_TOOLS: 'never' },
  });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

const ALL = { kubectl: 'Client Version: v1.30.1\nKustomize Version: v5.0.4', promtool: 'promtool, version 2.42.0', amtool: 'amtool, version 0.25.0', chromium: 'Chromium 131.0.6778.85 built on Debian GNU/Linux 12 (bookworm)' };

describe('npm test sets up its tools first', () => {
  it('package.json runs the tool check before vitest', () => {
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.test).toMatch(/^node test\/tools\/ensure-tools\.mjs && vitest run/);
  });

  it('says nothing and exits 0 when every tool is there', () => {
    expect(ensure(ALL)).toEqual({ code: 0, stderr: '', stdout: '' });
  });

  it('stops with one message naming the Debian packages and the command when it cannot install', () => {
    const r = ensure({ kubectl: ALL.kubectl });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('no test was run');
    expect(r.stderr).toContain('promtool (not found)');
    expect(r.stderr).toContain('amtool (not found)');
    expect(r.stderr).toContain('chromium (not found)');
    // One tool may need several packages: chromium brings the fonts the report pages are drawn with.
    expect(r.stderr).toContain('apt-get install -y prometheus prometheus-alertmanager chromium fonts-dejavu-core');
    expect(r.stderr).not.toContain('kubectl (');
  });

  it('refuses a kubectl whose kustomize cannot read sortOptions, and says which version is needed', () => {
    const r = ensure({ ...ALL, kubectl: 'Client Version: v1.20.2' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('kubectl (version 1.20 is older than 1.27)');
    expect(r.stderr).toContain('install kubectl >= 1.27');
    expect(r.stderr).not.toContain('apt-get');
  });

  it('names kubectl when it is missing', () => {
    const r = ensure({ promtool: ALL.promtool, amtool: ALL.amtool });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('kubectl (not found)');
  });
});
