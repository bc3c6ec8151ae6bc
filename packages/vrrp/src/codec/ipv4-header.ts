/**
 * IPv4 header codec. keepalived sends VRRP over IPv4 with IP_HDRINCL and
 * builds this header itself (vrrp_build_ip4): TOS 0xc0, TTL 255 (or the
 * configured unicast TTL), id counting from 1, no fragmentation bits,
 * protocol 112 (or 51 for AH), checksum left 0 for the kernel to fill.
 */
import { copyBytes } from './address.js';
import { internetChecksum } from './checksum.js';

export const IPV4_MIN_HEADER_LEN = 20;
export const IPPROTO_AH = 51;
/** "Internet network control" precedence keepalived puts in the TOS byte. */
export const VRRP_IPV4_TOS = 0xc0;

export interface IPv4Header {
  version: number;
  /** Header length in 32-bit words (5 without options). */
  ihl: number;
  tos: number;
  totalLength: number;
  id: number;
  /** Flags (top 3 bits) and fragment offset, as the raw 16-bit field. */
  fragOff: number;
  ttl: number;
  protocol: number;
  checksum: number;
  src: Uint8Array;
  dst: Uint8Array;
  /** (ihl - 5) * 4 option bytes. */
  options: Uint8Array;
}

export type IPv4DecodeResult =
  | { ok: true; header: IPv4Header; headerLength: number }
  | { ok: false; error: 'truncated' | 'bad-ihl' };

/** Never throws; an ihl below 5 or past the data is reported, not trusted. */
export function decodeIPv4Header(buf: Uint8Array, offset: number, length: number): IPv4DecodeResult {
  const end = Math.min(buf.length, offset + length);
  if (offset < 0 || end - offset < IPV4_MIN_HEADER_LEN) return { ok: false, error: 'truncated' };
  const ihl = buf[offset]! & 0x0f;
  if (ihl < 5) return { ok: false, error: 'bad-ihl' };
  const hlen = ihl * 4;
  if (end - offset < hlen) return { ok: false, error: 'truncated' };
  const header: IPv4Header = {
    version: buf[offset]! >>> 4,
    ihl,
    tos: buf[offset + 1]!,
    totalLength: (buf[offset + 2]! << 8) | buf[offset + 3]!,
    id: (buf[offset + 4]! << 8) | buf[offset + 5]!,
    fragOff: (buf[offset + 6]! << 8) | buf[offset + 7]!,
    ttl: buf[offset + 8]!,
    protocol: buf[offset + 9]!,
    checksum: (buf[offset + 10]! << 8) | buf[offset + 11]!,
    src: copyBytes(buf, offset + 12, offset + 16),
    dst: copyBytes(buf, offset + 16, offset + 20),
    options: copyBytes(buf, offset + 20, offset + hlen),
  };
  return { ok: true, header, headerLength: hlen };
}

/**
 * What to put in the header checksum field: 'compute' gives what the kernel
 * puts on the wire, 'zero' what keepalived hands the kernel, 'keep' writes
 * header.checksum unchanged.
 */
export type IPv4ChecksumAction = 'compute' | 'zero' | 'keep';

export function encodeIPv4Header(header: IPv4Header, buf: Uint8Array, offset: number, checksum: IPv4ChecksumAction = 'compute'): number {
  const hlen = IPV4_MIN_HEADER_LEN + header.options.length;
  if (header.options.length % 4 !== 0 || hlen > 60) throw new RangeError(`IPv4 options must be a multiple of 4 bytes, at most 40 (got ${header.options.length})`);
  if (header.src.length !== 4 || header.dst.length !== 4) throw new RangeError('IPv4 addresses must be 4 bytes');
  if (offset < 0 || offset + hlen > buf.length) throw new RangeError(`buffer too small for ${hlen}-byte IPv4 header at offset ${offset}`);
  buf[offset] = ((header.version & 0x0f) << 4) | (hlen / 4);
  buf[offset + 1] = header.tos & 0xff;
  buf[offset + 2] = (header.totalLength >>> 8) & 0xff;
  buf[offset + 3] = header.totalLength & 0xff;
  buf[offset + 4] = (header.id >>> 8) & 0xff;
  buf[offset + 5] = header.id & 0xff;
  buf[offset + 6] = (header.fragOff >>> 8) & 0xff;
  buf[offset + 7] = header.fragOff & 0xff;
  buf[offset + 8] = header.ttl & 0xff;
  buf[offset + 9] = header.protocol & 0xff;
  const stored = checksum === 'keep' ? header.checksum : 0;
  buf[offset + 10] = (stored >>> 8) & 0xff;
  buf[offset + 11] = stored & 0xff;
  buf.set(header.src, offset + 12);
  buf.set(header.dst, offset + 16);
  buf.set(header.options, offset + 20);
  if (checksum === 'compute') {
    const sum = internetChecksum(buf, offset, hlen);
    buf[offset + 10] = sum >>> 8;
    buf[offset + 11] = sum & 0xff;
  }
  return hlen;
}

/** True when the header checksum at buf[offset] is correct. */
export function verifyIPv4HeaderChecksum(buf: Uint8Array, offset: number): boolean {
  const hlen = (buf[offset]! & 0x0f) * 4;
  if (hlen < IPV4_MIN_HEADER_LEN || offset + hlen > buf.length) return false;
  return internetChecksum(buf, offset, hlen) === 0;
}

/** 224.0.0.0/4 */
export function isIPv4Multicast(buf: Uint8Array, offset: number): boolean {
  return (buf[offset]! & 0xf0) === 0xe0;
}

/**
 * keepalived's IP id sequence: +1 per advert (not per unicast peer), skipping
 * 0 because the kernel would replace an id of 0 with its own.
 */
export function nextIPv4Id(previous: number): number {
  const next = (previous + 1) & 0xffff;
  return next === 0 ? 1 : next;
}
