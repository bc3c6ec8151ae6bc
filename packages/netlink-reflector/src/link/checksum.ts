/** Adds 16-bit big-endian words of buf[start,end) to a running one's-complement sum (odd tail padded). */
export function sumWords(buf: Buffer, start = 0, end = buf.length, sum = 0): number {
  let s = sum;
  let i = start;
  for (; i + 1 < end; i += 2) s += buf.readUInt16BE(i);
  if (i < end) s += buf[i]! << 8;
  return s;
}

/** Folds a sum and complements it: the Internet checksum (RFC 1071). */
export function finishChecksum(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

export function internetChecksum(buf: Buffer, start = 0, end = buf.length): number {
  return finishChecksum(sumWords(buf, start, end));
}

/**
 * Checksum of an upper-layer IPv6 payload (RFC 8200 8.1): pseudo header of
 * source, destination, 32-bit length and next header, then the payload.
 */
export function ipv6PayloadChecksum(src: Buffer, dst: Buffer, nextHeader: number, payload: Buffer, start = 0, end = payload.length): number {
  let sum = sumWords(src) + sumWords(dst);
  const len = end - start;
  sum += (len >>> 16) + (len & 0xffff) + nextHeader;
  return finishChecksum(sumWords(payload, start, end, sum));
}
