/**
 * `$NAME=VALUE` parameters and their substitution, as keepalived 2.2.7 does it:
 * - a definition is a line starting `$NAME=` (no blanks before '='); a value
 *   ending in '\' continues on the following lines (a multi-line definition);
 *   a raw empty line ends it.
 * - `$NAME` is replaced only when followed by end of line, blank, ',' or ')';
 *   `${NAME}` anywhere. A multi-line value may only be used at the end of a
 *   line: its first line replaces the reference and the other lines follow.
 * - replacement text is rescanned from the same position, so values may refer
 *   to other definitions (and to themselves: we bound that, keepalived hangs).
 * - built-ins: ${_PWD} (directory of the file being read), ${_INSTANCE}
 *   (the config id), ${_RANDOM [min [max]]}, ${_HASH} '#', ${_BANG} '!'.
 */
import { isAlnum, isAlpha, isBlank, isDigit, skipBlanks } from './bytes.js';

export interface Definition {
  name: string;
  value: string;
  multiline: boolean;
  /** Built-in whose value is computed at each use. */
  compute?: (params: string | undefined) => string;
  /** How many numeric parameters ${NAME a b} may take (only _RANDOM has any). */
  maxParams: number;
}

/** keepalived's MAXBUF: lines are at most 1023 bytes. */
export const MAX_LINE = 1024;
/** Bound on substitutions in one line: `$A=$A` would otherwise never end. */
const MAX_SUBSTITUTIONS = 10000;

export interface SubstitutionContext {
  currentDir(): string;
  configId(): string;
  random(): number;
  log(message: string): void;
  error(message: string): void;
}

interface Reference {
  def: Definition;
  /** Index just past the reference text. */
  end: number;
  params?: string;
}

export interface ReplaceResult {
  text: string;
  /** A definition was found (keepalived's return value; false also when the line grew too long). */
  replaced: boolean;
}

/**
 * Where the reader is in multi-line values: `next` holds the lines still to
 * come, `stack` the outer values interrupted by a nested multi-line use, and
 * seqDepth how many ~SEQ/~LST were active when the expansion started (those
 * wait until it is done; ones started inside it run first).
 */
export interface MultilineState {
  next: string | null;
  seqDepth: number;
  stack: Array<{ next: string; seqDepth: number }>;
}

export class Definitions {
  private readonly defs = new Map<string, Definition>();

  constructor(ctx: SubstitutionContext) {
    this.addBuiltin('_PWD', () => ctx.currentDir());
    this.addBuiltin('_INSTANCE', () => ctx.configId());
    this.addBuiltin('_RANDOM', (params) => randomValue(params, ctx), 2);
    this.defs.set('_HASH', { name: '_HASH', value: '#', multiline: false, maxParams: 0 });
    this.defs.set('_BANG', { name: '_BANG', value: '!', multiline: false, maxParams: 0 });
  }

  private addBuiltin(name: string, compute: Definition['compute'], maxParams = 0): void {
    this.defs.set(name, { name, value: '', multiline: false, compute, maxParams });
  }

  /** Set from ~SEQ / ~LST (replaces a built-in for good, as keepalived does). */
  set(name: string, value: string): void {
    const def = this.defs.get(name);
    if (def) {
      def.value = value;
      def.multiline = false;
      delete def.compute;
    } else this.defs.set(name, { name, value, multiline: false, maxParams: 0 });
  }

  /**
   * If the line is `$NAME=VALUE`, store it and return the definition (the
   * caller continues a multi-line one); otherwise undefined.
   */
  define(line: string): Definition | undefined {
    if (line[0] !== '$' || !(isAlpha(line[1]) || line[1] === '_')) return undefined;
    let p = 2;
    while (p < line.length && line[p] !== '=') {
      if (!(isAlnum(line[p]) || line[p] === '_')) return undefined;
      p++;
    }
    if (p >= line.length) return undefined;
    const name = line.slice(1, p);
    let value = line.slice(skipBlanks(line, p + 1));
    let multiline = false;
    if (value.endsWith('\\')) {
      let len = value.length;
      while (len >= 2 && isBlank(value[len - 2])) len--;
      value = len < 2 ? '' : `${value.slice(0, len - 1)}\n`;
      multiline = true;
    }
    let def = this.defs.get(name);
    if (def) {
      def.value = value;
      def.multiline = multiline;
      delete def.compute;
    } else {
      def = { name, value, multiline, maxParams: 0 };
      this.defs.set(name, def);
    }
    return def;
  }

