import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { IMAGES, ResourceProps, SecretKeyRef, bindClusterRole, configChecksum, httpProbe, podLabels, restrictedContainer, restrictedPod, selectorLabels, standardLabels, toResources, toYaml, singleReplica } from './common';
import { checkDnsLabel, checkImage, checkUrl } from './validators';

/** A Grafana dashboard Kiali links to from service and workload pages. */
export interface KialiGrafanaDashboard {
  /** Dashboard title as Grafana shows it. */
  readonly name: string;
  /** Kiali variable → Grafana URL parameter, e.g. `{ namespace: "var-namespace", service: "var-service" }`. */
  readonly variables: Readonly<Record<string, string>>;
}

export interface KialiProps {
  /** @default "monitoring" */
  readonly namespace?: string;
  /**
   * Pick the Kiali version that supports your Istio minor
   * (kiali.io/docs/installation/installation-guide/prerequisites).
   * @default IMAGES.kiali (quay.io/kiali/kiali:v2.13.0)
   */
  readonly image?: string;
  /** Prometheus that holds the Istio metrics. */
  readonly prometheusUrl: string;
  /** Grafana as Kiali reaches it in the cluster. @default - no Grafana links */
  readonly grafanaUrl?: string;
  /** Grafana as browsers reach it (links open there). @default - Kiali shows no Grafana links */
  readonly grafanaExternalUrl?: string;
  /** Dashboards Kiali links to. @default [] */
  readonly grafanaDashboards?: readonly KialiGrafanaDashboard[];
  /**
   * Secret key with a Grafana service-account token (Viewer), so Kiali can
   * look dashboards up; Grafana's anonymous access is off.
   * @default - none: Kiali calls Grafana without credentials and finds no dashboard
   */
  readonly grafanaTokenSecret?: SecretKeyRef;
  /** Jaeger query (HTTP API) as Kiali reaches it. @default - tracing off in Kiali */
  readonly jaegerUrl?: string;
  /** Jaeger UI as browsers reach it. @default - no links into the Jaeger UI */
  readonly jaegerExternalUrl?: string;
  /**
   * Key that signs Kiali's session cookies (16, 24 or 32 characters; the
   * `token` strategy refuses to start without one). Mounted where Kiali v2
   * reads overrides: /kiali-override-secrets/login-token-signing-key/value.txt.
   * @default { name: "kiali", key: "login-token-signing-key" }
   */
  readonly signingKeySecret?: SecretKeyRef;
  /**
   * Login strategy. `token`: users paste a Kubernetes token and see what
   * their own RBAC allows; `anonymous`: anyone who reaches the port sees
   * everything the Kiali ServiceAccount can read.
   * @default "token"
   */
  readonly authStrategy?: 'token' | 'anonymous';
  /** Istio's root namespace, where istiod runs. @default "istio-system" */
  readonly istioNamespace?: string;
  /** Namespace whose pods may scrape Kiali's metrics port. @default - the Kiali namespace */
  readonly prometheusNamespace?: string;
  /** @default { cpuRequest: "50m", memoryRequest: "256Mi", memoryLimit: "1Gi", cpuLimit: "500m" } */
  readonly resources?: ResourceProps;
}

/**
 * Kiali in view-only mode: the mesh graph, Istio config validation and
 * health from the stack's Prometheus, with links to Grafana and Jaeger.
 *
 * - Login with a Kubernetes token (`token` strategy), not anonymous, and
 *   `view_only_mode` so the UI offers no edits.
 * - RBAC is the `kiali-viewer` ClusterRole of kiali/helm-charts
 *   (kiali-server/templates/clusterrole-viewer.yaml) with wildcards spelled
 *   out and the OpenShift groups dropped; `pods/portforward` (how Kiali reads
 *   istiod's debug endpoints and a proxy's Envoy config) is granted only in
 *   the Istio namespace, so Kiali cannot open a tunnel into application pods:
 *   the per-workload Envoy tab stays empty.
 * - A NetworkPolicy admits the UI port from the cluster and the metrics port
 *   from Prometheus's namespace only. Egress stays open: Kiali needs the API
 *   server, whose address no selector can name.
 *
 * @see https://kiali.io/docs/configuration/kialis.kiali.io/
 */
