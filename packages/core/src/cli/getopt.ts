/**
 * A faithful model of glibc's getopt_long() in its default PERMUTE mode, as
 * keepalived calls it (an optstring starting with ':' so glibc prints
 * nothing itself). keepalived's error messages read getopt's globals
 * (optopt, optind) and index argv after glibc has permuted it, so the
 * observable texts depend on these details: e.g. `keepalived extra --bogus`
 * reports "Unknown option extra". Modelling the state machine is the only
 * way to reproduce that.
 */

export const enum ArgKind {
  None = 0,
  Required = 1,
  Optional = 2,
}

export interface LongOption {
  name: string;
  hasArg: ArgKind;
  /** The value getopt returns: a character code, or a small integer for long-only options. */
  val: number;
}

/** One getopt_long() return, plus the globals keepalived inspects after it. */
export interface GetoptStep {
  /** The returned option character code, '?'.charCodeAt(0) or ':'.charCodeAt(0). */
  c: number;
  optarg: string | undefined;
  /** Index into the long option table when a long option matched (glibc only sets it on success). */
  longIndex: number;
  /** The long option that was recognised, even where glibc leaves longIndex unset (missing argument). */
  matchedLong: LongOption | undefined;
  optopt: number;
  /** optind before this call (keepalived's `curind`), and the argv as permuted after it. */
  curind: number;
  argv: readonly string[];
}

const QUESTION = 0x3f;
const COLON = 0x3a;

interface ShortSpec {
  hasArg: ArgKind;
}

function parseOptstring(optstring: string): Map<number, ShortSpec> {
  const specs = new Map<number, ShortSpec>();
  let i = optstring.startsWith(':') || optstring.startsWith('+') || optstring.startsWith('-') ? 1 : 0;
  for (; i < optstring.length; i++) {
    const ch = optstring.charCodeAt(i);
    let hasArg = ArgKind.None;
    if (optstring[i + 1] === ':') {
      hasArg = optstring[i + 2] === ':' ? ArgKind.Optional : ArgKind.Required;
      i += hasArg === ArgKind.Optional ? 2 : 1;
    }
    specs.set(ch, { hasArg });
  }
  return specs;
}

/**
 * Iterates getopt_long() over argv (argv[0] is the program name). After the
 * iterator is exhausted, `operands()` gives the non-option arguments in the
 * order glibc leaves them at argv[optind..].
 */
export class Getopt {
  private readonly argv: string[];
  private readonly shorts: Map<number, ShortSpec>;
  private optind = 1;
  // glibc keeps optopt in a zeroed static struct and copies it to the global after every call.
  private optopt = 0;
  private nextchar: { arg: number; pos: number } | undefined;
  private firstNonopt = 1;
  private lastNonopt = 1;
  private done = false;

  constructor(
    argv: readonly string[],
    private readonly optstring: string,
    private readonly longopts: readonly LongOption[],
  ) {
    this.argv = [...argv];
    this.shorts = parseOptstring(optstring);
  }

  /** The next getopt_long() result, or undefined at the end (-1). */
  next(): GetoptStep | undefined {
    if (this.done) return undefined;
    const curind = this.optind;
    const r = this.step();
    if (r === undefined) {
      this.done = true;
      return undefined;
    }
    return { ...r, optopt: this.optopt, curind, argv: this.argv };
  }

  /** Non-option arguments left after parsing (argv[optind..]). */
  operands(): string[] {
    return this.argv.slice(this.optind);
  }

  private isNonOption(i: number): boolean {
    const a = this.argv[i]!;
    return a[0] !== '-' || a.length === 1;
  }

  /** glibc's exchange(): moves the skipped non-options after the options that followed them. */
  private exchange(): void {
    const nonopts = this.argv.slice(this.firstNonopt, this.lastNonopt);
    const opts = this.argv.slice(this.lastNonopt, this.optind);
    this.argv.splice(this.firstNonopt, this.optind - this.firstNonopt, ...opts, ...nonopts);
    this.firstNonopt += this.optind - this.lastNonopt;
    this.lastNonopt = this.optind;
  }

