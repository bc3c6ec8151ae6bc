export * from './types.js';
export * from './timing.js';
export { VrrpInstance } from './instance.js';
export { VrrpSyncGroup, type VrrpSyncGroupEffects } from './sync-group.js';
export { msg as vrrpLogMessages } from './messages.js';
export { compareRemoteToOurs, ParsedAddress, parseAddressInto } from './addr-compare.js';
export { RecordingEffects, type RecordedEffect, type RecordingEffectsOptions } from './recording-effects.js';
