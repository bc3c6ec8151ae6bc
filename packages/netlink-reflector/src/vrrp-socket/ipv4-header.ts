import { bytesToIpv4, ipv4ToBytes } from '@keepalived-ts/native';
import { internetChecksum } from '../link/checksum.js';

export const IPV4_HEADER_LEN = 20;
/** keepalived's VRRP IPv4 header: TOS "internet network control" (precedence 6). */
export const VRRP_IP_TOS = 0xc0;
/** RFC 5798 5.1.1.3: VRRP is sent with TTL 255 and receivers drop anything else. */
export const VRRP_TTL = 255;
export const IP_FLAG_DF = 0x4000;

export interface Ipv4Header {
  /** Header length in bytes (20 without options). */
  headerLength: number;
  tos: number;
  totalLength: number;
  id: number;
  /** Flags and fragment offset as on the wire (0x4000 = DF). */
  fragOff: number;
  ttl: number;
  protocol: number;
  checksum: number;
  src: string;
  dst: string;
}

/** Encodes a header without options. checksum 0 lets the kernel fill it (IP_HDRINCL). */
export function encodeIpv4Header(h: Omit<Ipv4Header, 'headerLength'>, out: Buffer = Buffer.alloc(IPV4_HEADER_LEN), offset = 0): Buffer {
  if (out.length - offset < IPV4_HEADER_LEN) throw new RangeError('IPv4 header needs 20 bytes');
  out.writeUInt8(0x45, offset);
  out.writeUInt8(h.tos, offset + 1);
  out.writeUInt16BE(h.totalLength, offset + 2);
  out.writeUInt16BE(h.id, offset + 4);
  out.writeUInt16BE(h.fragOff, offset + 6);
  out.writeUInt8(h.ttl, offset + 8);
  out.writeUInt8(h.protocol, offset + 9);
  out.writeUInt16BE(h.checksum, offset + 10);
  ipv4ToBytes(h.src).copy(out, offset + 12);
  ipv4ToBytes(h.dst).copy(out, offset + 16);
  return out;
}

/** Why the bytes do not start with a sane IPv4 header, or null (the payload may be absent). */
export function checkIpv4Header(buf: Buffer, offset = 0): string | null {
  if (buf.length - offset < IPV4_HEADER_LEN) return `datagram too short for an IPv4 header (${buf.length - offset} bytes)`;
  if (buf[offset]! >> 4 !== 4) return `IP version ${buf[offset]! >> 4} is not 4`;
  const ihl = (buf[offset]! & 0x0f) * 4;
  if (ihl < IPV4_HEADER_LEN) return `IPv4 header length ${ihl} is below 20`;
  const total = buf.readUInt16BE(offset + 2);
  if (total < ihl) return `IPv4 total length ${total} is below the header length ${ihl}`;
  if (ihl > buf.length - offset) return `IPv4 header length ${ihl} exceeds the ${buf.length - offset} bytes received`;
  return null;
}

/** Why the bytes are not one whole IPv4 datagram (header sane, total length present), or null. */
export function checkIpv4Datagram(buf: Buffer, offset = 0): string | null {
  const reason = checkIpv4Header(buf, offset);
  if (reason) return reason;
  const total = buf.readUInt16BE(offset + 2);
  if (total > buf.length - offset) return `IPv4 total length ${total} exceeds the ${buf.length - offset} bytes received`;
  return null;
}

export function decodeIpv4Header(buf: Buffer, offset = 0): Ipv4Header {
  const reason = checkIpv4Header(buf, offset);
  if (reason) throw new RangeError(reason);
  return {
    headerLength: (buf[offset]! & 0x0f) * 4,
    tos: buf[offset + 1]!,
    totalLength: buf.readUInt16BE(offset + 2),
    id: buf.readUInt16BE(offset + 4),
    fragOff: buf.readUInt16BE(offset + 6),
    ttl: buf[offset + 8]!,
    protocol: buf[offset + 9]!,
    checksum: buf.readUInt16BE(offset + 10),
    src: bytesToIpv4(buf, offset + 12),
    dst: bytesToIpv4(buf, offset + 16),
  };
}

/** The header checksum the kernel would write (checksum field taken as 0). */
export function ipv4HeaderChecksum(header: Buffer, offset = 0): number {
  const copy = Buffer.from(header.subarray(offset, offset + (header[offset]! & 0x0f) * 4));
  copy.writeUInt16BE(0, 10);
  return internetChecksum(copy);
}

/**
 * The header keepalived builds for an advertisement: TOS 0xc0, DF clear,
 * TTL 255, checksum left 0 for the kernel, id supplied by the caller
 * (keepalived counts from 1 and skips 0, which would ask the kernel to pick).
 * src 0.0.0.0 lets the kernel choose the interface address.
 */
export function vrrpIpv4Header(opts: {
  src: string; dst: string; id: number; payloadLength: number; protocol: number; ttl?: number;
}): Buffer {
  return encodeIpv4Header({
    tos: VRRP_IP_TOS, totalLength: IPV4_HEADER_LEN + opts.payloadLength, id: opts.id, fragOff: 0,
    ttl: opts.ttl ?? VRRP_TTL, protocol: opts.protocol, checksum: 0, src: opts.src, dst: opts.dst,
  });
}

/** Counts IPv4 ids as keepalived does: 1, 2, ... 65535, 1 (never 0). */
export function createIpIdCounter(start = 0): () => number {
  let id = start;
  return () => {
    id = (id + 1) & 0xffff;
    if (id === 0) id = 1;
    return id;
  };
}
