export * from './fifo.js';
export * from './script.js';
