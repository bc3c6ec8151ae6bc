/**
 * VRRP advertisement codec: VRRPv2 (RFC 3768) and VRRPv3 (RFC 5798 / RFC 9568),
 * both address families, laid out as keepalived's vrrphdr_t.
 *
 *  byte 0: version<<4 | type     byte 1: VRID     byte 2: priority   byte 3: count
 *  bytes 4-5: v2 auth type, advert int (s) | v3 4 reserved bits + 12-bit max advert int (cs)
 *  bytes 6-7: checksum, then count addresses, then (v2 over IPv4 only) 8 bytes of auth data.
 */
import { copyBytes } from './address.js';
import { IPV4_LEN, IPV6_LEN } from './address.js';
import { ipv4PseudoHeaderSum, ipv6PseudoHeaderSum, internetChecksum } from './checksum.js';

export const IPPROTO_VRRP = 112;
export const VRRP_HEADER_LEN = 8;
export const VRRP_AUTH_DATA_LEN = 8;
export const VRRP_VERSION_2 = 2;
export const VRRP_VERSION_3 = 3;
export const VRRP_TYPE_ADVERT = 1;
export const VRRP_IP_TTL = 255;
export const VRRP_PRIO_OWNER = 255;
export const VRRP_PRIO_STOP = 0;

export const VRRP_AUTH_NONE = 0;
export const VRRP_AUTH_PASS = 1;
export const VRRP_AUTH_AH = 2;

export type AddressFamily = 4 | 6;

/** Both versions share one shape so a decoded packet can be re-encoded byte for byte. */
export interface VrrpAdvert {
  version: number;
  type: number;
  vrid: number;
  priority: number;
  /** v2: auth type byte. Always 0 for v3. */
  authType: number;
  /** v2: seconds (8 bits). v3: max advert interval in centiseconds (12 bits). */
  advertInterval: number;
  /** v3 only: the 4 reserved bits, sent as 0; kept so odd input round-trips. */
  reserved: number;
  checksum: number;
  /** Each entry holds 4 (IPv4) or 16 (IPv6) bytes. Their number is the count field. */
  addresses: Uint8Array[];
  /** v2 over IPv4 only: the 8 auth data bytes (the PASS password, zero padded). */
  authData: Uint8Array | null;
}

export function addressLength(family: AddressFamily): number {
  return family === 4 ? IPV4_LEN : IPV6_LEN;
}

/** True when the message carries the 8 auth data bytes (keepalived: v2 and AF_INET). */
export function hasAuthData(version: number, family: AddressFamily): boolean {
  return version === VRRP_VERSION_2 && family === 4;
}

/** keepalived's expected_vrrp_pkt_len: fixed header, addresses, and auth data for v2/IPv4. */
export function vrrpMessageLength(version: number, family: AddressFamily, addressCount: number): number {
  return VRRP_HEADER_LEN + addressCount * addressLength(family) + (hasAuthData(version, family) ? VRRP_AUTH_DATA_LEN : 0);
}

/** Zero-padded 8-byte PASS auth data; like keepalived, longer passwords are cut to 8 bytes. */
export function encodeAuthPass(password: string): Uint8Array {
  const out = new Uint8Array(VRRP_AUTH_DATA_LEN);
  const bytes = new TextEncoder().encode(password);
  out.set(bytes.subarray(0, VRRP_AUTH_DATA_LEN));
  return out;
}

// ---- checksums -------------------------------------------------------------

/**
 * Which sum covers a message:
 * - 'message': the VRRP message only (VRRPv2, and VRRPv3/IPv4 with v3_checksum_as_v2 as in RFC 9568).
 * - 'ipv4-pseudo': VRRPv3/IPv4 with the IPv4 pseudo-header, keepalived 2.2.7's only v3/IPv4 form.
 * - 'ipv6-pseudo': VRRPv3/IPv6 with the RFC 8200 pseudo-header (the kernel computes and checks it
 *   when IPV6_CHECKSUM is set; we need it for captures and non-kernel paths).
 */
export type VrrpChecksumMode = 'message' | 'ipv4-pseudo' | 'ipv6-pseudo';

export interface VrrpChecksumContext {
  mode: VrrpChecksumMode;
  /** Source address bytes (pseudo-header modes). */
  src?: Uint8Array;
  /**
   * Destination used in the pseudo-header. For keepalived's old unicast checksum
   * (OLD_CHKSUM_COMPAT) this is the multicast group, not the real destination.
   */
  dst?: Uint8Array;
}

