import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { IMAGES, ResourceProps, SecretKeyRef, configChecksum, httpProbe, podLabels, restrictedContainer, restrictedPod, selectorLabels, standardLabels, toResources, singleReplica } from './common';
import { checkDnsLabel, checkImage, checkUrl } from './validators';

export interface WeChatRobotAdapterProps {
  /** Name of the Deployment, Service, ConfigMap and NetworkPolicy. */
  readonly name: string;
  /** @default "monitoring" */
  readonly namespace?: string;
  /** The group robot's key (the `key=` of its webhook URL); read at pod start: without it the adapter does not start (its init container fails). */
  readonly robotKeySecret: SecretKeyRef;
  /** Pod labels of the only clients allowed in (Alertmanager), same namespace. */
  readonly clientPodLabels: Record<string, string>;
  /** @default IMAGES.wechatRobotAdapter (docker.io/feiyu563/prometheus-alert:v4.9.1) */
  readonly image?: string;
  /** The robot webhook endpoint, without `?key=`. @default "https://qyapi.weixin.qq.com/cgi-bin/webhook/send" */
  readonly apiUrl?: string;
  /** @default { cpuRequest: "20m", memoryRequest: "64Mi", memoryLimit: "128Mi", cpuLimit: "200m" } */
  readonly resources?: ResourceProps;
}

const PORT = 8080;
const TEMPLATE_DIR = '/etc/prometheus-alert/template';
const SECRET_DIR = '/etc/prometheus-alert/secret';

/**
 * The WeChat Work (企业微信) group-robot adapter Alertmanager needs: Alertmanager
 * has no robot integration, so its webhook goes to PrometheusAlert
 * (feiyu563/PrometheusAlert), which renders the alerts with its built-in
 * `prometheus-wx` template and posts a markdown message to
 * `qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`.
 *
 * Contract (PrometheusAlert v4.9.1 controllers/prometheusalert.go): Alertmanager
 * POSTs its webhook JSON to `/prometheusalert?type=wx&tpl=prometheus-wx`; without a
 * `wxurl` query parameter the adapter uses `wxurl` from its app.conf, so the robot
 * key stays in a Secret instead of Alertmanager's config. `open-weixin=1` enables
 * the channel. An init container writes app.conf into a memory volume from the
 * ConfigMap plus the key; the web UI gets a random password at every start (it is
 * not used: the NetworkPolicy admits Alertmanager only).
 *
 * @see https://github.com/feiyu563/PrometheusAlert/blob/master/doc/readme/system-prometheus.md
 */
