export * from './synth';
export * from './validation';
export * from './observability';
