// IPVS generic-netlink messages (<linux/ip_vs.h>): services, destinations,
// sync daemon, timeouts, info. Requests are laid out attribute for attribute
// as keepalived 2.2.7 / libnl write them (test/fixtures has its real bytes);
// replies as the kernel's ip_vs_genl_fill_*() write them.
import {
  AF_INET, AF_INET6, AttrWriter, StrictAttrSet, bytesToIpv4, bytesToIpv6, ipv4ToBytes, ipv6ToBytes, type NlHeader,
} from '@keepalived-ts/native';
import * as C from './constants.js';
import type { GenlMessage } from './genl.js';

/** Packet/byte counters; the 32-bit nest (STATS) has u32 counts and rates, STATS64 only u64. */
export interface IpvsStats {
  conns: bigint; inpkts: bigint; outpkts: bigint; inbytes: bigint; outbytes: bigint;
  cps: bigint; inpps: bigint; outpps: bigint; inbps: bigint; outbps: bigint;
}

/**
 * A virtual service. Identity is (af, fwmark) when fwmark != 0, else
 * (af, protocol, address, port). The rest is optional so that identity-only
 * requests (GET_DEST) encode exactly as keepalived sends them.
 */
export interface IpvsService {
  af: number;
  fwmark: number;
  protocol: number;
  /** Text address; '0.0.0.0' / '::' for fwmark services. */
  address: string;
  port: number;
  scheduler?: string;
  peName?: string;
  /** IP_VS_SVC_F_* bits. */
  flags?: number;
  /** Which flag bits to change; requests send ~0 like keepalived. */
  flagsMask?: number;
  /** Persistence timeout in seconds. */
  timeout?: number;
  /** IPv4: the mask as a number (0xffffff00 for /24); IPv6: a prefix length. */
  netmask?: number;
  stats?: IpvsStats;
  stats64?: IpvsStats;
}

export interface IpvsDest {
  /** IPVS_DEST_ATTR_ADDR_FAMILY; decoding falls back to the service's family. */
  af: number;
  address: string;
  port: number;
  /** IP_VS_CONN_F_MASQ / _TUNNEL / _DROUTE (the FWD_MASK bits). */
  fwdMethod: number;
  weight: number;
  upperThreshold: number;
  lowerThreshold: number;
  tunType?: number;
  tunPort?: number;
  tunFlags?: number;
  activeConns?: number;
  inactConns?: number;
  persistConns?: number;
  stats?: IpvsStats;
  stats64?: IpvsStats;
}

export interface IpvsDaemon {
  state: number;
  mcastIfn?: string;
  syncId: number;
  syncMaxLen?: number;
  /** IPv4 or IPv6 multicast group text. */
  mcastGroup?: string;
  mcastPort?: number;
  mcastTtl?: number;
}

/** Connection timeouts in seconds (lvs_timeouts tcp / tcpfin / udp). */
export interface IpvsTimeouts { tcp?: number; tcpFin?: number; udp?: number }

export interface IpvsInfo { version: number; connTabSize: number }

/** Everything an IPVS message can carry; which parts matter depends on cmd. */
export interface IpvsBody {
  service?: IpvsService;
  dest?: IpvsDest;
  daemon?: IpvsDaemon;
  timeouts?: IpvsTimeouts;
  /** Only in IPVS_CMD_SET_INFO (the GET_INFO reply). */
  info?: IpvsInfo;
}

export interface IpvsMessage extends NlHeader, IpvsBody {
  cmd: number;
  version: number;
}

/** Which layout to write: what keepalived sends, or what the kernel answers. */
export type Layout = 'request' | 'kernel';

const STATS_FIELDS = ['conns', 'inpkts', 'outpkts', 'inbytes', 'outbytes', 'cps', 'inpps', 'outpps', 'inbps', 'outbps'] as const;
// STATS (32-bit nest): byte counters are u64, everything else u32.
const STATS_IS_U64 = [false, false, false, true, true, false, false, false, false, false];

export function emptyStats(): IpvsStats {
  return { conns: 0n, inpkts: 0n, outpkts: 0n, inbytes: 0n, outbytes: 0n, cps: 0n, inpps: 0n, outpps: 0n, inbps: 0n, outbps: 0n };
}

function writeStats(w: AttrWriter, type: number, s: IpvsStats, all64: boolean): void {
  w.nested(type, (n) => {
    STATS_FIELDS.forEach((f, i) => {
      if (all64 || STATS_IS_U64[i]) n.u64(i + 1, s[f]);
      else n.u32(i + 1, Number(s[f]));
    });
  }, true);
}

