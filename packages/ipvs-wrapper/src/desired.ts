// The desired IPVS table (plain data the checkers produce) and its expansion
// into kernel services/destinations, following keepalived's ipvs_set_srule /
// ipvs_set_drule / ipvs_group_cmd rules.
import { isIPv4, isIPv6 } from 'node:net';
import { AF_INET, AF_INET6, bytesToIpv6, ipv4ToBytes, ipv6ToBytes } from '@keepalived-ts/native';
import * as C from './constants.js';
import type { IpvsDest, IpvsService } from './ipvs-codec.js';

export type Protocol = 'tcp' | 'udp' | 'sctp';
export type ForwardingMethod = 'nat' | 'dr' | 'tun';
export type IpFamily = 'ipv4' | 'ipv6';
/** keepalived's lvs flag keywords ('hashed' is IP_VS_SVC_F_HASHED, which the kernel sets anyway). */
export type ServiceFlag = 'hashed' | 'ops' | 'sh-port' | 'sh-fallback' | 'mh-port' | 'mh-fallback' | 'flag-1' | 'flag-2' | 'flag-3';

export interface DesiredTunnel {
  type: 'ipip' | 'gue' | 'gre';
  /** GUE only. */
  port?: number;
  checksum?: 'nocsum' | 'csum' | 'remcsum';
}

export interface DesiredDestination {
  /** IPv4 or IPv6 text; its family is the destination's family. */
  address: string;
  /** Used for NAT; for DR/TUN keepalived sends the virtual service's port (0 for fwmark). */
  port: number;
  forwarding: ForwardingMethod;
  weight: number;
  /** inhibit_on_failure while the checkers say down: kept in the table with weight 0. */
  inhibited?: boolean;
  upperThreshold?: number;
  lowerThreshold?: number;
  tunnel?: DesiredTunnel;
}

/** One entry of a virtual_server_group: an address (range) + port, or a fwmark. */
export type DesiredGroupEntry =
  | {
    /** "192.0.2.1", or a keepalived range "192.0.2.1-10" / "2001:db8::1-a" (last octet / last hex group). */
    address: string;
    /** Alternative to the "-N" suffix: the last value of the final octet (IPv4) or 16-bit group (IPv6). */
    rangeEnd?: number;
    port: number;
  }
  | { fwmark: number; family?: IpFamily };

export interface DesiredVirtualServer {
  /** Address service: address + protocol + port. */
  address?: string;
  port?: number;
  protocol?: Protocol;
  /** Fwmark service (family defaults to ipv4, as in keepalived). */
  fwmark?: number;
  family?: IpFamily;
  /** virtual_server_group: every entry becomes a service with the options below (protocol from here). */
  group?: DesiredGroupEntry[];
  scheduler: C.IpvsScheduler;
  flags?: ServiceFlag[];
  /** persistence_timeout in seconds; set (> 0) makes the service persistent. */
  persistenceTimeout?: number;
  /** persistence_granularity: an IPv4 mask ("255.255.255.0") or an IPv6 prefix length. */
  persistenceGranularity?: string | number;
  /** persistence_engine, e.g. "sip". */
  persistenceEngine?: string;
  destinations: DesiredDestination[];
}

export interface DesiredTable {
  virtualServers: DesiredVirtualServer[];
  /** lvs_timeouts; unset values keep the kernel's. */
  timeouts?: { tcp?: number; tcpFin?: number; udp?: number };
}

/** A service as it should be in the kernel, with its destinations keyed by destKey. */
export interface ExpandedService {
  key: string;
  service: IpvsService;
  dests: Map<string, IpvsDest>;
}

export interface Expansion {
  services: Map<string, ExpandedService>;
  /** Problems found; the offending entries are skipped. */
  problems: string[];
}

