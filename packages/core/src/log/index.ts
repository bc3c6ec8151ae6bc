export * from './priority.js';
export * from './format.js';
export * from './syslog.js';
export * from './logger.js';
export * from './file.js';
