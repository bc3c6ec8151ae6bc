import { execa } from 'execa';

/** A script as keepalived holds it: argv split at parse time (no shell), run as script_user. */
export interface ScriptSpec {
  argv: string[];
  uid?: number;
  gid?: number;
}

export interface ScriptResult {
  /** Exit code, or null when killed by a signal or never started. */
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Set when the script could not be started at all ('ENOENT', 'EACCES'). */
  spawnErrorCode?: string;
}

export interface RunOptions {
  /** Kill the script (SIGTERM, then SIGKILL 1 s later) after this long. */
  timeoutMs?: number;
  extraArgs?: string[];
  env?: NodeJS.ProcessEnv;
  /** Aborting it sends the script SIGTERM (then SIGKILL 1 s later), as keepalived's script_killall at shutdown. */
  cancel?: AbortSignal;
}

/**
 * Runs a notify / track / check script without ever blocking the caller's
 * event loop: the spawn is asynchronous, output is discarded (as keepalived
 * does), and the result arrives as a promise that never rejects.
 */
export async function runScript(spec: ScriptSpec, opts: RunOptions = {}): Promise<ScriptResult> {
  const [file, ...args] = spec.argv;
  if (!file) return { code: null, signal: null, timedOut: false, spawnErrorCode: 'ENOENT' };
  const r = await execa(file, [...args, ...(opts.extraArgs ?? [])], {
    stdio: 'ignore',
    reject: false,
    uid: spec.uid,
    gid: spec.gid,
    env: opts.env,
    extendEnv: opts.env === undefined,
    timeout: opts.timeoutMs,
    ...(opts.cancel ? { cancelSignal: opts.cancel } : {}),
    forceKillAfterDelay: 1000,
    // a script must outlive neither its timeout nor, for notify_stop, our own exit
    cleanup: true,
  });
  const spawnErrorCode = r.exitCode === undefined && r.signal === undefined ? (r.cause as NodeJS.ErrnoException | undefined)?.code : undefined;
  return {
    code: r.exitCode ?? null,
    signal: (r.signal as NodeJS.Signals | undefined) ?? null,
    timedOut: r.timedOut,
    ...(spawnErrorCode ? { spawnErrorCode } : {}),
  };
}

/**
 * Splits a script line the way keepalived does when it reads `notify_master
 * "/path/x arg"`: words separated by blanks, single or double quotes group.
 */
export function splitScriptLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === ' ' || c === '\t') {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}