  private step(): Omit<GetoptStep, 'optopt' | 'curind' | 'argv'> | undefined {
    const argc = this.argv.length;
    let optarg: string | undefined;

    if (this.nextchar === undefined) {
      if (this.lastNonopt > this.optind) this.lastNonopt = this.optind;
      if (this.firstNonopt > this.optind) this.firstNonopt = this.optind;

      if (this.firstNonopt !== this.lastNonopt && this.lastNonopt !== this.optind) this.exchange();
      else if (this.lastNonopt !== this.optind) this.firstNonopt = this.optind;
      while (this.optind < argc && this.isNonOption(this.optind)) this.optind++;
      this.lastNonopt = this.optind;

      if (this.optind !== argc && this.argv[this.optind] === '--') {
        this.optind++;
        if (this.firstNonopt !== this.lastNonopt && this.lastNonopt !== this.optind) this.exchange();
        else if (this.firstNonopt === this.lastNonopt) this.firstNonopt = this.optind;
        this.lastNonopt = argc;
        this.optind = argc;
      }

      if (this.optind === argc) {
        if (this.firstNonopt !== this.lastNonopt) this.optind = this.firstNonopt;
        return undefined;
      }

      const arg = this.argv[this.optind]!;
      if (arg[1] === '-') return this.longOption(arg.slice(2));
      this.nextchar = { arg: this.optind, pos: 1 };
    }

    const arg = this.argv[this.nextchar.arg]!;
    const c = arg.charCodeAt(this.nextchar.pos);
    this.nextchar.pos++;
    const atEnd = this.nextchar.pos >= arg.length;
    if (atEnd) this.optind++;
    const spec = c === COLON ? undefined : this.shorts.get(c);
    if (spec === undefined) {
      if (atEnd) this.nextchar = undefined;
      this.optopt = c;
      return { c: QUESTION, optarg, longIndex: -1, matchedLong: undefined };
    }
    if (spec.hasArg === ArgKind.None) {
      if (atEnd) this.nextchar = undefined;
      return { c, optarg, longIndex: -1, matchedLong: undefined };
    }
    const rest = arg.slice(this.nextchar.pos);
    this.nextchar = undefined;
    if (spec.hasArg === ArgKind.Optional) {
      if (rest !== '') {
        optarg = rest;
        this.optind++;
      }
      return { c, optarg, longIndex: -1, matchedLong: undefined };
    }
    if (rest !== '') {
      optarg = rest;
      this.optind++;
    } else if (this.optind === argc) {
      this.optopt = c;
      return { c: this.optstring.startsWith(':') ? COLON : QUESTION, optarg, longIndex: -1, matchedLong: undefined };
    } else {
      optarg = this.argv[this.optind++];
    }
    return { c, optarg, longIndex: -1, matchedLong: undefined };
  }

  private longOption(body: string): Omit<GetoptStep, 'optopt' | 'curind' | 'argv'> {
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    let found = this.longopts.findIndex((o) => o.name === name);
    if (found === -1) {
      let ambiguous = false;
      for (let i = 0; i < this.longopts.length; i++) {
        const o = this.longopts[i]!;
        if (!o.name.startsWith(name)) continue;
        if (found === -1) found = i;
        else {
          const f = this.longopts[found]!;
          if (f.hasArg !== o.hasArg || f.val !== o.val) ambiguous = true;
        }
      }
      if (ambiguous) {
        this.optind++;
        this.optopt = 0;
        return { c: QUESTION, optarg: undefined, longIndex: -1, matchedLong: undefined };
      }
    }
    if (found === -1) {
      this.optind++;
      this.optopt = 0;
      return { c: QUESTION, optarg: undefined, longIndex: -1, matchedLong: undefined };
    }
    const opt = this.longopts[found]!;
    this.optind++;
    let optarg: string | undefined;
    if (eq !== -1) {
      if (opt.hasArg === ArgKind.None) {
        this.optopt = opt.val;
        return { c: QUESTION, optarg: undefined, longIndex: -1, matchedLong: opt };
      }
      optarg = body.slice(eq + 1);
    } else if (opt.hasArg === ArgKind.Required) {
      if (this.optind < this.argv.length) optarg = this.argv[this.optind++];
      else {
        this.optopt = opt.val;
        const c = this.optstring.startsWith(':') ? COLON : QUESTION;
        return { c, optarg: undefined, longIndex: -1, matchedLong: opt };
      }
    }
    return { c: opt.val, optarg, longIndex: found, matchedLong: opt };
  }
}