export function checksumModeFor(version: number, family: AddressFamily, v3ChecksumAsV2 = false): VrrpChecksumMode {
  if (family === 6) return 'ipv6-pseudo';
  return version === VRRP_VERSION_3 && !v3ChecksumAsV2 ? 'ipv4-pseudo' : 'message';
}

/**
 * Internet checksum over the message at buf[offset, offset+length) with the
 * context's pseudo-header. Computed with the checksum field as stored: over a
 * message holding a correct checksum it returns 0, over one whose field was
 * zeroed it returns the value to store.
 */
export function computeVrrpChecksum(buf: Uint8Array, offset: number, length: number, ctx: VrrpChecksumContext): number {
  let initial = 0;
  if (ctx.mode === 'ipv4-pseudo') {
    if (!ctx.src || !ctx.dst) throw new TypeError('ipv4-pseudo checksum needs src and dst');
    initial = ipv4PseudoHeaderSum(ctx.src, 0, ctx.dst, 0, IPPROTO_VRRP, length);
  } else if (ctx.mode === 'ipv6-pseudo') {
    if (!ctx.src || !ctx.dst) throw new TypeError('ipv6-pseudo checksum needs src and dst');
    initial = ipv6PseudoHeaderSum(ctx.src, 0, ctx.dst, 0, IPPROTO_VRRP, length);
  }
  return internetChecksum(buf, offset, length, initial);
}

/** Zeroes the checksum field, computes the sum and stores it. Returns the stored value. */
export function fillVrrpChecksum(buf: Uint8Array, offset: number, length: number, ctx: VrrpChecksumContext): number {
  buf[offset + 6] = 0;
  buf[offset + 7] = 0;
  const sum = computeVrrpChecksum(buf, offset, length, ctx);
  buf[offset + 6] = sum >>> 8;
  buf[offset + 7] = sum & 0xff;
  return sum;
}

export function verifyVrrpChecksum(buf: Uint8Array, offset: number, length: number, ctx: VrrpChecksumContext): boolean {
  return computeVrrpChecksum(buf, offset, length, ctx) === 0;
}

// ---- decode / encode -------------------------------------------------------

export type VrrpDecodeResult =
  | { ok: true; advert: VrrpAdvert; byteLength: number }
  | { ok: false; error: 'truncated-header' | 'truncated-addresses' | 'truncated-auth-data' };

/**
 * Decodes one message from buf[offset, offset+length). Never throws: a short
 * buffer gives ok=false. Bytes past the message are ignored (byteLength says
 * how many were used); the validator, not the codec, judges length mismatches.
 */
export function decodeVrrpAdvert(buf: Uint8Array, offset: number, length: number, family: AddressFamily): VrrpDecodeResult {
  const end = Math.min(buf.length, offset + length);
  if (offset < 0 || end - offset < VRRP_HEADER_LEN) return { ok: false, error: 'truncated-header' };
  const version = buf[offset]! >>> 4;
  const count = buf[offset + 3]!;
  const alen = addressLength(family);
  const addrEnd = offset + VRRP_HEADER_LEN + count * alen;
  if (addrEnd > end) return { ok: false, error: 'truncated-addresses' };
  const withAuth = hasAuthData(version, family);
  if (withAuth && addrEnd + VRRP_AUTH_DATA_LEN > end) return { ok: false, error: 'truncated-auth-data' };

  const b4 = buf[offset + 4]!;
  const b5 = buf[offset + 5]!;
  const isV2 = version === VRRP_VERSION_2;
  const addresses: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const at = offset + VRRP_HEADER_LEN + i * alen;
    addresses.push(copyBytes(buf, at, at + alen));
  }
  const advert: VrrpAdvert = {
    version,
    type: buf[offset]! & 0x0f,
    vrid: buf[offset + 1]!,
    priority: buf[offset + 2]!,
    authType: isV2 ? b4 : 0,
    advertInterval: isV2 ? b5 : ((b4 & 0x0f) << 8) | b5,
    reserved: isV2 ? 0 : b4 >>> 4,
    checksum: (buf[offset + 6]! << 8) | buf[offset + 7]!,
    addresses,
    authData: withAuth ? copyBytes(buf, addrEnd, addrEnd + VRRP_AUTH_DATA_LEN) : null,
  };
  return { ok: true, advert, byteLength: addrEnd - offset + (withAuth ? VRRP_AUTH_DATA_LEN : 0) };
}

