/**
 * glob(3) as keepalived calls it for config files: GLOB_MARK | GLOB_BRACE,
 * with its ALTDIRFUNC hooks counting missing files and directories (those
 * counts choose between "Config files missing" and "No config files matched").
 * Wildcards never match a leading '.', results are sorted bytewise per brace
 * alternative (C locale), and a backslash quotes the next character.
 */
import type { ReaderFs } from './file-access.js';

export interface GlobMatch {
  /** The path as glob(3) returns it (relative if the pattern was); directories end with '/'. */
  path: string;
  /** The same file, absolute. */
  abs: string;
}

export interface GlobResult {
  matches: GlobMatch[];
  missingFiles: number;
  missingDirectories: number;
  haveWildcards: boolean;
}

/** True if the pattern contains an unescaped '{' (keepalived's have_brace()). */
export function hasBrace(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '\\') i++;
    else if (pattern[i] === '{') return true;
  }
  return false;
}

/** GLOB_BRACE expansion, glibc style: an unbalanced '{' disables expansion. */
export function expandBraces(pattern: string): string[] {
  let open = 0;
  for (; open < pattern.length; open++) {
    if (pattern[open] === '\\' && open + 1 < pattern.length) open++;
    else if (pattern[open] === '{') break;
  }
  if (open >= pattern.length) return [pattern];

  const alternatives: string[] = [];
  let depth = 0;
  let start = open + 1;
  let close = open + 1;
  for (; close < pattern.length; close++) {
    const c = pattern[close];
    if (c === '\\' && close + 1 < pattern.length) close++;
    else if (c === '{') depth++;
    else if (c === '}') {
      if (depth === 0) break;
      depth--;
    } else if (c === ',' && depth === 0) {
      alternatives.push(pattern.slice(start, close));
      start = close + 1;
    }
  }
  if (close >= pattern.length) return [pattern];
  alternatives.push(pattern.slice(start, close));
  const head = pattern.slice(0, open);
  const rest = pattern.slice(close + 1);
  return alternatives.flatMap((alt) => expandBraces(head + alt + rest));
}

export function globConfigFiles(pattern: string, cwd: string, fs: ReaderFs): GlobResult {
  const result: GlobResult = { matches: [], missingFiles: 0, missingDirectories: 0, haveWildcards: false };
  for (const alt of expandBraces(pattern)) globOne(alt, cwd, fs, result);
  return result;
}

function joinPath(prefix: string, name: string): string {
  if (prefix === '') return name;
  return prefix.endsWith('/') ? prefix + name : `${prefix}/${name}`;
}

function globOne(pattern: string, cwd: string, fs: ReaderFs, result: GlobResult): void {
  const absolute = pattern.startsWith('/');
  const segments = (absolute ? pattern.slice(1) : pattern).split('/');
  // Explicit work stack instead of recursion per path segment.
  const found: GlobMatch[] = [];
  const stack: Array<{ index: number; shown: string; abs: string }> = [
    { index: 0, shown: absolute ? '/' : '', abs: absolute ? '/' : cwd },
  ];
  while (stack.length) {
    const { index, shown, abs } = stack.pop()!;
    const segment = segments[index]!;
    const last = index === segments.length - 1;
    if (!hasMagic(segment)) {
      const name = unescape(segment);
      const nextShown = joinPath(shown, name);
      const nextAbs = joinPath(abs, name);
      if (!last) stack.push({ index: index + 1, shown: nextShown, abs: nextAbs });
      else if (fs.exists(nextAbs)) found.push(mark(nextShown, nextAbs, fs));
      else result.missingFiles++;
      continue;
    }
    result.haveWildcards = true;
    const names = fs.readdir(abs);
    if (!names) {
      result.missingDirectories++;
      continue;
    }
    const re = segmentRegExp(segment);
    const matched = names.filter((n) => re.test(n) && (n[0] !== '.' || startsWithLiteralDot(segment))).sort(byteOrder);
    // Pushed in reverse so that they pop in sorted order.
    for (let i = matched.length - 1; i >= 0; i--) {
      const nextShown = joinPath(shown, matched[i]!);
      const nextAbs = joinPath(abs, matched[i]!);
      if (last) found.push(mark(nextShown, nextAbs, fs));
      else if (fs.stat(nextAbs)?.isDirectory) stack.push({ index: index + 1, shown: nextShown, abs: nextAbs });
    }
  }
  // Matches were collected depth-first in pop order, except within the last segment.
  found.sort((a, b) => byteOrder(a.path, b.path));
  result.matches.push(...found);
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function mark(shown: string, abs: string, fs: ReaderFs): GlobMatch {
  return fs.stat(abs)?.isDirectory && !shown.endsWith('/') ? { path: `${shown}/`, abs } : { path: shown, abs };
}

function hasMagic(segment: string): boolean {
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i];
    if (c === '\\') i++;
    else if (c === '*' || c === '?') return true;
    else if (c === '[' && segment.indexOf(']', i + 2) > 0) return true;
  }
  return false;
}

