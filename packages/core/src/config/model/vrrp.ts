import { z } from 'zod';
import { AddressFamily, IpAddressEntry, RouteEntry, ScriptCommand, TrackedObject } from './common.js';

export const UnicastPeer = z.object({
  address: z.string(),
  minTtl: z.number().int().min(0).max(255).default(0),
  maxTtl: z.number().int().min(0).max(255).default(255),
});
export type UnicastPeer = z.infer<typeof UnicastPeer>;

const NotifyScripts = {
  notifyMaster: ScriptCommand.optional(),
  notifyBackup: ScriptCommand.optional(),
  notifyFault: ScriptCommand.optional(),
  notifyStop: ScriptCommand.optional(),
  /** `notify` gets 4 extra parameters: type, name, state, priority. */
  notify: ScriptCommand.optional(),
};

export const VrrpInstance = z.object({
  name: z.string(),
  /** Initial state wanted: keepalived derives it from priority when not configured. */
  state: z.enum(['MASTER', 'BACKUP']),
  stateConfigured: z.boolean(),
  interface: z.string().optional(),
  vrf: z.string().optional(),
  family: AddressFamily,
  version: z.union([z.literal(2), z.literal(3)]),
  virtualRouterId: z.number().int().min(1).max(255),
  /** base priority 1..255 (255 = address owner) */
  priority: z.number().int().min(1).max(255),
  /** microseconds, already rounded for the version (whole seconds for v2, 10 ms for v3) */
  advertIntervalUs: z.number().int().min(1),
  useVmac: z.boolean().default(false),
  vmacInterfaceName: z.string().optional(),
  vmacMacAddress: z.string().optional(),
  useVmacAddr: z.boolean().default(false),
  vmacXmitBase: z.boolean().default(false),
  useIpvlan: z.boolean().default(false),
  ipvlanMode: z.enum(['bridge', 'private', 'vepa']).optional(),
  ipvlanAddress: z.string().optional(),
  dontTrackPrimary: z.boolean().default(false),
  trackInterfaces: z.array(TrackedObject).default([]),
  trackScripts: z.array(TrackedObject).default([]),
  trackFiles: z.array(TrackedObject).default([]),
  trackProcesses: z.array(TrackedObject).default([]),
  trackBfds: z.array(TrackedObject).default([]),
  /** Source address from mcast_src_ip / unicast_src_ip. */
  sourceAddress: z.string().optional(),
  mcastDstIp: z.string().optional(),
  trackSrcIp: z.boolean().default(false),
  unicastPeers: z.array(UnicastPeer).default([]),
  /** True when unicast peers are configured (the instance sends unicast). */
  unicast: z.boolean().default(false),
  unicastFaultNoPeer: z.boolean().default(false),
  checkUnicastSrc: z.boolean().default(false),
  oldUnicastChecksum: z.enum(['none', 'config', 'never']).default('none'),
  /** IPv4 TTL for unicast; undefined lets the kernel choose (IPv6) */
  unicastTtl: z.number().int().min(0).max(255).optional(),
  nativeIpv6: z.boolean().default(false),
  virtualIpaddress: z.array(IpAddressEntry).default([]),
  virtualIpaddressExcluded: z.array(IpAddressEntry).default([]),
  virtualRoutes: z.array(RouteEntry).default([]),
  virtualRules: z.array(RouteEntry).default([]),
  promoteSecondaries: z.boolean().default(false),
  linkbeatUsePolling: z.boolean().default(false),
  accept: z.boolean(),
  skipCheckAdvAddr: z.boolean().default(false),
  strictMode: z.boolean().default(false),
  nopreempt: z.boolean().default(false),
  preemptDelayUs: z.number().int().min(0).default(0),
  debug: z.number().int().min(0).max(4).default(0),
  ...NotifyScripts,
  notifyDeleted: z.boolean().default(false),
  notifyDeletedScript: ScriptCommand.optional(),
  notifyMasterRxLowerPri: ScriptCommand.optional(),
  smtpAlert: z.boolean().default(false),
  notifyPriorityChanges: z.boolean().default(false),
  garpMasterDelayUs: z.number().int().min(0),
  garpMasterRepeat: z.number().int().min(1),
  garpMasterRefreshSec: z.number().int().min(0),
  garpMasterRefreshRepeat: z.number().int().min(1),
  garpLowerPrioDelayUs: z.number().int().min(0),
  garpLowerPrioRepeat: z.number().int().min(0),
  downTimerAdverts: z.number().int().min(1).max(100),
  /** seconds; 0 = off */
  garpExtraIfSec: z.number().int().min(0).default(0),
  garpExtraIfAll: z.boolean().default(false),
  lowerPrioNoAdvert: z.boolean(),
  higherPrioSendAdvert: z.boolean(),
  kernelRxBufSize: z.number().int().min(0).optional(),
  authType: z.enum(['NONE', 'PASS', 'AH']).default('NONE'),
  /** At most 8 characters (keepalived truncates). */
  authPass: z.string().max(8).optional(),
  syncGroup: z.string().optional(),
  lvsSyncDaemonInterface: z.string().optional(),
});
export type VrrpInstance = z.infer<typeof VrrpInstance>;

