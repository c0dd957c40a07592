export * from './caller';
export * from './mesh-security';
export * from './mesh-workload';
export * from './namespace-security';
export * from './service-access';