  /** Adds one continuation line (already stripped of its trailing '\' and given a '\n'). */
  append(def: Definition, text: string): void {
    def.value += text;
  }

  private reference(line: string, dollar: number): Reference | undefined {
    let i = dollar + 1;
    const braces = line[i] === '{';
    if (braces) i++;
    if (!(isAlpha(line[i]) || line[i] === '_')) return undefined;
    const nameStart = i;
    i++;
    while (i < line.length && (isAlnum(line[i]) || line[i] === '_')) i++;
    const nameEnd = i;
    let params: string | undefined;
    if (braces) {
      let first = -1;
      let lastDigit = -1;
      while (i < line.length && (line[i] === ' ' || isDigit(line[i]))) {
        if (line[i] !== ' ') {
          if (first < 0) first = i;
          lastDigit = i;
        }
        i++;
      }
      if (first >= 0 && lastDigit + 1 !== i) return undefined;
      if (line[i] !== '}') return undefined;
      if (first >= 0) params = line.slice(first, lastDigit + 1);
      i++;
    } else {
      const c = line[i];
      if (c !== undefined && c !== ' ' && c !== '\t' && c !== ',' && c !== ')') return undefined;
    }
    const atEnd = i === line.length;
    const def = this.defs.get(line.slice(nameStart, nameEnd));
    if (!def || (def.multiline && !atEnd)) return undefined;
    if (params !== undefined && !def.maxParams) return undefined;
    return { def, end: i, params };
  }

  /**
   * Substitutes definitions in a line (keepalived's replace_param). maxLen is
   * the buffer size the result must stay under; seqCount the number of active
   * ~SEQ/~LST, recorded when a multi-line expansion starts.
   */
  replace(line: string, maxLen: number, ctx: Pick<SubstitutionContext, 'log' | 'error'>, ml: MultilineState, seqCount: number): ReplaceResult {
    let text = line;
    let pos = 0;
    let replaced = false;
    let multilineNext = ml.next;
    let count = 0;
    for (;;) {
      pos = text.indexOf('$', pos);
      if (pos < 0 || pos + 1 >= text.length) break;
      const ref = this.reference(text, pos);
      if (!ref) {
        pos++;
        continue;
      }
      if (++count > MAX_SUBSTITUTIONS) {
        ctx.error(`Parameter substitution on line '${line}' does not terminate (recursive definition?)`);
        return { text, replaced: false };
      }
      replaced = true;
      const { def } = ref;
      let value = def.compute ? def.compute(ref.params) : def.value;
      if (def.multiline) {
        if (multilineNext !== null) ml.stack.push({ next: multilineNext, seqDepth: ml.seqDepth });
        ml.seqDepth = seqCount;
        const nl = value.indexOf('\n');
        multilineNext = nl >= 0 ? value.slice(nl + 1) : null;
        if (nl >= 0) value = value.slice(0, nl);
      }
      const next = text.slice(0, pos) + value + text.slice(ref.end);
      if (next.length >= maxLen) {
        ctx.log(`Parameter substitution on line '${text}' would exceed maximum line length`);
        return { text, replaced: false };
      }
      text = next;
      if (def.value[skipBlanks(def.value, 0)] === '~') break;
    }
    if (replaced) ml.next = multilineNext;
    return { text, replaced };
  }
}

function randomValue(params: string | undefined, ctx: SubstitutionContext): string {
  let min = 0;
  let max = 32767;
  if (params !== undefined) {
    const nums = params.trim().split(/ +/);
    min = Number(nums[0]);
    if (nums.length > 1) max = Number(nums[1]);
    if (nums.length > 2) ctx.log(`Too many parameters or extra text for \${_RANDOM ${params}}`);
  }
  const span = max - min + 1;
  if (span <= 0) return String(min);
  return String(Math.floor(ctx.random() * span) + min);
}
