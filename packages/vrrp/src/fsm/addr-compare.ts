/**
 * Address comparison for the equal-priority tie break (keepalived
 * inet_sockaddrcmp / inet_inaddrcmp: numeric compare in host order of each
 * 32-bit word; different families compare as -2).
 *
 * Adverts arrive with the source as a string; parsing goes into preallocated
 * scratch words so comparing costs no allocation per packet.
 */

export type AddressWords = Uint32Array;

const scratchA = new Uint32Array(4);
const groups = new Uint32Array(8);

/** Parses an IPv4 or IPv6 literal into `out` (1 word for v4, 4 for v6). Returns the family (4|6) or 0 if invalid. */
export function parseAddressInto(text: string, out: AddressWords): 0 | 4 | 6 {
  if (text.indexOf(':') >= 0) return parseV6(text, out) ? 6 : 0;
  const v = parseV4(text, 0, text.length);
  if (v < 0) return 0;
  out[0] = v;
  return 4;
}

function parseV4(text: string, start: number, end: number): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return -1;
    } else {
      return -1;
    }
  }
  if (digits === 0 || dots !== 3) return -1;
  return value * 256 + octet;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

function parseV6(text: string, out: AddressWords): boolean {
  let end = text.indexOf('%');
  if (end < 0) end = text.length;
  groups.fill(0);
  let n = 0; // groups written
  let gapAt = -1;
  let i = 0;
  if (text.charCodeAt(0) === 58) {
    if (text.charCodeAt(1) !== 58) return false;
    gapAt = 0;
    i = 2;
  }
  while (i < end) {
    // Embedded IPv4 tail
    let j = i;
    let sawDot = false;
    while (j < end && text.charCodeAt(j) !== 58) {
      if (text.charCodeAt(j) === 46) sawDot = true;
      j++;
    }
    if (sawDot) {
      if (j !== end || n > 6) return false;
      const v4 = parseV4(text, i, end);
      if (v4 < 0) return false;
      groups[n++] = Math.floor(v4 / 65536);
      groups[n++] = v4 % 65536;
      i = end;
      break;
    }
    if (j === i || j - i > 4 || n >= 8) return false;
    let g = 0;
    for (let k = i; k < j; k++) {
      const h = hexVal(text.charCodeAt(k));
      if (h < 0) return false;
      g = g * 16 + h;
    }
    groups[n++] = g;
    if (j === end) {
      i = end;
      break;
    }
    // j is ':'
    if (text.charCodeAt(j + 1) === 58) {
      if (gapAt >= 0) return false;
      gapAt = n;
      i = j + 2;
    } else {
      i = j + 1;
      if (i === end) return false;
    }
  }
  if (gapAt >= 0) {
    if (n === 8) return false;
    const shift = 8 - n;
    for (let k = n - 1; k >= gapAt; k--) {
      groups[k + shift] = groups[k]!;
      groups[k] = 0;
    }
  } else if (n !== 8) {
    return false;
  }
  for (let w = 0; w < 4; w++) out[w] = groups[2 * w]! * 65536 + groups[2 * w + 1]!;
  return true;
}

/** A parsed local address, kept for repeated comparisons. */
export class ParsedAddress {
  readonly words = new Uint32Array(4);
  readonly family: 0 | 4 | 6;
  constructor(readonly text: string | undefined) {
    this.family = text === undefined ? 0 : parseAddressInto(text, this.words);
  }
}

/**
 * keepalived vrrp_saddr_cmp(pkt_saddr, vrrp): >0 if the remote address is higher
 * than ours, <0 if lower (or of another family: -2), 0 if equal or we have none.
 */
export function compareRemoteToOurs(remote: string, ours: ParsedAddress): number {
  if (ours.family === 0) return 0;
  const family = parseAddressInto(remote, scratchA);
  if (family !== ours.family) return -2;
  const words = family === 4 ? 1 : 4;
  for (let w = 0; w < words; w++) {
    const d = scratchA[w]! - ours.words[w]!;
    if (d > 0) return 1;
    if (d < 0) return -1;
  }
  return 0;
}
