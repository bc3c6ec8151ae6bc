/**
 * The C library number parsers whose exact acceptance rules leak into
 * keepalived's command line behaviour (`-u ''` is umask 0, `-S local` is
 * local0, ...).
 */

const C_SPACE = new Set([' ', '\t', '\n', '\v', '\f', '\r']);

export interface StrtolResult {
  /** The parsed value (saturated like the C functions would be is not modelled: callers range-check). */
  value: bigint;
  /** Index of the first unparsed character (endptr - nptr). */
  end: number;
  /** True when no digits were found (endptr == nptr). */
  empty: boolean;
}

/** strtoll/strtoul digit scanning with base 10 or 0 (auto: 0x.., 0.., decimal). */
export function strtol(s: string, base: 0 | 10): StrtolResult {
  let i = 0;
  while (i < s.length && C_SPACE.has(s[i]!)) i++;
  let negative = false;
  if (s[i] === '+' || s[i] === '-') {
    negative = s[i] === '-';
    i++;
  }
  let radix: number = base === 0 ? 10 : base;
  if (base === 0 && s[i] === '0') {
    if ((s[i + 1] === 'x' || s[i + 1] === 'X') && /[0-9a-fA-F]/.test(s[i + 2] ?? '')) {
      radix = 16;
      i += 2;
    } else radix = 8;
  }
  const digitRe = radix === 16 ? /[0-9a-fA-F]/ : radix === 8 ? /[0-7]/ : /[0-9]/;
  const start = i;
  let value = 0n;
  while (i < s.length && digitRe.test(s[i]!)) {
    value = value * BigInt(radix) + BigInt(parseInt(s[i]!, radix));
    i++;
  }
  if (i === start) return { value: 0n, end: 0, empty: true };
  return { value: negative ? -value : value, end: i, empty: false };
}

const UINT_MAX = 0xffffffffn;

/**
 * keepalived's read_unsigned(): returns the value, or the config error text it
 * reports (which also raises the -t exit status).
 */
export function readUnsigned(
  number: string,
  min: number,
  max: number,
): { ok: true; value: number } | { ok: false; error: string } {
  let offset = 0;
  while (offset < number.length && C_SPACE.has(number[offset]!)) offset++;
  const rest = number.slice(offset);
  const r = strtol(rest, 10);
  // strtoul negates a '-' number modulo 2^64; only the sign test below matters.
  const endChar = r.empty ? rest[0] : rest[r.end];
  if (rest[0] === '-') return { ok: false, error: `negative number '${number}'` };
  if (endChar !== undefined) return { ok: false, error: `invalid number '${number}'` };
  if (r.value > UINT_MAX) return { ok: false, error: `number '${number}' outside unsigned integer range` };
  const v = Number(r.value);
  if (v < min || v > max) return { ok: false, error: `number '${number}' outside range [${min}, ${max}]` };
  return { ok: true, value: v };
}

/** keepalived's set_umask() acceptance: strtoll base 0, no trailing junk, within 0777. */
export function parseUmask(arg: string): number | undefined {
  const r = strtol(arg, 0);
  const endChar = r.empty ? arg[0] : arg[r.end];
  if (endChar !== undefined || r.value < 0n || (r.value & ~0o777n) !== 0n) return undefined;
  return Number(r.value);
}

/** atoi(). */
export function atoi(s: string): number {
  const r = strtol(s, 10);
  return r.empty ? 0 : Number(BigInt.asIntN(32, r.value));
}
