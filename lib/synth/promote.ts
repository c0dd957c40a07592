import * as fs from 'fs';
import * as path from 'path';
import { MeshforgeError } from '../validation/meshforge-error';
import { defineEnvironments } from '../environments/define-environments';
import type { Environment } from '../environments/environment';
import { Releases, assertReleaseTag, readReleases, renderReleases } from '../environments/releases';
import type { AppDefinition } from './app-definition';
import { DistRepairOptions, readTree, writeDistWith } from './dist-writer';
import type { GitOpsConfig } from './gitops';
import type { IstioApiLevel } from './istio-api-level';
import { deploymentsOf, synthesizeAll } from './synth-all';
import type { SynthesizedApp } from './synthesize-app';

/** What to promote: one service of one app into one environment, with a tag or the tag of another environment. */
export interface PromoteRequest {
  readonly app: string;
  readonly service: string;
  /** The environment whose tag changes. */
  readonly environment: string;
  /** The new tag; exactly one of `tag` and `from`. */
  readonly tag?: string;
  /** Copy the tag this environment runs (e.g. `test` → `prod`). */
  readonly from?: string;
}

/** The project `promote` works on, and where dist/ is. */
export interface PromoteOptions extends DistRepairOptions {
  readonly apps: readonly AppDefinition[];
  readonly environments: readonly Environment[];
  /** @default - none */
  readonly gitops?: GitOpsConfig;
  /** @default "v1" */
  readonly istioApiLevel?: IstioApiLevel;
  /** The dist/ folder; must exist (only its environment folder is replaced). */
  readonly outdir: string;
}

/** What a promotion did. */
export interface PromoteResult {
  readonly app: string;
  readonly service: string;
  readonly environment: string;
  /** The tag before; undefined when the environment had none for the service. */
  readonly previous?: string;
  readonly tag: string;
  /** False when the environment already ran the tag (dist/<env>/ was still re-rendered). */
  readonly changed: boolean;
  /** The releases file, as given in the app definition. */
  readonly releasesFile: string;
  /** What synth wrote into dist/<env>/. */
  readonly written: readonly SynthesizedApp[];
}

const USAGE = '<app>/<service> <tag> --env <environment>, or <app>/<service> --from <environment> --to <environment>';

function usage(message: string, value: unknown): MeshforgeError {
  return new MeshforgeError(message, { code: 'PROMOTE_USAGE', value, expected: `npm run promote -- ${USAGE}` });
}

/** Parses `npm run promote` arguments (`shop/cart 1.5.0 --env dev`, `shop/cart --from test --to prod`). */
export function parsePromoteArgs(argv: readonly string[]): PromoteRequest {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = /^--(env|from|to)(?:=(.*))?$/.exec(a);
    if (m) {
      const value = m[2] ?? argv[++i];
      if (value === undefined || value === '' || value.startsWith('--')) throw usage(`--${m[1]} needs an environment name`, a);
      if (flags.has(m[1])) throw usage(`--${m[1]} given twice`, argv);
      flags.set(m[1], value);
    } else if (a.startsWith('--')) {
      throw usage('unknown option', a);
    } else positional.push(a);
  }
  if (positional.length === 0) throw usage('missing <app>/<service>', argv);
  const target = /^([^/]+)\/([^/]+)$/.exec(positional[0]);
  if (!target) throw usage('the first argument must be <app>/<service>', positional[0]);
  const [app, service] = [target[1], target[2]];
  if (flags.has('from') || flags.has('to')) {
    if (!flags.has('from') || !flags.has('to')) throw usage('--from and --to go together', argv);
    if (flags.has('env') || positional.length > 1) throw usage('--from/--to copies a tag: give neither a tag nor --env', argv);
    return { app, service, environment: flags.get('to')!, from: flags.get('from')! };
  }
  if (positional.length !== 2) throw usage(positional.length < 2 ? 'missing <tag>' : 'too many arguments', argv);
  if (!flags.has('env')) throw usage('missing --env <environment>', argv);
  return { app, service, environment: flags.get('env')!, tag: positional[1] };
}

function checkEnvironment(name: string, field: string, app: AppDefinition, known: readonly string[], deploysTo: readonly string[]): void {
  if (!known.includes(name)) {
    throw new MeshforgeError('unknown environment', { code: 'PROMOTE_UNKNOWN_ENVIRONMENT', field, value: name, expected: `one of: ${known.join(', ')}` });
  }
  if (!deploysTo.includes(name)) {
    throw new MeshforgeError(`app "${app.name}" does not deploy to this environment`, {
      code: 'PROMOTE_UNKNOWN_ENVIRONMENT',
      field,
      value: name,
      expected: `one of the app's environments: ${deploysTo.join(', ')}`,
    });
  }
}

