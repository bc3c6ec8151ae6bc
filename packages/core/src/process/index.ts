export * from './ipc.js';
export * from './restart-delay.js';
export * from './child-status.js';
export * from './pidfile.js';
export * from './watchdog.js';
export * from './child-runtime.js';
export * from './crash-exit.js';
export * from './child-config.js';