function readStats(a: StrictAttrSet, all64: boolean): IpvsStats {
  const s = emptyStats();
  STATS_FIELDS.forEach((f, i) => {
    const wide = all64 || STATS_IS_U64[i];
    const v = wide ? a.u64(i + 1) : a.u32(i + 1);
    if (v !== undefined) s[f] = BigInt(v);
  });
  return s;
}

/** nf_inet_addr: always 16 bytes on the wire (an IPv4 address fills the first 4). */
export function encodeInetAddr(af: number, address: string): Buffer {
  const out = Buffer.alloc(16);
  (af === AF_INET6 ? ipv6ToBytes(address) : ipv4ToBytes(address)).copy(out);
  return out;
}

export function decodeInetAddr(af: number, data: Buffer): string {
  if (af === AF_INET6) {
    if (data.length < 16) throw new RangeError(`IPv6 address attribute has ${data.length} bytes`);
    return bytesToIpv6(data);
  }
  if (data.length < 4) throw new RangeError(`IPv4 address attribute has ${data.length} bytes`);
  return bytesToIpv4(data);
}

function netmaskBytes(af: number, netmask: number): Buffer {
  const b = Buffer.alloc(4);
  // IPv4 masks are __be32; an IPv6 "mask" is a prefix length the kernel reads as a plain u32.
  if (af === AF_INET6) b.writeUInt32LE(netmask >>> 0);
  else b.writeUInt32BE(netmask >>> 0);
  return b;
}

export function writeService(w: AttrWriter, s: IpvsService): void {
  w.nested(C.IPVS_CMD_ATTR_SERVICE, (n) => {
    n.u16(C.IPVS_SVC_ATTR_AF, s.af);
    if (s.fwmark) {
      n.u32(C.IPVS_SVC_ATTR_FWMARK, s.fwmark);
    } else {
      n.u16(C.IPVS_SVC_ATTR_PROTOCOL, s.protocol);
      n.raw(C.IPVS_SVC_ATTR_ADDR, encodeInetAddr(s.af, s.address));
      n.be16(C.IPVS_SVC_ATTR_PORT, s.port);
    }
    if (s.scheduler !== undefined) n.str(C.IPVS_SVC_ATTR_SCHED_NAME, s.scheduler);
    if (s.peName) n.str(C.IPVS_SVC_ATTR_PE_NAME, s.peName);
    if (s.flags !== undefined) {
      const f = Buffer.alloc(8);
      f.writeUInt32LE(s.flags >>> 0, 0);
      f.writeUInt32LE((s.flagsMask ?? 0xffffffff) >>> 0, 4);
      n.raw(C.IPVS_SVC_ATTR_FLAGS, f);
    }
    if (s.timeout !== undefined) n.u32(C.IPVS_SVC_ATTR_TIMEOUT, s.timeout);
    if (s.netmask !== undefined) n.raw(C.IPVS_SVC_ATTR_NETMASK, netmaskBytes(s.af, s.netmask));
    if (s.stats) writeStats(n, C.IPVS_SVC_ATTR_STATS, s.stats, false);
    if (s.stats64) writeStats(n, C.IPVS_SVC_ATTR_STATS64, s.stats64, true);
  }, true);
}

/** Why a service nest cannot identify a service, or undefined. */
export function validateServiceAttrs(a: StrictAttrSet): string | undefined {
  const af = a.u16(C.IPVS_SVC_ATTR_AF);
  if (af === undefined) return 'service has no IPVS_SVC_ATTR_AF';
  if (af !== AF_INET && af !== AF_INET6) return `service address family ${af} is neither AF_INET nor AF_INET6`;
  if (a.has(C.IPVS_SVC_ATTR_FWMARK)) return undefined;
  for (const [t, name] of [[C.IPVS_SVC_ATTR_PROTOCOL, 'PROTOCOL'], [C.IPVS_SVC_ATTR_ADDR, 'ADDR'], [C.IPVS_SVC_ATTR_PORT, 'PORT']] as const) {
    if (!a.has(t)) return `service without FWMARK has no IPVS_SVC_ATTR_${name}`;
  }
  const addr = a.get(C.IPVS_SVC_ATTR_ADDR)!;
  if (addr.length < (af === AF_INET6 ? 16 : 4)) return `service address attribute has ${addr.length} bytes`;
  const flags = a.get(C.IPVS_SVC_ATTR_FLAGS);
  if (flags && flags.length !== 8) return `service flags attribute has ${flags.length} bytes, needs 8`;
  return undefined;
}

