import { AnalysisCode } from './types';

/**
 * Every code the analyzer reports. IST codes, names and message templates are
 * Istio's (istio/istio pkg/config/analysis/msg/messages.yaml); levels are Istio's
 * except where meshforge is stricter, said on the code. MF codes are meshforge's.
 * Codes are a public contract: `galley.istio.io/analyze-suppress` names them.
 */
export const CODES = {
  referencedResourceNotFound: {
    code: 'IST0101',
    name: 'ReferencedResourceNotFound',
    level: 'error',
    summary: 'A VirtualService names a gateway, destination host or host+subset that no object defines.',
    fix: 'Create the Gateway / Service / ServiceEntry / DestinationRule subset, or correct the reference (short hosts are relative to the VirtualService namespace).',
  },
  conflictingMeshGatewayHosts: {
    code: 'IST0109',
    name: 'ConflictingMeshGatewayVirtualServiceHosts',
    level: 'error',
    summary: 'Two VirtualServices bound to the mesh gateway define the same host (which one wins is undefined).',
    fix: 'Merge the VirtualServices into one, or narrow their exportTo so that no namespace sees both.',
  },
  destinationPortSelectorRequired: {
    code: 'IST0112',
    name: 'VirtualServiceDestinationPortSelectorRequired',
    level: 'error',
    summary: 'A VirtualService routes to a host with more than one port without naming the destination port.',
    fix: 'Set destination.port.number to the port to use.',
  },
  portNameConvention: {
    code: 'IST0118',
    name: 'PortNameIsNotUnderNamingConvention',
    level: 'info',
    summary: 'A Service port has neither a recognised appProtocol nor a name `<protocol>[-<suffix>]`; Istio falls back to protocol sniffing.',
    fix: 'Name the port `http-…`, `grpc-…`, `tcp-…`, … or set appProtocol.',
  },
  hostNotFoundInGateway: {
    code: 'IST0132',
    name: 'VirtualServiceHostNotFoundInGateway',
    level: 'warning',
    summary: 'None of the hosts of a VirtualService is served by a gateway it binds to.',
    fix: 'Add the host to the Gateway servers (or listener hostnames), or correct the VirtualService hosts.',
  },
  serviceEntryAddressesRequired: {
    // Istio reports this as a Warning; meshforge fails on it: without addresses every
    // sidecar the ServiceEntry is exported to captures the whole port (0.0.0.0:<port>).
    code: 'IST0134',
    name: 'ServiceEntryAddressesRequired',
    level: 'error',
    summary: 'A ServiceEntry without addresses has a TCP (or protocol-less) port, so it captures that port for all traffic in every sidecar it is exported to.',
    fix: 'Set spec.addresses, or enable Istio DNS proxying with address auto-allocation in the mesh config; keep exportTo to the namespaces that need it.',
  },
  subsetSelectsNoPods: {
    code: 'IST0173',
    name: 'DestinationRuleSubsetNotSelectPods',
    level: 'error',
    summary: 'A DestinationRule subset selects no pod template of the workloads behind its host (503 UH, no healthy upstream).',
    fix: 'Make the subset labels match the pod template labels of the workload the host selects, or remove the subset.',
  },
  unknownDestinationRuleHost: {
    code: 'IST0174',
    name: 'UnknownDestinationRuleHost',
    level: 'warning',
    summary: 'A DestinationRule host matches no Service or ServiceEntry in the input.',
    fix: 'Correct the host, or check it together with the YAML that defines the Service.',
  },
  retryBudget: {
    code: 'MF0001',
    name: 'RetryBudgetExceedsTimeout',
    level: 'error',
    summary: 'An HTTP route allows (1 + retries.attempts) × perTryTimeout beyond its timeout, so the last retries can never run.',
    fix: 'Lower retries.attempts or perTryTimeout, or raise the route timeout.',
  },
  serviceAccountNotFound: {
    code: 'MF0002',
    name: 'ServiceAccountNotFound',
    level: 'error',
    summary: 'A workload names a ServiceAccount that nothing in the input creates; its pods are never created.',
    fix: 'Add the ServiceAccount, or annotate the workload meshforge.io/existing-service-account: "true" when it is created elsewhere.',
  },
  routeWeights: {
    code: 'MF0003',
    name: 'RouteWeightsNotHundred',
    level: 'error',
    summary: 'The weights of a route with several destinations do not sum to 100; Istio silently rescales them.',
    fix: 'Make the weights sum to 100.',
  },
  gatewayCredentialNamespace: {
    code: 'MF0004',
    name: 'GatewayCredentialNotInGatewayNamespace',
    level: 'error',
    summary:
      'A Gateway TLS credentialName Secret is created in a namespace where the gateway workload does not run (Istio reads it only from the workload\'s namespace); a warning when the workload is not in the input.',
    fix: 'Create the Secret in the namespace of the gateway pods (the ingress gateway\'s namespace, e.g. istio-system or istio-ingress).',
  },
} as const satisfies Record<string, AnalysisCode>;

/** The annotation `istioctl analyze` honours to drop codes on one object: `IST0101,MF0002` or `*`. */
export const SUPPRESS_ANNOTATION = 'galley.istio.io/analyze-suppress';

/** The annotation that says a workload's ServiceAccount is created outside the input (MF0002). */
export const EXISTING_SERVICE_ACCOUNT_ANNOTATION = 'meshforge.io/existing-service-account';
