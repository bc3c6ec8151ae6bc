import { z } from 'zod';

/**
 * Shared pieces of the typed configuration model. Times are kept in the unit
 * keepalived uses internally (microseconds, TIMER_HZ = 1e6) unless the field
 * name says otherwise, so the VRRP and checker code can use them unchanged.
 */
export const TIMER_HZ = 1_000_000;

export const AddressFamily = z.enum(['inet', 'inet6']);
export type AddressFamily = z.infer<typeof AddressFamily>;

/** A script to run: argv after keepalived's quoting/escaping rules, and who runs it. */
export const ScriptCommand = z.object({
  args: z.array(z.string()).min(1),
  /** The command as written in the configuration (for dumps and logs). */
  text: z.string(),
  user: z.string().optional(),
  group: z.string().optional(),
});
export type ScriptCommand = z.infer<typeof ScriptCommand>;

/** An address line of virtual_ipaddress / virtual_ipaddress_excluded / static_ipaddress. */
export const IpAddressEntry = z.object({
  family: AddressFamily,
  address: z.string(),
  prefixLength: z.number().int().min(0).max(128),
  dev: z.string().optional(),
  label: z.string().optional(),
  /** Scope name or number as given ('global', 'host', 'link', 'site', 'nowhere' or 0-255). */
  scope: z.string().optional(),
  /** Broadcast: an address, or '+' / '-' resolved to an address. */
  broadcast: z.string().optional(),
  peer: z.string().optional(),
  home: z.boolean().default(false),
  noDad: z.boolean().default(false),
  mngTmpAddr: z.boolean().default(false),
  noPrefixRoute: z.boolean().default(false),
  autoJoin: z.boolean().default(false),
  noTrack: z.boolean().default(false),
  useVmac: z.boolean().default(false),
  /** Seconds; 0xffffffff = forever. Unset means the kernel default (IPv6 gets keepalived's old defaults). */
  preferredLft: z.number().int().min(0).optional(),
  trackGroup: z.string().optional(),
  /** The whole line as written, for dumps. */
  text: z.string(),
});
export type IpAddressEntry = z.infer<typeof IpAddressEntry>;

/**
 * A virtual_routes / static_routes / virtual_rules / static_rules line. keepalived
 * accepts ip-route(8)/ip-rule(8) syntax; we keep the words and the fields the
 * VRRP child needs to identify the route, and leave the rest to the netlink layer.
 */
export const RouteEntry = z.object({
  words: z.array(z.string()),
  family: AddressFamily.optional(),
  /** Destination prefix ('default' when given so), or the rule selector words. */
  destination: z.string().optional(),
  via: z.string().optional(),
  dev: z.string().optional(),
  table: z.string().optional(),
  noTrack: z.boolean().default(false),
  trackGroup: z.string().optional(),
});
export type RouteEntry = z.infer<typeof RouteEntry>;

export const TrackedObject = z.object({
  name: z.string(),
  weight: z.number().int().optional(),
  reverse: z.boolean().default(false),
});
export type TrackedObject = z.infer<typeof TrackedObject>;
