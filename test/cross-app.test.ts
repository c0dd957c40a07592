import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { apps, environments, gitops } from '../apps';
import { synthesizeAll } from '../lib';

type Obj = { kind: string; metadata: { name: string; namespace?: string }; spec: any }; // eslint-disable-line @typescript-eslint/no-explicit-any

const byApp = new Map(
  synthesizeAll(apps, { gitops, environments }).filter((a) => a.environment === 'prod').map((a) => [
    a.app!,
    [...a.files].filter(([f]) => f.endsWith('.k8s.yaml')).flatMap(([, text]) => parseAllDocuments(text).map((d) => d.toJS() as Obj)),
  ]),
);

// The apps are synthesized separately; these checks keep their contracts with each other true (shown for prod; every environment renders both apps).
describe('shop ↔ observability', () => {
  it("the shop's NetworkPolicies admit the Prometheus pods that apps/observability deploys", () => {
    const peers = byApp
      .get('shop')!
      .filter((o) => o.kind === 'NetworkPolicy' && o.spec.ingress)
      .flatMap((o) => o.spec.ingress.flatMap((r: any) => r.from)) // eslint-disable-line @typescript-eslint/no-explicit-any
      .filter((p: any) => p.podSelector?.matchLabels?.['app.kubernetes.io/name'] === 'prometheus'); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(peers.length).toBeGreaterThan(0);
    const prometheus = byApp.get('observability')!.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'prometheus')!;
    for (const peer of peers) {
      expect(peer.namespaceSelector.matchLabels['kubernetes.io/metadata.name']).toBe(prometheus.metadata.namespace);
      expect(prometheus.spec.template.metadata.labels).toMatchObject(peer.podSelector.matchLabels);
    }
  });

  it('every MeshService and MeshStatefulService of the shop has alerts and a dashboard', () => {
    // one DestinationRule per meshed MeshService (an exposed one has a second, gateway VirtualService)
    const services = byApp.get('shop')!.filter((o) => o.kind === 'DestinationRule').map((o) => o.metadata.name).sort();
    const obs = byApp.get('observability')!;
    const rules = obs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'prometheus-rules') as unknown as { data: Record<string, string> };
    const dashboards = obs.filter((o) => o.kind === 'ConfigMap').map((o) => o.metadata.name);
    expect(services).toEqual(['cart', 'catalog', 'queue', 'storefront']);
    for (const s of services) {
      expect(rules.data['mesh-services.rules.yml']).toContain(`destination_service_name="${s}",destination_workload_namespace="shop"`);
      expect(dashboards).toContain(`grafana-dashboard-red-shop-${s}`);
    }
  });
});

describe('CRDs the apps rely on', () => {
  it('no app emits Prometheus Operator resources while the observability stack runs without the operator', () => {
    const operatorMode = byApp.get('observability')!.some((o) => o.kind === 'PrometheusRule');
    for (const [app, objs] of byApp) {
      const monitoring = objs.filter((o) => ['ServiceMonitor', 'PodMonitor', 'PrometheusRule'].includes(o.kind));
      if (!operatorMode) expect(monitoring.map((o) => `${app}: ${o.kind}/${o.metadata.name}`)).toEqual([]);
    }
  });
});