export class Kiali extends Construct {
  public readonly namespace: string;
  public readonly serviceName = 'kiali';
  public readonly port = 20001;
  public static readonly METRICS_PORT = 9090;
  /** Kiali's URL path prefix (its default on Kubernetes). */
  public static readonly WEB_ROOT = '/kiali';
  /** The generated config.yaml. */
  public readonly config: Record<string, unknown>;

  constructor(scope: Construct, id: string, props: KialiProps) {
    super(scope, id);
    const path = this.node.path;
    this.namespace = checkDnsLabel(path, 'namespace', props.namespace ?? 'monitoring');
    const image = checkImage(path, 'image', props.image ?? IMAGES.kiali);
    const istioNamespace = checkDnsLabel(path, 'istioNamespace', props.istioNamespace ?? 'istio-system');
    const promNamespace = checkDnsLabel(path, 'prometheusNamespace', props.prometheusNamespace ?? this.namespace);
    checkUrl(path, 'prometheusUrl', props.prometheusUrl);
    for (const [field, url] of [['grafanaUrl', props.grafanaUrl], ['grafanaExternalUrl', props.grafanaExternalUrl], ['jaegerUrl', props.jaegerUrl], ['jaegerExternalUrl', props.jaegerExternalUrl]] as const) {
      if (url !== undefined) checkUrl(path, field, url);
    }
    const signingKey = props.signingKeySecret ?? { name: 'kiali', key: 'login-token-signing-key' };
    const labels = standardLabels('kiali', 'mesh-console', image);
    const meta = (name: string) => ({ name, namespace: this.namespace, labels });

    const grafana = props.grafanaUrl
      ? {
          enabled: true,
          internal_url: props.grafanaUrl,
          ...(props.grafanaExternalUrl ? { external_url: props.grafanaExternalUrl } : {}),
          // the token itself comes from the override-secret file mounted below
          auth: props.grafanaTokenSecret ? { type: 'bearer', use_kiali_token: false } : { type: 'none' },
          dashboards: (props.grafanaDashboards ?? []).map((d) => ({ name: d.name, variables: d.variables })),
        }
      : { enabled: false };
    this.config = {
      auth: { strategy: props.authStrategy ?? 'token' },
      deployment: { namespace: this.namespace, instance_name: 'kiali', view_only_mode: true, cluster_wide_access: true },
      external_services: {
        istio: { root_namespace: istioNamespace },
        prometheus: { url: props.prometheusUrl },
        grafana,
        // Jaeger v2 serves its query API over HTTP on the UI port; gRPC (16685) is not exposed by the stack.
        tracing: props.jaegerUrl
          ? { enabled: true, provider: 'jaeger', internal_url: props.jaegerUrl, use_grpc: false, ...(props.jaegerExternalUrl ? { external_url: props.jaegerExternalUrl } : {}) }
          : { enabled: false },
      },
      server: { port: this.port, web_root: Kiali.WEB_ROOT, observability: { metrics: { enabled: true, port: Kiali.METRICS_PORT } } },
    };
    const configYaml = toYaml(this.config);

    // Kiali lists and watches cluster objects with its own token: it needs one mounted.
    const sa = new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: meta('kiali'), automountServiceAccountToken: true });
    const read = ['get', 'list', 'watch'];
    bindClusterRole(this, 'kiali-viewer', { name: sa.name, namespace: this.namespace }, labels, [
      { apiGroups: [''], resources: ['configmaps', 'endpoints', 'namespaces', 'pods', 'pods/log', 'replicationcontrollers', 'services'], verbs: read },
      { apiGroups: ['apps'], resources: ['daemonsets', 'deployments', 'replicasets', 'statefulsets'], verbs: read },
      { apiGroups: ['batch'], resources: ['cronjobs', 'jobs'], verbs: read },
      { apiGroups: ['networking.istio.io'], resources: ['destinationrules', 'envoyfilters', 'gateways', 'proxyconfigs', 'serviceentries', 'sidecars', 'virtualservices', 'workloadentries', 'workloadgroups'], verbs: read },
      { apiGroups: ['security.istio.io'], resources: ['authorizationpolicies', 'peerauthentications', 'requestauthentications'], verbs: read },
      { apiGroups: ['telemetry.istio.io'], resources: ['telemetries'], verbs: read },
      { apiGroups: ['extensions.istio.io'], resources: ['wasmplugins'], verbs: read },
      { apiGroups: ['gateway.networking.k8s.io'], resources: ['gatewayclasses', 'gateways', 'grpcroutes', 'httproutes', 'referencegrants', 'tcproutes', 'tlsroutes'], verbs: read },
      { apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations'], verbs: read },
      // The token strategy asks the API server who a pasted token belongs to; no object is read or written.
      { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
    ]);
    const role = new k8s.KubeRole(this, 'IstioPortForwardRole', {
      metadata: { name: 'meshforge-kiali-istiod-debug', namespace: istioNamespace, labels },
      rules: [
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
        { apiGroups: [''], resources: ['pods/portforward'], verbs: ['create'] },
      ],
    });
    new k8s.KubeRoleBinding(this, 'IstioPortForwardRoleBinding', {
      metadata: { name: role.name, namespace: istioNamespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.name },
      subjects: [{ kind: 'ServiceAccount', name: sa.name, namespace: this.namespace }],
    });

    const cm = new k8s.KubeConfigMap(this, 'Config', { metadata: meta('kiali'), data: { 'config.yaml': configYaml } });
    new k8s.KubeService(this, 'Service', {
      metadata: { ...meta(this.serviceName), annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(Kiali.METRICS_PORT) } },
      spec: {
        selector: selectorLabels('kiali'),
        ports: [
          { name: 'http-web', port: this.port, targetPort: k8s.IntOrString.fromString('http') },
          { name: 'http-metrics', port: Kiali.METRICS_PORT, targetPort: k8s.IntOrString.fromString('metrics') },
        ],
      },
    });
    new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: meta('kiali'),
      spec: {
        podSelector: { matchLabels: selectorLabels('kiali') },
        policyTypes: ['Ingress'],
        ingress: [
          // UI: any pod of the cluster (an ingress controller); `kubectl port-forward` does not pass through NetworkPolicy.
          { from: [{ namespaceSelector: {} }], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(this.port) }] },
          { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': promNamespace } } }], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(Kiali.METRICS_PORT) }] },
        ],
      },
    });

    const overrides: k8s.VolumeProjection[] = [
      { secret: { name: signingKey.name, items: [{ key: signingKey.key, path: 'login-token-signing-key/value.txt' }] } },
      ...(props.grafanaTokenSecret ? [{ secret: { name: props.grafanaTokenSecret.name, items: [{ key: props.grafanaTokenSecret.key, path: 'grafana-token/value.txt' }] } }] : []),
    ];
    new k8s.KubeDeployment(this, 'Resource', {
      metadata: { ...meta('kiali'), annotations: singleReplica('Kiali is a view-only console: a restart interrupts browsing, not traffic') },
      spec: {
        replicas: 1,
        selector: { matchLabels: selectorLabels('kiali') },
        template: {
          metadata: { labels: podLabels(labels), annotations: { 'checksum/config': configChecksum({ 'config.yaml': configYaml }) } },
          spec: {
            serviceAccountName: sa.name,
            automountServiceAccountToken: true,
            securityContext: restrictedPod(1000),
            containers: [
              {
                name: 'kiali',
                image,
                command: ['/opt/kiali/kiali', '-config', '/kiali-configuration/config.yaml'],
                env: [{ name: 'ACTIVE_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }],
                ports: [
                  { name: 'http', containerPort: this.port },
                  { name: 'metrics', containerPort: Kiali.METRICS_PORT },
                ],
                resources: toResources(props.resources ?? { cpuRequest: '50m', memoryRequest: '256Mi', memoryLimit: '1Gi', cpuLimit: '500m' }),
                securityContext: restrictedContainer(),
                readinessProbe: httpProbe(`${Kiali.WEB_ROOT}/healthz`, 'http', 5, 10),
                livenessProbe: httpProbe(`${Kiali.WEB_ROOT}/healthz`, 'http', 30, 30),
                volumeMounts: [
                  { name: 'config', mountPath: '/kiali-configuration', readOnly: true },
                  { name: 'override-secrets', mountPath: '/kiali-override-secrets', readOnly: true },
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: cm.name } },
              { name: 'override-secrets', projected: { sources: overrides, defaultMode: 0o440 } },
            ],
          },
        },
      },
    });
  }

  /** The UI inside the cluster (`kubectl port-forward svc/kiali 20001` then http://localhost:20001/kiali). */
  public get url(): string {
    return `http://${this.serviceName}.${this.namespace}.svc:${this.port}${Kiali.WEB_ROOT}`;
  }
}
