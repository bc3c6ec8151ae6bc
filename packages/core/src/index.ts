export * from './config/tree.js';
export * from './config/diagnostics.js';
export * from './exit-codes.js';
