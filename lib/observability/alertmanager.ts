import { ApiObject, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { MeshforgeError } from '../validation/meshforge-error';
import { Receiver } from './alertmanager-receiver';
import { IMAGES, ResourceProps, configChecksum, SecretKeyRef, httpProbe, restrictedContainer, restrictedPod, selectorLabels, standardLabels, toResources, toYaml, podLabels, singleReplica } from './common';
import { checkDnsLabel, checkDuration, checkImage, checkUrl } from './validators';
import { WeChatRobotAdapter } from './wechat-robot-adapter';

/** A child route of the route tree. */
export interface AlertRoute {
  /** Receiver name (must be added with `addReceiver`). */
  readonly receiver: string;
  /**
   * Matchers in Alertmanager syntax, one per entry: a label name, an operator
   * (`=`, `!=`, `=~`, `!~`) and a value, unquoted (`severity=critical`,
   * `namespace=~shop|payments`) or double-quoted (`severity="critical"`).
   * Unquoted values may not contain whitespace, quotes, commas, braces, `!`, `=`,
   * `~` or `\`: quote those (Alertmanager 0.27's parser reads them differently).
   * An empty value is written `""`.
   */
  readonly matchers: readonly string[];
  /** Keep evaluating sibling routes after a match. @default false */
  readonly continue?: boolean;
  /** @default - inherited from the root route */
  readonly groupWait?: string;
  /** @default - inherited */
  readonly groupInterval?: string;
  /** @default - inherited */
  readonly repeatInterval?: string;
}

/** An inhibit rule: alerts matching `source` mute alerts matching `target` with equal `equal` labels. */
export interface InhibitRule {
  /** Matchers of the muting alert (same syntax as `AlertRoute.matchers`). */
  readonly sourceMatchers: readonly string[];
  /** Matchers of the muted alert. */
  readonly targetMatchers: readonly string[];
  /** Labels that must be equal in source and target. */
  readonly equal: readonly string[];
}

/** Where the always-firing `Watchdog` alert goes: a dead-man's-switch service. */
export interface DeadMansSwitch {
  /**
   * Receiver of a service that pages when Watchdog notifications stop
   * (healthchecks.io, Dead Man's Snitch, PagerDuty/Opsgenie heartbeats); added
   * like any receiver.
   */
  readonly receiver: Receiver;
  /** How often Watchdog is re-sent (also its group_interval); keep it below the service's timeout. @default "1m" */
  readonly repeatInterval?: string;
}

export interface AlertmanagerProps {
  /** @default "monitoring" */
  readonly namespace?: string;
  /** @default IMAGES.alertmanager (quay.io/prometheus/alertmanager:v0.27.0) */
  readonly image?: string;
  /** Receivers. More with `addReceiver`. @default [] */
  readonly receivers?: readonly Receiver[];
  /** Receiver of the root route. @default - the first receiver added */
  readonly defaultReceiver?: string;
  /** @default ["alertname", "namespace"] */
  readonly groupBy?: readonly string[];
  /** @default "30s" */
  readonly groupWait?: string;
  /** @default "5m" */
  readonly groupInterval?: string;
  /** @default "4h" */
  readonly repeatInterval?: string;
  /** Child routes. More with `addRoute`. @default [] */
  readonly routes?: readonly AlertRoute[];
  /**
   * Inhibit rules.
   * @default - a critical alert mutes the warning of the same alertname and namespace
   */
  readonly inhibitRules?: readonly InhibitRule[];
  /**
   * The dead-man's switch: the first route sends `Watchdog` (and only it) there
   * every `repeatInterval`.
   * @default - Watchdog goes to the built-in null receiver "watchdog-null": nothing notices a dead pipeline
   */
  readonly deadMansSwitch?: DeadMansSwitch;
  /** Image of the adapters deployed for WeChat Work robot receivers. @default IMAGES.wechatRobotAdapter (docker.io/feiyu563/prometheus-alert:v4.9.1) */
  readonly wechatRobotAdapterImage?: string;
  /** PVC size for silences and notification log. @default "1Gi" */
  readonly storageSize?: string;
  /** @default { cpuRequest: "50m", memoryRequest: "128Mi", cpuLimit: "500m" } */
  readonly resources?: ResourceProps;
}

/**
 * One matcher as both Alertmanager parsers read it alike (0.25's classic parser,
 * 0.27's UTF-8 parser with its classic fallback): name, operator, then a
 * double-quoted value with `\` escapes or an unquoted value without reserved characters.
 */
const MATCHER = /^\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=~|!~|!=|=)\s*(?:"(?:[^"\\]|\\.)*"|[^\s{}!=~,\\"'`]+)\s*$/;
const MATCHER_EXPECTED =
  'a label name, an operator (=, !=, =~, !~) and a value, unquoted without whitespace, quotes, commas, braces, "!", "=", "~" or "\\" (severity=critical) or double-quoted (namespace=~"shop|payments")';