const FLAG_BITS: Record<ServiceFlag, number> = {
  hashed: C.IP_VS_SVC_F_HASHED,
  ops: C.IP_VS_SVC_F_ONEPACKET,
  'sh-port': C.IP_VS_SVC_F_SCHED_SH_PORT,
  'sh-fallback': C.IP_VS_SVC_F_SCHED_SH_FALLBACK,
  'mh-port': C.IP_VS_SVC_F_SCHED_MH_PORT,
  'mh-fallback': C.IP_VS_SVC_F_SCHED_MH_FALLBACK,
  'flag-1': C.IP_VS_SVC_F_SCHED1,
  'flag-2': C.IP_VS_SVC_F_SCHED2,
  'flag-3': C.IP_VS_SVC_F_SCHED3,
};
const PROTOCOLS: Record<Protocol, number> = { tcp: C.IPPROTO_TCP, udp: C.IPPROTO_UDP, sctp: C.IPPROTO_SCTP };
const FWD: Record<ForwardingMethod, number> = { nat: C.IP_VS_CONN_F_MASQ, dr: C.IP_VS_CONN_F_DROUTE, tun: C.IP_VS_CONN_F_TUNNEL };
const TUN_TYPES = { ipip: C.IP_VS_CONN_F_TUNNEL_TYPE_IPIP, gue: C.IP_VS_CONN_F_TUNNEL_TYPE_GUE, gre: C.IP_VS_CONN_F_TUNNEL_TYPE_GRE };
const TUN_CSUM = { nocsum: C.IP_VS_TUNNEL_ENCAP_FLAG_NOCSUM, csum: C.IP_VS_TUNNEL_ENCAP_FLAG_CSUM, remcsum: C.IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM };

export function afOf(address: string): number {
  if (isIPv4(address)) return AF_INET;
  if (isIPv6(address)) return AF_INET6;
  throw new RangeError(`not an IP address: ${address}`);
}

/** Canonical text (so "2001:DB8::0:1" and "2001:db8::1" are one key). */
export function canonicalAddress(af: number, address: string): string {
  const b = af === AF_INET6 ? ipv6ToBytes(address) : ipv4ToBytes(address);
  return af === AF_INET ? `${b[0]}.${b[1]}.${b[2]}.${b[3]}` : bytesToIpv6(b);
}

export function serviceKey(s: Pick<IpvsService, 'af' | 'fwmark' | 'protocol' | 'address' | 'port'>): string {
  if (s.fwmark) return `fwm/${s.af}/${s.fwmark}`;
  return `svc/${s.af}/${s.protocol}/${canonicalAddress(s.af, s.address)}/${s.port}`;
}

export function destKey(d: Pick<IpvsDest, 'af' | 'address' | 'port'>): string {
  return `${d.af}/${canonicalAddress(d.af, d.address)}/${d.port}`;
}

/** "192.0.2.1-10" -> every address of the range; also takes an explicit rangeEnd. */
export function expandAddressRange(spec: string, rangeEnd?: number): string[] {
  let base = spec;
  let end = rangeEnd;
  const dash = spec.lastIndexOf('-');
  if (dash > 0) {
    base = spec.slice(0, dash);
    const tail = spec.slice(dash + 1);
    end = isIPv6(base) ? parseInt(tail, 16) : Number(tail);
    if (!/^[0-9a-fA-F]+$/.test(tail) || !Number.isInteger(end)) throw new RangeError(`bad address range end in ${spec}`);
  }
  const af = afOf(base);
  const bytes = af === AF_INET6 ? ipv6ToBytes(base) : ipv4ToBytes(base);
  const last = af === AF_INET6 ? bytes.readUInt16BE(14) : bytes[3]!;
  const stop = end ?? last;
  if (stop < last || stop > (af === AF_INET6 ? 0xffff : 255)) throw new RangeError(`address range ${spec} ends before it starts or overflows`);
  const out: string[] = [];
  for (let v = last; v <= stop; v++) {
    if (af === AF_INET6) {
      bytes.writeUInt16BE(v, 14);
      out.push(bytesToIpv6(bytes));
    } else {
      out.push(`${bytes[0]}.${bytes[1]}.${bytes[2]}.${v}`);
    }
  }
  return out;
}

