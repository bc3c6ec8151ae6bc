import { fork as nodeFork, type ChildProcess, type ForkOptions } from 'node:child_process';
import { CHILD_LABEL, PROG_NAME, isChildMessage, type ChildRole, type ParentMessage } from './ipc.js';
import { nextRestartDelay, type RestartBackoff } from './restart-delay.js';
import { reportChildStatus } from './child-status.js';
import { removePidFile, writePidFile } from './pidfile.js';

export interface WatchdogLog {
  info(text: string): void;
  /** keepalived logs child deaths at LOG_ALERT. */
  error(text: string): void;
}

export interface ChildSpec {
  role: ChildRole;
  /** The compiled JS entry point of the child; the parent forks it by path and never imports it. */
  modulePath: string;
  args: string[];
  pidFile?: string;
}

export type ForkFn = (modulePath: string, args: string[], options: ForkOptions) => ChildProcess;

export interface WatchdogOptions {
  children: ChildSpec[];
  log: WatchdogLog;
  /** -R: a dying child stops the daemon instead of being respawned. */
  dontRespawn?: boolean;
  heartbeatIntervalMs?: number;
  /** A child that has not answered a ping for this long is stuck: it is killed and respawned. */
  hangTimeoutMs?: number;
  /**
   * How long a child may take from fork to its first sign of life ('ready' or
   * a pong). Loading a Node child's modules takes seconds on a loaded or slow
   * machine; judging it by hangTimeoutMs then kills it before it ever runs.
   */
  startupTimeoutMs?: number;
  /** How long a stopping child may take before it is killed. */
  stopTimeoutMs?: number;
  /**
   * Multiplies keepalived's respawn delays (1 s .. 60 s). 1 in production;
   * tests that kill a child a hundred times use a small factor.
   */
  restartDelayScale?: number;
  fork?: ForkFn;
  now?: () => number;
  /** Called as soon as a child dies unexpectedly, before any respawn (the parent cleans up after it). */
  onChildDied?: (role: ChildRole) => void;
  /** Called once when the daemon must end (permanent child error, -R death, or stop() finished). */
  onTerminate?: (exitCode: number) => void;
}

interface RunningChild {
  spec: ChildSpec;
  proc?: ChildProcess;
  pid?: number;
  startedAt: number;
  lastPongAt: number;
  pingSeq: number;
  backoff: RestartBackoff;
  heartbeat?: NodeJS.Timeout;
  restartTimer?: NodeJS.Timeout;
  /** Worst event-loop lag the child reported, ms. */
  maxLagMs: number;
  /** The child has said 'ready' or answered a ping since it was forked. */
  alive: boolean;
}

/**
 * The parent process's watchdog: forks each child, keeps it alive with
 * keepalived's respawn rate limit, detects a hung child by heartbeat, and
 * isolates children from each other (one child's death never touches another).
 */
export class Watchdog {
  private readonly children = new Map<ChildRole, RunningChild>();
  private stopping = false;
  private statusSeq = 0;
  private terminated = false;
  private readonly fork: ForkFn;
  private readonly now: () => number;
  private readonly heartbeatIntervalMs: number;
  private readonly hangTimeoutMs: number;
  private readonly stopTimeoutMs: number;
  private readonly startupTimeoutMs: number;

  constructor(private readonly opts: WatchdogOptions) {
    this.fork = opts.fork ?? ((path, args, options) => nodeFork(path, args, options));
    this.now = opts.now ?? (() => performance.now());
    this.heartbeatIntervalMs = opts.heartbeatIntervalMs ?? 1000;
    this.hangTimeoutMs = opts.hangTimeoutMs ?? 10_000;
    this.stopTimeoutMs = opts.stopTimeoutMs ?? 5_000;
    this.startupTimeoutMs = opts.startupTimeoutMs ?? 120_000;
  }

  start(): void {
    for (const spec of this.opts.children) {
      const child: RunningChild = { spec, startedAt: 0, lastPongAt: 0, pingSeq: 0, backoff: { nextDelaySec: 0 }, maxLagMs: 0, alive: false };
      this.children.set(spec.role, child);
      this.spawn(child);
    }
  }

  pidOf(role: ChildRole): number | undefined {
    return this.children.get(role)?.pid;
  }

  /** Sends a message to one child, or to all when role is omitted. Lost if the child is between lives. */
  send(msg: ParentMessage, role?: ChildRole): void {
    for (const child of this.children.values()) {
      if (role && child.spec.role !== role) continue;
      if (child.proc?.connected) child.proc.send(msg);
    }
  }