export const VrrpSyncGroup = z.object({
  name: z.string(),
  group: z.array(z.string()).default([]),
  trackInterfaces: z.array(TrackedObject).default([]),
  trackScripts: z.array(TrackedObject).default([]),
  trackFiles: z.array(TrackedObject).default([]),
  trackProcesses: z.array(TrackedObject).default([]),
  trackBfds: z.array(TrackedObject).default([]),
  ...NotifyScripts,
  smtpAlert: z.boolean().optional(),
  syncGroupTrackingWeight: z.boolean().default(false),
  notifyPriorityChanges: z.boolean().optional(),
});
export type VrrpSyncGroup = z.infer<typeof VrrpSyncGroup>;

export const VrrpScript = z.object({
  name: z.string(),
  script: ScriptCommand,
  /** microseconds */
  intervalUs: z.number().int().min(1).default(1_000_000),
  /** microseconds; 0 = interval */
  timeoutUs: z.number().int().min(0).default(0),
  weight: z.number().int().min(-253).max(253).default(0),
  weightReverse: z.boolean().default(false),
  rise: z.number().int().min(1).default(1),
  fall: z.number().int().min(1).default(1),
  initFail: z.boolean().default(false),
});
export type VrrpScript = z.infer<typeof VrrpScript>;

export const TrackFile = z.object({
  name: z.string(),
  file: z.string(),
  weight: z.number().int().default(1),
  weightReverse: z.boolean().default(false),
  initFile: z.boolean().default(false),
  initValue: z.number().int().optional(),
  initOverwrite: z.boolean().default(false),
});
export type TrackFile = z.infer<typeof TrackFile>;

export const TrackProcess = z.object({
  name: z.string(),
  process: z.string(),
  params: z.array(z.string()).default([]),
  paramMatch: z.enum(['none', 'exact', 'initial', 'partial']).default('none'),
  weight: z.number().int().min(-254).max(254).default(0),
  weightReverse: z.boolean().default(false),
  quorum: z.number().int().min(0).default(1),
  quorumMax: z.number().int().min(0).default(65535),
  /** microseconds */
  terminateDelayUs: z.number().int().min(0).default(0),
  forkDelayUs: z.number().int().min(0).default(0),
  fullCommand: z.boolean().default(false),
});
export type TrackProcess = z.infer<typeof TrackProcess>;

export const GarpGroup = z.object({
  garpIntervalUs: z.number().int().optional(),
  gnaIntervalUs: z.number().int().optional(),
  interfaces: z.array(z.string()).default([]),
});
export type GarpGroup = z.infer<typeof GarpGroup>;

export const StaticTrackGroup = z.object({ name: z.string(), group: z.array(z.string()).default([]) });

export const InterfaceUpDownDelay = z.object({
  interface: z.string(),
  downDelayUs: z.number().int(),
  upDelayUs: z.number().int(),
});

export const LinkbeatInterface = z.object({
  interface: z.string(),
  type: z.enum(['default', 'MII', 'ETHTOOL', 'IOCTL']).default('default'),
});
