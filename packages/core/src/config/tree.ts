/**
 * The contract between the config reader (files, includes, macros, @id lines,
 * ~SEQ, comments, quoting, braces) and the keyword layer (what each keyword
 * means). The reader knows nothing about keywords; the keyword layer never
 * touches files.
 */

export interface SourceLocation {
  /** The file name as keepalived prints it: the -f argument, or the resolved include path. */
  file: string;
  /** 1-based line number of the line that started the statement. */
  line: number;
}

export interface ConfigStatement {
  /** Words of the logical line after preprocessing; quotes removed, escapes applied. words[0] is the keyword. */
  words: string[];
  /** Parallel to words: true where the word came from a quoted string. */
  quoted: boolean[];
  /** The logical line's text after preprocessing (for keywords that take the rest of the line verbatim). */
  text: string;
  loc: SourceLocation;
  /** Present when the statement opened a `{ ... }` block (brace on the same or the next line). */
  block?: ConfigStatement[];
  /** Where the block's '{' was (present with block). */
  blockStart?: SourceLocation;
  /**
   * Where the block's closing '}' was; absent if the configuration ended first.
   * keepalived reports errors found when a block closes at this line.
   */
  blockEnd?: SourceLocation;
}

export interface ConfigTree {
  /** Top-level statements in file order, includes expanded in place. */
  statements: ConfigStatement[];
  /** Every file that was read, in order (for reload change detection and dumps). */
  files: string[];
}
