import { spawnSync } from 'node:child_process';

export interface ConfigTestRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stderr lines, each message once, in order of first appearance. */
  messages: string[];
  timedOut: boolean;
}

/**
 * keepalived prints some -t messages once per parsing process (parent, VRRP,
 * checker, BFD); ours prints each once. Comparing distinct messages in order of
 * first appearance is the fair comparison.
 */
export function distinctLines(text: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || seen.has(line)) continue;
    seen.add(line);
    out.push(line);
  }
  return out;
}

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