const SECRETS_DIR = '/etc/alertmanager/secrets';
const RENDERED_DIR = '/etc/alertmanager/rendered';
const TEMPLATE_DIR = '/etc/alertmanager/template';
/** Receiver of the Watchdog route when no dead-man's switch is configured. */
const WATCHDOG_NULL = 'watchdog-null';

/**
 * Alertmanager: route tree, inhibit rules and receivers (webhook, e-mail,
 * WeChat, WeChat Work group robot via an adapter) with every secret read from
 * a referenced Kubernetes Secret, as a file.
 *
 * @see https://prometheus.io/docs/alerting/0.27/configuration/
 */
export class Alertmanager extends Construct {
  public readonly namespace: string;
  public readonly serviceName = 'alertmanager';
  public readonly port = 9093;
  public readonly image: string;
  private readonly receivers: Receiver[] = [];
  private readonly routes: AlertRoute[] = [];
  private readonly adapters = new Map<string, WeChatRobotAdapter>();
  private readonly props: AlertmanagerProps;
  private configMap?: k8s.KubeConfigMap;

  constructor(scope: Construct, id: string, props: AlertmanagerProps = {}) {
    super(scope, id);
    this.props = props;
    const path = this.node.path;
    this.namespace = checkDnsLabel(path, 'namespace', props.namespace ?? 'monitoring');
    this.image = checkImage(path, 'image', props.image ?? IMAGES.alertmanager);
    checkDuration(path, 'groupWait', props.groupWait ?? '30s');
    checkDuration(path, 'groupInterval', props.groupInterval ?? '5m');
    checkDuration(path, 'repeatInterval', props.repeatInterval ?? '4h');
    for (const r of props.receivers ?? []) this.addReceiver(r);
    if (props.deadMansSwitch) {
      this.addReceiver(props.deadMansSwitch.receiver);
      checkDuration(path, 'deadMansSwitch.repeatInterval', props.deadMansSwitch.repeatInterval ?? '1m');
    }
    for (const r of props.routes ?? []) this.addRoute(r);
    (props.inhibitRules ?? []).forEach((rule, i) => {
      rule.sourceMatchers.forEach((m, k) => this.checkMatcher(`inhibitRules[${i}].sourceMatchers[${k}]`, m));
      rule.targetMatchers.forEach((m, k) => this.checkMatcher(`inhibitRules[${i}].targetMatchers[${k}]`, m));
    });
    this.node.addValidation({ validate: () => this.validateTree() });

    const labels = standardLabels('alertmanager', 'monitoring', this.image);
    const meta = (name: string) => ({ name, namespace: this.namespace, labels });
    const sa = new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: meta('alertmanager'), automountServiceAccountToken: false });
    const config = new k8s.KubeConfigMap(this, 'Config', {
      metadata: meta('alertmanager-config'),
      data: Lazy.any({ produce: () => ({ 'alertmanager.yml': this.configYaml() }) }),
    });
    this.configMap = config;
    if (this.wechatSecrets().length > 0) this.annotatePlaceholders();
    new k8s.KubeService(this, 'Service', {
      metadata: { ...meta(this.serviceName), annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(this.port) } },
      // headless: it governs the StatefulSet (serviceName), which needs per-pod DNS; the port is the container's
      spec: { clusterIp: 'None', selector: selectorLabels('alertmanager'), ports: [{ name: 'http-web', port: this.port, targetPort: k8s.IntOrString.fromString('web') }] },
    });

    const needsRender = () => this.wechatSecrets().length > 0;
    // Alertmanager reads credential files when it notifies, not when it loads its config:
    // a missing Secret only fails that receiver, so it is optional. The WeChat API secret is
    // rendered into the config at start and stays required (an empty api_secret fails the load).
    const secretVolumes = () =>
      this.secretNames().map((name) => {
        const required = this.wechatSecrets().some((s) => s.name === name);
        return { name: `secret-${name}`, secret: { secretName: name, defaultMode: 0o440, ...(required ? {} : { optional: true }) } };
      });
    const secretMounts = (names = this.secretNames()) => names.map((name) => ({ name: `secret-${name}`, mountPath: `${SECRETS_DIR}/${name}`, readOnly: true }));
    const resources = toResources(props.resources ?? { cpuRequest: '50m', memoryRequest: '128Mi', cpuLimit: '500m' });

    new k8s.KubeStatefulSet(this, 'Resource', {
      metadata: { ...meta('alertmanager'), annotations: singleReplica('one Alertmanager: the stack configures no cluster peers (--cluster.*), and unclustered replicas would each send every notification') },
      spec: {
        serviceName: this.serviceName,
        replicas: 1,
        selector: { matchLabels: selectorLabels('alertmanager') },
        template: {
          metadata: { labels: podLabels(labels), annotations: Lazy.any({ produce: () => ({ 'checksum/config': configChecksum({ 'alertmanager.yml': this.configYaml() }) }) }) },
          spec: {
            serviceAccountName: sa.name,
            automountServiceAccountToken: false,
            securityContext: restrictedPod(65534),
            initContainers: Lazy.any({
              produce: () =>
                needsRender()
                  ? [
                      {
                        // Alertmanager has no api_secret_file for WeChat: copy the secret into a
                        // config on an in-memory volume at start; Git only holds the placeholder.
                        name: 'render-config',
                        image: this.image,
                        command: ['/bin/sh', '-c', this.renderScript()],
                        resources,
                        securityContext: restrictedContainer(),
                        volumeMounts: [
                          { name: 'config', mountPath: TEMPLATE_DIR, readOnly: true },
                          { name: 'rendered', mountPath: RENDERED_DIR },
                          ...secretMounts(),
                        ],
                      },
                    ]
                  : undefined,
            }),
            containers: [
              {
                name: 'alertmanager',
                image: this.image,
                args: Lazy.any({
                  produce: () => [
                    `--config.file=${needsRender() ? RENDERED_DIR : TEMPLATE_DIR}/alertmanager.yml`,
                    '--storage.path=/alertmanager',
                    `--web.listen-address=:${this.port}`,
                    // Single replica: gossip clustering off.
                    '--cluster.listen-address=',
                  ],
                }),
                ports: [{ name: 'web', containerPort: this.port }],
                resources,
                securityContext: restrictedContainer(),
                readinessProbe: httpProbe('/-/ready', 'web', 5, 10),
                livenessProbe: httpProbe('/-/healthy', 'web', 15, 15),
                volumeMounts: Lazy.any({
                  produce: () => [
                    { name: 'config', mountPath: TEMPLATE_DIR, readOnly: true },
                    ...(needsRender() ? [{ name: 'rendered', mountPath: RENDERED_DIR, readOnly: true }] : []),
                    // The WeChat API secret is only read by the init container.
                    ...secretMounts(this.fileSecretNames()),
                    { name: 'data', mountPath: '/alertmanager' },
                  ],
                }),
              },
            ],
            volumes: Lazy.any({
              produce: () => [
                { name: 'config', configMap: { name: config.name } },
                ...(needsRender() ? [{ name: 'rendered', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('1Mi') } }] : []),
                ...secretVolumes(),
              ],
            }),
          },
        },
        volumeClaimTemplates: [
          { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: k8s.Quantity.fromString(props.storageSize ?? '1Gi') } } } },
        ],
      },
    });
  }

  /** `host:port` of the Alertmanager Service, for Prometheus' alerting block. */
  public get target(): string {
    return `${this.serviceName}.${this.namespace}.svc:${this.port}`;
  }

  /** Adds a receiver; its fields are checked now. */
  public addReceiver(receiver: Receiver): this {
    const path = this.node.path;
    const field = `receivers[${receiver.name}]`;
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(receiver.name)) {
      throw new MeshforgeError('invalid receiver name', { code: 'INVALID_RECEIVER', path, field: 'receivers', value: receiver.name, expected: 'letters, digits, "_", "." and "-"' });
    }
    if (this.receivers.some((r) => r.name === receiver.name) || receiver.name === WATCHDOG_NULL) {
      throw new MeshforgeError('duplicate receiver name', { code: 'DUPLICATE_RECEIVER', path, field: 'receivers', value: receiver.name, expected: `each receiver name once, never the reserved "${WATCHDOG_NULL}"` });
    }
    const k = receiver.kind;
    if (k.type === 'webhook') checkUrl(path, `${field}.url`, k.options.url);
    if (k.type === 'email') {
      const o = k.options;
      for (const [f, v] of [['to', o.to], ['from', o.from]] as const) {
        if (!v || v.split(',').some((a) => !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(a.trim()))) {
          throw new MeshforgeError('invalid e-mail address', { code: 'INVALID_RECEIVER', path, field: `${field}.${f}`, value: v, expected: 'one or more comma-separated addresses like "oncall@example.com"' });
        }
      }
      if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(o.smarthost ?? '')) {
        throw new MeshforgeError('invalid SMTP smarthost', { code: 'INVALID_RECEIVER', path, field: `${field}.smarthost`, value: o.smarthost, expected: 'a "host:port" such as "smtp.example.com:587"' });
      }
      if ((o.authUsername === undefined) !== (o.authPasswordSecret === undefined)) {
        throw new MeshforgeError('SMTP username and password secret go together', { code: 'INVALID_RECEIVER', path, field: `${field}.authPasswordSecret`, value: o.authPasswordSecret ?? null, expected: 'both authUsername and authPasswordSecret, or neither' });
      }
    }
    if (k.type === 'wechat') {
      for (const [f, v] of [['corpId', k.options.corpId], ['agentId', k.options.agentId]] as const) {
        if (!v || !/^[A-Za-z0-9_-]+$/.test(v)) {
          throw new MeshforgeError('invalid WeChat setting', { code: 'INVALID_RECEIVER', path, field: `${field}.${f}`, value: v, expected: 'a non-empty ID (letters, digits, "_", "-")' });
        }
      }
      if (k.options.apiUrl !== undefined) checkUrl(path, `${field}.apiUrl`, k.options.apiUrl);
    }
    for (const ref of [...receiverSecrets(receiver), ...(k.type === 'wechat-robot' ? [k.options.robotKeySecret] : [])]) {
      if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(ref.name) || !/^[-._a-zA-Z0-9]+$/.test(ref.key)) {
        throw new MeshforgeError('invalid secret reference', { code: 'INVALID_SECRET_REF', path, field, value: ref, expected: 'an existing Secret name (DNS subdomain) and key' });
      }
    }
    if (k.type === 'wechat-robot') {
      const o = k.options.adapter ?? {};
      const name = o.name ?? `wechat-robot-${receiver.name.toLowerCase().replace(/[^a-z0-9-]+/g, '-')}`.slice(0, 63).replace(/-+$/, '');
      this.adapters.set(
        receiver.name,
        new WeChatRobotAdapter(this, `WeChatRobot-${receiver.name}`, {
          name,
          namespace: this.namespace,
          robotKeySecret: k.options.robotKeySecret,
          clientPodLabels: selectorLabels('alertmanager'),
          image: o.image ?? this.props.wechatRobotAdapterImage,
          resources: o.resources,
        }),
      );
    }
    this.receivers.push(receiver);
    if (k.type === 'wechat') this.annotatePlaceholders();
    return this;
  }

  /** Adds a child route under the root route. */
  public addRoute(route: AlertRoute): this {
    const field = `routes[${this.routes.length}]`;
    if (route.matchers.length === 0) {
      throw new MeshforgeError('route has no matchers', { code: 'INVALID_ROUTE', path: this.node.path, field: `${field}.matchers`, value: [], expected: 'at least one matcher such as severity="critical"' });
    }
    route.matchers.forEach((m, k) => this.checkMatcher(`${field}.matchers[${k}]`, m));
    for (const f of ['groupWait', 'groupInterval', 'repeatInterval'] as const) if (route[f] !== undefined) checkDuration(this.node.path, `${field}.${f}`, route[f]!);
    this.routes.push(route);
    return this;
  }

  /** The generated `alertmanager.yml` as an object (WeChat secrets as placeholders). */
  public config(): Record<string, unknown> {
    const p = this.props;
    const smtpRequireTls = (o: { requireTls?: boolean }) => o.requireTls ?? true;
    const receivers = this.receivers.map((r) => {
      const k = r.kind;
      switch (k.type) {
        case 'webhook':
          return {
            name: r.name,
            webhook_configs: [
              {
                url: k.options.url,
                send_resolved: k.options.sendResolved ?? true,
                ...(k.options.bearerTokenSecret ? { http_config: { authorization: { type: 'Bearer', credentials_file: secretPath(k.options.bearerTokenSecret) } } } : {}),
              },
            ],
          };
        case 'wechat-robot':
          // The key lives in the adapter's Secret; the URL carries only channel and template.
          return { name: r.name, webhook_configs: [{ url: this.adapters.get(r.name)!.webhookUrl, send_resolved: k.options.sendResolved ?? true }] };
        case 'email': {
          const o = k.options;
          return {
            name: r.name,
            email_configs: [
              {
                to: o.to,
                from: o.from,
                smarthost: o.smarthost,
                require_tls: smtpRequireTls(o),
                send_resolved: o.sendResolved ?? false,
                ...(o.authUsername ? { auth_username: o.authUsername, auth_password_file: secretPath(o.authPasswordSecret!) } : {}),
              },
            ],
          };
        }
        case 'wechat': {
          const o = k.options;
          const to = o.toParty || o.toUser || o.toTag ? {} : { to_user: '@all' };
          return {
            name: r.name,
            wechat_configs: [
              {
                api_url: o.apiUrl ?? 'https://qyapi.weixin.qq.com/cgi-bin/',
                corp_id: o.corpId,
                agent_id: o.agentId,
                api_secret: placeholder(o.apiSecret),
                ...(o.toParty ? { to_party: o.toParty } : {}),
                ...(o.toUser ? { to_user: o.toUser } : {}),
                ...(o.toTag ? { to_tag: o.toTag } : {}),
                ...to,
                send_resolved: o.sendResolved ?? false,
              },
            ],
          };
        }
        default:
          return { name: r.name };
      }
    });
    const dms = p.deadMansSwitch;
    const dmsInterval = dms?.repeatInterval ?? '1m';
    // First route, no `continue`: Watchdog reaches the dead-man's switch and nothing else.
    const watchdogRoute = dms
      ? { receiver: dms.receiver.name, matchers: ['alertname="Watchdog"'], group_wait: '0s', group_interval: dmsInterval, repeat_interval: dmsInterval }
      : { receiver: WATCHDOG_NULL, matchers: ['alertname="Watchdog"'] };
    if (!dms) receivers.push({ name: WATCHDOG_NULL });
    const inhibit = p.inhibitRules ?? [{ sourceMatchers: ['severity="critical"'], targetMatchers: ['severity="warning"'], equal: ['alertname', 'namespace'] }];
    return {
      route: {
        receiver: this.defaultReceiver() ?? '',
        group_by: [...(p.groupBy ?? ['alertname', 'namespace'])],
        group_wait: p.groupWait ?? '30s',
        group_interval: p.groupInterval ?? '5m',
        repeat_interval: p.repeatInterval ?? '4h',
        routes: [
          watchdogRoute,
          ...this.routes.map((r) => ({
            receiver: r.receiver,
            matchers: [...r.matchers],
            ...(r.continue ? { continue: true } : {}),
            ...(r.groupWait ? { group_wait: r.groupWait } : {}),
            ...(r.groupInterval ? { group_interval: r.groupInterval } : {}),
            ...(r.repeatInterval ? { repeat_interval: r.repeatInterval } : {}),
          })),
        ],
      },
      inhibit_rules: inhibit.map((i) => ({ source_matchers: [...i.sourceMatchers], target_matchers: [...i.targetMatchers], equal: [...i.equal] })),
      receivers,
    };
  }

  /** The generated `alertmanager.yml` text, exactly as written into the ConfigMap. */
  public configYaml(): string {
    return toYaml(this.config());
  }

  private defaultReceiver(): string | undefined {
    return this.props.defaultReceiver ?? this.receivers[0]?.name;
  }

  private validateTree(): string[] {
    // Same shape as a thrown MeshforgeError (field, value, expected); the synth
    // pipeline prefixes the construct path.
    const errors: string[] = [];
    const names = this.receivers.map((r) => r.name);
    const oneOf = `one of ${names.map((n) => JSON.stringify(n)).join(', ')}`;
    const unknown = (field: string, value: string) =>
      errors.push(new MeshforgeError('receiver is not defined', { code: 'UNKNOWN_RECEIVER', field, value, expected: oneOf }).detail);
    if (names.length === 0) {
      errors.push(new MeshforgeError('Alertmanager has no receivers', { code: 'NO_RECEIVERS', field: 'receivers', value: [], expected: 'at least one receiver, added with addReceiver() or the receivers prop' }).detail);
      return errors;
    }
    const def = this.defaultReceiver();
    if (def !== undefined && !names.includes(def)) unknown('defaultReceiver', def);
    this.routes.forEach((r, i) => {
      if (!names.includes(r.receiver)) unknown(`routes[${i}].receiver`, r.receiver);
    });
    errors.push(...this.validateInClusterTargets());
    return errors;
  }

  /**
   * Every receiver host that names an in-cluster Service must be a Service in
   * this app's output, unless the receiver says `external: true`: a typo or a
   * never-deployed gateway otherwise only shows as failed notifications.
   */
  private validateInClusterTargets(): string[] {
    const services = new Map<string, ApiObject>();
    const namespaces = new Set<string>([this.namespace]);
    for (const c of this.node.root.node.findAll()) {
      if (!(c instanceof ApiObject)) continue;
      const ns = c.metadata.namespace;
      if (ns) namespaces.add(ns);
      if (c.apiVersion === 'v1' && c.kind === 'Namespace') namespaces.add(c.name);
      if (c.apiVersion === 'v1' && c.kind === 'Service') services.set(`${c.name}.${ns ?? 'default'}`, c);
    }
    const errors: string[] = [];
    for (const t of this.receiverTargets()) {
      const service = inClusterService(t.host, this.namespace, namespaces);
      if (t.external || service === undefined) continue;
      const found = services.get(service);
      if (found) {
        // Only the matched Service is rendered, to read its ports.
        const ports = ((found.toJson().spec?.ports ?? []) as { port?: number }[]).map((p) => p.port);
        if (!ports.includes(t.port)) {
          errors.push(
            new MeshforgeError('receiver port is not a port of its Service', {
              code: 'RECEIVER_SERVICE_PORT',
              field: t.field,
              value: t.value,
              expected: `one of the ports of Service ${service}: ${ports.join(', ')}`,
            }).detail,
          );
        }
        continue;
      }
      const known = [...services.keys()].sort();
      errors.push(
        new MeshforgeError('receiver points at an in-cluster Service this app does not deploy', {
          code: 'RECEIVER_SERVICE_NOT_FOUND',
          field: t.field,
          value: t.value,
          expected: `a host naming a Service of this app (${known.length > 0 ? `one of ${known.map((n) => `${n}.svc`).join(', ')}` : 'none exist'}), a host outside the cluster, or external: true on receiver "${t.receiver}" when something else deploys ${service}.svc`,
        }).detail,
      );
    }
    return errors;
  }

  /** Hosts the receivers call, with the field they come from. */
  private receiverTargets(): { receiver: string; field: string; value: string; host: string; port: number; external: boolean }[] {
    return this.receivers.flatMap((r) => {
      const k = r.kind;
      const field = `receivers[${r.name}]`;
      const url = (f: string, value: string, external?: boolean) => {
        const u = new URL(value);
        return { receiver: r.name, field: `${field}.${f}`, value, host: u.hostname, port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)), external: external ?? false };
      };
      switch (k.type) {
        case 'webhook':
          return [url('url', k.options.url, k.options.external)];
        case 'email':
          return [{ receiver: r.name, field: `${field}.smarthost`, value: k.options.smarthost, host: k.options.smarthost.replace(/:\d+$/, ''), port: Number(k.options.smarthost.split(':').pop()), external: k.options.external ?? false }];
        case 'wechat':
          return k.options.apiUrl ? [url('apiUrl', k.options.apiUrl, k.options.external)] : [];
        default:
          return [];
      }
    });
  }

  private checkMatcher(field: string, m: string): void {
    if (!MATCHER.test(m)) {
      throw new MeshforgeError('invalid matcher', { code: 'INVALID_MATCHER', path: this.node.path, field, value: m, expected: MATCHER_EXPECTED });
    }
  }

  private secretNames(): string[] {
    return [...new Set(this.receivers.flatMap(receiverSecrets).map((s) => s.name))].sort();
  }

  /** Secrets Alertmanager itself reads as files (everything but WeChat API secrets). */
  private fileSecretNames(): string[] {
    return [...new Set(this.receivers.filter((r) => r.kind.type !== 'wechat').flatMap(receiverSecrets).map((s) => s.name))].sort();
  }

  /** Receivers given as props are added before the ConfigMap exists; annotate once it does. */
  private annotatePlaceholders(): void {
    const names = [...new Set(this.wechatSecrets().map((s) => s.name))].join(', ');
    this.configMap?.metadata.addAnnotation(
      'policy.meshforge.io/allow-inline-secrets',
      `api_secret holds only a placeholder; the render-config init container substitutes it at start from Secret(s) ${names}`,
    );
  }

  private wechatSecrets(): SecretKeyRef[] {
    return this.receivers.flatMap((r) => (r.kind.type === 'wechat' ? [r.kind.options.apiSecret] : []));
  }

  private renderScript(): string {
    const steps = this.wechatSecrets().map(
      (s) =>
        `awk -v t='${placeholder(s)}' -v f='${secretPath(s)}' 'BEGIN{getline v < f} {while((i=index($0,t))>0){$0=substr($0,1,i-1) v substr($0,i+length(t))} print}' ${RENDERED_DIR}/alertmanager.yml > ${RENDERED_DIR}/next.yml && mv ${RENDERED_DIR}/next.yml ${RENDERED_DIR}/alertmanager.yml`,
    );
    return ['set -eu', `cp ${TEMPLATE_DIR}/alertmanager.yml ${RENDERED_DIR}/alertmanager.yml`, ...steps].join('\n');
  }
}

