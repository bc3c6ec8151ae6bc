/**
 * IPv6 fixed header codec. keepalived never builds this header (the kernel
 * does, and strips it on receive), but captures hold it and the IPv6
 * pseudo-header checksum needs its addresses.
 */
import { copyBytes } from './address.js';
export const IPV6_HEADER_LEN = 40;

export interface IPv6Header {
  version: number;
  trafficClass: number;
  flowLabel: number;
  payloadLength: number;
  nextHeader: number;
  hopLimit: number;
  src: Uint8Array;
  dst: Uint8Array;
}

export type IPv6DecodeResult = { ok: true; header: IPv6Header } | { ok: false; error: 'truncated' };

export function decodeIPv6Header(buf: Uint8Array, offset: number, length: number): IPv6DecodeResult {
  const end = Math.min(buf.length, offset + length);
  if (offset < 0 || end - offset < IPV6_HEADER_LEN) return { ok: false, error: 'truncated' };
  const w0 = ((buf[offset]! << 24) | (buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!) >>> 0;
  return {
    ok: true,
    header: {
      version: w0 >>> 28,
      trafficClass: (w0 >>> 20) & 0xff,
      flowLabel: w0 & 0xfffff,
      payloadLength: (buf[offset + 4]! << 8) | buf[offset + 5]!,
      nextHeader: buf[offset + 6]!,
      hopLimit: buf[offset + 7]!,
      src: copyBytes(buf, offset + 8, offset + 24),
      dst: copyBytes(buf, offset + 24, offset + 40),
    },
  };
}

export function encodeIPv6Header(header: IPv6Header, buf: Uint8Array, offset: number): number {
  if (header.src.length !== 16 || header.dst.length !== 16) throw new RangeError('IPv6 addresses must be 16 bytes');
  if (offset < 0 || offset + IPV6_HEADER_LEN > buf.length) throw new RangeError(`buffer too small for IPv6 header at offset ${offset}`);
  const w0 = (((header.version & 0x0f) << 28) | ((header.trafficClass & 0xff) << 20) | (header.flowLabel & 0xfffff)) >>> 0;
  buf[offset] = w0 >>> 24;
  buf[offset + 1] = (w0 >>> 16) & 0xff;
  buf[offset + 2] = (w0 >>> 8) & 0xff;
  buf[offset + 3] = w0 & 0xff;
  buf[offset + 4] = (header.payloadLength >>> 8) & 0xff;
  buf[offset + 5] = header.payloadLength & 0xff;
  buf[offset + 6] = header.nextHeader & 0xff;
  buf[offset + 7] = header.hopLimit & 0xff;
  buf.set(header.src, offset + 8);
  buf.set(header.dst, offset + 24);
  return IPV6_HEADER_LEN;
}

export function isIPv6Multicast(buf: Uint8Array, offset: number): boolean {
  return buf[offset] === 0xff;
}
