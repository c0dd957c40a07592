/**
 * Heuristics that decide whether a plain-text value looks like a secret. Tuned
 * for few false positives: a name must clearly denote the secret itself
 * (`DB_PASSWORD`, not `DB_PASSWORD_FILE` or `TOKEN_URL`), references and
 * placeholders are ignored, and value patterns are specific formats
 * (PEM private keys, AWS key ids, bearer tokens, JWTs, URL credentials).
 * Generic high-entropy detection is deliberately not used: hashes, ids,
 * checksums and base64 config would drown the report.
 */

/** Name tokens that denote a secret. */
const SECRET_WORDS = new Set([
  'password',
  'passwd',
  'passphrase',
  'pwd',
  'secret',
  'token',
  'credential',
  'credentials',
  'apikey',
  'privatekey',
  'secretkey',
  'accesskey',
]);

/** Adjacent name tokens that together denote a secret (`api_key`, `private-key`, `accessKey`). */
const SECRET_PAIRS = new Set(['api key', 'private key', 'access key', 'signing key', 'encryption key']);

/**
 * A last name token that makes the value something *about* a secret, not the
 * secret: where it is (`_FILE`, `_PATH`, `_URL`), what it is called (`_NAME`,
 * `_REF`), or a setting (`_TTL`, `_LENGTH`, `_ENABLED`).
 */
const NOT_A_VALUE = new Set([
  'file', 'path', 'dir', 'directory', 'location', 'url', 'uri', 'endpoint', 'host', 'name', 'ref', 'id',
  'length', 'len', 'min', 'max', 'count', 'size', 'limit', 'ttl', 'timeout', 'expiry', 'expiration', 'lifetime',
  'seconds', 'secs', 'interval', 'duration', 'header', 'enabled', 'enable', 'disabled', 'required', 'mode', 'type',
  'policy', 'provider', 'source', 'format', 'algorithm', 'prefix', 'suffix', 'version', 'audience', 'issuer', 'scope',
  'scopes', 'field', 'env', 'var', 'user', 'username',
]);

/** Splits `dbPassword`, `DB_PASSWORD`, `db.password-file` into lowercase tokens. */
export function nameTokens(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t !== '');
}

/** Last name tokens that denote a secret only at the end (`DB_PASS`, not `PASS_THROUGH`). */
const SECRET_LAST_WORDS = new Set(['pass', 'pw']);

/** Whether a key / variable name denotes a secret value. */
export function isSecretName(name: string): boolean {
  const tokens = nameTokens(name);
  if (tokens.length === 0 || NOT_A_VALUE.has(tokens[tokens.length - 1])) return false;
  if (SECRET_LAST_WORDS.has(tokens[tokens.length - 1])) return true;
  for (let i = 0; i < tokens.length; i++) {
    if (SECRET_WORDS.has(tokens[i])) return true;
    if (i + 1 < tokens.length && SECRET_PAIRS.has(`${tokens[i]} ${tokens[i + 1]}`)) return true;
  }
  return false;
}

/** Values that are not secrets even under a secret-like name: empty, references, placeholders, paths, booleans. */
export function isPlaceholder(value: string): boolean {
  const v = value.trim().replace(/^(["'])(.*)\1$/, '$2').trim();
  return (
    v === '' ||
    /^(true|false|null|none|~)$/i.test(v) ||
    /^\$\(.+\)$/.test(v) || // Kubernetes env expansion $(OTHER_VAR)
    /^\$\{.+\}$/.test(v) || // ${VAR}
    /^\$__(file|env|vault)\{.+\}$/.test(v) || // Grafana provisioning references
    /^\{\{.+\}\}$/.test(v) || // templates
    /^<.+>$/.test(v) || // <set-me>
    /^\.{0,2}\//.test(v) // a file path
  );
}

/** Value formats that are secrets whatever their name. Certificates (public) are not listed. */
const VALUE_PATTERNS: readonly { readonly what: string; readonly pattern: RegExp }[] = [
  { what: 'a private key (PEM)', pattern: /-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----/ },
  { what: 'an AWS access key id', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { what: 'a bearer token', pattern: /\bBearer[ \t]+[A-Za-z0-9\-._~+/]{8,}=*/ },
  { what: 'a JSON Web Token', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/ },
  { what: 'a GitHub token', pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/ },
  { what: 'a Slack token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
  { what: 'a GitHub token', pattern: /\bgithub_pat_[A-Za-z0-9_]{22,}/ },
  { what: 'a Stripe secret key', pattern: /\b[sr]k_(?:live|test)_[0-9A-Za-z]{10,}/ },
  { what: 'a Google API key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/ },
];

/** `scheme://user:password@host` with a literal password. */
const URL_CREDENTIALS = /[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:([^\s@/]+)@/gi;

/** A `key: value` / `- key: value` / `key = value` / `"key": "value"` assignment on one line of a config file. */
const ASSIGNMENT = /^\s*(?:-\s+)?(?:export\s+)?["']?([A-Za-z0-9_.-]+)["']?\s*[:=]\s*(.*?)\s*,?\s*$/;

/** What kind of secret `value` contains by its format, or undefined. */
export function secretPattern(value: string): string | undefined {
  for (const { what, pattern } of VALUE_PATTERNS) if (pattern.test(value)) return what;
  for (const match of value.matchAll(URL_CREDENTIALS)) if (!isPlaceholder(match[1])) return 'credentials in a URL';
  return undefined;
}

/**
 * A name ending in `KEY` (`STRIPE_KEY`, `SIGNING_KEY`) is a secret only when its
 * value looks like key material: one 16+ character word of letters and digits
 * (base64/hex alphabet). `CACHE_KEY=sessions` or `SORT_KEY=created_at` stay quiet.
 */
function isKeyLike(name: string, value: string): boolean {
  const tokens = nameTokens(name);
  return tokens[tokens.length - 1] === 'key' && /^[A-Za-z0-9+/=_.-]{16,}$/.test(value) && /[0-9]/.test(value) && /[A-Za-z]/.test(value);
}

/**
 * Why `value` (stored under `name`) looks like an inlined secret, or undefined.
 * Multi-line values (config files in a ConfigMap) are also scanned line by line
 * for assignments to secret-like names.
 */
export function detectSecret(name: string, value: string): string | undefined {
  const pattern = secretPattern(value);
  if (pattern) return pattern;
  if (isSecretName(name) && !isPlaceholder(value) && !value.includes('\n')) return `secret-like name ${JSON.stringify(name)}`;
  if (isKeyLike(name, value)) return `key-like value under ${JSON.stringify(name)}`;
  if (!value.includes('\n')) return undefined;
  const lines = value.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^\s*(#|\/\/|;)/.test(line)) continue;
    const m = ASSIGNMENT.exec(line);
    if (m && isSecretName(m[1]) && !isPlaceholder(m[2])) return `line ${i + 1} sets secret-like name ${JSON.stringify(m[1])}`;
  }
  return undefined;
}
