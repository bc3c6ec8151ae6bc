/**
 * The stack of files being read: `include` globs, keepalived's include_check
 * flags and its file error texts, include-loop detection (keepalived has none
 * and recurses until it runs out of file descriptors), and fgets()-style
 * line reading (lines are cut at 1023 bytes and at a NUL byte, as keepalived's
 * 1024-byte buffer does).
 */
import * as path from 'node:path';
import type { SourceLocation } from '../tree.js';
import { bytesToText } from './bytes.js';
import { strerror, type ReaderFs } from './file-access.js';
import { globConfigFiles, hasBrace, type GlobMatch } from './glob.js';
import { MAX_LINE } from './definitions.js';

/** keepalived's include_t bits. */
export const IncludeCheck = {
  NONE: 0,
  /** error if a match is a directory, not readable, not a regular non-executable file */
  READ: 0x01,
  /** error if nothing matches (unless a wildcard was used) */
  MATCH: 0x02,
  /** error if nothing matches even with a wildcard */
  WILDCARD: 0x04,
  /** error if any brace alternative is missing */
  BRACE: 0x08,
  ALL: 0x0f,
} as const;

const INCLUDE_TYPES: Record<string, number> = {
  r: IncludeCheck.READ,
  m: IncludeCheck.READ | IncludeCheck.MATCH,
  w: IncludeCheck.READ | IncludeCheck.MATCH | IncludeCheck.WILDCARD,
  b: IncludeCheck.READ | IncludeCheck.BRACE,
  a: IncludeCheck.ALL,
};

interface OpenFile {
  /** Name as keepalived prints it (byte string). */
  shown: string;
  /** `shown` as text, for locations. */
  shownText: string;
  abs: string;
  real: string;
  content: string;
  pos: number;
  line: number;
  /** The current line is reported one lower until the next read (see holdLineNumber). */
  heldLine?: boolean;
}

interface GlobFrame {
  pattern: string;
  includeType: number;
  savedIncludeCheck: number;
  matches: GlobMatch[];
  next: number;
  file: OpenFile | null;
}

export interface FileReporter {
  /** A file error: an error (config test exit 4) when the include checks ask for it, else only printed. */
  fileError(isError: boolean, message: string): void;
  error(message: string, exitCode?: number): void;
}

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
}

export class IncludeStack {
  private readonly frames: GlobFrame[] = [];
  includeCheck: number;
  /** Absolute paths of every file opened, in order. */
  readonly files: string[] = [];

  constructor(
    private readonly fs: ReaderFs,
    private readonly baseDir: string,
    private readonly report: FileReporter,
    includeCheck: number,
  ) {
    this.includeCheck = includeCheck;
  }

  get empty(): boolean {
    return this.frames.length === 0;
  }

  /** keepalived's error location: the innermost file that has been opened. */
  location(): SourceLocation | undefined {
    for (let i = this.frames.length - 1; i >= 0; i--) {
      const f = this.frames[i]!.file;
      if (f) return { file: f.shownText, line: f.line };
    }
    return undefined;
  }

  /** Directory relative paths are taken from (keepalived chdir()s to each file's directory). */
  currentDir(): string {
    for (let i = this.frames.length - 1; i >= 0; i--) {
      const f = this.frames[i]!.file;
      if (f) return path.dirname(f.abs);
    }
    return this.baseDir;
  }

  /** getcwd() as ${_PWD} shows it: the physical directory of the current file. */
  physicalDir(): string {
    const dir = this.currentDir();
    return this.fs.realpath(dir) ?? dir;
  }

  private fileError(frameType: number, type: number, message: string): void {
    this.report.fileError(((this.includeCheck | frameType) & type) !== 0, message);
  }

  /** If the line is an include statement, open it and return true. */
  checkInclude(line: string): boolean {
    if (!line.startsWith('include') || line.length < 8) return false;
    let type: number;
    let p: number;
    if (isSpace(line[7])) {
      type = IncludeCheck.NONE;
      p = 8;
    } else if (isSpace(line[8]) && INCLUDE_TYPES[line[7]!] !== undefined) {
      type = INCLUDE_TYPES[line[7]!]!;
      p = 9;
    } else return false;
    while (line[p] === ' ' || line[p] === '\t') p++;
    this.open(line.slice(p), type);
    return true;
  }

  /** Globs a pattern and opens its first readable match; false if none could be opened. */
  open(pattern: string, type: number, preGlobbed?: GlobMatch[]): boolean {
    const dir = this.currentDir();
    const frame: GlobFrame = {
      pattern, includeType: type, savedIncludeCheck: this.includeCheck, matches: [], next: 0, file: null,
    };
    this.frames.push(frame);
    if (preGlobbed) frame.matches = preGlobbed;
    else {
      const checked = this.globChecked(pattern, type, dir);
      if (!checked) {
        this.frames.pop();
        return false;
      }
      frame.matches = checked;
    }
    if (!this.openNextMatch(frame)) {
      this.frames.pop();
      return false;
    }
    return true;
  }

