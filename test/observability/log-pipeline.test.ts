/* eslint-disable @typescript-eslint/no-explicit-any */
import { execFileSync, spawnSync } from 'child_process';
import { Chart, Testing } from 'cdk8s';
import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { ElasticsearchSetup, FluentBit, KibanaSetup, ObservabilityStack, Receiver } from '../../lib/observability';
import { tmpDir } from '../helpers';
import { loadDist } from './tools';

/**
 * The log pipeline of issue 13 as emitted in dist/prod/observability: Fluent Bit and
 * Fluentd configs checked for structure and for the options each plugin of the
 * pinned images documents; the setup Jobs' scripts run against a fake curl.
 */
const docs = loadDist('observability');
const find = (kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata.name === name)!;
const cm = (name: string) => find('ConfigMap', name).data as Record<string, string>;
const jobs = docs.filter((d) => d.kind === 'Job');
const jobNamed = (base: string) => jobs.find((j) => j.metadata.labels['app.kubernetes.io/name'] === base)!;
const envOf = (w: any) => Object.fromEntries(w.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));

// ---------------------------------------------------------------- Fluent Bit classic config

interface FbSection {
  readonly name: string;
  readonly entries: [string, string][];
}

/** Parses the classic format: `[SECTION]` headers, then `    Key  Value` lines indented by 4 spaces. */
function parseFluentBit(text: string): FbSection[] {
  const sections: { name: string; entries: [string, string][] }[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const header = /^\[([A-Z]+)\]$/.exec(line);
    if (header) {
      sections.push({ name: header[1], entries: [] });
      continue;
    }
    const entry = /^ {4}(\S+)\s+(\S.*)$/.exec(line);
    if (!entry || sections.length === 0) throw new Error(`line ${i + 1} is neither a section header nor an indented "Key Value": ${JSON.stringify(line)}`);
    sections[sections.length - 1].entries.push([entry[1], entry[2]]);
  }
  return sections;
}
const fbValue = (s: FbSection, key: string) => s.entries.find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
const plugin = (sections: FbSection[], kind: string, name: string) => sections.find((s) => s.name === kind && fbValue(s, 'Name') === name)!;

/**
 * Keys each Fluent Bit 3.1 plugin documents (docs.fluentbit.io/manual/3.1: administration/configuring-fluent-bit
 * classic-mode service section, administration/buffering-and-storage, pipeline/inputs/tail,
 * pipeline/inputs/kubernetes-events, pipeline/filters/kubernetes, pipeline/outputs/forward). Keys are case-insensitive.
 */
const FLUENT_BIT_KEYS: Record<string, readonly string[]> = {
  SERVICE: ['Flush', 'Daemon', 'Log_Level', 'Parsers_File', 'HTTP_Server', 'HTTP_Listen', 'HTTP_Port', 'Health_Check', 'storage.path', 'storage.sync', 'storage.max_chunks_up'],
  'INPUT/tail': ['Name', 'Tag', 'Path', 'Exclude_Path', 'multiline.parser', 'DB', 'Mem_Buf_Limit', 'Skip_Long_Lines', 'Refresh_Interval', 'storage.type'],
  'INPUT/kubernetes_events': ['Name', 'Tag', 'Kube_URL', 'DB', 'storage.type'],
  'FILTER/kubernetes': ['Name', 'Match', 'Kube_URL', 'Kube_Tag_Prefix', 'Merge_Log', 'Keep_Log', 'K8S-Logging.Parser', 'K8S-Logging.Exclude', 'Labels', 'Annotations'],
  'OUTPUT/forward': ['Name', 'Match', 'Host', 'Port', 'Retry_Limit', 'storage.total_limit_size'],
};

function checkFluentBitKeys(sections: FbSection[]): void {
  for (const s of sections) {
    const id = s.name === 'SERVICE' ? 'SERVICE' : `${s.name}/${fbValue(s, 'Name')}`;
    const known = FLUENT_BIT_KEYS[id];
    expect(known, `section ${id}`).toBeDefined();
    const lower = known.map((k) => k.toLowerCase());
    for (const [k] of s.entries) expect(lower, `${id}: ${k}`).toContain(k.toLowerCase());
    const keys = s.entries.map(([k]) => k.toLowerCase());
    expect(new Set(keys).size, `${id} repeats a key`).toBe(keys.length);
  }
}

