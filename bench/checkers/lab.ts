/**
 * The bench's surroundings: a network namespace of its own (only lo, so
 * every probe stays on loopback), the listener process, a checker daemon
 * under test, and /proc readings of its checker child. Everything it
 * starts is stopped by PID and the namespace removed in destroy().
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';

/** Timeouts stretch inside the TCG VM, where node runs 10-20x slower. */
export const SLOWDOWN = process.env.VM_RUN ? 15 : 1;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** utime and stime of pid, in seconds. */
export function cpuSeconds(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(f[11]) / CLK_TCK, system: Number(f[12]) / CLK_TCK }; // stat(5) fields 14, 15; f[0] is field 3
}

/** Nanoseconds pid has spent runnable but waiting for a CPU (schedstat's second field). */
export function runQueueWaitNs(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]);
  } catch {
    return NaN;
  }
}

export function rssKb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

export function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

export interface Impl {
  name: 'ours' | 'keepalived';
  /** Command and leading arguments. */
  command: string[];
}

export interface Daemon {
  impl: Impl;
  proc: ChildProcess;
  checkerPidFile: string;
  statsFile: string;
  logFile: string;
}

export class CheckerLab {
  readonly ns = `kbchk${process.pid}`;
  readonly dir = mkdtempSync(join(tmpdir(), 'bench-checkers-'));
  private readonly procs: ChildProcess[] = [];
  /** Checker children found through pid files (grandchildren: not in procs). */
  private readonly checkerPids = new Set<number>();
  private listenerLines: Interface | undefined;
  private listener: ChildProcess | undefined;
  private readonly answers: string[] = [];
  private waiting: ((line: string) => void) | undefined;

  create(): void {
    execFileSync('ip', ['netns', 'add', this.ns]);
    execFileSync('ip', ['-n', this.ns, 'link', 'set', 'lo', 'up']);
    // thousands of connects a second: room in the accept queue
    execFileSync('ip', ['netns', 'exec', this.ns, 'sysctl', '-q', '-w', 'net.core.somaxconn=8192']);
    execFileSync('ip', ['netns', 'exec', this.ns, 'sysctl', '-q', '-w', 'net.ipv4.tcp_max_syn_backlog=8192']);
  }

  writeFile(name: string, text: string): string {
    const path = join(this.dir, name);
    writeFileSync(path, text);
    return path;
  }

  async startListener(env: Record<string, string>): Promise<void> {
    const proc = spawn('ip', ['netns', 'exec', this.ns, process.execPath, 'bench/dist/checkers/listener.js'], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, ...env },
    });
    this.procs.push(proc);
    this.listener = proc;
    this.listenerLines = createInterface({ input: proc.stdout! });
    this.listenerLines.on('line', (line) => {
      const w = this.waiting;
      this.waiting = undefined;
      if (w) w(line);
      else this.answers.push(line);
    });
    const first = await this.nextLine(10_000 * SLOWDOWN);
    if (!first.includes('listening')) throw new Error(`listener did not start: ${first}`);
  }

  private nextLine(timeoutMs: number): Promise<string> {
    const queued = this.answers.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('listener did not answer')), timeoutMs);
      this.waiting = (line) => {
        clearTimeout(timer);
        resolve(line);
      };
    });
  }

  async listenerCommand<T>(cmd: 'mark' | 'report'): Promise<T> {
    this.listener!.stdin!.write(`${cmd}\n`);
    return JSON.parse(await this.nextLine(10_000 * SLOWDOWN)) as T;
  }

  /** Starts `impl -n -l -G -C -f conf` in the namespace with its own pid files. */
  start(impl: Impl, conf: string, tag: string): Daemon {
    const base = join(this.dir, `${tag}`);
    const logFile = `${base}.log`;
    const statsFile = `${base}.sched.json`;
    const checkerPidFile = `${base}.chk.pid`;
    const fd = openSync(logFile, 'w');
    const args = ['-n', '-l', '-G', '-C', '-f', conf, '-p', `${base}.pid`, '-r', `${base}.vrrp.pid`, '-c', checkerPidFile, '-b', `${base}.bfd.pid`];
    const proc = spawn('ip', ['netns', 'exec', this.ns, ...impl.command, ...args], {
      stdio: ['ignore', fd, fd],
      env: { ...process.env, KEEPALIVED_TS_SCHED_STATS: statsFile },
    });
    closeSync(fd);
    this.procs.push(proc);
    return { impl, proc, checkerPidFile, statsFile, logFile };
  }

  /** The checker child's PID once its pid file names a live process. */
  async checkerPid(d: Daemon, timeoutMs: number): Promise<number> {
    const t0 = performance.now();
    while (performance.now() - t0 < timeoutMs) {
      if (d.proc.exitCode !== null || d.proc.signalCode !== null) break;
      if (existsSync(d.checkerPidFile)) {
        const pid = Number(readFileSync(d.checkerPidFile, 'utf8').trim());
        if (pid > 0 && running(pid)) {
          this.checkerPids.add(pid);
          return pid;
        }
      }
      await sleep(50);
    }
    const tail = existsSync(d.logFile) ? readFileSync(d.logFile, 'utf8').split('\n').slice(-8).join('\n') : '';
    throw new Error(`${d.impl.name}: no checker process (log ${d.logFile}):\n${tail}`);
  }

  async stop(d: Daemon, timeoutMs = 15_000): Promise<void> {
    const p = d.proc;
    if (p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs * SLOWDOWN);
    await exited;
    clearTimeout(t);
  }

  async destroy(keepDir: boolean): Promise<void> {
    this.listener?.stdin?.end();
    for (const p of this.procs) {
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    }
    await sleep(200);
    for (const pid of this.checkerPids) if (running(pid)) process.kill(pid, 'SIGKILL');
    try {
      execFileSync('ip', ['netns', 'del', this.ns], { stdio: 'ignore' });
    } catch {
      /* already gone */
    }
    if (!keepDir) rmSync(this.dir, { recursive: true, force: true });
  }
}
