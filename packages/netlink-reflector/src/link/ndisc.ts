import { ipv6ToBytes, bytesToIpv6 } from '@keepalived-ts/native';
import { ipv6PayloadChecksum } from './checksum.js';
import { formatMac, ipv6MulticastMac, parseMac } from './mac.js';

// Ethernet (14) + IPv6 (40) + Neighbor Advertisement (24) + target
// link-layer address option (8) = 86 bytes.
export const NA_FRAME_LEN = 86;
export const ETHERTYPE_IPV6 = 0x86dd;
export const IPPROTO_ICMPV6 = 58;
export const ND_NEIGHBOR_ADVERT = 136;
export const ND_OPT_TARGET_LINKADDR = 2;
export const ND_NA_FLAG_ROUTER = 0x80000000;
export const ND_NA_FLAG_SOLICITED = 0x40000000;
export const ND_NA_FLAG_OVERRIDE = 0x20000000;
/** RFC 4861: ND messages carry hop limit 255 so receivers can reject off-link forgeries. */
export const NDISC_HOP_LIMIT = 255;
export const ALL_NODES = 'ff02::1';

export interface NeighborAdvertFrame {
  dstMac: string;
  srcMac: string;
  src: string;
  dst: string;
  hopLimit: number;
  router: boolean;
  solicited: boolean;
  override: boolean;
  target: string;
  /** Target link-layer address option, if present. */
  targetMac?: string;
  checksum: number;
}

/**
 * keepalived's unsolicited NA: from the VIP to ff02::1 (33:33:00:00:00:01),
 * hop limit 255, traffic class and flow label 0, Override set, Router set
 * only when IPv6 forwarding is on for the interface, with the target
 * link-layer address option carrying the interface MAC.
 */
export function unsolicitedNa(mac: string, vip: string, router: boolean): Omit<NeighborAdvertFrame, 'checksum'> {
  return {
    dstMac: formatMac(ipv6MulticastMac(ipv6ToBytes(ALL_NODES))), srcMac: mac,
    src: vip, dst: ALL_NODES, hopLimit: NDISC_HOP_LIMIT,
    router, solicited: false, override: true, target: vip, targetMac: mac,
  };
}

/** Encodes the frame and computes the ICMPv6 checksum (any checksum field given is ignored). */
export function encodeNeighborAdvert(
  f: Omit<NeighborAdvertFrame, 'checksum'>, out?: Buffer, offset = 0,
): Buffer {
  const icmpLen = 24 + (f.targetMac ? 8 : 0);
  const total = 14 + 40 + icmpLen;
  const buf = out ?? Buffer.alloc(total);
  if (buf.length - offset < total) throw new RangeError(`NA frame needs ${total} bytes`);
  buf.fill(0, offset, offset + total);
  parseMac(f.dstMac).copy(buf, offset);
  parseMac(f.srcMac).copy(buf, offset + 6);
  buf.writeUInt16BE(ETHERTYPE_IPV6, offset + 12);
  const ip = offset + 14;
  buf.writeUInt32BE(0x60000000, ip);
  buf.writeUInt16BE(icmpLen, ip + 4);
  buf.writeUInt8(IPPROTO_ICMPV6, ip + 6);
  buf.writeUInt8(f.hopLimit, ip + 7);
  const src = ipv6ToBytes(f.src);
  const dst = ipv6ToBytes(f.dst);
  src.copy(buf, ip + 8);
  dst.copy(buf, ip + 24);
  const icmp = ip + 40;
  buf.writeUInt8(ND_NEIGHBOR_ADVERT, icmp);
  const flags = (f.router ? ND_NA_FLAG_ROUTER : 0) | (f.solicited ? ND_NA_FLAG_SOLICITED : 0)
    | (f.override ? ND_NA_FLAG_OVERRIDE : 0);
  buf.writeUInt32BE(flags >>> 0, icmp + 4);
  ipv6ToBytes(f.target).copy(buf, icmp + 8);
  if (f.targetMac) {
    buf.writeUInt8(ND_OPT_TARGET_LINKADDR, icmp + 24);
    buf.writeUInt8(1, icmp + 25);
    parseMac(f.targetMac).copy(buf, icmp + 26);
  }
  buf.writeUInt16BE(ipv6PayloadChecksum(src, dst, IPPROTO_ICMPV6, buf, icmp, icmp + icmpLen), icmp + 2);
  return buf;
}

/** Why the bytes are not a well-formed Ethernet/IPv6 Neighbor Advertisement, or null. */
export function checkNeighborAdvert(buf: Buffer, offset = 0): string | null {
  if (buf.length - offset < 14 + 40 + 24) return 'frame too short for a neighbor advertisement';
  if (buf.readUInt16BE(offset + 12) !== ETHERTYPE_IPV6) return 'ethertype is not IPv6';
  const ip = offset + 14;
  if (buf[ip]! >> 4 !== 6) return 'IP version is not 6';
  if (buf[ip + 6] !== IPPROTO_ICMPV6) return `next header ${buf[ip + 6]} is not ICMPv6`;
  const payloadLen = buf.readUInt16BE(ip + 4);
  if (payloadLen < 24 || ip + 40 + payloadLen > buf.length) return `bad payload length ${payloadLen}`;
  const icmp = ip + 40;
  if (buf[icmp] !== ND_NEIGHBOR_ADVERT || buf[icmp + 1] !== 0) return `ICMPv6 type ${buf[icmp]}/${buf[icmp + 1]} is not a neighbor advertisement`;
  const sum = ipv6PayloadChecksum(buf.subarray(ip + 8, ip + 24), buf.subarray(ip + 24, ip + 40), IPPROTO_ICMPV6,
    buf, icmp, icmp + payloadLen);
  if (sum !== 0) return 'bad ICMPv6 checksum';
  return null;
}

export function decodeNeighborAdvert(buf: Buffer, offset = 0): NeighborAdvertFrame {
  const reason = checkNeighborAdvert(buf, offset);
  if (reason) throw new RangeError(reason);
  const ip = offset + 14;
  const icmp = ip + 40;
  const end = icmp + buf.readUInt16BE(ip + 4);
  const flags = buf.readUInt32BE(icmp + 4);
  let targetMac: string | undefined;
  for (let o = icmp + 24; o + 2 <= end;) {
    const len = buf[o + 1]! * 8;
    if (len === 0 || o + len > end) break;
    if (buf[o] === ND_OPT_TARGET_LINKADDR && len >= 8) targetMac = formatMac(buf, o + 2);
    o += len;
  }
  const frame: NeighborAdvertFrame = {
    dstMac: formatMac(buf, offset),
    srcMac: formatMac(buf, offset + 6),
    src: bytesToIpv6(buf, ip + 8),
    dst: bytesToIpv6(buf, ip + 24),
    hopLimit: buf[ip + 7]!,
    router: (flags & ND_NA_FLAG_ROUTER) !== 0,
    solicited: (flags & ND_NA_FLAG_SOLICITED) !== 0,
    override: (flags & ND_NA_FLAG_OVERRIDE) !== 0,
    target: bytesToIpv6(buf, icmp + 8),
    checksum: buf.readUInt16BE(icmp + 2),
  };
  if (targetMac !== undefined) frame.targetMac = targetMac;
  return frame;
}
