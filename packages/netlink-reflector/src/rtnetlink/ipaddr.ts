// Text <-> bytes for IP and MAC addresses, matching inet_ntop/`ip` output so
// table entries compare equal to what `ip -j` prints.
import { isIPv4, isIPv6 } from 'node:net';
import { AF_INET, AF_INET6 } from '@keepalived-ts/native';

export function familyOf(address: string): typeof AF_INET | typeof AF_INET6 {
  if (isIPv4(address)) return AF_INET;
  if (isIPv6(address)) return AF_INET6;
  throw new TypeError(`not an IP address: ${JSON.stringify(address)}`);
}

export function ipToBuffer(address: string): Buffer {
  if (isIPv4(address)) return Buffer.from(address.split('.').map((o) => Number(o)));
  if (!isIPv6(address)) throw new TypeError(`not an IP address: ${JSON.stringify(address)}`);
  let text = address;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  // An embedded dotted quad becomes the last two groups.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const q = ipToBuffer(tail);
    text = `${text.slice(0, lastColon + 1)}${q.readUInt16BE(0).toString(16)}:${q.readUInt16BE(2).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const headGroups = head ? head.split(':') : [];
  const restGroups = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const fill = rest === undefined ? 0 : 8 - headGroups.length - restGroups.length;
  const groups = [...headGroups, ...Array<string>(fill).fill('0'), ...restGroups];
  const buf = Buffer.alloc(16);
  groups.forEach((g, i) => buf.writeUInt16BE(parseInt(g, 16), i * 2));
  return buf;
}

export function bufferToIp(buf: Buffer): string {
  if (buf.length === 4) return `${buf[0]}.${buf[1]}.${buf[2]}.${buf[3]}`;
  if (buf.length !== 16) throw new RangeError(`IP address must be 4 or 16 bytes, got ${buf.length}`);
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(buf.readUInt16BE(i));
  // ::ffff:a.b.c.d and ::a.b.c.d are printed with a dotted quad, as inet_ntop does.
  const zeros5 = groups.slice(0, 5).every((g) => g === 0);
  if (zeros5 && (groups[5] === 0xffff || (groups[5] === 0 && (groups[6] ?? 0) !== 0))) {
    const quad = bufferToIp(buf.subarray(12, 16));
    return groups[5] === 0xffff ? `::ffff:${quad}` : `::${quad}`;
  }
  // Compress the longest run (>= 2) of zero groups, leftmost on ties (RFC 5952).
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function macToBuffer(mac: string): Buffer {
  const parts = mac.split(':');
  if (parts.length < 1 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) {
    throw new TypeError(`not a MAC address: ${JSON.stringify(mac)}`);
  }
  return Buffer.from(parts.map((p) => parseInt(p, 16)));
}

export function bufferToMac(buf: Buffer): string {
  return [...buf].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** The IPv4 directed broadcast for address/prefixLen (what `ip addr add ... brd +` computes). */
export function ipv4Broadcast(address: string, prefixLen: number): string {
  const a = ipToBuffer(address).readUInt32BE(0);
  const hostMask = prefixLen >= 32 ? 0 : 0xffffffff >>> prefixLen;
  const b = Buffer.alloc(4);
  b.writeUInt32BE((a | hostMask) >>> 0);
  return bufferToIp(b);
}
