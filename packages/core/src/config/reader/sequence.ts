/**
 * ~SEQ and ~LST line replication (keepalived 2.2.7 syntax):
 *   ~SEQ(var, end) | ~SEQ(var, start, end) | ~SEQ(var, start, step, end) TEXT
 *   ~SEQx(...)  - the same with the value written in lower-case hex
 *   ~LST(var, v1, v2, ...) TEXT    ~LST({a, b}, {1, 2}, {3, 4}) TEXT
 * TEXT is read once per value with the variable(s) defined. Numbers are C
 * longs parsed by strtol(base 0), so 0x10 and 010 work; parameters of ~SEQ may
 * use $definitions (the parenthesised part must fit keepalived's 64-byte buffer).
 */
import { isSpace, isXDigit, skipBlanks } from './bytes.js';

export interface SeqGenerator {
  kind: 'seq';
  variable: string;
  next: bigint;
  step: bigint;
  last: bigint;
  hex: boolean;
  text: string;
}

export interface LstGenerator {
  kind: 'lst';
  params: string[];
  valueSets: string[][];
  index: number;
  text: string;
}

export type Generator = SeqGenerator | LstGenerator;

export type ParseResult = { generator?: Generator; errors: string[] };

const LONG_MAX = (1n << 63n) - 1n;
const LONG_MIN = -(1n << 63n);
const SEQ_BUF = 3 * 20 + 3 + 1;

/** strtol(s + from, &end, 0) */
export function cStrtol(s: string, from: number): { value: bigint; end: number } {
  let i = from;
  while (i < s.length && isSpace(s[i])) i++;
  let negative = false;
  if (s[i] === '+' || s[i] === '-') negative = s[i++] === '-';
  let base = 10;
  if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && isXDigit(s[i + 2])) {
    base = 16;
    i += 2;
  } else if (s[i] === '0') base = 8;
  const digitsStart = i;
  let value = 0n;
  const big = BigInt(base);
  while (i < s.length) {
    const d = parseInt(s[i]!, base);
    if (Number.isNaN(d)) break;
    value = value * big + BigInt(d);
    i++;
  }
  if (i === digitsStart) return { value: 0n, end: from };
  if (negative) value = -value;
  if (value > LONG_MAX) value = LONG_MAX;
  if (value < LONG_MIN) value = LONG_MIN;
  return { value, end: i };
}

function strcspn(s: string, from: number, stop: string): number {
  let i = from;
  while (i < s.length && !stop.includes(s[i]!)) i++;
  return i;
}

/**
 * Parses a line starting "~SEQ". `substitute` applies $definitions to the
 * parameter text (and reports whether a multi-line definition was used).
 */
export function parseSeq(line: string, substitute: (params: string, maxLen: number) => { text: string; multiline: boolean }): ParseResult {
  const errors: string[] = [];
  const fail = (message?: string): ParseResult => {
    if (message) errors.push(message);
    errors.push(`Invalid ~SEQ specification '${line}'`);
    return { errors };
  };
  let p = 4;
  const hex = line[p] === 'x';
  if (hex) p++;
  p = skipBlanks(line, p);
  if (line[p] !== '(') return fail();
  p = skipBlanks(line, p + 1);
  const varStart = p;
  p = strcspn(line, p, ' \t,)');
  const variable = line.slice(varStart, p);
  p = skipBlanks(line, p);
  if (p >= line.length || line[p] === ')' || p === varStart) return fail(`Invalid ~SEQ definition '${line}'`);
  p = skipBlanks(line, p + 1);
  const close = line.indexOf(')', p);
  if (close < 0 || close + 1 - p + 1 > SEQ_BUF) return fail(`~SEQ parameter strings too long '${line}'`);
  const sub = substitute(line.slice(p, close + 1), SEQ_BUF);
  if (sub.multiline) return fail(`~SEQ parameter is multiline definition '${line}'`);
  const params = sub.text;

  let start: bigint;
  let step: bigint;
  let end: bigint;
  const invalid = `Invalid ~SEQ definition '${line}'`;
  const one = cStrtol(params, 0);
  let q = skipBlanks(params, one.end);
  if (params[q] === ')') {
    end = one.value;
    step = end < 1n ? -1n : 1n;
    start = end < 0n ? -1n : 1n;
  } else {
    if (params[q] !== ',') return fail(invalid);
    const two = cStrtol(params, q + 1);
    q = skipBlanks(params, two.end);
    if (params[q] === ')') {
      start = one.value;
      end = two.value;
      step = start <= end ? 1n : -1n;
    } else {
      if (params[q] !== ',') return fail(invalid);
      const three = cStrtol(params, q + 1);
      q = skipBlanks(params, three.end);
      if (params[q] !== ')') return fail(invalid);
      start = one.value;
      step = two.value;
      end = three.value;
      if (step === 0n || (start < end && step < 0n) || (start > end && step > 0n)) {
        return fail(`Invalid ~SEQ values '${line}'`);
      }
    }
  }
  if (hex && (start < 0n || end < 0n)) return fail(`~SEQx is only valid for positive numbers '${line}'`);
  const text = line.slice(skipBlanks(line, close + 1));
  return { generator: { kind: 'seq', variable, next: start, step, last: end, hex, text }, errors };
}

