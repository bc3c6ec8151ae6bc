export * from './binding.js';
export * from './load.js';
export * from './constants.js';
export * from './sockaddr.js';
