/**
 * track_file and vrrp_track_process (keepalived trackers/track_file.c,
 * core/track_process.c, vrrp/vrrp_track.c).
 *
 * track_file: the file holds a number; it is re-read whenever the directory
 * watch (inotify, through fs.watch) reports the file written, moved or
 * deleted. A missing or empty file reads as 0. For an instance tracking it
 * with weight 0 a non-zero value is a fault (reverse: a zero value); with a
 * weight the value times the weight (negated by reverse), clamped to
 * [-254, 253], is added to the priority, and exactly -254 is a fault.
 *
 * vrrp_track_process: keepalived listens to the kernel's proc connector; this
 * first version polls /proc (every pollIntervalMs, 1 s by default) and counts
 * the processes whose comm (or argv[0] with full_command) and parameters
 * match. Quorum is quorum <= count <= quorum_max; gaining it waits fork_delay,
 * losing it waits terminate_delay, and each change logs
 * "Quorum gained|lost for tracked process NAME".
 */
import { existsSync, readdirSync, readFileSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { TrackFile as ConfigTrackFile, TrackProcess as ConfigTrackProcess } from '@keepalived-ts/core';

type Listener = () => void;

abstract class Emitter {
  private readonly listeners = new Set<Listener>();

  onChange(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  protected emit(): void {
    for (const l of [...this.listeners]) l();
  }
}

/** keepalived's strtol(buf, NULL, 0) on the file's first 127 bytes; undefined = out of range (ignored). */
export function parseTrackFileValue(text: string): number | undefined {
  const m = /^\s*([+-]?)(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)/i.exec(text);
  if (m === null) return 0;
  const digits = m[2]!;
  const magnitude = /^0x/i.test(digits) ? parseInt(digits.slice(2), 16) : digits.length > 1 && digits.startsWith('0') ? parseInt(digits, 8) : parseInt(digits, 10);
  const v = m[1] === '-' ? -magnitude : magnitude;
  if (v < -(2 ** 31) || v > 2 ** 31) return undefined;
  return v;
}

/** One instance's view of a tracked file value (track_file.c update_track_file_status). */
export function trackFileEffect(value: number, weight: number, reverse: boolean): { fault: boolean; delta: number } {
  const mult = reverse ? -1 : 1;
  if (weight === 0) return { fault: (value !== 0) === (mult === 1), delta: 0 };
  const status = Math.max(-254, Math.min(253, value * weight * mult));
  return status === -254 ? { fault: true, delta: 0 } : { fault: false, delta: status };
}

export class FileTracker extends Emitter {
  /** Last value read (keepalived's last_status). */
  status = 0;
  private watcher: FSWatcher | undefined;

  constructor(
    readonly def: ConfigTrackFile,
    private readonly log: { info(text: string): void },
  ) {
    super();
    if (def.initFile && (def.initOverwrite || !existsSync(def.file))) {
      try {
        writeFileSync(def.file, `${def.initValue ?? 0}\n`);
      } catch (e) {
        log.info(`Unable to initialise track file ${def.file} (${(e as Error).message})`);
      }
    }
    this.status = this.read() ?? 0;
  }

  /** Starts watching the file's directory (the file itself may not exist yet). */
  start(): void {
    if (this.watcher) return;
    const name = basename(this.def.file);
    try {
      this.watcher = watch(dirname(this.def.file), { persistent: false }, (_event, file) => {
        if (file === null || file === name) this.refresh();
      });
      this.watcher.on('error', () => undefined);
    } catch (e) {
      this.log.info(`Unable to monitor track files (${(e as Error).message})`);
    }
  }

  stop(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  /** Re-reads the file; listeners hear about a changed value. */
  refresh(): void {
    const v = this.read();
    if (v === undefined || v === this.status) return;
    this.status = v;
    this.emit();
  }

  private read(): number | undefined {
    let text: string;
    try {
      text = readFileSync(this.def.file, 'latin1').slice(0, 127);
    } catch {
      return 0;
    }
    const v = parseTrackFileValue(text);
    if (v === undefined) this.log.info(`Invalid number ${text.trim()} read from ${this.def.file} - ignoring`);
    return v;
  }
}

/** check_params: the process's arguments against the configured ones. */
export function paramsMatch(def: Pick<ConfigTrackProcess, 'params' | 'paramMatch'>, args: readonly string[]): boolean {
  const want = def.params;
  switch (def.paramMatch) {
    case 'none':
      return true;
    case 'exact':
      return args.length === want.length && want.every((p, i) => args[i] === p);
    case 'partial':
      return want.every((p, i) => args[i] === p);
    case 'initial':
      return want.every((p, i) => (i === want.length - 1 ? (args[i] ?? '').startsWith(p) : args[i] === p));
  }
}

export interface ProcEntry {
  pid: number;
  comm: string;
  argv: string[];
}

/** Every process in /proc (comm from /proc/PID/stat, argv from /proc/PID/cmdline); zombies have no cmdline and are skipped. */
export function readProcesses(procRoot = '/proc'): ProcEntry[] {
  const out: ProcEntry[] = [];
  let names: string[];
  try {
    names = readdirSync(procRoot);
  } catch {
    return out;
  }
  for (const n of names) {
    if (!/^[1-9]\d*$/.test(n)) continue;
    try {
      const stat = readFileSync(`${procRoot}/${n}/stat`, 'latin1');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state === 'Z' || state === 'X') continue;
      const cmdline = readFileSync(`${procRoot}/${n}/cmdline`, 'latin1');
      const argv = cmdline.split('\0');
      if (argv.length > 0 && argv[argv.length - 1] === '') argv.pop();
      out.push({ pid: Number(n), comm, argv });
    } catch {
      // the process went away while we looked
    }
  }
  return out;
}

/** Whether a process counts for a vrrp_track_process definition. */
export function processMatches(def: ConfigTrackProcess, p: ProcEntry): boolean {
  const name = def.fullCommand ? p.argv[0] : p.comm;
  if (name !== def.process) return false;
  return paramsMatch(def, p.argv.slice(1));
}

export class ProcessTracker extends Emitter {
  currentProcesses = 0;
  haveQuorum = false;
  /** The first count (keepalived's initial /proc scan) sets the quorum silently. */
  private primed = false;
  private delayTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly def: ConfigTrackProcess,
    private readonly log: { info(text: string): void },
  ) {
    super();
  }

  /** Applies a fresh count. The first one is taken silently, as keepalived's initial /proc scan. */
  update(count: number): void {
    this.currentProcesses = count;
    const quorum = count >= this.def.quorum && count <= this.def.quorumMax;
    if (!this.primed) {
      this.primed = true;
      this.haveQuorum = quorum;
      return;
    }
    if (quorum === this.haveQuorum) {
      this.cancelDelay();
      return;
    }
    const delayUs = quorum ? this.def.forkDelayUs : this.def.terminateDelayUs;
    if (delayUs === 0) {
      this.setQuorum(quorum);
      return;
    }
    if (this.delayTimer) return;
    this.delayTimer = setTimeout(() => {
      this.delayTimer = undefined;
      const now = this.currentProcesses >= this.def.quorum && this.currentProcesses <= this.def.quorumMax;
      if (now !== this.haveQuorum) this.setQuorum(now);
    }, delayUs / 1000);
  }

  stop(): void {
    this.cancelDelay();
  }

  private cancelDelay(): void {
    if (this.delayTimer) clearTimeout(this.delayTimer);
    this.delayTimer = undefined;
  }

  private setQuorum(q: boolean): void {
    this.haveQuorum = q;
    this.log.info(`Quorum ${q ? 'gained' : 'lost'} for tracked process ${this.def.name}`);
    this.emit();
  }
}

/** Polls /proc for every ProcessTracker (one scan per interval for all of them). */
export class ProcessPoller {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly trackers: () => Iterable<ProcessTracker>,
    private readonly intervalMs = 1000,
    private readonly scan: () => ProcEntry[] = () => readProcesses(),
  ) {}

  /** A first scan now, then one per interval. */
  start(): void {
    this.poll();
    this.timer = setInterval(() => this.poll(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  poll(): void {
    const list = [...this.trackers()];
    if (list.length === 0) return;
    const procs = this.scan().filter((p) => p.pid !== process.pid);
    for (const t of list) t.update(procs.filter((p) => processMatches(t.def, p)).length);
  }
}