function granularityValue(af: number, g: string | number): number {
  if (af === AF_INET6) {
    const n = typeof g === 'number' ? g : Number(g);
    if (!Number.isInteger(n) || n < 1 || n > 128) throw new RangeError(`IPv6 persistence_granularity ${g} is not a prefix length 1..128`);
    return n;
  }
  if (typeof g === 'number') {
    if (!Number.isInteger(g) || g < 0 || g > 32) throw new RangeError(`IPv4 persistence_granularity ${g} is not a prefix length`);
    return g === 0 ? 0 : (0xffffffff << (32 - g)) >>> 0;
  }
  return ipv4ToBytes(g).readUInt32BE(0);
}

/** The service attributes keepalived sends with NEW/SET/DEL_SERVICE. */
export function buildService(
  vs: DesiredVirtualServer, af: number, identity: Pick<IpvsService, 'fwmark' | 'protocol' | 'address' | 'port'>,
): IpvsService {
  let flags = 0;
  for (const f of vs.flags ?? []) flags |= FLAG_BITS[f];
  const s: IpvsService = {
    af, ...identity,
    scheduler: vs.scheduler,
    flags,
    timeout: 0,
    netmask: af === AF_INET6 ? 128 : 0xffffffff,
  };
  if (vs.persistenceTimeout) {
    s.timeout = vs.persistenceTimeout;
    s.flags = flags | C.IP_VS_SVC_F_PERSISTENT;
    if (vs.persistenceGranularity !== undefined) s.netmask = granularityValue(af, vs.persistenceGranularity);
    if (vs.persistenceEngine) s.peName = vs.persistenceEngine;
  }
  return s;
}

/**
 * The service part of NEW/SET/DEL_DEST as keepalived sends it: identity,
 * scheduler and flags, but persistence left out (the kernel ignores all but
 * the identity there; we match keepalived byte for byte).
 */
export function serviceForDestCommand(s: IpvsService): IpvsService {
  const out: IpvsService = {
    af: s.af, fwmark: s.fwmark, protocol: s.protocol, address: s.address, port: s.port,
    scheduler: s.scheduler ?? '',
    flags: (s.flags ?? 0) & ~C.IP_VS_SVC_F_PERSISTENT,
    timeout: 0,
    netmask: s.af === AF_INET6 ? 128 : 0xffffffff,
  };
  return out;
}

export function buildDest(d: DesiredDestination, servicePort: number, isFwmark: boolean): IpvsDest {
  const af = afOf(d.address);
  const fwdMethod = FWD[d.forwarding];
  const port = fwdMethod === C.IP_VS_CONN_F_MASQ ? d.port : isFwmark ? 0 : servicePort;
  const out: IpvsDest = {
    af,
    address: canonicalAddress(af, d.address),
    port,
    fwdMethod,
    weight: d.inhibited ? 0 : d.weight,
    upperThreshold: d.upperThreshold ?? 0,
    lowerThreshold: d.lowerThreshold ?? 0,
  };
  if (fwdMethod === C.IP_VS_CONN_F_TUNNEL) {
    const t = d.tunnel ?? { type: 'ipip' };
    out.tunType = TUN_TYPES[t.type];
    if (t.type === 'gue') out.tunPort = t.port ?? 0;
    if (t.type !== 'ipip') out.tunFlags = TUN_CSUM[t.checksum ?? 'nocsum'];
  }
  return out;
}

function familyNumber(f: IpFamily | undefined): number {
  return f === 'ipv6' ? AF_INET6 : AF_INET;
}

