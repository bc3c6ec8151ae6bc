/**
 * Line-level lexing: comment removal and the two word splitters keepalived
 * uses (the plain one for every line, and the quote/escape-aware one that a
 * few keywords - notify scripts, HTTP checker paths - apply to the raw line).
 */
import { isBlank, isSpace, isXDigit } from './bytes.js';

export interface DecommentResult {
  /** The line without comment, leading/trailing blanks; a trailing '\' is kept. */
  text: string;
  /** Set when a '"' was left open; keepalived reports "Unterminated quote '<text>'". */
  unterminatedQuote?: string;
}

const COMMENT_RELEVANT = /[!#"\\]/;

/**
 * keepalived's decomment(): '#' and '!' start a comment unless inside "...";
 * "\#" and "\!" outside quotes stand for the literal character; a '\' at the
 * very end of the line marks a continuation and is moved next to the last
 * non-blank character. Only double quotes count here.
 */
export function decomment(line: string): DecommentResult {
  let start = 0;
  while (start < line.length && isBlank(line[start])) start++;
  const s = start ? line.slice(start) : line;
  if (!COMMENT_RELEVANT.test(s)) return { text: trimEnd(s, false) };

  let out = '';
  let quote = false;
  let commentAt = -1;
  let continuation = false;
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === '"') {
      if (commentAt < 0) quote = !quote;
      out += c;
      i++;
    } else if (c === '\\') {
      if (i + 1 >= s.length) {
        continuation = true;
        break;
      }
      const next = s[i + 1]!;
      out += !quote && (next === '#' || next === '!') ? next : c + next;
      i += 2;
    } else {
      if (!quote && commentAt < 0 && (c === '!' || c === '#')) commentAt = out.length;
      out += c;
      i++;
    }
  }
  const result: DecommentResult = { text: '' };
  if (quote) result.unterminatedQuote = out;
  if (commentAt >= 0) out = out.slice(0, commentAt);
  result.text = trimEnd(out, continuation);
  return result;
}

function trimEnd(s: string, continuation: boolean): string {
  let end = s.length;
  while (end > 0 && isBlank(s[end - 1])) end--;
  const body = end === s.length ? s : s.slice(0, end);
  return continuation ? body + '\\' : body;
}

export interface SplitWords {
  words: string[];
  quoted: boolean[];
  /** keepalived reports "Unmatched quote: '<line>'" and keeps the words before it. */
  unmatchedQuote: boolean;
}

/**
 * keepalived's alloc_strvec(): words are separated by white space; a word
 * beginning with '"' runs to the next '"' (no escapes) and loses its quotes;
 * an unquoted word also ends at a '"'.
 */
const WORD_SEPARATORS = /[ \t\n\r\f\v]+/;

export function splitWords(line: string): SplitWords {
  if (!line.includes('"')) {
    const words = line.split(WORD_SEPARATORS);
    if (words[0] === '') words.shift();
    if (words.length && words[words.length - 1] === '') words.pop();
    return { words, quoted: new Array<boolean>(words.length).fill(false), unmatchedQuote: false };
  }
  const words: string[] = [];
  const quoted: boolean[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && isSpace(line[i])) i++;
    if (i >= n) break;
    if (line[i] === '"') {
      const close = line.indexOf('"', i + 1);
      if (close < 0) return { words, quoted, unmatchedQuote: true };
      words.push(line.slice(i + 1, close));
      quoted.push(true);
      i = close + 1;
    } else {
      const begin = i;
      while (i < n && !isSpace(line[i]) && line[i] !== '"') i++;
      words.push(line.slice(begin, i));
      quoted.push(false);
    }
  }
  return { words, quoted, unmatchedQuote: false };
}

export type QuotedEscapedResult =
  | { ok: true; words: string[] }
  | { ok: false; message: string };

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07', b: '\b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
};

/**
 * keepalived's alloc_strvec_quoted_escaped(), for the keywords that take a
 * command line: both quote characters group, quotes may join mid-word
 * (a"b c"d is one word), and backslash escapes apply inside and outside
 * quotes: \xHH.., \cX (control), \ooo (octal), \a \b \E \f \n \r \t \v, and
 * \<any> for the character itself. Input and output are byte strings.
 */
export function splitQuotedEscaped(src: string): QuotedEscapedResult {
  const words: string[] = [];
  let i = 0;
  const n = src.length;
  while (i < n) {
    while (i < n && isSpace(src[i])) i++;
    if (i >= n) break;
    let word = '';
    let quote = '';
    while (i < n) {
      const c = src[i]!;
      if (c === '\\') {
        i++;
        if (i >= n) return { ok: false, message: `Missing escape char at end: '${src}'` };
        const e = src[i]!;
        if (e === 'x' && isXDigit(src[i + 1])) {
          let v = 0;
          i++;
          while (i < n && isXDigit(src[i])) v = ((v << 4) | parseInt(src[i++]!, 16)) & 0xff;
          word += String.fromCharCode(v);
        } else if (e === 'c' && i + 1 < n) {
          word += String.fromCharCode(src.charCodeAt(i + 1) & 0x1f);
          i += 2;
        } else if (e >= '0' && e <= '7') {
          let v = 0;
          for (let k = 0; k < 3 && i < n && src[i]! >= '0' && src[i]! <= '7'; k++) v = v * 8 + (src.charCodeAt(i++) - 48);
          word += String.fromCharCode(v & 0xff);
        } else {
          word += SIMPLE_ESCAPES[e] ?? e;
          i++;
        }
        continue;
      }
      if (quote) {
        if (c === quote) quote = '';
        else word += c;
        i++;
        continue;
      }
      if (c === '"' || c === "'") {
        quote = c;
        i++;
        continue;
      }
      if (isSpace(c)) break;
      word += c;
      i++;
    }
    if (quote) return { ok: false, message: `String '${src}': missing terminating ${quote}` };
    words.push(word);
  }
  return { ok: true, words };
}

