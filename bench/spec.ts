/**
 * What one benchmark service is, independent of how it is built: every
 * variant (meshforge, raw cdk8s, plain objects) renders the same objects from
 * the same spec.
 */
export interface BenchServiceSpec {
  /** DNS name of the service, e.g. `svc-0042`. */
  readonly name: string;
  /** Namespace every object lives in. */
  readonly namespace: string;
  /** The two versions: v1 takes 90% of the traffic, v2 (the canary) 10%. */
  readonly versions: readonly { readonly name: string; readonly image: string; readonly replicas: number; readonly weight: number }[];
  /** Content of the config file mounted at /etc/<name>/app.yaml. */
  readonly configFile: string;
}

export const BENCH_NAMESPACE = 'bench';

/** The spec of service number `i` (deterministic). */
export function benchServiceSpec(i: number): BenchServiceSpec {
  const name = `svc-${String(i).padStart(4, '0')}`;
  return {
    name,
    namespace: BENCH_NAMESPACE,
    versions: [
      { name: 'v1', image: `registry.example.com/shop/${name}:1.4.${i % 10}`, replicas: 2, weight: 90 },
      { name: 'v2', image: `registry.example.com/shop/${name}:1.5.0`, replicas: 1, weight: 10 },
    ],
    configFile: [
      `service: ${name}`,
      'listen: 0.0.0.0:8080',
      'log:',
      '  level: info',
      '  format: json',
      `upstreams:`,
      `  - http://svc-${String((i + 1) % 10000).padStart(4, '0')}.${BENCH_NAMESPACE}.svc.cluster.local:80`,
      `timeout: ${1 + (i % 5)}s`,
      '',
    ].join('\n'),
  };
}
