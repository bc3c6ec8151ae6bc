/**
 * Value readers with keepalived's acceptance rules and message texts
 * (lib/parser.c read_unsigned / read_int / read_decimal_unsigned). They
 * follow `-t` semantics: a value outside its range is rejected, and the
 * caller then reports its own message as keepalived's handler does.
 */
import type { KeywordEnv } from './types.js';

export const UINT_MAX = 4294967295;
export const INT_MAX = 2147483647;
export const INT_MIN = -2147483648;
export const TIMER_HZ = 1_000_000;
export const TIMER_HZ_DIGITS = 6;

const WHITE_SPACE = /^[ \t\n\r\f\v]*/;

/** Mimics strtol/strtoul base 10: returns the parsed prefix and whether the whole string was consumed. */
export function parseCInteger(text: string): { value: bigint; complete: boolean } {
  const body = text.replace(WHITE_SPACE, '');
  const m = /^[+-]?\d+/.exec(body);
  if (!m) return { value: 0n, complete: body.length === 0 };
  return { value: BigInt(m[0]), complete: m[0].length === body.length };
}

export function readUnsigned(env: KeywordEnv, text: string, min: number, max: number): number | undefined {
  const body = text.replace(WHITE_SPACE, '');
  const { value, complete } = parseCInteger(text);
  if (body.startsWith('-')) env.error(`negative number '${text}'`);
  else if (!complete) env.error(`invalid number '${text}'`);
  else if (value > BigInt(UINT_MAX)) env.error(`number '${text}' outside unsigned integer range`);
  else if (value < BigInt(min) || value > BigInt(max)) env.error(`number '${text}' outside range [${min}, ${max}]`);
  else return Number(value);
  return undefined;
}

export function readUnsigned64(env: KeywordEnv, text: string, min: bigint, max: bigint): bigint | undefined {
  const body = text.replace(WHITE_SPACE, '');
  const { value, complete } = parseCInteger(text);
  if (body.startsWith('-')) env.error(`negative number '${text}'`);
  else if (!complete) env.error(`invalid number '${text}'`);
  else if (value > 18446744073709551615n) env.error(`number '${text}' outside unsigned 64 bit range`);
  else if (value < min || value > max) env.error(`number '${text}' outside range [${min}, ${max}]`);
  else return value;
  return undefined;
}

export function readInt(env: KeywordEnv, text: string, min: number, max: number): number | undefined {
  const { value, complete } = parseCInteger(text);
  if (!complete) env.error(`invalid number '${text}'`);
  else if (value < BigInt(INT_MIN) || value > BigInt(INT_MAX)) env.error(`number '${text}' outside integer range`);
  else if (value < BigInt(min) || value > BigInt(max)) env.error(`number '${text}' outside range [${min}, ${max}]`);
  else return Number(value);
  return undefined;
}

/**
 * A decimal with up to `shift` places, returned as value * 10^shift (keepalived
 * read_decimal_unsigned). min/max are in the returned unit.
 */
export function readDecimal(env: KeywordEnv, text: string, min: number, max: number, shift: number): number | undefined {
  if (text.startsWith('-')) {
    env.error(`negative number '${text}'`);
    return undefined;
  }
  const dot = text.indexOf('.');
  let places = dot >= 0 ? text.length - dot - 1 : 0;
  let roundUp = false;
  if (places > shift) {
    env.error(`number '${text}' has too many decimal places`);
    roundUp = text.charCodeAt(dot + shift + 1) >= 0x35;
    places = shift;
  }
  let digits = dot >= 0 ? text.slice(0, dot) + text.slice(dot + 1, dot + 1 + places) : text;
  digits += '0'.repeat(shift - places);
  const { value: parsed, complete } = parseCInteger(digits);
  const value = parsed + (roundUp ? 1n : 0n);
  if (!complete) env.error(`invalid number '${text}'`);
  else if (value > 18446744073709551615n) {
    env.error(`number '${text}' outside unsigned decimal range`);
  } else if (value < BigInt(min) || value > BigInt(max)) {
    const scale = 10 ** shift;
    const fmt = (v: number): string =>
      shift === 0 ? `${v}.` : `${Math.floor(v / scale)}.${String(v % scale).padStart(shift, '0')}`;
    env.error(`number '${text}' outside range [${fmt(min)}, ${fmt(max)}]`);
  } else return Number(value);
  return undefined;
}

/** A time in seconds with up to 6 decimals, returned in microseconds (read_timer). max 0 = TIMER_MAXIMUM. */
export function readTimer(env: KeywordEnv, text: string, min: number, max: number): number | undefined {
  return readDecimal(env, text, min, max || Number.MAX_SAFE_INTEGER, TIMER_HZ_DIGITS);
}

/** on/true/yes or off/false/no; undefined for anything else (check_true_false). */
export function checkTrueFalse(text: string): boolean | undefined {
  if (text === 'true' || text === 'on' || text === 'yes') return true;
  if (text === 'false' || text === 'off' || text === 'no') return false;
  return undefined;
}

/**
 * The common "keyword [true|false]" form: no argument means true; a bad
 * argument reports `message` (with %s replaced by the word) and returns undefined.
 */
export function optionalBool(env: KeywordEnv, words: string[], message: string): boolean | undefined {
  if (words.length < 2) return true;
  const res = checkTrueFalse(words[1]!);
  if (res === undefined) env.error(message.replace('%s', words[1]!));
  return res;
}

export function isIPv4(text: string): boolean {
  const parts = text.split('.');
  if (parts.length !== 4) return false;
  return parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

export function isIPv6(text: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || !text.includes(':')) return false;
  const dbl = text.split('::');
  if (dbl.length > 2) return false;
  const groups = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const head = groups(dbl[0]!);
  const tail = dbl.length === 2 ? groups(dbl[1]!) : [];
  const all = [...head, ...tail];
  let count = 0;
  for (let i = 0; i < all.length; i++) {
    const g = all[i]!;
    if (i === all.length - 1 && g.includes('.')) {
      if (!isIPv4(g)) return false;
      count += 2;
    } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) count += 1;
    else return false;
  }
  return dbl.length === 2 ? count < 8 : count === 8;
}

/** inet_pton for either family, chosen as keepalived does (a ':' means IPv6). */
export function parseIpLiteral(text: string): 'inet' | 'inet6' | undefined {
  if (text.includes(':')) return isIPv6(text) ? 'inet6' : undefined;
  return isIPv4(text) ? 'inet' : undefined;
}

/** Strips an IPv6 zone ("fe80::1%eth0") as inet_stosockaddr accepts one. */
export function parseSockAddr(text: string): 'inet' | 'inet6' | undefined {
  const pct = text.indexOf('%');
  return parseIpLiteral(pct >= 0 ? text.slice(0, pct) : text);
}

export function isMulticast(family: 'inet' | 'inet6', addr: string): boolean {
  if (family === 'inet') {
    const first = Number(addr.split('.')[0]);
    return first >= 224 && first <= 239;
  }
  return addr.toLowerCase().startsWith('ff');
}
