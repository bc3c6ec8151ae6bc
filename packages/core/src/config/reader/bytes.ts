/**
 * The reader works on "byte strings": file contents decoded as latin1, so one
 * JS char is one byte. keepalived's parser is byte-oriented C in the C locale
 * (isalpha() etc. are false for bytes >= 0x80), and line-length limits are in
 * bytes; working on bytes keeps both exact. Words leave the reader as UTF-8.
 */

const NON_ASCII = /[\x80-\xff]/;

/** Byte string -> JS string, decoding UTF-8 (invalid sequences become U+FFFD). */
export function bytesToText(s: string): string {
  return NON_ASCII.test(s) ? Buffer.from(s, 'latin1').toString('utf8') : s;
}

/** JS string -> byte string (UTF-8 encoded, one char per byte). */
export function textToBytes(s: string): string {
  return /[^\x00-\x7f]/.test(s) ? Buffer.from(s, 'utf8').toString('latin1') : s;
}

export function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

export function isAlpha(c: string | undefined): boolean {
  return c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
}

export function isAlnum(c: string | undefined): boolean {
  return isAlpha(c) || isDigit(c);
}

export function isXDigit(c: string | undefined): boolean {
  return isDigit(c) || (c !== undefined && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
}

/** C isblank(): space or tab. */
export function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t';
}

/** C isspace() / keepalived's WHITE_SPACE set. */
export function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
}

/** strspn(s + from, " \t") */
export function skipBlanks(s: string, from: number): number {
  let i = from;
  while (i < s.length && isBlank(s[i])) i++;
  return i;
}

export function trimTrailingBlanks(s: string): string {
  let end = s.length;
  while (end > 0 && isBlank(s[end - 1])) end--;
  return end === s.length ? s : s.slice(0, end);
}
