// @ts-check
/**
 * Runs before the test suite (`npm test`): makes sure the external tools the
 * tests call exist, so a fresh machine gives one clear message instead of
 * dozens of `spawnSync kubectl ENOENT` failures.
 *
 * - A missing tool that Debian packages (promtool, amtool, chromium) is
 *   installed with apt-get when we are root and apt-get exists (as on CI).
 * - Otherwise (not root, no apt-get, MESHFORGE_INSTALL_TOOLS=never, or a tool
 *   Debian does not ship in a usable version) it prints ONE message naming the
 *   packages and the command to run, and exits 1 before any test runs.
 *
 * Plain .mjs so it runs on Node 20 without a build step.
 */
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

/**
 * @typedef {{ command: string, versionArgs: string[], debian?: string, why: string,
 *   minVersion?: [number, number], versionPattern?: RegExp, manual?: string }} Tool
 */

/** @type {readonly Tool[]} */
export const TOOLS = [
  {
    command: 'kubectl',
    versionArgs: ['version', '--client'],
    why: '`kubectl kustomize` builds every dist/ folder',
    // dist/*/kustomization.yaml uses sortOptions (kustomize v5), built into kubectl from 1.27.
    // Debian 12's kubernetes-client is 1.20 (kustomize v2), so it is not offered.
    minVersion: [1, 27],
    versionPattern: /Client Version: v?(\d+)\.(\d+)/,
    manual: 'install kubectl >= 1.27 (https://kubernetes.io/docs/tasks/tools/); Debian 12 only ships 1.20, whose kustomize cannot read sortOptions',
  },
  { command: 'promtool', versionArgs: ['--version'], debian: 'prometheus', why: 'checks the generated Prometheus config and rules' },
  { command: 'amtool', versionArgs: ['--version'], debian: 'prometheus-alertmanager', why: 'checks the Alertmanager config and routing' },
  // DejaVu fonts come along so the pages' text renders (chromium only recommends fonts).
  { command: 'chromium', versionArgs: ['--version'], debian: 'chromium fonts-dejavu-core', why: 'renders the report pages headless (test/report/browser.test.ts)' },
];

/**
 * What is wrong with one tool on this machine, or undefined when it is usable.
 * @param {Tool} tool
 * @param {(cmd: string, args: string[]) => { error?: Error, stdout?: string, stderr?: string }} run
 * @returns {string | undefined}
 */
export function problemWith(tool, run) {
  const r = run(tool.command, tool.versionArgs);
  if (r.error) return 'not found';
  if (!tool.minVersion || !tool.versionPattern) return undefined;
  const m = tool.versionPattern.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`);
  if (!m) return undefined; // an unknown version format is not a reason to block the suite
  const [major, minor] = [Number(m[1]), Number(m[2])];
  const [wantMajor, wantMinor] = tool.minVersion;
  if (major > wantMajor || (major === wantMajor && minor >= wantMinor)) return undefined;
  return `version ${major}.${minor} is older than ${wantMajor}.${wantMinor}`;
}

/**
 * Decides what to do about the missing tools.
 * @param {{ tool: Tool, problem: string }[]} missing
 * @param {{ root: boolean, apt: boolean, allowInstall: boolean }} machine
 * @returns {{ install: string[], message?: string }}
 */
export function plan(missing, machine) {
  if (missing.length === 0) return { install: [] };
  const debian = [...new Set(missing.flatMap((m) => (m.tool.debian ? m.tool.debian.split(' ') : [])))];
  const manual = missing.filter((m) => !m.tool.debian);
  const canInstall = machine.root && machine.apt && machine.allowInstall;
  if (manual.length === 0 && canInstall) return { install: debian };
  const lines = ['The tests need tools this machine lacks; no test was run.'];
  for (const m of missing) lines.push(`  - ${m.tool.command} (${m.problem}): ${m.tool.why}`);
  if (debian.length > 0) {
    lines.push(`Install the Debian packages ${debian.join(', ')}:`);
    lines.push(`  ${machine.root ? '' : 'sudo '}apt-get update && ${machine.root ? '' : 'sudo '}apt-get install -y ${debian.join(' ')}`);
  }
  for (const m of manual) lines.push(`For ${m.tool.command}: ${m.tool.manual}`);
  lines.push('Then run `npm test` again.');
  return { install: canInstall ? debian : [], message: lines.join('\n') };
}

/** @param {string} cmd @param {string[]} args */
function run(cmd, args) {
  return spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function main() {
  const check = () => TOOLS.flatMap((tool) => {
    const problem = problemWith(tool, run);
    return problem ? [{ tool, problem }] : [];
  });
  const missing = check();
  const machine = {
    root: typeof process.getuid === 'function' && process.getuid() === 0,
    apt: !run('apt-get', ['--version']).error,
    allowInstall: process.env.MESHFORGE_INSTALL_TOOLS !== 'never',
  };
  const decision = plan(missing, machine);
  if (decision.message) {
    process.stderr.write(`${decision.message}\n`);
    process.exit(1);
  }
  if (decision.install.length === 0) return;
  process.stderr.write(`Installing Debian packages the tests need: ${decision.install.join(', ')}\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', ...decision.install]]) {
    const r = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (r.status !== 0) {
      process.stderr.write(`apt-get ${args.join(' ')} failed (exit ${r.status}); no test was run.\n`);
      process.exit(1);
    }
  }
  const still = check();
  if (still.length > 0) {
    process.stderr.write(`Still missing after apt-get: ${still.map((m) => `${m.tool.command} (${m.problem})`).join(', ')}; no test was run.\n`);
    process.exit(1);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
