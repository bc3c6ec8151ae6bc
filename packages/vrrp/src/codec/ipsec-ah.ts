/**
 * IPsec AH header as keepalived uses it for VRRPv2 auth_type AH (RFC 2402
 * layout, HMAC-MD5-96 ICV keyed with the 8-byte auth_pass, SPI = the sender's
 * IPv4 source address, sequence number counting up from 1).
 */
import { copyBytes } from './address.js';
import { createHmac } from 'node:crypto';

export const IPSEC_AH_LEN = 24;
/** Payload Len field: AH length in 32-bit words minus 2. */
export const IPSEC_AH_PAYLOAD_LEN = 4;
export const HMAC_MD5_96_LEN = 12;

export interface IpsecAhHeader {
  nextHeader: number;
  payloadLength: number;
  reserved: number;
  spi: number;
  seqNumber: number;
  icv: Uint8Array;
}

export type IpsecAhDecodeResult = { ok: true; header: IpsecAhHeader } | { ok: false; error: 'truncated' };

function u32(buf: Uint8Array, o: number): number {
  return ((buf[o]! << 24) | (buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!) >>> 0;
}

export function decodeIpsecAh(buf: Uint8Array, offset: number, length: number): IpsecAhDecodeResult {
  const end = Math.min(buf.length, offset + length);
  if (offset < 0 || end - offset < IPSEC_AH_LEN) return { ok: false, error: 'truncated' };
  return {
    ok: true,
    header: {
      nextHeader: buf[offset]!,
      payloadLength: buf[offset + 1]!,
      reserved: (buf[offset + 2]! << 8) | buf[offset + 3]!,
      spi: u32(buf, offset + 4),
      seqNumber: u32(buf, offset + 8),
      icv: copyBytes(buf, offset + 12, offset + IPSEC_AH_LEN),
    },
  };
}

export function encodeIpsecAh(header: IpsecAhHeader, buf: Uint8Array, offset: number): number {
  if (offset < 0 || offset + IPSEC_AH_LEN > buf.length) throw new RangeError(`buffer too small for AH header at offset ${offset}`);
  buf[offset] = header.nextHeader & 0xff;
  buf[offset + 1] = header.payloadLength & 0xff;
  buf[offset + 2] = (header.reserved >>> 8) & 0xff;
  buf[offset + 3] = header.reserved & 0xff;
  for (let i = 0; i < 4; i++) {
    buf[offset + 4 + i] = (header.spi >>> (24 - 8 * i)) & 0xff;
    buf[offset + 8 + i] = (header.seqNumber >>> (24 - 8 * i)) & 0xff;
  }
  buf.fill(0, offset + 12, offset + IPSEC_AH_LEN);
  buf.set(header.icv.subarray(0, HMAC_MD5_96_LEN), offset + 12);
  return IPSEC_AH_LEN;
}

/**
 * HMAC-MD5-96 ICV over an IPv4 packet carrying AH right after the IP header.
 * The IP header's mutable fields (TOS, fragment field, header checksum and,
 * for unicast instances, TTL) and the ICV field count as zero, as in
 * keepalived's vrrp_in_chk_ipsecah / vrrp_update_pkt.
 */
export function computeAhIcv(
  packet: Uint8Array, ipOffset: number, packetLength: number, key: Uint8Array, zeroTtl: boolean,
): Uint8Array {
  const ihlBytes = (packet[ipOffset]! & 0x0f) * 4;
  const covered = ihlBytes + IPSEC_AH_LEN;
  const head = copyBytes(packet, ipOffset, ipOffset + covered);
  head[1] = 0;
  head[6] = 0;
  head[7] = 0;
  head[10] = 0;
  head[11] = 0;
  if (zeroTtl) head[8] = 0;
  head.fill(0, ihlBytes + 12, covered);
  const hmac = createHmac('md5', key);
  hmac.update(head);
  hmac.update(packet.subarray(ipOffset + covered, ipOffset + packetLength));
  return new Uint8Array(hmac.digest().subarray(0, HMAC_MD5_96_LEN));
}
