import {
  AF_INET, AF_INET6, AF_NETLINK, AF_PACKET, AF_UNIX,
} from './constants.js';
import { bytesToIpv4, bytesToIpv6, ipv4ToBytes, ipv6ToBytes } from './inet.js';

// Byte layouts of the Linux socket addresses (sa_family is host order,
// which is little endian on every platform we build for; ports and
// protocols are network order).

export const SOCKADDR_IN_LEN = 16;
export const SOCKADDR_IN6_LEN = 28;
export const SOCKADDR_LL_LEN = 20;
export const SOCKADDR_NL_LEN = 12;

/** struct sockaddr_un for a filesystem path (e.g. /dev/log). */
export function encodeSockaddrUn(path: string): Buffer {
  const p = Buffer.from(path, 'utf8');
  if (p.length > 107) throw new RangeError(`unix socket path too long (${p.length} > 107): ${path}`);
  const buf = Buffer.alloc(2 + p.length + 1);
  buf.writeUInt16LE(AF_UNIX, 0);
  p.copy(buf, 2);
  return buf;
}

export interface SockaddrIn { family: typeof AF_INET; address: string; port: number }
export interface SockaddrIn6 { family: typeof AF_INET6; address: string; port: number; flowinfo: number; scopeId: number }
export interface SockaddrLl {
  family: typeof AF_PACKET;
  /** Ethertype, host number (e.g. ETH_P_ARP = 0x0806). */
  protocol: number;
  ifindex: number;
  hatype: number;
  pkttype: number;
  /** Hardware address bytes (halen of them). */
  addr: Buffer;
}
export interface SockaddrNl { family: typeof AF_NETLINK; pid: number; groups: number }
export interface SockaddrOther { family: number; raw: Buffer }
export type Sockaddr = SockaddrIn | SockaddrIn6 | SockaddrLl | SockaddrNl;

export function encodeSockaddrIn(address: string, port = 0): Buffer {
  const buf = Buffer.alloc(SOCKADDR_IN_LEN);
  buf.writeUInt16LE(AF_INET, 0);
  buf.writeUInt16BE(port, 2);
  ipv4ToBytes(address).copy(buf, 4);
  return buf;
}

export function encodeSockaddrIn6(address: string, port = 0, scopeId = 0, flowinfo = 0): Buffer {
  const buf = Buffer.alloc(SOCKADDR_IN6_LEN);
  buf.writeUInt16LE(AF_INET6, 0);
  buf.writeUInt16BE(port, 2);
  buf.writeUInt32BE(flowinfo, 4);
  ipv6ToBytes(address).copy(buf, 8);
  buf.writeUInt32LE(scopeId, 24);
  return buf;
}

/** struct sockaddr_ll; for bind() only protocol and ifindex matter, for sendto() also addr. */
export function encodeSockaddrLl(opts: {
  protocol: number; ifindex: number; hatype?: number; pkttype?: number; addr?: Buffer;
}): Buffer {
  const addr = opts.addr ?? Buffer.alloc(0);
  if (addr.length > 8) throw new RangeError(`hardware address too long: ${addr.length} bytes`);
  const buf = Buffer.alloc(SOCKADDR_LL_LEN);
  buf.writeUInt16LE(AF_PACKET, 0);
  buf.writeUInt16BE(opts.protocol, 2);
  buf.writeInt32LE(opts.ifindex, 4);
  buf.writeUInt16LE(opts.hatype ?? 0, 8);
  buf.writeUInt8(opts.pkttype ?? 0, 10);
  buf.writeUInt8(addr.length, 11);
  addr.copy(buf, 12);
  return buf;
}

/** struct sockaddr_nl; pid 0 lets the kernel pick the port id on bind. */
export function encodeSockaddrNl(pid = 0, groups = 0): Buffer {
  const buf = Buffer.alloc(SOCKADDR_NL_LEN);
  buf.writeUInt16LE(AF_NETLINK, 0);
  buf.writeUInt32LE(pid >>> 0, 4);
  buf.writeUInt32LE(groups >>> 0, 8);
  return buf;
}

function need(buf: Buffer, offset: number, len: number, what: string): void {
  if (buf.length - offset < len) throw new RangeError(`${what} needs ${len} bytes, have ${buf.length - offset}`);
}

export function decodeSockaddrIn(buf: Buffer, offset = 0): SockaddrIn {
  need(buf, offset, 8, 'sockaddr_in');
  return { family: AF_INET, port: buf.readUInt16BE(offset + 2), address: bytesToIpv4(buf, offset + 4) };
}

export function decodeSockaddrIn6(buf: Buffer, offset = 0): SockaddrIn6 {
  need(buf, offset, SOCKADDR_IN6_LEN, 'sockaddr_in6');
  return {
    family: AF_INET6,
    port: buf.readUInt16BE(offset + 2),
    flowinfo: buf.readUInt32BE(offset + 4),
    address: bytesToIpv6(buf, offset + 8),
    scopeId: buf.readUInt32LE(offset + 24),
  };
}

export function decodeSockaddrLl(buf: Buffer, offset = 0): SockaddrLl {
  need(buf, offset, 12, 'sockaddr_ll');
  const halen = Math.min(buf.readUInt8(offset + 11), 8, buf.length - offset - 12);
  return {
    family: AF_PACKET,
    protocol: buf.readUInt16BE(offset + 2),
    ifindex: buf.readInt32LE(offset + 4),
    hatype: buf.readUInt16LE(offset + 8),
    pkttype: buf.readUInt8(offset + 10),
    addr: Buffer.from(buf.subarray(offset + 12, offset + 12 + halen)),
  };
}

export function decodeSockaddrNl(buf: Buffer, offset = 0): SockaddrNl {
  need(buf, offset, SOCKADDR_NL_LEN, 'sockaddr_nl');
  return { family: AF_NETLINK, pid: buf.readUInt32LE(offset + 4), groups: buf.readUInt32LE(offset + 8) };
}

/** Decodes any address recvmsg/getsockname returns; unknown families come back raw. */
export function decodeSockaddr(buf: Buffer, offset = 0): Sockaddr | SockaddrOther {
  need(buf, offset, 2, 'sockaddr');
  const family = buf.readUInt16LE(offset);
  switch (family) {
    case AF_INET: return decodeSockaddrIn(buf, offset);
    case AF_INET6: return decodeSockaddrIn6(buf, offset);
    case AF_PACKET: return decodeSockaddrLl(buf, offset);
    case AF_NETLINK: return decodeSockaddrNl(buf, offset);
    default: return { family, raw: Buffer.from(buf.subarray(offset)) };
  }
}
