import * as fs from 'fs';
import { MeshforgeError } from '../validation/meshforge-error';
import { isDnsLabel } from '../validation/names';

/**
 * An app's releases file (e.g. apps/shop/releases.json), the image tag of each
 * service in each environment: `{ "prod": { "cart": "1.4.2" } }`. CI changes it
 * (through `npm run promote`); apps read it through `context.releases`.
 */
export type Releases = Readonly<Record<string, Readonly<Record<string, string>>>>;

/**
 * A tag as the OCI distribution spec allows it: `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`
 * (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests).
 */
export const OCI_TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

/** Why `tag` cannot be released, or undefined when it can: a valid OCI tag other than `latest` (not one build). */
export function releaseTagProblem(tag: unknown): string | undefined {
  if (typeof tag !== 'string' || !OCI_TAG.test(tag)) return 'not an OCI tag';
  if (tag === 'latest') return '"latest" names no particular build';
  return undefined;
}

const TAG_EXPECTED = 'an OCI tag other than "latest": [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}, e.g. "1.4.2" or "2026-12-01.3f9c2ab"';

/** Throws RELEASE_INVALID_TAG unless `tag` can be released. */
export function assertReleaseTag(tag: unknown, where: string, field: string): asserts tag is string {
  const problem = releaseTagProblem(tag);
  if (problem) {
    throw new MeshforgeError(`invalid image tag (${problem})`, { code: 'RELEASE_INVALID_TAG', path: where, field, value: tag, expected: TAG_EXPECTED });
  }
}

/**
 * Checks the shape of a releases file: environment → service → tag, every
 * environment one the app deploys to, every service a DNS label, every tag
 * releasable. `source` names the file in errors; `deploysTo` undefined
 * accepts any environment name.
 */
export function validateReleases(data: unknown, source: string, deploysTo?: readonly string[]): Releases {
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw new MeshforgeError('releases file is not an object', {
      code: 'RELEASES_INVALID',
      path: source,
      value: data,
      expected: 'a JSON object: environment → service → tag, e.g. { "prod": { "cart": "1.4.2" } }',
    });
  }
  for (const [env, services] of Object.entries(data)) {
    if (deploysTo !== undefined && !deploysTo.includes(env)) {
      throw new MeshforgeError('releases file names an environment the app does not deploy to', {
        code: 'RELEASES_UNKNOWN_ENVIRONMENT',
        path: source,
        field: env,
        value: env,
        expected: `one of: ${deploysTo.join(', ')}`,
      });
    }
    if (!services || typeof services !== 'object' || Array.isArray(services)) {
      throw new MeshforgeError('releases of an environment are not an object', {
        code: 'RELEASES_INVALID',
        path: source,
        field: env,
        value: services,
        expected: 'an object: service → tag, e.g. { "cart": "1.4.2" }',
      });
    }
    for (const [service, tag] of Object.entries(services)) {
      if (!isDnsLabel(service)) {
        throw new MeshforgeError('invalid service name in releases file', {
          code: 'RELEASES_INVALID',
          path: source,
          field: `${env}.${service}`,
          value: service,
          expected: 'the name the app reads it by: a DNS label (e.g. "cart")',
        });
      }
      assertReleaseTag(tag, source, `${env}.${service}`);
    }
  }
  return data as Releases;
}

/** Reads and checks a releases file (see {@link validateReleases}). */
export function readReleases(file: string, deploysTo: readonly string[] | undefined, shownAs = file): Releases {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new MeshforgeError(`cannot read releases file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, {
      code: 'RELEASES_INVALID',
      path: shownAs,
      expected: 'a JSON file: environment → service → tag',
    });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new MeshforgeError(`releases file is not valid JSON (${(e as Error).message})`, {
      code: 'RELEASES_INVALID',
      path: shownAs,
      expected: 'a JSON object: environment → service → tag',
    });
  }
  return validateReleases(data, shownAs, deploysTo);
}

/** The releases file as written: environments and services sorted, two-space indent, final newline (stable diffs). */
export function renderReleases(releases: Releases): string {
  const sorted = Object.fromEntries(
    Object.keys(releases)
      .sort()
      .map((env) => [env, Object.fromEntries(Object.keys(releases[env]).sort().map((s) => [s, releases[env][s]]))]),
  );
  return `${JSON.stringify(sorted, null, 2)}\n`;
}

/**
 * The tags of one app in one environment, as an app's `build` reads them
 * (`context.releases`). Remembers what was read, so synth can reject entries
 * no service uses (a typo would otherwise never deploy).
 */
export class ReleaseTags {
  private readonly read = new Set<string>();

  constructor(
    /** The app the tags belong to. */
    public readonly app: string,
    /** The environment being rendered. */
    public readonly environment: string,
    private readonly tags: Readonly<Record<string, string>> | undefined,
    /** The releases file, as shown in errors; undefined when the app has none. */
    public readonly source: string | undefined,
  ) {}

  /** The tag of `service` in this environment; throws RELEASE_MISSING_TAG naming app, environment and file when there is none. */
  tag(service: string): string {
    const tag = this.tags?.[service];
    if (tag === undefined) {
      throw new MeshforgeError(
        this.source === undefined ? `app "${this.app}" has no releases file` : `no image tag for service "${service}" in environment "${this.environment}"`,
        {
          code: 'RELEASE_MISSING_TAG',
          path: this.source ?? this.app,
          field: `${this.environment}.${service}`,
          expected:
            this.source === undefined
              ? 'set `releases` in defineApp to the app\'s releases file (JSON: environment → service → tag)'
              : `a tag for "${service}" under "${this.environment}" (\`npm run promote -- ${this.app}/${service} <tag> --env ${this.environment}\`); tags there: ${Object.keys(this.tags ?? {}).join(', ') || '(none)'}`,
        },
      );
    }
    this.read.add(service);
    return tag;
  }

  /** `<repository>:<tag of service>`, e.g. `image('ghcr.io/acme-shop/cart', 'cart')`. */
  image(repository: string, service: string): string {
    return `${repository}:${this.tag(service)}`;
  }

  /** Whether the environment has a tag for `service` (to make a service or canary optional per environment). */
  has(service: string): boolean {
    return this.tags?.[service] !== undefined;
  }

  /** Services of this environment that have a tag but were never read by `tag`/`image`. */
  unused(): string[] {
    return Object.keys(this.tags ?? {}).filter((s) => !this.read.has(s)).sort();
  }
}
