/**
 * RFC 1071 internet checksum helpers. They read bytes straight out of any
 * Uint8Array (Buffer included) so the receive path never builds a DataView or
 * a copy per packet.
 */

/**
 * Adds the 16-bit big-endian words of buf[offset, offset+length) to `initial`
 * and returns the unfolded 32-bit-ish accumulator (always a safe integer).
 * An odd trailing byte is padded with zero, as RFC 1071 says.
 */
export function onesComplementSum(buf: Uint8Array, offset: number, length: number, initial = 0): number {
  let sum = initial;
  const end = offset + length;
  let i = offset;
  for (; i + 1 < end; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  if (i < end) sum += buf[i]! << 8;
  return sum;
}

/** Folds an accumulator to 16 bits and complements it: the value to put in a checksum field. */
export function finishChecksum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/** Internet checksum of one byte range. Over a range that already holds a correct checksum it yields 0. */
export function internetChecksum(buf: Uint8Array, offset: number, length: number, initial = 0): number {
  return finishChecksum(onesComplementSum(buf, offset, length, initial));
}

/**
 * Accumulator for the IPv4 pseudo-header {src, dst, 0, proto, len}
 * (keepalived's ipv4_phdr_t) without materialising it in a buffer.
 */
export function ipv4PseudoHeaderSum(
  src: Uint8Array, srcOffset: number,
  dst: Uint8Array, dstOffset: number,
  protocol: number, upperLength: number,
): number {
  return ((src[srcOffset]! << 8) | src[srcOffset + 1]!) + ((src[srcOffset + 2]! << 8) | src[srcOffset + 3]!)
    + ((dst[dstOffset]! << 8) | dst[dstOffset + 1]!) + ((dst[dstOffset + 2]! << 8) | dst[dstOffset + 3]!)
    + (protocol & 0xff) + (upperLength & 0xffff);
}

/** Accumulator for the RFC 8200 section 8.1 IPv6 pseudo-header {src, dst, 32-bit len, 3 zero bytes, next header}. */
export function ipv6PseudoHeaderSum(
  src: Uint8Array, srcOffset: number,
  dst: Uint8Array, dstOffset: number,
  nextHeader: number, upperLength: number,
): number {
  return onesComplementSum(src, srcOffset, 16) + onesComplementSum(dst, dstOffset, 16)
    + Math.floor(upperLength / 0x10000) + (upperLength & 0xffff) + (nextHeader & 0xff);
}

/**
 * RFC 1624 incremental update (HC' = ~(~HC + ~m + m')) for one changed 16-bit
 * word; keepalived patches the priority and the unicast destination this way
 * instead of recomputing, and our bytes must match its bytes exactly (including
 * leaving the checksum untouched when the word does not change).
 */
export function checksumUpdate16(checksum: number, oldWord: number, newWord: number): number {
  if ((oldWord & 0xffff) === (newWord & 0xffff)) return checksum & 0xffff;
  let acc = (~checksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
  acc = (acc & 0xffff) + (acc >>> 16);
  acc += acc >>> 16;
  return ~acc & 0xffff;
}

/** Incremental update for a changed 32-bit value such as an IPv4 address (unsigned 32-bit inputs). */
export function checksumUpdate32(checksum: number, oldValue: number, newValue: number): number {
  if (oldValue >>> 0 === newValue >>> 0) return checksum & 0xffff;
  let acc = (~checksum & 0xffff) + (~(oldValue >>> 16) & 0xffff) + (~oldValue & 0xffff)
    + (newValue >>> 16) + (newValue & 0xffff);
  acc = (acc & 0xffff) + (acc >>> 16);
  acc += acc >>> 16;
  return ~acc & 0xffff;
}
