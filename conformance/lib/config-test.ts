import { spawnSync } from 'node:child_process';

export interface ConfigTestRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stderr lines, each message once, in order of first appearance. */
  messages: string[];
  timedOut: boolean;
}

export { keepalivedDistinctMessages as distinctLines } from '@keepalived-ts/core';
import { keepalivedDistinctMessages as distinctLines } from '@keepalived-ts/core';

/** Runs `BIN -t -f CONF` (optionally inside `prefix`, e.g. ip netns exec NS) with a hard time limit. */
export function runConfigTest(bin: string, conf: string, prefix: string[] = [], timeoutMs = 20_000): ConfigTestRun {
  const argv = [...prefix, bin, '-t', '-f', conf];
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: timeoutMs });
  return {
    code: r.status,
    signal: r.signal,
    messages: distinctLines(r.stderr ?? ''),
    timedOut: r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT',
  };
}
