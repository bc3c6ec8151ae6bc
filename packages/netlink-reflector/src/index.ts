export * from './rtnetlink/index.js';
export * from './link/index.js';
export * from './vrrp-socket/index.js';
export * from './nftables/index.js';
