/**
 * Whole advertisements as they cross the raw socket: for IPv4 the IP header
 * keepalived builds (IP_HDRINCL), an optional AH header, then the VRRP message;
 * for IPv6 only the VRRP message (the kernel owns the IPv6 header).
 */
import { decodeIPv4Header, encodeIPv4Header, IPPROTO_AH, VRRP_IPV4_TOS } from './ipv4-header.js';
import type { IPv4ChecksumAction, IPv4Header } from './ipv4-header.js';
import { computeAhIcv, decodeIpsecAh, encodeIpsecAh, HMAC_MD5_96_LEN, IPSEC_AH_LEN, IPSEC_AH_PAYLOAD_LEN } from './ipsec-ah.js';
import type { IpsecAhHeader } from './ipsec-ah.js';
import {
  checksumModeFor, decodeVrrpAdvert, encodeVrrpAdvert, fillVrrpChecksum, IPPROTO_VRRP, VRRP_AUTH_AH,
  VRRP_AUTH_DATA_LEN, VRRP_IP_TTL, VRRP_TYPE_ADVERT, VRRP_VERSION_2, vrrpMessageLength,
} from './vrrp-header.js';
import type { AddressFamily, VrrpAdvert } from './vrrp-header.js';
import { readU32 } from './address.js';
import { internetChecksum } from './checksum.js';

export interface IPv4AdvertPacket {
  ip: IPv4Header;
  ah: IpsecAhHeader | null;
  vrrp: VrrpAdvert;
}

export type IPv4AdvertDecodeResult =
  | { ok: true; packet: IPv4AdvertPacket; byteLength: number; vrrpOffset: number }
  | { ok: false; error: string };

/**
 * Decodes IP header, AH (when the protocol is 51) and VRRP message. Never
 * throws. Header fields are reported as found; checking them is validateAdvert's job.
 */
export function decodeIPv4AdvertPacket(buf: Uint8Array, offset: number, length: number): IPv4AdvertDecodeResult {
  const ip = decodeIPv4Header(buf, offset, length);
  if (!ip.ok) return { ok: false, error: `ip: ${ip.error}` };
  let at = offset + ip.headerLength;
  const end = Math.min(buf.length, offset + length);
  let ah: IpsecAhHeader | null = null;
  if (ip.header.protocol === IPPROTO_AH) {
    const a = decodeIpsecAh(buf, at, end - at);
    if (!a.ok) return { ok: false, error: `ah: ${a.error}` };
    ah = a.header;
    at += IPSEC_AH_LEN;
  }
  const v = decodeVrrpAdvert(buf, at, end - at, 4);
  if (!v.ok) return { ok: false, error: `vrrp: ${v.error}` };
  return { ok: true, packet: { ip: ip.header, ah, vrrp: v.advert }, byteLength: at + v.byteLength - offset, vrrpOffset: at - offset };
}

/** Re-encodes a decoded packet with every stored field (checksums included) as given, unless told otherwise. */
export function encodeIPv4AdvertPacket(
  packet: IPv4AdvertPacket, buf: Uint8Array, offset: number, ipChecksum: IPv4ChecksumAction = 'keep',
): number {
  let at = offset + encodeIPv4Header(packet.ip, buf, offset, ipChecksum);
  if (packet.ah) at += encodeIpsecAh(packet.ah, buf, at);
  at += encodeVrrpAdvert(packet.vrrp, 4, buf, at);
  return at - offset;
}

/** What keepalived puts in an IPv4 advert (vrrp_build_pkt + vrrp_update_pkt). */
export interface IPv4AdvertSpec {
  version: 2 | 3;
  vrid: number;
  priority: number;
  /** v2: whole seconds; v3: centiseconds. */
  advertInterval: number;
  vips: Uint8Array[];
  src: Uint8Array;
  /** 224.0.0.18 (or the configured group) or the unicast peer. */
  dst: Uint8Array;
  ipId: number;
  /** Default 255; unicast_ttl can change it. */
  ttl?: number;
  authType?: number;
  /** 8-byte auth_pass (zero padded): PASS data or the AH HMAC key. */
  authData?: Uint8Array;
  /** AH sequence number for this advert. */
  ahSeqNumber?: number;
  /** AH ICV zeroes the TTL for unicast instances. */
  unicast?: boolean;
  /** VRRPv3 checksum without the pseudo-header (keepalived's later v3_checksum_as_v2). */
  v3ChecksumAsV2?: boolean;
  /**
   * Pseudo-header destination override: keepalived's old unicast checksum
   * (old_unicast_checksum / auto-detected) uses the multicast group here.
   */
  checksumPseudoDst?: Uint8Array;
  /** 'compute' for wire bytes (the kernel fills it), 'zero' for what keepalived hands the kernel. */
  ipChecksum?: 'compute' | 'zero';
}

