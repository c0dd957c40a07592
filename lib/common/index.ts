export * from './config-checksum';
