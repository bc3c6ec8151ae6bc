import { bytesToIpv4, bytesToIpv6, ipv4ToBytes, ipv6ToBytes } from './inet.js';

/** struct ip_mreqn { in_addr multiaddr; in_addr address; int ifindex; } for IP_ADD_MEMBERSHIP / IP_MULTICAST_IF. */
export function encodeIpMreqn(opts: { group?: string; address?: string; ifindex: number }): Buffer {
  const buf = Buffer.alloc(12);
  ipv4ToBytes(opts.group ?? '0.0.0.0').copy(buf, 0);
  ipv4ToBytes(opts.address ?? '0.0.0.0').copy(buf, 4);
  buf.writeInt32LE(opts.ifindex, 8);
  return buf;
}

export function decodeIpMreqn(buf: Buffer, offset = 0): { group: string; address: string; ifindex: number } {
  if (buf.length - offset < 12) throw new RangeError('ip_mreqn needs 12 bytes');
  return { group: bytesToIpv4(buf, offset), address: bytesToIpv4(buf, offset + 4), ifindex: buf.readInt32LE(offset + 8) };
}

/** struct ipv6_mreq { in6_addr multiaddr; unsigned ifindex; } for IPV6_ADD_MEMBERSHIP. */
export function encodeIpv6Mreq(opts: { group: string; ifindex: number }): Buffer {
  const buf = Buffer.alloc(20);
  ipv6ToBytes(opts.group).copy(buf, 0);
  buf.writeUInt32LE(opts.ifindex, 16);
  return buf;
}

export function decodeIpv6Mreq(buf: Buffer, offset = 0): { group: string; ifindex: number } {
  if (buf.length - offset < 20) throw new RangeError('ipv6_mreq needs 20 bytes');
  return { group: bytesToIpv6(buf, offset), ifindex: buf.readUInt32LE(offset + 16) };
}

/** SO_BINDTODEVICE value: the NUL-terminated interface name. */
export function encodeIfname(name: string): Buffer {
  const b = Buffer.from(name, 'utf8');
  if (b.length === 0 || b.length > 15) throw new RangeError(`bad interface name: ${name}`);
  return Buffer.concat([b, Buffer.alloc(1)]);
}
