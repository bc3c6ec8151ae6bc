export * from './ipv4-header.js';
export * from './vrrp-socket.js';