/** Bytes encodeVrrpAdvert will write for this advert. */
export function encodedVrrpLength(advert: VrrpAdvert, family: AddressFamily): number {
  return vrrpMessageLength(advert.version, family, advert.addresses.length);
}

/**
 * Writes the advert at buf[offset]. With a checksum context the checksum is
 * computed over what was written; without one advert.checksum is written as
 * is (byte-exact re-encoding of a capture, or 0 for the kernel to fill on IPv6).
 * Returns the number of bytes written. Throws RangeError on a short buffer or
 * out-of-range fields: encoding is driven by our own configuration, so a bad
 * value is a programming error, unlike decoding.
 */
export function encodeVrrpAdvert(
  advert: VrrpAdvert, family: AddressFamily, buf: Uint8Array, offset: number, checksum?: VrrpChecksumContext,
): number {
  const alen = addressLength(family);
  const count = advert.addresses.length;
  if (count > 255) throw new RangeError(`VRRP advert can carry at most 255 addresses, got ${count}`);
  const len = vrrpMessageLength(advert.version, family, count);
  if (offset < 0 || offset + len > buf.length) throw new RangeError(`buffer too small for ${len}-byte VRRP message at offset ${offset}`);
  const isV2 = advert.version === VRRP_VERSION_2;
  if (isV2 ? advert.advertInterval > 0xff : advert.advertInterval > 0x0fff) {
    throw new RangeError(`advert interval ${advert.advertInterval} does not fit VRRPv${advert.version}`);
  }

  buf[offset] = ((advert.version & 0x0f) << 4) | (advert.type & 0x0f);
  buf[offset + 1] = advert.vrid & 0xff;
  buf[offset + 2] = advert.priority & 0xff;
  buf[offset + 3] = count;
  if (isV2) {
    buf[offset + 4] = advert.authType & 0xff;
    buf[offset + 5] = advert.advertInterval & 0xff;
  } else {
    buf[offset + 4] = ((advert.reserved & 0x0f) << 4) | ((advert.advertInterval >>> 8) & 0x0f);
    buf[offset + 5] = advert.advertInterval & 0xff;
  }
  buf[offset + 6] = (advert.checksum >>> 8) & 0xff;
  buf[offset + 7] = advert.checksum & 0xff;
  for (let i = 0; i < count; i++) {
    const a = advert.addresses[i]!;
    if (a.length !== alen) throw new RangeError(`address ${i} has ${a.length} bytes, IPv${family} needs ${alen}`);
    buf.set(a, offset + VRRP_HEADER_LEN + i * alen);
  }
  if (hasAuthData(advert.version, family)) {
    const at = offset + VRRP_HEADER_LEN + count * alen;
    buf.fill(0, at, at + VRRP_AUTH_DATA_LEN);
    if (advert.authData) buf.set(advert.authData.subarray(0, VRRP_AUTH_DATA_LEN), at);
  }
  if (checksum) fillVrrpChecksum(buf, offset, len, checksum);
  return len;
}

// ---- allocation-free field readers for the receive path --------------------

export function readVrrpVersion(buf: Uint8Array, offset: number): number { return buf[offset]! >>> 4; }
export function readVrrpType(buf: Uint8Array, offset: number): number { return buf[offset]! & 0x0f; }
export function readVrrpVrid(buf: Uint8Array, offset: number): number { return buf[offset + 1]!; }
export function readVrrpPriority(buf: Uint8Array, offset: number): number { return buf[offset + 2]!; }
export function readVrrpAddressCount(buf: Uint8Array, offset: number): number { return buf[offset + 3]!; }
export function readVrrpChecksum(buf: Uint8Array, offset: number): number { return (buf[offset + 6]! << 8) | buf[offset + 7]!; }
/** v3 Max Advert Int in centiseconds (the reserved bits masked off, as keepalived does). */
export function readVrrpV3AdvertInterval(buf: Uint8Array, offset: number): number {
  return ((buf[offset + 4]! & 0x0f) << 8) | buf[offset + 5]!;
}
