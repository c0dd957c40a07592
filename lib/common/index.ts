export * from './config-checksum';
export * from './project-root';
export * from './side-file';
export * from './synth-notice';