describe('Fluent Bit DaemonSet config', () => {
  const sections = parseFluentBit(cm('fluent-bit-config')['fluent-bit.conf']);

  it('uses only documented keys, once each', () => {
    expect(sections.map((s) => s.name)).toEqual(['SERVICE', 'INPUT', 'FILTER', 'OUTPUT']);
    checkFluentBitKeys(sections);
  });

  it('adds labels but not annotations to records (item 1: fewer dotted keys, smaller records)', () => {
    const k8s = plugin(sections, 'FILTER', 'kubernetes');
    expect(fbValue(k8s, 'Labels')).toBe('On');
    expect(fbValue(k8s, 'Annotations')).toBe('Off');
  });

  it('buffers on the node filesystem with a bounded size (no DiskPressure)', () => {
    expect(fbValue(sections[0], 'storage.path')).toBe('/state/buffer');
    expect(fbValue(plugin(sections, 'INPUT', 'tail'), 'storage.type')).toBe('filesystem');
    expect(fbValue(plugin(sections, 'OUTPUT', 'forward'), 'storage.total_limit_size')).toBe('2G');
    // ~2 MB per chunk in memory must stay under the container's memory limit
    const limit = find('DaemonSet', 'fluent-bit').spec.template.spec.containers[0].resources.limits.memory;
    expect(Number(fbValue(sections[0], 'storage.max_chunks_up')) * 2).toBeLessThan(parseInt(limit, 10) / 2);
  });
});

describe('Kubernetes events (item 3)', () => {
  const sections = parseFluentBit(cm('kubernetes-events-config')['fluent-bit.conf']);
  const deploy = find('Deployment', 'kubernetes-events');

  it('one Fluent Bit pod (>= 2.2 for the kubernetes_events input) reads events and forwards them to Fluentd', () => {
    checkFluentBitKeys(sections);
    const input = plugin(sections, 'INPUT', 'kubernetes_events');
    expect(fbValue(input, 'Tag')).toBe('kube_events');
    expect(fbValue(plugin(sections, 'OUTPUT', 'forward'), 'Host')).toBe('fluentd.logging.svc');
    const [major, minor] = deploy.spec.template.spec.containers[0].image.split(':').pop().split('.').map(Number);
    expect(major * 100 + minor).toBeGreaterThanOrEqual(202);
    // a DaemonSet would ship every event once per node
    expect(deploy.spec.replicas).toBe(1);
    expect(deploy.spec.strategy).toEqual({ type: 'Recreate' });
    expect(deploy.spec.template.spec.automountServiceAccountToken).toBe(true);
  });

  it('may only read events', () => {
    const role = find('ClusterRole', 'meshforge-kubernetes-events-logging');
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['events'], verbs: ['get', 'list', 'watch'] }]);
    const binding = find('ClusterRoleBinding', 'meshforge-kubernetes-events-logging');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: deploy.spec.template.spec.serviceAccountName, namespace: 'logging' }]);
  });

  it('Fluentd sends the kube_events tag to the events indices, matched before the catch-all', () => {
    const conf = cm('fluentd-config')['fluent.conf'];
    const matches = parseFluentd(conf).filter((d) => d.name === 'match');
    expect(matches.map((m) => m.arg)).toEqual(['kube_events', '**']);
    expect(param(matches[0], 'logstash_prefix')).toBe('logs-events');
  });
});

// ---------------------------------------------------------------- Fluentd config

interface Directive {
  readonly name: string;
  readonly arg: string;
  readonly params: [string, string][];
  readonly children: Directive[];
}

