import { isIPv4, isIPv6 } from 'node:net';

/** Dotted quad -> 4 bytes. Throws on anything else. */
export function ipv4ToBytes(addr: string): Buffer {
  if (!isIPv4(addr)) throw new TypeError(`not an IPv4 address: ${addr}`);
  return Buffer.from(addr.split('.').map(Number));
}

/** IPv6 text (incl. :: and an embedded dotted quad; no zone) -> 16 bytes. */
export function ipv6ToBytes(addr: string): Buffer {
  if (!isIPv6(addr) || addr.includes('%')) throw new TypeError(`not an IPv6 address: ${addr}`);
  let text = addr;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    // ::ffff:192.0.2.1 - turn the dotted quad into its two hex words.
    const v4 = ipv4ToBytes(text.slice(lastColon + 1));
    text = `${text.slice(0, lastColon + 1)}${v4.readUInt16BE(0).toString(16)}:${v4.readUInt16BE(2).toString(16)}`;
  }
  const groupsOf = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const gap = text.indexOf('::');
  const left = groupsOf(gap < 0 ? text : text.slice(0, gap));
  const right = gap < 0 ? [] : groupsOf(text.slice(gap + 2));
  const words = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const out = Buffer.alloc(16);
  words.forEach((w, i) => out.writeUInt16BE(w, i * 2));
  return out;
}

/** Text address of either family -> bytes (4 or 16). */
export function ipToBytes(addr: string): Buffer {
  return isIPv4(addr) ? ipv4ToBytes(addr) : ipv6ToBytes(addr);
}

export function bytesToIpv4(buf: Buffer, offset = 0): string {
  return `${buf[offset]}.${buf[offset + 1]}.${buf[offset + 2]}.${buf[offset + 3]}`;
}

/** 16 bytes -> RFC 5952 text (longest zero run of 2+ words compressed, lowercase). */
export function bytesToIpv6(buf: Buffer, offset = 0): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(buf.readUInt16BE(offset + i * 2));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = (ws: number[]): string => ws.map((w) => w.toString(16)).join(':');
  if (bestStart < 0) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLen))}`;
}

/** 4 or 16 bytes -> text. */
export function bytesToIp(buf: Buffer): string {
  if (buf.length === 4) return bytesToIpv4(buf);
  if (buf.length === 16) return bytesToIpv6(buf);
  throw new RangeError(`address must be 4 or 16 bytes, got ${buf.length}`);
}