  /**
   * Asks every running child for its status. A child that does not answer in
   * time (hung, or between lives) is reported as such rather than waited for.
   */
  async collectStatus(timeoutMs = 1000): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    await Promise.all([...this.children.values()].map(async (child) => {
      const proc = child.proc;
      const base = { pid: child.pid ?? null, maxEventLoopLagMs: Math.round(child.maxLagMs * 10) / 10 };
      if (!proc?.connected) {
        out[child.spec.role] = { ...base, running: false };
        return;
      }
      const id = ++this.statusSeq;
      const status = await new Promise<unknown>((resolve) => {
        const timer = setTimeout(() => {
          proc.off('message', onMessage);
          resolve(undefined);
        }, timeoutMs);
        const onMessage = (msg: unknown) => {
          if (isChildMessage(msg) && msg.type === 'status' && msg.id === id) {
            clearTimeout(timer);
            proc.off('message', onMessage);
            resolve(msg.status);
          }
        };
        proc.on('message', onMessage);
        proc.send({ type: 'status-request', id } satisfies ParentMessage);
      });
      out[child.spec.role] = status === undefined ? { ...base, running: true, responding: false } : { ...base, running: true, responding: true, ...(status as object) };
    }));
    return out;
  }

  /** Graceful stop: SIGTERM every child, SIGKILL those still alive after stopTimeoutMs. */
  async stop(exitCode = 0): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    // Signals first, the VRRP child before the others: its priority-0 advert
    // starts the peer's takeover. 'exit' is emitted on a later turn, so the
    // listeners below are in place in time.
    const live = [...this.children.values()]
      .filter((c) => c.proc && c.proc.exitCode === null && c.proc.signalCode === null)
      .sort((a, b) => Number(b.spec.role === 'vrrp') - Number(a.spec.role === 'vrrp'));
    for (const child of live) child.proc!.kill('SIGTERM');
    const waits: Promise<void>[] = [];
    for (const child of this.children.values()) {
      clearTimeout(child.restartTimer);
      clearInterval(child.heartbeat);
    }
    for (const child of live) {
      const proc = child.proc!;
      waits.push(
        new Promise<void>((resolve) => {
          if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
          const backstop = setTimeout(() => proc.kill('SIGKILL'), this.stopTimeoutMs);
          proc.once('exit', () => {
            clearTimeout(backstop);
            resolve();
          });
        }),
      );
    }
    await Promise.all(waits);
    this.terminate(exitCode);
  }

  private terminate(exitCode: number): void {
    if (this.terminated) return;
    this.terminated = true;
    this.opts.onTerminate?.(exitCode);
  }

  private spawn(child: RunningChild): void {
    const { spec } = child;
    const proc = this.fork(spec.modulePath, spec.args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' });
    child.proc = proc;
    child.pid = proc.pid;
    child.startedAt = this.now();
    child.lastPongAt = child.startedAt;
    child.alive = false;
    this.opts.log.info(`Starting ${CHILD_LABEL[spec.role]} child process, pid=${proc.pid}`);
    if (spec.pidFile && proc.pid !== undefined) writePidFile(spec.pidFile, proc.pid, this.opts.log);

    proc.on('message', (msg) => {
      if (!isChildMessage(msg)) return;
      if (msg.type === 'ready') {
        child.alive = true;
        child.lastPongAt = this.now();
      }
      if (msg.type === 'pong') {
        child.alive = true;
        child.lastPongAt = this.now();
        if (msg.lagMs > child.maxLagMs) child.maxLagMs = msg.lagMs;
      }
    });
    proc.on('error', (err) => this.opts.log.error(`${CHILD_LABEL[spec.role]} child process: ${err.message}`));
    proc.once('exit', (code, signal) => this.onExit(child, proc, code, signal));

    clearInterval(child.heartbeat);
    child.heartbeat = setInterval(() => this.beat(child), this.heartbeatIntervalMs);
    child.heartbeat.unref();
  }

  private beat(child: RunningChild): void {
    const proc = child.proc;
    if (!proc?.connected) return;
    const silentFor = this.now() - child.lastPongAt;
    if (silentFor > (child.alive ? this.hangTimeoutMs : this.startupTimeoutMs)) {
      this.opts.log.error(
        `${CHILD_LABEL[child.spec.role]} child process(${child.pid}) not responding for ${Math.round(silentFor)} ms - killing it`,
      );
      child.lastPongAt = this.now(); // one kill per hang
      proc.kill('SIGKILL');
      return;
    }
    proc.send({ type: 'ping', seq: ++child.pingSeq } satisfies ParentMessage);
  }

  private onExit(child: RunningChild, proc: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child.proc !== proc) return;
    clearInterval(child.heartbeat);
    child.proc = undefined;
    if (child.spec.pidFile) removePidFile(child.spec.pidFile);
    if (this.stopping) return;

    const { role } = child.spec;
    this.opts.onChildDied?.(role);
    const report = reportChildStatus(PROG_NAME[role], code, signal);
    for (const line of report.lines) this.opts.log.info(line);
    if (report.permanent) {
      void this.stop(report.exitCode);
      return;
    }
    if (this.opts.dontRespawn) {
      this.opts.log.error(`${CHILD_LABEL[role]} child process(${child.pid}) died: Exiting`);
      void this.stop(0);
      return;
    }
    this.opts.log.error(`${CHILD_LABEL[role]} child process(${child.pid}) died: Respawning`);
    const delaySec = nextRestartDelay(child.backoff, this.now() - child.startedAt);
    if (delaySec === 0) {
      this.spawn(child);
      return;
    }
    this.opts.log.info(`Restart of ${CHILD_LABEL[role]} process delayed ${delaySec} seconds to limit respawn rate`);
    child.restartTimer = setTimeout(() => {
      if (!this.stopping) this.spawn(child);
    }, delaySec * 1000 * (this.opts.restartDelayScale ?? 1));
  }
}