export function readService(a: StrictAttrSet): IpvsService {
  const reason = validateServiceAttrs(a);
  if (reason) throw new RangeError(reason);
  const af = a.u16(C.IPVS_SVC_ATTR_AF)!;
  const fwmark = a.u32(C.IPVS_SVC_ATTR_FWMARK) ?? 0;
  const s: IpvsService = fwmark
    ? { af, fwmark, protocol: 0, address: af === AF_INET6 ? '::' : '0.0.0.0', port: 0 }
    : {
      af, fwmark: 0,
      protocol: a.u16(C.IPVS_SVC_ATTR_PROTOCOL)!,
      address: decodeInetAddr(af, a.get(C.IPVS_SVC_ATTR_ADDR)!),
      port: a.be16(C.IPVS_SVC_ATTR_PORT)!,
    };
  const sched = a.str(C.IPVS_SVC_ATTR_SCHED_NAME);
  if (sched !== undefined) s.scheduler = sched;
  const pe = a.str(C.IPVS_SVC_ATTR_PE_NAME);
  if (pe !== undefined) s.peName = pe;
  const flags = a.get(C.IPVS_SVC_ATTR_FLAGS);
  if (flags) {
    s.flags = flags.readUInt32LE(0);
    s.flagsMask = flags.readUInt32LE(4);
  }
  const timeout = a.u32(C.IPVS_SVC_ATTR_TIMEOUT);
  if (timeout !== undefined) s.timeout = timeout;
  const nm = a.get(C.IPVS_SVC_ATTR_NETMASK);
  if (nm && nm.length >= 4) s.netmask = af === AF_INET6 ? nm.readUInt32LE(0) : nm.readUInt32BE(0);
  const st = a.nested(C.IPVS_SVC_ATTR_STATS);
  if (st) s.stats = readStats(st, false);
  const st64 = a.nested(C.IPVS_SVC_ATTR_STATS64);
  if (st64) s.stats64 = readStats(st64, true);
  return s;
}

export function writeDest(w: AttrWriter, d: IpvsDest, layout: Layout): void {
  w.nested(C.IPVS_CMD_ATTR_DEST, (n) => {
    if (layout === 'request') n.u16(C.IPVS_DEST_ATTR_ADDR_FAMILY, d.af);
    n.raw(C.IPVS_DEST_ATTR_ADDR, encodeInetAddr(d.af, d.address));
    n.be16(C.IPVS_DEST_ATTR_PORT, d.port);
    n.u32(C.IPVS_DEST_ATTR_FWD_METHOD, d.fwdMethod & C.IP_VS_CONN_F_FWD_MASK);
    n.u32(C.IPVS_DEST_ATTR_WEIGHT, d.weight);
    if (d.tunType !== undefined) n.u8(C.IPVS_DEST_ATTR_TUN_TYPE, d.tunType);
    if (d.tunPort !== undefined) n.be16(C.IPVS_DEST_ATTR_TUN_PORT, d.tunPort);
    if (d.tunFlags !== undefined) n.u16(C.IPVS_DEST_ATTR_TUN_FLAGS, d.tunFlags);
    n.u32(C.IPVS_DEST_ATTR_U_THRESH, d.upperThreshold);
    n.u32(C.IPVS_DEST_ATTR_L_THRESH, d.lowerThreshold);
    if (d.activeConns !== undefined) n.u32(C.IPVS_DEST_ATTR_ACTIVE_CONNS, d.activeConns);
    if (d.inactConns !== undefined) n.u32(C.IPVS_DEST_ATTR_INACT_CONNS, d.inactConns);
    if (d.persistConns !== undefined) n.u32(C.IPVS_DEST_ATTR_PERSIST_CONNS, d.persistConns);
    if (layout === 'kernel') n.u16(C.IPVS_DEST_ATTR_ADDR_FAMILY, d.af);
    if (d.stats) writeStats(n, C.IPVS_DEST_ATTR_STATS, d.stats, false);
    if (d.stats64) writeStats(n, C.IPVS_DEST_ATTR_STATS64, d.stats64, true);
  }, true);
}

/** Why a destination nest is unusable, or undefined. */
export function validateDestAttrs(a: StrictAttrSet, serviceAf: number): string | undefined {
  const af = a.u16(C.IPVS_DEST_ATTR_ADDR_FAMILY) ?? serviceAf;
  if (af !== AF_INET && af !== AF_INET6) return `destination address family ${af} is neither AF_INET nor AF_INET6`;
  const addr = a.get(C.IPVS_DEST_ATTR_ADDR);
  if (!addr) return 'destination has no IPVS_DEST_ATTR_ADDR';
  if (addr.length < (af === AF_INET6 ? 16 : 4)) return `destination address attribute has ${addr.length} bytes`;
  if (!a.has(C.IPVS_DEST_ATTR_PORT)) return 'destination has no IPVS_DEST_ATTR_PORT';
  return undefined;
}

