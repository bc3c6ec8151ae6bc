export * from './options.js';
export * from './signals.js';
export * from './help.js';
export * from './version.js';
export * from './startup.js';
export * from './not-implemented.js';
export * from './config-api.js';
export * from './main.js';
