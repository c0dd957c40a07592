export * from './model';
export * from './layout';
export * from './html';
export * from './report';
export * from './diff';
