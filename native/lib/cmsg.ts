import {
  IP_PKTINFO, IP_TTL, IPPROTO_IP, IPPROTO_IPV6, IPV6_HOPLIMIT, IPV6_PKTINFO,
} from './constants.js';
import { bytesToIpv4, bytesToIpv6, ipv4ToBytes, ipv6ToBytes } from './inet.js';

// struct cmsghdr on 64-bit Linux: size_t cmsg_len; int cmsg_level; int
// cmsg_type; then the data, each message padded to 8 bytes.
const CMSG_HDR_LEN = 16;
const align = (n: number): number => (n + 7) & ~7;

/** CMSG_SPACE: bytes one control message with `dataLen` bytes of data occupies. */
export function cmsgSpace(dataLen: number): number {
  return CMSG_HDR_LEN + align(dataLen);
}

export interface Cmsg { level: number; type: number; data: Buffer }

export function encodeCmsgs(msgs: readonly Cmsg[]): Buffer {
  const buf = Buffer.alloc(msgs.reduce((n, m) => n + cmsgSpace(m.data.length), 0));
  let off = 0;
  for (const m of msgs) {
    buf.writeBigUInt64LE(BigInt(CMSG_HDR_LEN + m.data.length), off);
    buf.writeInt32LE(m.level, off + 8);
    buf.writeInt32LE(m.type, off + 12);
    m.data.copy(buf, off + CMSG_HDR_LEN);
    off += cmsgSpace(m.data.length);
  }
  return buf;
}

/** Splits raw control bytes; a truncated tail (MSG_CTRUNC) is dropped. */
export function decodeCmsgs(buf: Buffer, offset = 0, end = buf.length): Cmsg[] {
  const out: Cmsg[] = [];
  let off = offset;
  while (end - off >= CMSG_HDR_LEN) {
    const len = Number(buf.readBigUInt64LE(off));
    if (len < CMSG_HDR_LEN || off + len > end) break;
    out.push({
      level: buf.readInt32LE(off + 8),
      type: buf.readInt32LE(off + 12),
      data: Buffer.from(buf.subarray(off + CMSG_HDR_LEN, off + len)),
    });
    off += align(len);
  }
  return out;
}

/** struct in_pktinfo { int ifindex; in_addr spec_dst; in_addr addr; } */
export interface InPktinfo { ifindex: number; specDst: string; addr: string }
/** struct in6_pktinfo { in6_addr addr; int ifindex; } */
export interface In6Pktinfo { addr: string; ifindex: number }

export function encodeInPktinfo(p: InPktinfo): Buffer {
  const buf = Buffer.alloc(12);
  buf.writeInt32LE(p.ifindex, 0);
  ipv4ToBytes(p.specDst).copy(buf, 4);
  ipv4ToBytes(p.addr).copy(buf, 8);
  return buf;
}

export function decodeInPktinfo(buf: Buffer, offset = 0): InPktinfo {
  if (buf.length - offset < 12) throw new RangeError('in_pktinfo needs 12 bytes');
  return { ifindex: buf.readInt32LE(offset), specDst: bytesToIpv4(buf, offset + 4), addr: bytesToIpv4(buf, offset + 8) };
}

export function encodeIn6Pktinfo(p: In6Pktinfo): Buffer {
  const buf = Buffer.alloc(20);
  ipv6ToBytes(p.addr).copy(buf, 0);
  buf.writeInt32LE(p.ifindex, 16);
  return buf;
}

export function decodeIn6Pktinfo(buf: Buffer, offset = 0): In6Pktinfo {
  if (buf.length - offset < 20) throw new RangeError('in6_pktinfo needs 20 bytes');
  return { addr: bytesToIpv6(buf, offset), ifindex: buf.readInt32LE(offset + 16) };
}

function intData(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(v, 0);
  return b;
}

/** IPV6_HOPLIMIT control message for sendmsg (per-packet hop limit). */
export function hopLimitCmsg(hopLimit: number): Cmsg {
  return { level: IPPROTO_IPV6, type: IPV6_HOPLIMIT, data: intData(hopLimit) };
}

export function inPktinfoCmsg(p: InPktinfo): Cmsg {
  return { level: IPPROTO_IP, type: IP_PKTINFO, data: encodeInPktinfo(p) };
}

export function in6PktinfoCmsg(p: In6Pktinfo): Cmsg {
  return { level: IPPROTO_IPV6, type: IPV6_PKTINFO, data: encodeIn6Pktinfo(p) };
}

/** What the kernel told us about a received datagram (IP_RECVTTL/IP_PKTINFO and IPv6 twins). */
export interface ReceiveInfo {
  /** IPv4 TTL or IPv6 hop limit. */
  ttl?: number;
  ifindex?: number;
  /** Destination address of the datagram. */
  dst?: string;
}

/** Reads TTL/hop limit and pktinfo out of recvmsg control bytes. */
export function parseReceiveInfo(control: Buffer): ReceiveInfo {
  const info: ReceiveInfo = {};
  for (const m of decodeCmsgs(control)) {
    if (m.level === IPPROTO_IP && m.type === IP_TTL && m.data.length >= 4) info.ttl = m.data.readInt32LE(0);
    else if (m.level === IPPROTO_IPV6 && m.type === IPV6_HOPLIMIT && m.data.length >= 4) info.ttl = m.data.readInt32LE(0);
    else if (m.level === IPPROTO_IP && m.type === IP_PKTINFO && m.data.length >= 12) {
      const p = decodeInPktinfo(m.data);
      info.ifindex = p.ifindex;
      info.dst = p.addr;
    } else if (m.level === IPPROTO_IPV6 && m.type === IPV6_PKTINFO && m.data.length >= 20) {
      const p = decodeIn6Pktinfo(m.data);
      info.ifindex = p.ifindex;
      info.dst = p.addr;
    }
  }
  return info;
}
