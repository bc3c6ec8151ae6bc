export * from './mac.js';
export * from './checksum.js';
export * from './arp.js';
export * from './ndisc.js';
export * from './announcer.js';