/** Turns the desired table into kernel services keyed by serviceKey (groups and ranges expanded). */
export function expandDesiredTable(table: DesiredTable): Expansion {
  const services = new Map<string, ExpandedService>();
  const problems: string[] = [];
  const add = (vs: DesiredVirtualServer, af: number, identity: Pick<IpvsService, 'fwmark' | 'protocol' | 'address' | 'port'>, label: string): void => {
    const service = buildService(vs, af, identity);
    const key = serviceKey(service);
    if (services.has(key)) {
      problems.push(`${label}: duplicate virtual service ${key} ignored`);
      return;
    }
    const dests = new Map<string, IpvsDest>();
    for (const d of vs.destinations) {
      let dest: IpvsDest;
      try {
        dest = buildDest(d, identity.port, identity.fwmark !== 0);
      } catch (e) {
        problems.push(`${label}: destination ${d.address}: ${(e as Error).message}`);
        continue;
      }
      const dk = destKey(dest);
      if (dests.has(dk)) problems.push(`${label}: duplicate destination ${dk} ignored`);
      else dests.set(dk, dest);
    }
    services.set(key, { key, service, dests });
  };
  table.virtualServers.forEach((vs, i) => {
    const label = `virtual server #${i + 1}`;
    try {
      if (vs.group) {
        for (const e of vs.group) {
          if ('fwmark' in e) {
            add(vs, e.family ? familyNumber(e.family) : familyNumber(vs.family), { fwmark: e.fwmark, protocol: 0, address: '', port: 0 }, label);
          } else {
            if (!vs.protocol) throw new RangeError('a group with address entries needs a protocol');
            for (const address of expandAddressRange(e.address, e.rangeEnd)) {
              const af = afOf(address);
              add(vs, af, { fwmark: 0, protocol: PROTOCOLS[vs.protocol], address, port: e.port }, label);
            }
          }
        }
      } else if (vs.fwmark) {
        const af = familyNumber(vs.family);
        add(vs, af, { fwmark: vs.fwmark, protocol: 0, address: af === AF_INET6 ? '::' : '0.0.0.0', port: 0 }, label);
      } else {
        if (!vs.address || vs.port === undefined || !vs.protocol) throw new RangeError('needs address, port and protocol, or fwmark, or group');
        const af = afOf(vs.address);
        add(vs, af, { fwmark: 0, protocol: PROTOCOLS[vs.protocol], address: canonicalAddress(af, vs.address), port: vs.port }, label);
      }
    } catch (e) {
      problems.push(`${label}: ${(e as Error).message}`);
    }
  });
  // Fwmark identities carry the family's any-address, like the kernel reports them.
  for (const s of services.values()) {
    if (s.service.fwmark) s.service.address = s.service.af === AF_INET6 ? '::' : '0.0.0.0';
  }
  return { services, problems };
}

/** Service attributes differ in a way SET_SERVICE fixes (HASHED is the kernel's own bit). */
export function serviceDiffers(want: IpvsService, have: IpvsService): boolean {
  const mask = ~C.IP_VS_SVC_F_HASHED;
  return (want.scheduler ?? '') !== (have.scheduler ?? '')
    || ((want.flags ?? 0) & mask) !== ((have.flags ?? 0) & mask)
    || (want.timeout ?? 0) !== (have.timeout ?? 0)
    || (want.netmask ?? 0) >>> 0 !== (have.netmask ?? 0) >>> 0
    || (want.peName ?? '') !== (have.peName ?? '');
}

/** Destination attributes differ in a way SET_DEST fixes (tunnel fields only count for TUN). */
export function destDiffers(want: IpvsDest, have: IpvsDest): boolean {
  if (want.fwdMethod !== have.fwdMethod || want.weight !== have.weight
    || want.upperThreshold !== have.upperThreshold || want.lowerThreshold !== have.lowerThreshold) return true;
  if (want.fwdMethod !== C.IP_VS_CONN_F_TUNNEL) return false;
  const type = want.tunType ?? 0;
  if (type !== (have.tunType ?? 0)) return true;
  if (type === C.IP_VS_CONN_F_TUNNEL_TYPE_GUE && (want.tunPort ?? 0) !== (have.tunPort ?? 0)) return true;
  return type !== C.IP_VS_CONN_F_TUNNEL_TYPE_IPIP && (want.tunFlags ?? 0) !== (have.tunFlags ?? 0);
}
