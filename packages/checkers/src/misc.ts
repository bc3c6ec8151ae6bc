import { accessSync, constants as fsConstants, readFileSync, realpathSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { delimiter, join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import type { MiscCheckSettings } from './model.js';
import type { ResolvedChecker } from './resolve.js';
import type { CheckResult, HealthChecker } from './types.js';

/** Splits a command line on blanks, honouring "double" and 'single' quotes and backslash escapes. */
export function splitCommand(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === '\\' && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

/** keepalived shows scripts after PATH lookup and realpath (/bin/true -> /usr/bin/true). */
export function resolveScriptPath(cmd: string, path = process.env.PATH ?? '/usr/bin:/bin'): string {
  const candidates = cmd.includes('/') ? [cmd] : path.split(delimiter).map((d) => join(d, cmd));
  for (const c of candidates) {
    try {
      accessSync(c, fsConstants.X_OK);
      return realpathSync(c);
    } catch {
      /* next */
    }
  }
  return cmd;
}

function lookupId(file: string, name: string): number | undefined {
  if (/^\d+$/.test(name)) return Number(name);
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === name) return Number(f[2]);
    }
  } catch {
    /* no database */
  }
  return undefined;
}

/** "user [group]" -> uid/gid (the user's primary group when no group is given). */
export function resolveUser(spec: string): { uid: number; gid: number } {
  const [user, group] = spec.trim().split(/\s+/);
  const uid = lookupId('/etc/passwd', user!);
  if (uid === undefined) throw new Error(`Unknown user ${user}`);
  let gid: number | undefined;
  if (group) gid = lookupId('/etc/group', group);
  else if (/^\d+$/.test(user!)) gid = uid;
  else {
    const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.split(':')[0] === user);
    gid = line ? Number(line.split(':')[3]) : undefined;
  }
  if (gid === undefined) throw new Error(`Unknown group ${group}`);
  return { uid, gid };
}

/** keepalived's SIGTERM -> 2 s -> SIGKILL escalation on the script's process group. */
const TERM_GRACE_MS = 2000;

/**
 * MISC_CHECK: run the script; exit 0 is up, with misc_dynamic 2..255 is up
 * with weight (status - 2); anything else, a signal or a timeout is down.
 */
export class MiscChecker implements HealthChecker {
  readonly type = 'MISC_CHECK' as const;
  readonly hardTimeoutMs: number;
  readonly argv: string[];
  readonly dynamic: boolean;
  private readonly timeoutMs: number;
  private readonly ids: { uid: number; gid: number } | undefined;
  private running: ResultPromise | undefined;

  constructor(cfg: ResolvedChecker) {
    const s = cfg.settings as MiscCheckSettings;
    const words = Array.isArray(s.miscPath) ? [...s.miscPath] : splitCommand(s.miscPath);
    if (!words.length) throw new Error('No script path has been specified for MISC_CHECKER - skipping');
    words[0] = resolveScriptPath(words[0]!);
    this.argv = words;
    this.dynamic = s.miscDynamic ?? false;
    this.timeoutMs = s.miscTimeout ? s.miscTimeout * 1000 : cfg.vsDelayLoopMs;
    this.ids = s.user ? resolveUser(s.user) : undefined;
    this.hardTimeoutMs = this.timeoutMs + 2 * TERM_GRACE_MS + 2000;
  }

  get scriptName(): string {
    return this.argv[0]!;
  }

  async check(): Promise<CheckResult> {
    const child = execa(this.argv[0]!, this.argv.slice(1), {
      reject: false,
      detached: true,
      stdin: 'ignore',
      stdout: 'ignore',
      stderr: 'ignore',
      uid: this.ids?.uid,
      gid: this.ids?.gid,
      cleanup: true,
    });
    this.running = child;
    let timedOut = false;
    const killGroup = (sig: NodeJS.Signals): void => {
      try {
        if (child.pid) process.kill(-child.pid, sig);
      } catch {
        /* already gone */
      }
    };
    const term = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
    }, this.timeoutMs);
    const kill = setTimeout(() => killGroup('SIGKILL'), this.timeoutMs + TERM_GRACE_MS);
    try {
      const r = await child;
      if (timedOut) killGroup('SIGKILL'); // grandchildren left behind by a terminated script
      if (r.signal) {
        const signal = osConstants.signals[r.signal as NodeJS.Signals] ?? 0;
        return { ok: false, signal, timedOut: timedOut && (r.signal === 'SIGTERM' || r.signal === 'SIGKILL') };
      }
      const code = r.exitCode ?? 255;
      if (r.failed && r.exitCode === undefined) return { ok: false, exitCode: 127, reason: r.message };
      const ok = code === 0 || (this.dynamic && code >= 2 && code <= 255);
      return { ok, exitCode: code };
    } finally {
      clearTimeout(term);
      clearTimeout(kill);
      this.running = undefined;
    }
  }

  abort(): void {
    const pid = this.running?.pid;
    if (pid) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
}
