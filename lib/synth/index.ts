export * from './app-definition';
export * from './collect';
export * from './dist-writer';
export * from './fast-yaml';
export * from './kustomization';
export * from './synth-all';
export * from './synthesize-app';
export * from './yaml-emitter';
