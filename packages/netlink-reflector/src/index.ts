export * from './rtnetlink/index.js';
export * from './link/index.js';
