export * from './synth';
export * from './validation';
