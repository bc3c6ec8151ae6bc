/** ICMP / ICMPv6 echo codec for PING_CHECK. */

export const ICMP_ECHO = 8;
export const ICMP_ECHOREPLY = 0;
export const ICMP6_ECHO_REQUEST = 128;
export const ICMP6_ECHO_REPLY = 129;
export const ICMP_HEADER_LEN = 8;

export interface IcmpEcho {
  type: number;
  code: number;
  id: number;
  seq: number;
  payload: Buffer;
}

/** RFC 1071 one's-complement checksum. */
export function inetChecksum(buf: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 1 < buf.length; i += 2) sum += buf.readUInt16BE(i);
  if (buf.length & 1) sum += buf[buf.length - 1]! << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return ~sum & 0xffff;
}

/** Encodes an echo message with its checksum (ICMPv6's is left to the kernel). */
export function encodeIcmpEcho(m: IcmpEcho, withChecksum = true): Buffer {
  const buf = Buffer.alloc(ICMP_HEADER_LEN + m.payload.length);
  buf[0] = m.type;
  buf[1] = m.code;
  buf.writeUInt16BE(m.id & 0xffff, 4);
  buf.writeUInt16BE(m.seq & 0xffff, 6);
  m.payload.copy(buf, ICMP_HEADER_LEN);
  if (withChecksum) buf.writeUInt16BE(inetChecksum(buf), 2);
  return buf;
}

export function decodeIcmpEcho(buf: Buffer, offset = 0): IcmpEcho | null {
  if (buf.length - offset < ICMP_HEADER_LEN) return null;
  return {
    type: buf[offset]!,
    code: buf[offset + 1]!,
    id: buf.readUInt16BE(offset + 4),
    seq: buf.readUInt16BE(offset + 6),
    payload: Buffer.from(buf.subarray(offset + ICMP_HEADER_LEN)),
  };
}

/** Offset of the ICMP message in what a raw IPv4 socket returns (after the IP header). */
export function ipv4PayloadOffset(buf: Buffer): number {
  if (buf.length < 20) return buf.length;
  return (buf[0]! & 0x0f) * 4;
}
