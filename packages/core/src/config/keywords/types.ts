/**
 * The keyword-table machinery: every block of keepalived.conf is described by
 * a KeywordTable mapping keyword -> spec. A spec either handles a statement
 * (reading its words, or its value block for list-style keywords such as
 * virtual_ipaddress), or opens a sub-block parsed with its own table.
 */
import type { ConfigStatement, SourceLocation } from '../tree.js';
import type { Diagnostic } from '../diagnostics.js';
import type { KeepalivedConfig } from '../model/index.js';

/** How keepalived classifies a config problem (config_err_t), mapped to the -t exit code. */
export type ErrorKind = 'general' | 'fatal' | 'bad-if' | 'security' | 'log';

export const EXIT_FOR_KIND: Record<ErrorKind, number> = {
  general: 5,
  fatal: 4,
  'bad-if': 4,
  security: 6,
  log: 0,
};

/** keepalived exits at once (exit code 2) when a keyword lacks a required parameter. */
export class MissingParameterError extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(diagnostic.message);
  }
}

export interface KeywordEnv {
  /** Report against the statement being handled (or no location). */
  error(message: string, kind?: ErrorKind): void;
  /**
   * Report with no file/line in the text, as keepalived's post-parse checks do;
   * origin (the block the message is about) is kept for tools, never printed.
   */
  errorNoLoc(message: string, kind?: ErrorKind, origin?: SourceLocation): void;
  /** Word i of the statement or a MissingParameterError (keepalived's strvec_slot). */
  arg(stmt: ConfigStatement, index: number): string;
  interfaceExists(name: string): boolean;
  /** getpwnam/getgrnam: whether a user or group name resolves. */
  userExists(name: string): boolean;
  groupExists(name: string): boolean;
  /** The model being filled in; handlers of later blocks read global_defs values from it. */
  readonly config: KeepalivedConfig;
  /** Location of the statement being handled. */
  loc: SourceLocation | undefined;
  /** Set when a keyword named an interface that does not exist (vrrp's non_existent_interface_specified). */
  nonExistentInterface: boolean;
  /** Next automatic rule preferences (keepalived counts down from 16384 per family). */
  rulePriority: { inet: number; inet6: number };
}

export type KeywordHandler<T> = (stmt: ConfigStatement, target: T, env: KeywordEnv) => void;

export interface SubBlock<T, S> {
  table: KeywordTable<S>;
  /** Creates the object the block fills in; undefined skips the block (keepalived's skip_block). */
  open(stmt: ConfigStatement, parent: T, env: KeywordEnv): S | undefined;
  /** keepalived's sublevel end handler. */
  close?(child: S, parent: T, env: KeywordEnv, stmt: ConfigStatement): void;
}

export interface KeywordSpec<T> {
  handler?: KeywordHandler<T>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  sub?: SubBlock<T, any>;
}

export type KeywordTable<T> = Readonly<Record<string, KeywordSpec<T>>>;

/** The words of each line of a value block (`keyword { line... }`), as keepalived's alloc_value_block passes them. */
export function valueLines(stmt: ConfigStatement): ConfigStatement[] {
  return stmt.block ?? [];
}

/** Convenience for specs that only have a handler. */
export function kw<T>(handler: KeywordHandler<T>): KeywordSpec<T> {
  return { handler };
}

/** A keyword keepalived accepts and ignores (e.g. compiled-out features that still parse). */
export function ignored<T>(): KeywordSpec<T> {
  return { handler: () => undefined };
}