export function readDest(a: StrictAttrSet, serviceAf: number): IpvsDest {
  const reason = validateDestAttrs(a, serviceAf);
  if (reason) throw new RangeError(reason);
  const af = a.u16(C.IPVS_DEST_ATTR_ADDR_FAMILY) ?? serviceAf;
  const d: IpvsDest = {
    af,
    address: decodeInetAddr(af, a.get(C.IPVS_DEST_ATTR_ADDR)!),
    port: a.be16(C.IPVS_DEST_ATTR_PORT)!,
    fwdMethod: (a.u32(C.IPVS_DEST_ATTR_FWD_METHOD) ?? 0) & C.IP_VS_CONN_F_FWD_MASK,
    weight: a.s32(C.IPVS_DEST_ATTR_WEIGHT) ?? 0,
    upperThreshold: a.u32(C.IPVS_DEST_ATTR_U_THRESH) ?? 0,
    lowerThreshold: a.u32(C.IPVS_DEST_ATTR_L_THRESH) ?? 0,
  };
  const opt = (key: 'tunType' | 'tunPort' | 'tunFlags' | 'activeConns' | 'inactConns' | 'persistConns', v: number | undefined): void => {
    if (v !== undefined) d[key] = v;
  };
  opt('tunType', a.u8(C.IPVS_DEST_ATTR_TUN_TYPE));
  opt('tunPort', a.be16(C.IPVS_DEST_ATTR_TUN_PORT));
  opt('tunFlags', a.u16(C.IPVS_DEST_ATTR_TUN_FLAGS));
  opt('activeConns', a.u32(C.IPVS_DEST_ATTR_ACTIVE_CONNS));
  opt('inactConns', a.u32(C.IPVS_DEST_ATTR_INACT_CONNS));
  opt('persistConns', a.u32(C.IPVS_DEST_ATTR_PERSIST_CONNS));
  const st = a.nested(C.IPVS_DEST_ATTR_STATS);
  if (st) d.stats = readStats(st, false);
  const st64 = a.nested(C.IPVS_DEST_ATTR_STATS64);
  if (st64) d.stats64 = readStats(st64, true);
  return d;
}

export function writeDaemon(w: AttrWriter, d: IpvsDaemon): void {
  w.nested(C.IPVS_CMD_ATTR_DAEMON, (n) => {
    n.s32(C.IPVS_DAEMON_ATTR_STATE, d.state);
    if (d.mcastIfn !== undefined) n.str(C.IPVS_DAEMON_ATTR_MCAST_IFN, d.mcastIfn);
    n.s32(C.IPVS_DAEMON_ATTR_SYNC_ID, d.syncId);
    if (d.syncMaxLen) n.u16(C.IPVS_DAEMON_ATTR_SYNC_MAXLEN, d.syncMaxLen);
    // The port goes in host order (the kernel does htons itself), unlike service ports.
    if (d.mcastPort) n.u16(C.IPVS_DAEMON_ATTR_MCAST_PORT, d.mcastPort);
    if (d.mcastTtl) n.u8(C.IPVS_DAEMON_ATTR_MCAST_TTL, d.mcastTtl);
    if (d.mcastGroup !== undefined) {
      if (d.mcastGroup.includes(':')) n.raw(C.IPVS_DAEMON_ATTR_MCAST_GROUP6, ipv6ToBytes(d.mcastGroup));
      else n.raw(C.IPVS_DAEMON_ATTR_MCAST_GROUP, ipv4ToBytes(d.mcastGroup));
    }
  }, true);
}