export function ipv4AdvertLength(spec: Pick<IPv4AdvertSpec, 'version' | 'vips' | 'authType'>): number {
  return 20 + (spec.authType === VRRP_AUTH_AH ? IPSEC_AH_LEN : 0) + vrrpMessageLength(spec.version, 4, spec.vips.length);
}

/**
 * Builds the complete IPv4 advert into buf at offset and returns its length.
 * Byte-identical to keepalived's output once the kernel has filled the IP
 * header checksum ('compute').
 */
export function buildIPv4Advert(spec: IPv4AdvertSpec, buf: Uint8Array, offset = 0): number {
  const authType = spec.authType ?? 0;
  const isAh = authType === VRRP_AUTH_AH;
  const vrrpLen = vrrpMessageLength(spec.version, 4, spec.vips.length);
  const total = 20 + (isAh ? IPSEC_AH_LEN : 0) + vrrpLen;
  if (offset < 0 || offset + total > buf.length) throw new RangeError(`buffer too small for ${total}-byte advert at offset ${offset}`);
  const key = spec.authData ?? new Uint8Array(VRRP_AUTH_DATA_LEN);

  encodeIPv4Header({
    version: 4, ihl: 5, tos: VRRP_IPV4_TOS, totalLength: total, id: spec.ipId & 0xffff, fragOff: 0,
    ttl: spec.ttl ?? VRRP_IP_TTL, protocol: isAh ? IPPROTO_AH : IPPROTO_VRRP, checksum: 0,
    src: spec.src, dst: spec.dst, options: new Uint8Array(0),
  }, buf, offset, 'zero');

  const vrrpOffset = offset + 20 + (isAh ? IPSEC_AH_LEN : 0);
  const isV2 = spec.version === VRRP_VERSION_2;
  encodeVrrpAdvert({
    version: spec.version, type: VRRP_TYPE_ADVERT, vrid: spec.vrid, priority: spec.priority,
    authType: isV2 ? authType : 0, advertInterval: spec.advertInterval, reserved: 0, checksum: 0,
    addresses: spec.vips, authData: isV2 && authType !== VRRP_AUTH_AH && authType !== 0 ? key : null,
  }, 4, buf, vrrpOffset);
  const mode = checksumModeFor(spec.version, 4, spec.v3ChecksumAsV2);
  fillVrrpChecksum(buf, vrrpOffset, vrrpLen, { mode, src: spec.src, dst: spec.checksumPseudoDst ?? spec.dst });

  if (isAh) {
    const ahOffset = offset + 20;
    encodeIpsecAh({
      nextHeader: IPPROTO_VRRP, payloadLength: IPSEC_AH_PAYLOAD_LEN, reserved: 0,
      spi: readU32(spec.src, 0), seqNumber: (spec.ahSeqNumber ?? 1) >>> 0, icv: new Uint8Array(HMAC_MD5_96_LEN),
    }, buf, ahOffset);
    buf.set(computeAhIcv(buf, offset, total, key, spec.unicast ?? false), ahOffset + 12);
  }

  if ((spec.ipChecksum ?? 'compute') === 'compute') {
    const sum = internetChecksum(buf, offset, 20);
    buf[offset + 10] = sum >>> 8;
    buf[offset + 11] = sum & 0xff;
  }
  return total;
}

/** The VRRP message of an IPv6 advert (what the raw IPv6 socket sends and receives). */
export interface IPv6AdvertSpec {
  vrid: number;
  priority: number;
  /** Centiseconds. */
  advertInterval: number;
  vips: Uint8Array[];
  /** With src and dst the RFC 8200 checksum is filled in; without them it stays 0 for the kernel (IPV6_CHECKSUM). */
  src?: Uint8Array;
  dst?: Uint8Array;
}

export function buildIPv6Advert(spec: IPv6AdvertSpec, buf: Uint8Array, offset = 0): number {
  const family: AddressFamily = 6;
  const len = encodeVrrpAdvert({
    version: 3, type: VRRP_TYPE_ADVERT, vrid: spec.vrid, priority: spec.priority, authType: 0,
    advertInterval: spec.advertInterval, reserved: 0, checksum: 0, addresses: spec.vips, authData: null,
  }, family, buf, offset);
  if (spec.src && spec.dst) fillVrrpChecksum(buf, offset, len, { mode: 'ipv6-pseudo', src: spec.src, dst: spec.dst });
  return len;
}
