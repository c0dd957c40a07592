export * from './meshforge-error';
export * from './known-fields';
export * from './schema-validator';
export * from './names';
export * from './pod-security';
export * from './rules';
export * from './schema-errors';
