export * from './meshforge-error';
