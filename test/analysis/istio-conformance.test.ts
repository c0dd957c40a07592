import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { analyzeObjects } from '../../lib/analysis';
import { loadPolicyObjects, PolicyObject } from '../../lib/policy';

/**
 * Istio's own analyzer test inputs (istio/istio pkg/config/analysis/analyzers/testdata,
 * Apache-2.0, copied unchanged into istio-testdata/) with the findings Istio's
 * analyzers_test.go expects for the codes meshforge ports. Objects are named as
 * Istio's test names them: `Kind ns/name`, `Kind name` without a namespace.
 */
const DATA = path.join(__dirname, 'istio-testdata');

interface Case {
  readonly name: string;
  readonly file: string;
  /** A MeshConfig file (Istio's meshConfigFile), given to meshforge as the `istio` ConfigMap. */
  readonly meshConfig?: string;
  readonly codes: readonly string[];
  /** Keeps only findings whose message matches: which of Istio's IST0101 analyzers the test ran. @default all */
  readonly messages?: RegExp;
  readonly expected: readonly string[];
}

const CASES: readonly Case[] = [
  {
    name: 'unnamed ports',
    file: 'service-no-port-name.yaml',
    codes: ['IST0118'],
    expected: ['Service my-namespace1/my-service1', 'Service my-namespace1/my-service1', 'Service my-namespace2/my-service2'],
  },
  { name: 'named ports', file: 'service-port-name.yaml', codes: ['IST0118'], expected: [] },
  { name: 'unnamed ports of the control plane', file: 'service-no-port-name-system-namespace.yaml', codes: ['IST0118'], expected: [] },
  {
    name: 'conflicting mesh gateway hosts',
    file: 'virtualservice_conflictingmeshgatewayhosts.yaml',
    codes: ['IST0109'],
    expected: [
      'VirtualService team3/ratings',
      'VirtualService team4/ratings',
      'VirtualService foo/ratings',
      'VirtualService bar/ratings',
      'VirtualService foo/productpage',
      'VirtualService foo/bogus-productpage',
      'VirtualService team2/ratings',
    ],
  },
  {
    name: 'conflicting mesh gateway hosts with exportTo',
    file: 'virtualservice_conflictingmeshgatewayhosts_with_exportto.yaml',
    codes: ['IST0109'],
    expected: [
      'VirtualService foo/productpage',
      'VirtualService bar/productpage',
      'VirtualService foo/productpage-c',
      'VirtualService bar/productpage-c',
      'VirtualService foo/productpage-d',
      'VirtualService bar/productpage-d',
    ],
  },
  {
    name: 'destination hosts',
    file: 'virtualservice_destinationhosts.yaml',
    codes: ['IST0101'],
    messages: /^Referenced (host|mirror host|host:port) not found/,
    expected: [
      'VirtualService default/reviews-bogushost',
      'VirtualService default/reviews-bogushost',
      'VirtualService default/reviews-bookinfo-other',
      'VirtualService default/reviews-mirror-bogushost',
      'VirtualService default/reviews-bogusport',
      'VirtualService istio-system/cross-namespace-details',
      'VirtualService hello/hello-export-to-bogus',
    ],
  },
  {
    name: 'destination subsets',
    file: 'virtualservice_destinationrules.yaml',
    codes: ['IST0101'],
    messages: /^Referenced (host|mirror)\+subset in destinationrule not found/,
    expected: ['VirtualService default/reviews-bogussubset', 'VirtualService default/reviews-mirror-bogussubset'],
  },
  {
    name: 'destination port selector',
    file: 'virtualservice_destinationhosts.yaml',
    codes: ['IST0112'],
    expected: ['VirtualService default/reviews-2port-missing'],
  },
  {
    name: 'gateways',
    file: 'virtualservice_gateways.yaml',
    codes: ['IST0101', 'IST0132'],
    messages: /^(Referenced gateway not found|one or more host)/,
    expected: ['VirtualService httpbin-bogus', 'VirtualService default/cross-test', 'VirtualService httpbin-bogus', 'VirtualService httpbin'],
  },
  {
    name: 'host not found in gateway',
    file: 'virtualservice_host_not_found_gateway.yaml',
    codes: ['IST0132'],
    expected: [
      'VirtualService default/testing-service-02-test-01',
      'VirtualService default/testing-service-02-test-02',
      'VirtualService default/testing-service-02-test-03',
      'VirtualService default/testing-service-03-test-04',
    ],
  },
  { name: 'host not found in gateway, namespaced hosts', file: 'virtualservice_host_not_found_gateway_with_ns_prefix.yaml', codes: ['IST0132'], expected: ['VirtualService default/testing-service-01-test-01'] },
  { name: 'host not found in a Kubernetes Gateway', file: 'virtualservice_kubernetes_gateways.yaml', codes: ['IST0132'], expected: ['VirtualService default/my-vs-host-mismatch'] },
  {
    name: 'ServiceEntry addresses',
    file: 'serviceentry-missing-addresses-protocol.yaml',
    codes: ['IST0134'],
    expected: ['ServiceEntry default/service-entry-test-03', 'ServiceEntry default/service-entry-test-04', 'ServiceEntry default/service-entry-test-07'],
  },
  {
    name: 'ServiceEntry addresses with DNS auto-allocation',
    file: 'serviceentry-missing-addresses-protocol.yaml',
    meshConfig: 'serviceentry-missing-addresses-protocol-mesh-cfg.yaml',
    codes: ['IST0134'],
    expected: [],
  },
  { name: 'ServiceEntry addresses allocated (status)', file: 'serviceentry-address-allocated.yaml', meshConfig: 'serviceentry-address-allocated-mesh-cfg.yaml', codes: ['IST0134'], expected: [] },
  { name: 'DestinationRule with a fake host', file: 'destinationrule-with-fake-host.yaml', codes: ['IST0173', 'IST0174'], expected: ['DestinationRule default/fake-host'] },
  {
    name: 'DestinationRule subsets that select no pods',
    file: 'destinationrule-subsets-not-select-pods.yaml',
    codes: ['IST0173', 'IST0174'],
    expected: ['DestinationRule default/subsets-not-select-pods'],
  },
  { name: 'DestinationRule subsets on node topology labels', file: 'destinationrule-subsets-with-topology-labels.yaml', codes: ['IST0173', 'IST0174'], expected: [] },
  {
    name: 'DestinationRule subset on an empty topology label',
    file: 'destinationrule-empty-topology-labels.yaml',
    codes: ['IST0173', 'IST0174'],
    expected: ['DestinationRule default/empty-topology-labels'],
  },
];

function meshConfigMap(file: string): PolicyObject {
  const mesh = fs.readFileSync(path.join(DATA, file), 'utf8');
  return { manifest: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio', namespace: 'istio-system' }, data: { mesh } }, file };
}

describe("conformance with Istio's analyzer tests", () => {
  it.each(CASES)('$name ($file)', (c) => {
    const objects = [...loadPolicyObjects([c.file], { cwd: DATA }), ...(c.meshConfig ? [meshConfigMap(c.meshConfig)] : [])];
    const found = analyzeObjects(objects)
      .findings.filter((f) => c.codes.includes(f.code) && (c.messages === undefined || c.messages.test(f.message)))
      .map((f) => `${f.object.kind} ${f.object.namespace !== undefined ? `${f.object.namespace}/` : ''}${f.object.name}`);
    expect([...found].sort()).toEqual([...c.expected].sort());
  });
});