export class WeChatRobotAdapter extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  public readonly port = PORT;

  constructor(scope: Construct, id: string, props: WeChatRobotAdapterProps) {
    super(scope, id);
    const path = this.node.path;
    this.name = checkDnsLabel(path, 'name', props.name);
    this.namespace = checkDnsLabel(path, 'namespace', props.namespace ?? 'monitoring');
    const image = checkImage(path, 'image', props.image ?? IMAGES.wechatRobotAdapter);
    const apiUrl = checkUrl(path, 'apiUrl', props.apiUrl ?? 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send');
    const labels = standardLabels(this.name, 'alerting', image);
    const meta = { name: this.name, namespace: this.namespace, labels };
    const secret = props.robotKeySecret;

    // Only the settings this use needs; everything else (other channels, alert records, ES) stays off.
    const appConf = [
      'appname = PrometheusAlert',
      'httpaddr = "0.0.0.0"',
      `httpport = ${PORT}`,
      'runmode = prod',
      'copyrequestbody = true',
      'title = PrometheusAlert',
      'logtype = console',
      'prometheus_cst_time = 0',
      'db_driver = sqlite3',
      'AlertRecord = 0',
      'RecordLive = 0',
      'alert_to_es = 0',
      'open-hotreload = 0',
      'open-weixin = 1',
      'login_user = prometheusalert',
      '',
    ].join('\n');
    const config = new k8s.KubeConfigMap(this, 'Config', { metadata: meta, data: { 'app.conf': appConf } });

    const render = [
      'set -eu',
      `key_file='${SECRET_DIR}/${secret.key}'`,
      'if [ -s "$key_file" ]; then key=$(cat "$key_file"); else',
      // Fail the init container (pod not Ready, crash-looping, visible to the stack's alerts) rather than
      // start an adapter with an empty key that answers Alertmanager 200 while WeChat rejects every message.
      `  echo "Secret ${secret.name} (key ${secret.key}) is missing or empty: WeChat Work robot notifications cannot be delivered" >&2; exit 1`,
      'fi',
      'password=$(head -c 24 /dev/urandom | base64 | tr -d "/+=")',
      `{ cat ${TEMPLATE_DIR}/app.conf; printf 'wxurl = %s?key=%s\\nlogin_password = %s\\n' '${apiUrl}' "$key" "$password"; } > /app/conf/app.conf`,
    ].join('\n');
    const resources = toResources(props.resources ?? { cpuRequest: '20m', memoryRequest: '64Mi', memoryLimit: '128Mi', cpuLimit: '200m' });

    new k8s.KubeService(this, 'Service', {
      metadata: meta,
      spec: { selector: selectorLabels(this.name), ports: [{ name: 'http', port: PORT, targetPort: k8s.IntOrString.fromString('http') }] },
    });
    const sa = new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: meta, automountServiceAccountToken: false });
    new k8s.KubeDeployment(this, 'Resource', {
      metadata: { ...meta, annotations: singleReplica('the WeChat Work robot adapter only forwards Alertmanager\'s webhooks; Alertmanager retries while it restarts') },
      spec: {
        replicas: 1,
        selector: { matchLabels: selectorLabels(this.name) },
        template: {
          metadata: { labels: podLabels(labels), annotations: { 'checksum/config': configChecksum({ 'app.conf': appConf, render }) } },
          spec: {
            serviceAccountName: sa.name,
            automountServiceAccountToken: false,
            securityContext: restrictedPod(65534),
            initContainers: [
              {
                name: 'render-config',
                image,
                command: ['/bin/sh', '-c', render],
                resources,
                securityContext: restrictedContainer(),
                volumeMounts: [
                  { name: 'template', mountPath: TEMPLATE_DIR, readOnly: true },
                  { name: 'robot-key', mountPath: SECRET_DIR, readOnly: true },
                  { name: 'conf', mountPath: '/app/conf' },
                ],
              },
            ],
            containers: [
              {
                // The image's entrypoint copies the template database into /app/db, then runs the server.
                name: 'prometheus-alert',
                image,
                ports: [{ name: 'http', containerPort: PORT }],
                resources,
                securityContext: restrictedContainer(),
                readinessProbe: httpProbe('/health', 'http', 5, 10),
                livenessProbe: httpProbe('/health', 'http', 15, 20),
                volumeMounts: [
                  { name: 'conf', mountPath: '/app/conf', readOnly: true },
                  { name: 'db', mountPath: '/app/db' },
                  { name: 'logs', mountPath: '/app/logs' },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'template', configMap: { name: config.name } },
              // optional: a missing robot key must not keep the adapter (or anything else) from starting.
              { name: 'robot-key', secret: { secretName: secret.name, items: [{ key: secret.key, path: secret.key }], optional: true, defaultMode: 0o440 } },
              // Holds the robot key: memory only.
              { name: 'conf', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('1Mi') } },
              { name: 'db', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
              { name: 'logs', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } },
            ],
          },
        },
      },
    });

    new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: meta,
      spec: {
        podSelector: { matchLabels: selectorLabels(this.name) },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ podSelector: { matchLabels: props.clientPodLabels } }], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(PORT) }] }],
        egress: [
          // DNS to any resolver (kube-dns, or NodeLocal DNSCache on a link-local address).
          { ports: [{ protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) }, { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) }] },
          { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(443) }] },
        ],
      },
    });
  }

  /** The URL Alertmanager's webhook calls: the adapter's Prometheus endpoint with the WeChat robot channel and template. */
  public get webhookUrl(): string {
    return `http://${this.name}.${this.namespace}.svc:${PORT}/prometheusalert?type=wx&tpl=prometheus-wx`;
  }
}
