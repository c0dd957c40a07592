import { Construct } from 'constructs';
import { addK8sService } from './k8s-service';
import { BenchServiceSpec } from './spec';

/**
 * THE swap point of the benchmark: how the meshforge variant builds one
 * service. Until MeshService is merged it uses the same hand-built
 * cdk8s-plus-27 + Istio constructs as the raw baseline (so today the
 * benchmark measures the meshforge synth pipeline alone). With MeshService:
 *
 *   new MeshService(scope, spec.name, { namespace: spec.namespace, port: 8080,
 *     versions: spec.versions, config: { 'app.yaml': spec.configFile }, circuitBreaker: ... })
 *
 * and nothing else in bench/ changes.
 */
export function addMeshforgeService(scope: Construct, spec: BenchServiceSpec): void {
  addK8sService(scope, spec);
}
