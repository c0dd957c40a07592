/* eslint-disable @typescript-eslint/no-explicit-any */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { validateKubernetesSdConfig } from '../../lib/observability/prometheus-config';
import { tmpDir } from '../helpers';

/**
 * Runs the real promtool / amtool. A missing tool is a failure, never a skip:
 * CI installs them (.ci/run) and a silent skip would hide broken configs.
 */
export function run(tool: 'promtool' | 'amtool', args: string[], cwd?: string): { code: number; out: string } {
  const r = spawnSync(tool, args, { encoding: 'utf8', cwd });
  if (r.error) throw new Error(`${tool} is not installed or not runnable (${r.error.message}); install the Debian packages prometheus and prometheus-alertmanager`);
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

export function toolVersion(tool: 'promtool' | 'amtool'): string {
  return execFileSync(tool, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Debian's promtool 2.42 has no Kubernetes SD. Validates each
 * `kubernetes_sd_configs` block with meshforge's own checker, then returns a
 * copy in which only those blocks are replaced by an equivalent `file_sd_configs`
 * entry, and `rule_files` point at copies in `dir` (where promtool can read them).
 */
export function promtoolCopy(configYaml: string, ruleFiles: Record<string, string>, dir: string, options: { serviceAccountFiles?: boolean } = {}): string {
  const config = parse(configYaml) as Record<string, unknown> & { scrape_configs: Record<string, unknown>[]; rule_files?: string[] };
  if (options.serviceAccountFiles) {
    // For a full (non --syntax-only) check: the pod's service-account token and CA
    // are stand-in files in `dir`, so promtool's file-existence checks can run.
    const sa = path.join(dir, 'serviceaccount');
    fs.mkdirSync(sa, { recursive: true });
    fs.writeFileSync(path.join(sa, 'token'), 'test-token');
    fs.writeFileSync(path.join(sa, 'ca.crt'), 'test-ca');
    configYaml = stringify(config).replaceAll(SA_DIR, sa);
    return promtoolCopy(configYaml, ruleFiles, dir);
  }
  config.scrape_configs.forEach((job, i) => {
    const sds = job.kubernetes_sd_configs as unknown[] | undefined;
    if (sds === undefined) return;
    sds.forEach((sd, k) => validateKubernetesSdConfig('promtool', `scrape_configs[${i}].kubernetes_sd_configs[${k}]`, sd));
    delete job.kubernetes_sd_configs;
    job.file_sd_configs = [{ files: [path.join(dir, `sd-${job.job_name as string}.json`)] }];
  });
  if (config.rule_files) {
    config.rule_files = config.rule_files.map((f) => {
      const name = path.basename(f);
      if (!(name in ruleFiles)) throw new Error(`rule file ${f} is referenced by prometheus.yml but not generated`);
      const local = path.join(dir, 'rules', name);
      fs.mkdirSync(path.dirname(local), { recursive: true });
      fs.writeFileSync(local, ruleFiles[name]);
      return local;
    });
  }
  return stringify(config, { lineWidth: 0 });
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** All objects of a synthesized dist/<env>/<app>/ folder (prod by default: the full production configuration). */
export function loadDist(app: string, environment = 'prod'): Record<string, any>[] {
  const dir = path.resolve(__dirname, '../../dist', environment, app);
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.k8s.yaml'))
    .sort()
    .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJS() as Record<string, any>));
}

/** Writes `text` into a fresh temp dir and returns the file path. */
export function writeTemp(name: string, text: string, dir = tmpDir()): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

/** One `promtool test rules` test group (input series and expected alerts). */
export interface RuleUnitTest {
  readonly input_series: readonly { series: string; values: string }[];
  readonly alert_rule_test: readonly { eval_time: string; alertname: string; exp_alerts: readonly unknown[] }[];
}

/** Writes `files` and a test file using them (1m intervals) into a temp dir and runs `promtool test rules`. */
export function promtoolTestRules(files: Record<string, string>, tests: readonly RuleUnitTest[]): { code: number; out: string } {
  const dir = tmpDir();
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  const file = path.join(dir, 'test.yml');
  fs.writeFileSync(
    file,
    stringify({ rule_files: Object.keys(files), evaluation_interval: '1m', tests: tests.map((t) => ({ interval: '1m', ...t })) }, { lineWidth: 0 }),
  );
  return run('promtool', ['test', 'rules', file]);
}
