export * from './codec.js';
export * from './socket.js';
export * as nft from './constants.js';
