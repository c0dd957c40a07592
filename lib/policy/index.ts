export * from './types';
export * from './load';
export * from './report';
export * from './runner';
export * from './secret-detector';
export * from './rules';
export { podTemplateOf, containersOf } from './workloads';
export type { PodTemplate, ContainerRef, ContainerList } from './workloads';
export { checkPaths } from './check-paths';
