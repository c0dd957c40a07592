import { Construct } from 'constructs';
import { addK8sService } from './k8s-service';
import { BenchServiceSpec } from './spec';

/**
 * THE swap point of the benchmark: how the meshforge variant builds one
 * service from its spec. Until MeshService is merged it delegates to the same
 * hand-built cdk8s-plus-27 + Istio constructs as the raw-cdk8s baseline, so
 * today the benchmark measures the meshforge synth pipeline alone. After the
 * merge, replace the body with one `new MeshService(scope, spec.name, {...})`
 * mapping the spec (namespace, the two versions with image, replicas and
 * 90/10 weights, the config file mounted at /etc/<name>/, circuit breaking:
 * 100 TCP connections, 10 pending requests, 5 consecutive 5xx → eject 30 s,
 * max 50 %). That is the whole swap as long as MeshService renders the same
 * objects as `addK8sService`; if it renders more or different ones, align
 * `addK8sService` (the raw baseline) and bench/plain-objects.ts with it so all
 * variants keep rendering identical objects (test/bench/plain-objects.test.ts
 * checks the plain objects against `addK8sService`).
 */
export function addMeshforgeService(scope: Construct, spec: BenchServiceSpec): void {
  addK8sService(scope, spec);
}
