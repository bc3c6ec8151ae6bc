import type { ConfigStatement } from '../tree.js';
import type { KeywordEnv, KeywordTable } from './types.js';

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
      env.loc = stmt.loc;
      spec.sub.close?.(child, target, env, stmt);
    }
  }
}