/** Parses a line starting "~LST". */
export function parseLst(line: string): ParseResult {
  const errors: string[] = [];
  const fail = (message?: string): ParseResult => {
    if (message) errors.push(message);
    errors.push(`Invalid ~LST specification '${line}'`);
    return { errors };
  };
  let p = skipBlanks(line, 4);
  if (line[p] !== '(') return fail();
  p = skipBlanks(line, p + 1);
  let endChar = ',';
  if (line[p] === '{') {
    endChar = '}';
    p = skipBlanks(line, p + 1);
  }
  const params: string[] = [];
  let numVars = 0;
  for (;;) {
    const from = p;
    p = strcspn(line, p, ' \t,}');
    params.push(line.slice(from, p));
    p = skipBlanks(line, p);
    if (line[p] === endChar) break;
    if (line[p] !== ',') return fail();
    p = skipBlanks(line, p + 1);
    numVars++;
  }
  if (line[p] === '}') p = skipBlanks(line, p + 1);
  if (line[p] !== ',') return fail();
  p = skipBlanks(line, p + 1);

  const valueSets: string[][] = [];
  for (;;) {
    endChar = ',';
    if (line[p] === '{') {
      endChar = '}';
      p = skipBlanks(line, p + 1);
    }
    const values: string[] = [];
    let numValues = 0;
    for (;;) {
      const from = p;
      p = strcspn(line, p, ' \t,})');
      values.push(line.slice(from, p));
      p = skipBlanks(line, p);
      if (line[p] === endChar || (line[p] === ')' && endChar === ',')) break;
      if (line[p] !== ',') return fail();
      p = skipBlanks(line, p + 1);
      if (++numValues > numVars) return fail(`~LST specification has too many values '${line}'`);
    }
    for (; numValues < numVars; numValues++) values.push('');
    valueSets.push(values);
    if (line[p] === '}' && endChar === '}') p = skipBlanks(line, p + 1);
    if (line[p] === ')') break;
    if (line[p] !== ',') return fail();
    p = skipBlanks(line, p + 1);
  }
  const text = line.slice(skipBlanks(line, p + 1));
  return { generator: { kind: 'lst', params, valueSets, index: 0, text }, errors };
}

/** The next line of a generator, defining its variables; done when exhausted. */
export function generate(gen: Generator, define: (name: string, value: string) => void): { text: string; done: boolean } {
  if (gen.kind === 'seq') {
    const v = gen.next;
    define(gen.variable, gen.hex ? BigInt.asUintN(64, v).toString(16) : v.toString());
    gen.next += gen.step;
    const done = (gen.step > 0n && gen.next > gen.last) || (gen.step < 0n && gen.next < gen.last);
    return { text: gen.text, done };
  }
  const values = gen.valueSets[gen.index]!;
  gen.params.forEach((name, i) => define(name, values[i] ?? ''));
  gen.index++;
  return { text: gen.text, done: gen.index >= gen.valueSets.length };
}