  /** keepalived's open_and_check_glob(): the matches, or undefined after reporting why not. */
  globChecked(pattern: string, type: number, dir: string): GlobMatch[] | undefined {
    if (pattern === '') return undefined;
    const g = globConfigFiles(pattern, dir, this.fs);
    const missing = g.missingFiles + g.missingDirectories > 0;
    if (!g.matches.length) {
      if (missing) {
        this.fileError(type, hasBrace(pattern) ? IncludeCheck.BRACE : IncludeCheck.MATCH, `Config files missing '${pattern}'.`);
      } else if (g.haveWildcards && (this.includeCheck | type) & IncludeCheck.WILDCARD) {
        this.fileError(type, IncludeCheck.WILDCARD, `No config files matched '${pattern}'.`);
      }
      return undefined;
    }
    if (missing) {
      this.fileError(type, IncludeCheck.BRACE, `Some config files missing: "${pattern}".`);
      if ((this.includeCheck | type) & IncludeCheck.BRACE) return undefined;
    }
    return g.matches;
  }

  /** keepalived's check_glob_file(): a match must be a regular, non-executable file. */
  checkMatch(match: GlobMatch, type: number): boolean {
    if (match.path.endsWith('/')) {
      this.fileError(type, IncludeCheck.READ, `Configuration file '${match.path}' is a directory - skipping`);
      return false;
    }
    const st = this.fs.stat(match.abs);
    if (!st || !st.isFile || st.mode & 0o111) {
      this.fileError(type, IncludeCheck.READ, `Configuration file '${match.path}' is not a regular non-executable file - skipping`);
      return false;
    }
    return true;
  }

  private openNextMatch(frame: GlobFrame): boolean {
    while (frame.next < frame.matches.length) {
      const match = frame.matches[frame.next++]!;
      if (!this.checkMatch(match, frame.includeType)) continue;
      const real = this.fs.realpath(match.abs) ?? path.resolve(match.abs);
      if (this.frames.some((f) => f !== frame && f.file?.real === real)) {
        this.report.error(`Configuration file '${match.path}' is already being read (include loop) - skipping`);
        continue;
      }
      let content: string;
      try {
        content = this.fs.readFile(match.abs).toString('latin1');
      } catch (err) {
        this.fileError(frame.includeType, IncludeCheck.READ, `Configuration file '${match.path}' open problem (${strerror(err)}) - skipping`);
        continue;
      }
      frame.file = { shown: match.path, shownText: bytesToText(match.path), abs: match.abs, real, content, pos: 0, line: 0 };
      this.files.push(bytesToText(match.abs));
      return true;
    }
    return false;
  }

  /**
   * The next fgets() chunk of the innermost file, without its line end;
   * moves on through the glob's matches and back to including files; null at
   * the end of everything.
   */
  readChunk(): string | null {
    for (;;) {
      const frame = this.frames[this.frames.length - 1];
      if (!frame) return null;
      const f = frame.file!;
      if (f.pos >= f.content.length) {
        this.includeCheck = frame.savedIncludeCheck;
        if (this.openNextMatch(frame)) continue;
        this.frames.pop();
        continue;
      }
      if (f.heldLine) {
        f.heldLine = false;
        f.line++;
      }
      const nl = f.content.indexOf('\n', f.pos);
      let end = nl < 0 ? f.content.length : nl + 1;
      if (end - f.pos > MAX_LINE - 1) end = f.pos + MAX_LINE - 1;
      let chunk = f.content.slice(f.pos, end);
      f.pos = end;
      f.line++;
      const nul = chunk.indexOf('\0');
      if (nul >= 0) chunk = chunk.slice(0, nul);
      let len = chunk.length;
      while (len && (chunk[len - 1] === '\n' || chunk[len - 1] === '\r')) len--;
      return len === chunk.length ? chunk : chunk.slice(0, len);
    }
  }

  /** Reports the current line with the previous line's number; the count catches up at the next read. */
  holdLineNumber(): void {
    const f = this.frames[this.frames.length - 1]?.file;
    if (f && !f.heldLine) {
      f.heldLine = true;
      f.line--;
    }
  }

  /** global_defs `include_check [[+|-]read|match|wildcard_match|brace_match ...]` */
  setIncludeCheck(words: string[]): void {
    const names: Record<string, number> = {
      read: IncludeCheck.READ, match: IncludeCheck.MATCH, wildcard_match: IncludeCheck.WILDCARD, brace_match: IncludeCheck.BRACE,
    };
    if (words.length <= 1) {
      this.includeCheck = IncludeCheck.ALL;
      return;
    }
    for (let i = 1; i < words.length; i++) {
      const w = words[i]!;
      const sign = w[0] === '-' || w[0] === '+' ? w[0] : '';
      if (!sign && i > 1) continue;
      if (!sign) this.includeCheck = 0;
      const flag = names[w.slice(sign.length)];
      if (!flag) continue;
      if (!sign) this.includeCheck = IncludeCheck.READ | flag;
      else if (sign === '+') this.includeCheck |= flag;
      else this.includeCheck &= ~flag;
    }
  }
}
