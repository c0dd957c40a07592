export * from './environment';
export * from './environment-policy';
export * from './define-environments';
export * from './releases';