export function readDaemon(a: StrictAttrSet): IpvsDaemon {
  const state = a.s32(C.IPVS_DAEMON_ATTR_STATE);
  const syncId = a.s32(C.IPVS_DAEMON_ATTR_SYNC_ID);
  if (state === undefined) throw new RangeError('daemon has no IPVS_DAEMON_ATTR_STATE');
  if (syncId === undefined) throw new RangeError('daemon has no IPVS_DAEMON_ATTR_SYNC_ID');
  const d: IpvsDaemon = { state, syncId };
  const ifn = a.str(C.IPVS_DAEMON_ATTR_MCAST_IFN);
  if (ifn !== undefined) d.mcastIfn = ifn;
  const maxlen = a.u16(C.IPVS_DAEMON_ATTR_SYNC_MAXLEN);
  if (maxlen !== undefined) d.syncMaxLen = maxlen;
  const port = a.u16(C.IPVS_DAEMON_ATTR_MCAST_PORT);
  if (port !== undefined) d.mcastPort = port;
  const ttl = a.u8(C.IPVS_DAEMON_ATTR_MCAST_TTL);
  if (ttl !== undefined) d.mcastTtl = ttl;
  const g4 = a.get(C.IPVS_DAEMON_ATTR_MCAST_GROUP);
  const g6 = a.get(C.IPVS_DAEMON_ATTR_MCAST_GROUP6);
  if (g6 && g6.length >= 16) d.mcastGroup = bytesToIpv6(g6);
  else if (g4 && g4.length >= 4) d.mcastGroup = bytesToIpv4(g4);
  return d;
}

/** The attribute stream of a message body; which parts are written follows from what is set. */
export function encodeIpvsAttrs(body: IpvsBody, cmd: number, layout: Layout = 'request'): Buffer {
  const w = new AttrWriter();
  if (cmd === C.IPVS_CMD_SET_INFO) {
    if (body.info) w.u32(C.IPVS_INFO_ATTR_VERSION, body.info.version).u32(C.IPVS_INFO_ATTR_CONN_TAB_SIZE, body.info.connTabSize);
    return w.toBuffer();
  }
  if (body.service) writeService(w, body.service);
  if (body.dest) writeDest(w, body.dest, layout);
  if (body.daemon) writeDaemon(w, body.daemon);
  const t = body.timeouts;
  if (t) {
    if (t.tcp !== undefined) w.u32(C.IPVS_CMD_ATTR_TIMEOUT_TCP, t.tcp);
    if (t.tcpFin !== undefined) w.u32(C.IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, t.tcpFin);
    if (t.udp !== undefined) w.u32(C.IPVS_CMD_ATTR_TIMEOUT_UDP, t.udp);
  }
  return w.toBuffer();
}

/** `destAf` is the family assumed for a destination that does not state its own (old kernels). */
export function decodeIpvsAttrs(cmd: number, attrs: Buffer, destAf = AF_INET): IpvsBody {
  const a = StrictAttrSet.decode(attrs);
  if (cmd === C.IPVS_CMD_SET_INFO) {
    const version = a.u32(C.IPVS_INFO_ATTR_VERSION);
    const connTabSize = a.u32(C.IPVS_INFO_ATTR_CONN_TAB_SIZE);
    if (version === undefined || connTabSize === undefined) throw new RangeError('IPVS info reply lacks VERSION or CONN_TAB_SIZE');
    return { info: { version, connTabSize } };
  }
  const body: IpvsBody = {};
  const svc = a.nested(C.IPVS_CMD_ATTR_SERVICE);
  if (svc) body.service = readService(svc);
  const dest = a.nested(C.IPVS_CMD_ATTR_DEST);
  // A dump reply carries the destination alone; the dump request named the service.
  if (dest) body.dest = readDest(dest, body.service?.af ?? destAf);
  const daemon = a.nested(C.IPVS_CMD_ATTR_DAEMON);
  if (daemon) body.daemon = readDaemon(daemon);
  const tcp = a.u32(C.IPVS_CMD_ATTR_TIMEOUT_TCP);
  const tcpFin = a.u32(C.IPVS_CMD_ATTR_TIMEOUT_TCP_FIN);
  const udp = a.u32(C.IPVS_CMD_ATTR_TIMEOUT_UDP);
  if (tcp !== undefined || tcpFin !== undefined || udp !== undefined) {
    body.timeouts = {};
    if (tcp !== undefined) body.timeouts.tcp = tcp;
    if (tcpFin !== undefined) body.timeouts.tcpFin = tcpFin;
    if (udp !== undefined) body.timeouts.udp = udp;
  }
  return body;
}

export function toGenlMessage(m: IpvsMessage, layout: Layout = 'request'): GenlMessage {
  return { type: m.type, flags: m.flags, seq: m.seq, pid: m.pid, cmd: m.cmd, version: m.version, attrs: encodeIpvsAttrs(m, m.cmd, layout) };
}

export function fromGenlMessage(g: GenlMessage, destAf = AF_INET): IpvsMessage {
  return { type: g.type, flags: g.flags, seq: g.seq, pid: g.pid, cmd: g.cmd, version: g.version, ...decodeIpvsAttrs(g.cmd, g.attrs, destAf) };
}