/** Parses Fluentd's config syntax: `<name arg>` ... `</name>` blocks holding `key value` lines; comments dropped. */
function parseFluentd(text: string): Directive[] {
  const root: Directive = { name: 'ROOT', arg: '', params: [], children: [] };
  const stack: Directive[] = [root];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const close = /^<\/(\w+)>$/.exec(line);
    const open = /^<(\w+)(?:\s+([^>]+))?>$/.exec(line);
    if (close) {
      const top = stack.pop()!;
      if (top.name !== close[1]) throw new Error(`line ${i + 1}: </${close[1]}> closes <${top.name}>`);
    } else if (open) {
      const d: Directive = { name: open[1], arg: open[2] ?? '', params: [], children: [] };
      stack[stack.length - 1].children.push(d);
      stack.push(d);
    } else {
      const kv = /^(@?\w+)\s+(.+)$/.exec(line);
      if (!kv || stack.length === 1) throw new Error(`line ${i + 1} is not "key value" inside a directive: ${JSON.stringify(line)}`);
      stack[stack.length - 1].params.push([kv[1], kv[2]]);
    }
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1].name}>`);
  return root.children;
}
const param = (d: Directive, key: string) => d.params.find(([k]) => k === key)?.[1];
const walk = (ds: Directive[]): Directive[] => ds.flatMap((d) => [d, ...walk(d.children)]);

/**
 * Parameters of the plugins in fluent/fluentd-kubernetes-daemonset:v1.17.1-debian-elasticsearch8-1.0
 * (Gemfile.lock: fluentd 1.17.1, fluent-plugin-elasticsearch 5.3.0, fluent-plugin-dedot_filter 1.0.0).
 * Sources: docs.fluentd.org (in_forward, in_monitor_agent, buffer section, system), the
 * fluent-plugin-elasticsearch README and lunardial/fluent-plugin-dedot_filter's README.
 */
const FLUENTD_PARAMS: Record<string, readonly string[]> = {
  system: ['log_level'],
  'source/forward': ['@type', 'port', 'bind'],
  'source/monitor_agent': ['@type', 'port', 'bind'],
  // fluent-plugin-prometheus README (in_prometheus, in_prometheus_output_monitor)
  'source/prometheus': ['@type', 'bind', 'port', 'metrics_path'],
  'source/prometheus_output_monitor': ['@type', 'interval'],
  'filter/dedot': ['@type', 'de_dot', 'de_dot_separator', 'de_dot_nested'],
  'filter/elasticsearch_genid': ['@type', 'hash_id_key'],
  'match/elasticsearch': [
    '@type', 'scheme', 'host', 'port', 'user', 'password', 'verify_es_version_at_startup', 'default_elasticsearch_version', 'logstash_format', 'logstash_prefix',
    'include_tag_key', 'suppress_type_name', 'write_operation', 'id_key', 'remove_keys', 'log_es_400_reason', 'unrecoverable_error_types', 'reconnect_on_error', 'reload_on_failure', 'reload_connections',
  ],
  'buffer/file': ['@type', 'path', 'flush_mode', 'flush_interval', 'flush_thread_count', 'chunk_limit_size', 'total_limit_size', 'overflow_action', 'retry_type', 'retry_wait', 'retry_max_interval', 'retry_forever', 'retry_timeout'],
  label: [],
};

describe('Fluentd config (item 1)', () => {
  const conf = cm('fluentd-config')['fluent.conf'];
  const top = parseFluentd(conf);
  const all = walk(top);
  const outputs = all.filter((d) => d.name === 'match');
  const buffers = all.filter((d) => d.name === 'buffer');

  it('is well formed and every parameter is one its plugin documents', () => {
    for (const d of all) {
      const id = d.name === 'system' || d.name === 'label' ? d.name : `${d.name}/${param(d, '@type')}`;
      expect(FLUENTD_PARAMS[id], id).toBeDefined();
      for (const [k] of d.params) expect(FLUENTD_PARAMS[id], `${id}: ${k}`).toContain(k);
    }
  });

  it('de-dots every key at any depth before any output', () => {
    const dedot = top.find((d) => d.name === 'filter')!;
    expect(top.indexOf(dedot)).toBeLessThan(top.findIndex((d) => d.name === 'match'));
    expect(dedot.arg).toBe('**');
    expect(param(dedot, '@type')).toBe('dedot');
    expect(param(dedot, 'de_dot_nested')).toBe('true');
    expect(param(dedot, 'de_dot_separator')).not.toContain('.');
  });

  it('routes rejected records (@ERROR) to dead-letter indices with a bounded buffer that never blocks live logs', () => {
    const label = top.find((d) => d.name === 'label' && d.arg === '@ERROR')!;
    expect(label).toBeDefined();
    const dl = label.children.find((d) => d.name === 'match' && d.arg === '**')!;
    expect(param(dl, '@type')).toBe('elasticsearch');
    expect(param(dl, 'logstash_prefix')).toBe('deadletter-logs');
    const buf = dl.children.find((d) => d.name === 'buffer')!;
    expect(param(buf, 'overflow_action')).toBe('drop_oldest_chunk');
    expect(param(buf, 'retry_timeout')).toBe('1h');
    expect(param(buf, 'retry_forever')).toBeUndefined();
  });

  it('every buffer is bounded; together they fit in 80 % of the PVC; live outputs block (back-pressure to Fluent Bit)', () => {
    expect(buffers).toHaveLength(3);
    const mb = (v: string) => Number(/^(\d+)MB$/.exec(v)![1]);
    const total = buffers.reduce((sum, b) => sum + mb(param(b, 'total_limit_size')!), 0);
    const pvc = find('StatefulSet', 'fluentd').spec.volumeClaimTemplates[0].spec.resources.requests.storage;
    expect(pvc).toBe('10Gi');
    expect(total).toBeLessThanOrEqual(10 * 1024 * 0.8);
    expect(new Set(buffers.map((b) => param(b, 'path'))).size).toBe(3);
    const live = top.filter((d) => d.name === 'match');
    expect(live).toHaveLength(2);
    for (const m of live) {
      const b = m.children.find((d) => d.name === 'buffer')!;
      expect(param(b, 'overflow_action')).toBe('block');
      expect(param(b, 'retry_forever')).toBe('true');
    }
  });

  it('every create-mode output gets records with an _id (the plugin silently skips create without one)', () => {
    // fluent-plugin-elasticsearch 5.3.0 append_record_to_messages: CREATE_OP is sent only `if meta.has_key?(ID_FIELD)`
    const scopes: [Directive[], Directive[]][] = [[top, top.filter((d) => d.name === 'match')]];
    const label = top.find((d) => d.name === 'label')!;
    scopes.push([label.children, label.children.filter((d) => d.name === 'match')]);
    for (const [scope, matches] of scopes) {
      for (const m of matches) {
        expect(param(m, 'write_operation')).toBe('create');
        const idKey = param(m, 'id_key')!;
        expect(idKey).toBeDefined();
        expect(param(m, 'remove_keys')).toBe(idKey);
        // a genid filter for all tags, before this match in the same scope, fills that key
        const genid = scope.find((d) => d.name === 'filter' && param(d, '@type') === 'elasticsearch_genid' && d.arg === '**')!;
        expect(genid, m.arg).toBeDefined();
        expect(param(genid, 'hash_id_key')).toBe(idKey);
        expect(scope.indexOf(genid)).toBeLessThan(scope.indexOf(m));
      }
    }
  });

  it('writes as the least-privilege writer with op_type create, never as elastic', () => {
    for (const o of outputs) {
      expect(param(o, 'user')).toBe('meshforge-fluentd');
      expect(param(o, 'write_operation')).toBe('create');
      expect(param(o, 'verify_es_version_at_startup')).toBe('false');
      // a busy Elasticsearch (429) is retried instead of dropping the chunk
      expect(JSON.parse(param(o, 'unrecoverable_error_types')!)).toEqual(['out_of_memory_error']);
    }
    expect(envOf(find('StatefulSet', 'fluentd')).ELASTICSEARCH_PASSWORD).toEqual({ secretKeyRef: { name: 'elasticsearch-users', key: 'fluentd-password' } });
  });
});

// ---------------------------------------------------------------- Elasticsearch setup Job

describe('Elasticsearch setup Job (item 1)', () => {
  const files = cm('elasticsearch-setup');
  const json = (name: string) => JSON.parse(files[name]);
  const job = jobNamed('elasticsearch-setup');

  it('index templates: replicas 0 on the single node, ILM, flattened labels, priority above the built-in logs-*-* template', () => {
    const logs = json('template-logs.json');
    expect(logs.index_patterns).toEqual(['logs-*']);
    expect(logs.priority).toBeGreaterThan(100);
    expect(logs.template.settings.index).toEqual({ number_of_replicas: '0', lifecycle: { name: 'meshforge-logs' } });
    expect(logs.template.mappings.properties.kubernetes.properties).toEqual({ labels: { type: 'flattened' }, annotations: { type: 'flattened' } });
    const events = json('template-events.json');
    expect(events.index_patterns).toEqual(['logs-events-*']);
    // logs-events-* also matches logs-*: only the higher priority applies, so it repeats the settings
    expect(events.priority).toBeGreaterThan(logs.priority);
    expect(events.template.settings).toEqual(logs.template.settings);
    expect(events.template.mappings.properties.metadata.properties.managedFields).toEqual({ type: 'object', enabled: false });
    const dead = json('template-deadletter.json');
    expect(dead.index_patterns).toEqual(['deadletter-logs-*']);
    expect(dead.template.mappings.dynamic).toBe(false);
    expect(dead.template.settings).toEqual(logs.template.settings);
    expect(Number(find('StatefulSet', 'elasticsearch').spec.replicas)).toBe(1);
  });

  it('ILM deletes indices after the retention (default 14 days)', () => {
    expect(json('ilm-policy.json').policy.phases).toEqual({ delete: { min_age: '14d', actions: { delete: {} } } });
  });

  it('roles: the writer may only create documents and indices, the reader only read (plus cluster monitor)', () => {
    const names = ['logs-*', 'deadletter-logs-*'];
    expect(json('role-writer.json')).toMatchObject({ cluster: ['monitor'], indices: [{ names, privileges: ['create_doc', 'create_index'] }] });
    expect(json('role-reader.json')).toMatchObject({ cluster: ['monitor'], indices: [{ names, privileges: ['read', 'view_index_metadata'] }] });
  });

  it('the Job is restricted, pinned, named after its config checksum and never deleted by a TTL', () => {
    expect(job.metadata.name).toBe(`elasticsearch-setup-${job.metadata.annotations['checksum/config'].slice(0, 10)}`);
    expect(job.spec.ttlSecondsAfterFinished).toBeUndefined();
    expect(job.spec.backoffLimit).toBeGreaterThan(0);
    const pod = job.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.containers[0].image).toMatch(/^docker\.io\/curlimages\/curl:\d+\.\d+\.\d+$/);
    expect(pod.containers[0].securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(pod.volumes[0].configMap.name).toBe('elasticsearch-setup');
    const env = envOf(job);
    expect(env.AUTH_PASSWORD).toEqual({ secretKeyRef: { name: 'elasticsearch-credentials', key: 'elastic-password' } });
    // the reader is optional: a missing grafana-password skips that user, the Job still runs
    expect(env.READER_PASSWORD).toEqual({ secretKeyRef: { name: 'elasticsearch-users', key: 'grafana-password', optional: true } });
    expect(env.WRITER_PASSWORD.secretKeyRef.optional).toBeUndefined();
  });

  it('the script is valid POSIX sh', () => {
    execFileSync('sh', ['-n', '-c', files['setup.sh']]);
  });

  it('run against a fake Elasticsearch: waits, then templates before users, JSON bodies with awkward passwords intact', () => {
    const password = 'p"a\\ss w:rd$(x)';
    const r = runScript(files, { AUTH_USER: 'elastic', AUTH_PASSWORD: 'el"as\\tic', WRITER_PASSWORD: password, READER_PASSWORD: 'reader', KIBANA_SYSTEM_PASSWORD: 'kib' }, { down: 2 });
    expect(r.status, r.output).toBe(0);
    expect(r.auth).toBe('user = "elastic:el\\"as\\\\tic"\n');
    const calls = r.calls.filter((c) => c.method !== 'WAIT');
    expect(r.calls.filter((c) => c.method === 'WAIT')).toHaveLength(3);
    expect(calls.map((c) => `${c.method} ${c.url.replace('http://elasticsearch.logging.svc:9200', '')}`)).toEqual([
      'PUT /_ilm/policy/meshforge-logs',
      'PUT /_index_template/meshforge-logs',
      'PUT /_index_template/meshforge-logs-events',
      'PUT /_index_template/meshforge-deadletter-logs',
      'PUT /logs-*,deadletter-logs-*/_settings?allow_no_indices=true&expand_wildcards=open',
      'PUT /_security/role/meshforge-logs-writer',
      'PUT /_security/role/meshforge-logs-reader',
      'PUT /_security/user/meshforge-fluentd',
      'PUT /_security/user/meshforge-grafana',
      'POST /_security/user/kibana_system/_password',
    ]);
    for (const c of calls) JSON.parse(c.body);
    expect(JSON.parse(calls[7].body)).toEqual({ password, roles: ['meshforge-logs-writer'] });
    expect(JSON.parse(calls[9].body)).toEqual({ password: 'kib' });
  });

  it('without the optional reader password it skips that user; a refused call fails the attempt with the answer', () => {
    const ok = runScript(files, { AUTH_USER: 'elastic', AUTH_PASSWORD: 'x', WRITER_PASSWORD: 'w', KIBANA_SYSTEM_PASSWORD: 'k' });
    expect(ok.status).toBe(0);
    expect(ok.calls.map((c) => c.url)).not.toContain('http://elasticsearch.logging.svc:9200/_security/user/meshforge-grafana');
    expect(ok.output).toContain('meshforge-grafana not created');
    const bad = runScript(files, { AUTH_USER: 'elastic', AUTH_PASSWORD: 'x', WRITER_PASSWORD: 'w', KIBANA_SYSTEM_PASSWORD: 'k' }, { fail: '_index_template/meshforge-logs-events' });
    expect(bad.status).not.toBe(0);
    expect(bad.output).toContain('failed: HTTP 400: {"error":"fake"}');
    expect(bad.calls.some((c) => c.url.includes('_security/user'))).toBe(false);
  });
});

// ---------------------------------------------------------------- Kibana (item 2)

describe('Kibana: kibana_system login and data views (item 2)', () => {
  const files = cm('kibana-setup');
  const job = jobNamed('kibana-setup');

  it('Kibana logs in as kibana_system with the password the setup Job sets (no file-based token)', () => {
    const env = envOf(find('Deployment', 'kibana'));
    expect(env.ELASTICSEARCH_USERNAME).toBe('kibana_system');
    expect(env.ELASTICSEARCH_PASSWORD).toEqual({ secretKeyRef: { name: 'elasticsearch-users', key: 'kibana-system-password' } });
    expect(env.ELASTICSEARCH_SERVICEACCOUNTTOKEN).toBeUndefined();
    expect(envOf(jobNamed('elasticsearch-setup')).KIBANA_SYSTEM_PASSWORD).toEqual(env.ELASTICSEARCH_PASSWORD);
  });

  it('the data-view Job posts idempotent data views (override, stable ids) for logs, events and dead letters', () => {
    expect(job.metadata.name).toMatch(/^kibana-setup-[0-9a-f]{10}$/);
    const r = runScript(files, { AUTH_USER: 'elastic', AUTH_PASSWORD: 'x' }, { down: 1 });
    expect(r.status, r.output).toBe(0);
    expect(r.calls[0]).toMatchObject({ method: 'WAIT', url: 'http://kibana.logging.svc:5601/api/status' });
    const posts = r.calls.filter((c) => c.method === 'POST');
    expect(posts.every((c) => c.url === 'http://kibana.logging.svc:5601/api/data_views/data_view')).toBe(true);
    expect(posts.map((c) => JSON.parse(c.body))).toEqual([
      { data_view: { id: 'meshforge-logs', name: 'Logs', title: 'logs-*', timeFieldName: '@timestamp' }, override: true },
      { data_view: { id: 'meshforge-logs-events', name: 'Kubernetes events', title: 'logs-events-*', timeFieldName: '@timestamp' }, override: true },
      { data_view: { id: 'meshforge-deadletter-logs', name: 'Rejected log records (dead letters)', title: 'deadletter-logs-*', timeFieldName: '@timestamp' }, override: true },
    ]);
    // Kibana refuses API writes without kbn-xsrf
    expect(files['setup.sh']).toContain("-H 'kbn-xsrf: meshforge'");
  });
});

// ---------------------------------------------------------------- Secrets (items 1, 4)

describe('Secrets', () => {
  it('nothing but the setup Jobs and Elasticsearch itself uses the elastic superuser', () => {
    const users = docs
      .filter((d) => ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(d.kind))
      .filter((w) => w.spec.template.spec.containers.some((c: any) => (c.env ?? []).some((e: any) => e.valueFrom?.secretKeyRef?.key === 'elastic-password')))
      .map((w) => w.metadata.labels['app.kubernetes.io/name'])
      .sort();
    expect(users).toEqual(['elasticsearch', 'elasticsearch-setup', 'kibana-setup']);
    const grafanaDs = docs.find((d) => d.kind === 'ConfigMap' && d.data?.['datasources.yaml'])!.data['datasources.yaml'];
    expect(grafanaDs).toContain('basicAuthUser: meshforge-grafana');
  });

  it("Grafana's Elasticsearch password is optional: Grafana starts without it (item 4)", () => {
    expect(envOf(find('StatefulSet', 'grafana')).ELASTICSEARCH_PASSWORD).toEqual({ secretKeyRef: { name: 'elasticsearch-grafana', key: 'password', optional: true } });
  });
});

// ---------------------------------------------------------------- options

describe('log pipeline options', () => {
  const chart = () => new Chart(Testing.app(), 'test');
  const stack = (logging: any) => {
    const c = chart();
    new ObservabilityStack(c, 'obs', { alertmanager: { receivers: [Receiver.webhook('ops', { url: 'http://hook.monitoring.svc:8080/', external: true })] }, logging });
    return Testing.synth(c) as any[];
  };
  const setupFiles = (objs: any[]) => objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'elasticsearch-setup').data;

  it('retentionDays sets the ILM delete age and renames the Job (Flux re-runs it)', () => {
    const a = stack({});
    const b = stack({ setup: { retentionDays: 30 } });
    expect(JSON.parse(setupFiles(b)['ilm-policy.json']).policy.phases.delete.min_age).toBe('30d');
    const name = (objs: any[]) => objs.find((o) => o.kind === 'Job' && o.metadata.name.startsWith('elasticsearch-setup-')).metadata.name;
    expect(name(a)).not.toBe(name(b));
  });

  it('replicas follow the data nodes; the index prefix reaches Fluentd, templates, roles, Grafana and the data views', () => {
    const c = chart();
    new ElasticsearchSetup(c, 'es', { dataNodes: 3, indexPrefix: 'k8s' });
    const files = (Testing.synth(c) as any[]).find((o) => o.kind === 'ConfigMap').data;
    expect(JSON.parse(files['template-logs.json']).template.settings.index.number_of_replicas).toBe('1');
    const objs = stack({ fluentd: { indexPrefix: 'k8s' } });
    const s = setupFiles(objs);
    expect(JSON.parse(s['role-writer.json']).indices[0].names).toEqual(['k8s-*', 'deadletter-k8s-*']);
    expect(objs.find((o) => o.metadata.name === 'fluentd-config').data['fluent.conf']).toContain('logstash_prefix deadletter-k8s');
    expect(objs.find((o) => o.metadata.name === 'grafana-datasources').data['datasources.yaml']).toContain('index: k8s-*');
    expect(JSON.parse(objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'kibana-setup').data['data-view-0.json']).data_view.title).toBe('k8s-*');
  });

  it('events: false leaves the collector out; annotations: true turns them on; storageLimit reaches the output', () => {
    const objs = stack({ events: false, fluentBit: { annotations: true, storageLimit: '500M' } });
    expect(objs.find((o) => o.metadata.name === 'kubernetes-events')).toBeUndefined();
    const conf = objs.find((o) => o.metadata.name === 'fluent-bit-config').data['fluent-bit.conf'];
    expect(conf).toMatch(/Annotations\s+On/);
    expect(conf).toMatch(/storage\.total_limit_size 500M/);
  });

  it('bad values fail with exact messages', () => {
    expect(() => new FluentBit(chart(), 'fb', { storageLimit: '2GB' })).toThrowError(
      '[test/fb] invalid storage limit; field: storageLimit; value: "2GB"; expected: a whole number with unit K, M or G (Fluent Bit size), e.g. "2G"',
    );
    expect(() => new ElasticsearchSetup(chart(), 'es', { retentionDays: 0 })).toThrowError('[test/es] value out of range; field: retentionDays; value: 0; expected: a number from 1 to 3650');
    expect(() => new ElasticsearchSetup(chart(), 'es', { retentionDays: 1.5 })).toThrowError(
      '[test/es] retention must be whole days; field: retentionDays; value: 1.5; expected: a whole number of days from 1 to 3650',
    );
    expect(() => new KibanaSetup(chart(), 'k', { kibanaUrl: 'kibana:5601' })).toThrowError(/^\[test\/k\] .*field: kibanaUrl/);
  });
});

// ---------------------------------------------------------------- fake curl

interface Call {
  readonly method: string;
  readonly url: string;
  readonly body: string;
}

/** A curl stand-in: records each call; `FAKE_DOWN` first calls fail to connect; URLs containing `FAKE_FAIL` answer 400. */
const FAKE_CURL = `#!/bin/sh
out=""; method=GET; data=""; url=""; auth=""; w=""
while [ $# -gt 0 ]; do
  case "$1" in
    -o) out="$2"; shift 2 ;;
    -K) auth="$2"; shift 2 ;;
    -X) method="$2"; shift 2 ;;
    -H) shift 2 ;;
    -w) w="$2"; shift 2 ;;
    --data-binary) data="\${2#@}"; shift 2 ;;
    -*) shift ;;
    *) url="$1"; shift ;;
  esac
