export * from './fifo.js';
export * from './script.js';
export * from './smtp-alert.js';