/** Replaces `file` with `content` atomically (write a sibling, rename over). */
function replaceFile(file: string, content: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

/**
 * Sets the tag of one service in one environment in the app's releases file
 * and re-renders that environment, under the dist/ lock: everything is
 * checked and synthesized in memory first, so bad input or a failing synth
 * changes nothing; then the releases file is replaced (atomic rename) and
 * only `dist/<environment>/` is swapped in (the other folders are written back
 * as they were). If writing dist/ fails, the releases file is put back.
 */
export function promote(request: PromoteRequest, options: PromoteOptions): PromoteResult {
  const app = options.apps.find((a) => a.name === request.app);
  if (!app) {
    throw new MeshforgeError('unknown app', { code: 'PROMOTE_UNKNOWN_APP', field: '<app>', value: request.app, expected: `one of: ${options.apps.map((a) => a.name).join(', ')}` });
  }
  if (app.releases === undefined) {
    throw new MeshforgeError(`app "${app.name}" has no releases file`, {
      code: 'PROMOTE_NO_RELEASES',
      field: '<app>',
      value: app.name,
      expected: `an app with \`releases\` set: ${options.apps.filter((a) => a.releases !== undefined).map((a) => a.name).join(', ') || '(none)'}`,
    });
  }
  const environments = defineEnvironments(options.environments);
  const known = environments.map((e) => e.name);
  const deploysTo = deploymentsOf(app, environments);
  checkEnvironment(request.environment, request.from === undefined ? '--env' : '--to', app, known, deploysTo);
  if (request.from !== undefined) {
    checkEnvironment(request.from, '--from', app, known, deploysTo);
    if (request.from === request.environment) {
      throw new MeshforgeError('--from and --to name the same environment', { code: 'PROMOTE_SAME_ENVIRONMENT', field: '--to', value: request.environment, expected: 'another environment than --from' });
    }
  }
  const file = app.releases;
  const shown = path.relative(process.cwd(), file) || file;
  const releases = readReleases(file, deploysTo, shown);
  const services = [...new Set(Object.values(releases).flatMap((s) => Object.keys(s)))].sort();
  if (!services.includes(request.service)) {
    throw new MeshforgeError(`unknown service of app "${app.name}"`, {
      code: 'PROMOTE_UNKNOWN_SERVICE',
      path: shown,
      field: '<service>',
      value: request.service,
      expected: `one of: ${services.join(', ')} (a new service gets its first tags by editing ${shown})`,
    });
  }
  const tag = request.tag ?? releases[request.from!]?.[request.service];
  if (tag === undefined) {
    throw new MeshforgeError(`environment "${request.from}" has no tag for "${request.service}" to promote`, {
      code: 'PROMOTE_MISSING_SOURCE_TAG',
      path: shown,
      field: `${request.from}.${request.service}`,
      expected: `an environment with a tag for it: ${Object.keys(releases).filter((e) => releases[e][request.service] !== undefined).join(', ')}`,
    });
  }
  assertReleaseTag(tag, shown, request.tag === undefined ? `${request.from}.${request.service}` : '<tag>');
  const previous = releases[request.environment]?.[request.service];
  const next: Releases = { ...releases, [request.environment]: { ...releases[request.environment], [request.service]: tag } };
  if (!fs.existsSync(options.outdir)) {
    throw new MeshforgeError('dist/ does not exist', { code: 'PROMOTE_NO_DIST', value: options.outdir, expected: 'a synthesized dist/: run `npm run synth` first' });
  }

  const before = fs.readFileSync(file, 'utf8');
  let replaced = false;
  try {
    const result = writeDistWith(options.outdir, () => {
      const fresh = synthesizeAll(options.apps, {
        environments,
        gitops: options.gitops,
        istioApiLevel: options.istioApiLevel,
        releases: { [app.name]: next },
        onlyEnvironment: request.environment,
      });
      // Every other folder is written back byte for byte: a promotion changes one environment only.
      const kept = new Map<string, Map<string, string>>();
      for (const [rel, content] of readTree(options.outdir)) {
        const top = rel.slice(0, rel.indexOf('/'));
        if (top === request.environment || !rel.includes('/')) continue;
        if (!kept.has(top)) kept.set(top, new Map());
        kept.get(top)!.set(rel.slice(top.length + 1), content);
      }
      const others: SynthesizedApp[] = [...kept].map(([name, files]) => ({ name, files, objects: [], sideFiles: new Map(), notices: [] }));
      const rendered = renderReleases(next);
      if (rendered !== before) {
        replaceFile(file, rendered);
        replaced = true;
      }
      return [...fresh, ...others];
    }, options);
    return { app: app.name, service: request.service, environment: request.environment, previous, tag, changed: previous !== tag, releasesFile: file, written: result.filter((r) => r.environment === request.environment) };
  } catch (e) {
    if (replaced) replaceFile(file, before);
    throw e;
  }
}