function receiverSecrets(r: Receiver): SecretKeyRef[] {
  const k = r.kind;
  switch (k.type) {
    case 'webhook':
      return k.options.bearerTokenSecret ? [k.options.bearerTokenSecret] : [];
    case 'email':
      return k.options.authPasswordSecret ? [k.options.authPasswordSecret] : [];
    case 'wechat':
      return [k.options.apiSecret];
    default:
      return [];
  }
}

/**
 * The `<service>.<namespace>` a host resolves to inside the cluster, or
 * undefined for a host outside it: `<svc>.<ns>.svc[.<cluster domain>]`,
 * `<pod>.<svc>.<ns>.svc…` (headless), `<svc>.<ns>` when `<ns>` is a namespace
 * of the app, and a bare `<svc>` (Alertmanager's own namespace, via the pod's
 * DNS search path). IP addresses are never in-cluster Services here.
 */
export function inClusterService(host: string, ownNamespace: string, namespaces: ReadonlySet<string>): string | undefined {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (/^[\d.]+$/.test(h) || h.includes(':') || h === 'localhost') return undefined;
  const labels = h.split('.');
  const svc = labels.indexOf('svc');
  if (svc >= 2) return `${labels[svc - 2]}.${labels[svc - 1]}`;
  if (labels.length === 1) return `${h}.${ownNamespace}`;
  if (labels.length === 2 && namespaces.has(labels[1])) return h;
  return undefined;
}

function secretPath(ref: SecretKeyRef): string {
  return `${SECRETS_DIR}/${ref.name}/${ref.key}`;
}

/** Placeholder written into Git instead of the WeChat API secret. */
function placeholder(ref: SecretKeyRef): string {
  return `MESHFORGE_SECRET__${ref.name}__${ref.key}`;
}
