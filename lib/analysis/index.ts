export * from './types';
export * from './codes';
export * from './hosts';
export * from './duration';
export { buildInput, visibleHosts, DEFAULT_NAMESPACE } from './input';
export * from './analyze';
export * from './report';
export * from './check';