function unescape(segment: string): string {
  return segment.includes('\\') ? segment.replace(/\\(.)/gs, '$1') : segment;
}

function startsWithLiteralDot(segment: string): boolean {
  return segment[0] === '.' || (segment[0] === '\\' && segment[1] === '.');
}

const CLASSES: Record<string, string> = {
  alpha: 'a-zA-Z', digit: '0-9', alnum: '0-9a-zA-Z', upper: 'A-Z', lower: 'a-z',
  space: ' \\t\\n\\r\\f\\v', blank: ' \\t', punct: '!-\\/:-@\\[-`{-~', print: ' -~',
  graph: '!-~', cntrl: '\\x00-\\x1f\\x7f', xdigit: '0-9a-fA-F',
};

function reEscape(c: string): string {
  return /[\\^$.*+?()[\]{}|\/-]/.test(c) ? `\\${c}` : c;
}

const regexCache = new Map<string, RegExp>();

/** fnmatch(3) pattern for one path segment as a RegExp. */
function segmentRegExp(segment: string): RegExp {
  const cached = regexCache.get(segment);
  if (cached) return cached;
  let out = '^';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '\\' && i + 1 < segment.length) out += reEscape(segment[++i]!);
    else if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const parsed = bracketExpression(segment, i);
      if (parsed) {
        out += parsed.re;
        i = parsed.end;
      } else out += '\\[';
    } else out += reEscape(c);
  }
  const re = new RegExp(`${out}$`, 's');
  regexCache.set(segment, re);
  return re;
}

function bracketExpression(s: string, open: number): { re: string; end: number } | undefined {
  let i = open + 1;
  let negate = false;
  if (s[i] === '!' || s[i] === '^') {
    negate = true;
    i++;
  }
  let body = '';
  let first = true;
  while (i < s.length) {
    const c = s[i]!;
    if (c === ']' && !first) return { re: `[${negate ? '^' : ''}${body}]`, end: i };
    first = false;
    if (c === '[' && s[i + 1] === ':') {
      const close = s.indexOf(':]', i + 2);
      const cls = close > 0 ? CLASSES[s.slice(i + 2, close)] : undefined;
      if (cls !== undefined) {
        body += cls;
        i = close + 2;
        continue;
      }
    }
    let lo = c;
    if (c === '\\' && i + 1 < s.length) lo = s[++i]!;
    if (s[i + 1] === '-' && s[i + 2] !== undefined && s[i + 2] !== ']') {
      let hi = s[i + 2]!;
      i += 2;
      if (hi === '\\' && i + 1 < s.length) hi = s[++i]!;
      body += `${reEscape(lo)}-${reEscape(hi)}`;
    } else body += reEscape(lo);
    i++;
  }
  return undefined;
}
