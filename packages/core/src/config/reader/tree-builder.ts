/**
 * Builds the statement tree from logical lines. Structure is purely
 * syntactic: a '{' opens a block on the statement just before it (keepalived
 * accepts the brace on the keyword's line or on the next line); '}' closes
 * the innermost block. Nesting uses an explicit stack, never JS recursion.
 *
 * Tokens that fit no structure are kept so the keyword layer can mirror
 * keepalived: an extra '}' becomes a top-level statement ['}'] (keepalived
 * says "Extra '}' found" and then "Unknown keyword '}'"), and a '{' with no
 * statement to attach to becomes a statement ['{'] carrying the block
 * (keepalived: "Unexpected '{' - ignoring").
 */
import type { ConfigStatement, SourceLocation } from '../tree.js';
import { bytesToText } from './bytes.js';
import { splitWords } from './lexer.js';
import type { LogicalLine } from './line-reader.js';

const HIGH_BYTES = /[\x80-\xff]/;

/** Deeper '{' are still counted but their statements stay at this depth. */
export const MAX_BLOCK_DEPTH = 1024;

export interface TreeReporter {
  error(message: string, loc: SourceLocation | undefined, origin?: SourceLocation): void;
}

export interface BuiltTree {
  statements: ConfigStatement[];
  /** Blocks still open at the end (innermost last). */
  unclosed: ConfigStatement[];
}

const ALL_UNQUOTED: boolean[][] = [];

/** Statements without quoted words share one all-false `quoted` array per length (fewer allocations). */
function sharedQuoted(quoted: boolean[]): boolean[] {
  if (quoted.length > 32 || quoted.includes(true)) return quoted;
  return (ALL_UNQUOTED[quoted.length] ??= Object.freeze(quoted.map(() => false)) as boolean[]);
}

function statementOf(text: string, loc: SourceLocation, report: TreeReporter): ConfigStatement | undefined {
  const split = splitWords(text);
  if (split.unmatchedQuote) report.error(`Unmatched quote: '${bytesToText(text)}'`, loc);
  if (!split.words.length) return undefined;
  if (!HIGH_BYTES.test(text)) return { words: split.words, quoted: sharedQuoted(split.quoted), text, loc };
  return { words: split.words.map(bytesToText), quoted: split.quoted, text: bytesToText(text), loc };
}

export function buildTree(
  next: () => LogicalLine | null,
  report: TreeReporter,
  onStatement?: (stmt: ConfigStatement, parents: ConfigStatement[]) => void,
): BuiltTree {
  const root: ConfigStatement[] = [];
  const open: ConfigStatement[] = [];
  let container = root;
  let overflow = 0;
  let attachTo: ConfigStatement | undefined;

  for (let line = next(); line; line = next()) {
    const { text, loc } = line;
    if (text === '{') {
      if (open.length >= MAX_BLOCK_DEPTH) {
        if (!overflow) report.error(`Blocks nested deeper than ${MAX_BLOCK_DEPTH} levels - flattening the deeper ones`, loc);
        overflow++;
        attachTo = undefined;
        continue;
      }
      let owner = attachTo && !attachTo.block ? attachTo : undefined;
      if (!owner) {
        owner = { words: ['{'], quoted: [false], text: '{', loc };
        container.push(owner);
      }
      owner.block = [];
      owner.blockStart = loc;
      open.push(owner);
      container = owner.block;
      attachTo = undefined;
      continue;
    }
    if (text === '}') {
      attachTo = undefined;
      if (overflow) {
        overflow--;
      } else if (open.length) {
        open.pop()!.blockEnd = loc;
        container = open.length ? open[open.length - 1]!.block! : root;
      } else {
        report.error("Extra '}' found", loc);
        root.push({ words: ['}'], quoted: [false], text: '}', loc });
      }
      continue;
    }
    const stmt = statementOf(text, loc, report);
    if (!stmt) continue;
    container.push(stmt);
    attachTo = stmt;
    onStatement?.(stmt, open);
  }
  const missing = open.length + overflow;
  if (missing > 0) {
    const innermost = open[open.length - 1];
    report.error(`There are ${missing} missing '}'s or extra '{'s`, undefined, innermost?.blockStart);
  }
  return { statements: root, unclosed: open };
}
