import { z } from 'zod';
import { IpAddressEntry, RouteEntry } from './common.js';
import { GlobalDefs } from './global.js';
import {
  GarpGroup, InterfaceUpDownDelay, LinkbeatInterface, StaticTrackGroup, TrackFile, TrackProcess, VrrpInstance, VrrpScript,
  VrrpSyncGroup,
} from './vrrp.js';
import { SslConfig, VirtualServer, VirtualServerGroup } from './checker.js';

export * from './common.js';
export * from './global.js';
export * from './vrrp.js';
export * from './checker.js';

export const BfdInstance = z.object({
  name: z.string(),
  sourceIp: z.string().optional(),
  neighborIp: z.string().optional(),
  /** microseconds (configured in milliseconds with up to 3 decimals) */
  minRxUs: z.number().int().default(10_000),
  minTxUs: z.number().int().default(10_000),
  idleTxUs: z.number().int().default(1_000_000),
  multiplier: z.number().int().min(1).max(255).default(5),
  passive: z.boolean().default(false),
  ttl: z.number().int().optional(),
  maxHops: z.number().int().optional(),
  weight: z.number().int().optional(),
  vrrp: z.boolean().default(false),
  checker: z.boolean().default(false),
});
export type BfdInstance = z.infer<typeof BfdInstance>;

/** The whole configuration: what the parent, the VRRP child and the checker child consume. */
export const KeepalivedConfig = z.object({
  global: GlobalDefs,
  vrrpScripts: z.array(VrrpScript),
  trackFiles: z.array(TrackFile),
  trackProcesses: z.array(TrackProcess),
  vrrpSyncGroups: z.array(VrrpSyncGroup),
  vrrpInstances: z.array(VrrpInstance),
  garpGroups: z.array(GarpGroup),
  staticIpaddress: z.array(IpAddressEntry),
  staticRoutes: z.array(RouteEntry),
  staticRules: z.array(RouteEntry),
  staticTrackGroups: z.array(StaticTrackGroup),
  linkbeatInterfaces: z.array(LinkbeatInterface),
  interfaceUpDownDelays: z.array(InterfaceUpDownDelay),
  virtualServerGroups: z.array(VirtualServerGroup),
  virtualServers: z.array(VirtualServer),
  ssl: SslConfig.optional(),
  bfdInstances: z.array(BfdInstance),
  /** Every file read (from the tree), for reload change detection. */
  files: z.array(z.string()),
});
export type KeepalivedConfig = z.infer<typeof KeepalivedConfig>;
