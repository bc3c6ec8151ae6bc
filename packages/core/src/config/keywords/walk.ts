import type { ConfigStatement } from '../tree.js';
import type { SourceLocation } from '../tree.js';
import type { KeywordEnv, KeywordTable } from './types.js';

/**
 * Where keepalived reports a block's end handler: the closing brace's line
 * (the reader's blockEnd). Without one (hand-built trees, a block cut short
 * by the end of the file) it is taken as the line after the last statement.
 */
export function blockEndLoc(stmt: ConfigStatement): SourceLocation {
  if (stmt.blockEnd) return stmt.blockEnd;
  const last = stmt.block?.[stmt.block.length - 1];
  if (!last) return { file: stmt.loc.file, line: stmt.loc.line + 1 };
  const end = last.block ? blockEndLoc(last) : last.loc;
  return { file: end.file, line: end.line + 1 };
}

/**
 * Applies a keyword table to the statements of one block, in order. An
 * unknown keyword is reported (`Unknown keyword 'x'`) and, if it opened a
 * block, that block is skipped; parsing then continues.
 */
export function walkBlock<T>(statements: readonly ConfigStatement[], table: KeywordTable<T>, target: T, env: KeywordEnv): void {
  for (const stmt of statements) {
    const keyword = stmt.words[0];
    if (keyword === undefined) continue;
    const spec = Object.hasOwn(table, keyword) ? table[keyword] : undefined;
    env.loc = stmt.loc;
    if (!spec) {
      env.error(`Unknown keyword '${keyword}'`);
      continue;
    }
    if (spec.handler) spec.handler(stmt, target, env);
    if (spec.sub) {
      env.loc = stmt.loc;
      const child = spec.sub.open(stmt, target, env);
      if (child === undefined) continue;
      walkBlock(stmt.block ?? [], spec.sub.table, child, env);
      if (spec.sub.close) {
        env.loc = blockEndLoc(stmt);
        spec.sub.close(child, target, env, stmt);
      }
    }
  }
}