done
n=$(cat "$FAKE_DIR/count" 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" > "$FAKE_DIR/count"
[ -z "$w" ] && method=WAIT
printf '%s %s\\n' "$method" "$url" > "$FAKE_DIR/call-$(printf '%03d' "$n")"
[ -n "$data" ] && cat "$data" >> "$FAKE_DIR/call-$(printf '%03d' "$n")"
cp "$auth" "$FAKE_DIR/auth"
if [ "$n" -le "\${FAKE_DOWN:-0}" ]; then exit 7; fi
code=200
case "$url" in *"\${FAKE_FAIL:-@none@}"*) code=400 ;; esac
[ -n "$out" ] && echo '{"error":"fake"}' > "$out"
if [ -n "$w" ]; then printf '%s' "$code"; exit 0; fi
[ "$code" -ge 400 ] && exit 22
exit 0
`;

/** Runs a setup ConfigMap's `setup.sh` with the fake curl (and a no-op sleep), its /setup and /tmp moved to a temp dir. */
function runScript(files: Record<string, string>, env: Record<string, string>, fake: { down?: number; fail?: string } = {}) {
  const dir = tmpDir();
  for (const sub of ['bin', 'setup', 'tmp', 'fake']) fs.mkdirSync(path.join(dir, sub));
  fs.writeFileSync(path.join(dir, 'bin/curl'), FAKE_CURL, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'bin/sleep'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  for (const [k, v] of Object.entries(files)) fs.writeFileSync(path.join(dir, 'setup', k), v);
  // one pass: the temp dir itself lives under /tmp/
  const script = files['setup.sh'].replace(/\/(setup|tmp)\//g, (_m, d) => `${dir}/${d}/`);
  const r = spawnSync('sh', ['-c', script], {
    env: { PATH: `${dir}/bin:${process.env.PATH}`, FAKE_DIR: `${dir}/fake`, FAKE_DOWN: String(fake.down ?? 0), ...(fake.fail ? { FAKE_FAIL: fake.fail } : {}), ...env },
    encoding: 'utf8',
  });
  const callFiles = fs.readdirSync(path.join(dir, 'fake')).filter((f) => f.startsWith('call-')).sort();
  const calls: Call[] = callFiles.map((f) => {
    const text = fs.readFileSync(path.join(dir, 'fake', f), 'utf8');
    const nl = text.indexOf('\n');
    const [method, url] = text.slice(0, nl).split(' ');
    return { method, url, body: text.slice(nl + 1) };
  });
  const authFile = path.join(dir, 'fake', 'auth');
  return { status: r.status, output: `${r.stdout}${r.stderr}`, calls, auth: fs.existsSync(authFile) ? fs.readFileSync(authFile, 'utf8') : '' };
}
