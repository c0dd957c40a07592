export * from './config-checksum';
export * from './project-root';
