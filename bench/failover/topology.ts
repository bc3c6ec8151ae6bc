/**
 * The failover bench's lab: namespaces sw (a bridge), a and b (the routers)
 * and obs (the observer), each router/observer with eth0 on the bridge and a
 * fixed MAC so the capture can tell who sent a frame. Starts a keepalived
 * (ours or Debian's) in a router namespace with its own pid files, and
 * removes everything it made on destroy(): processes it started (by pid),
 * namespaces, the temporary directory.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Impl = 'ours' | 'keepalived';
export type Node = 'a' | 'b' | 'obs';
const NODES: readonly Node[] = ['a', 'b', 'obs'];

export const NODE_ADDR: Record<Node, string> = { a: '192.0.2.1', b: '192.0.2.2', obs: '192.0.2.3' };
export const NODE_MAC: Record<Node, string> = { a: '02:00:5e:ba:00:0a', b: '02:00:5e:ba:00:0b', obs: '02:00:5e:ba:00:0c' };

export const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' });

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface Daemon {
  impl: Impl;
  node: Node;
  proc: ChildProcess;
  /** Pid of the parent keepalived process (`ip netns exec` execs it, so it is proc.pid). */
  parentPid: number;
  /** Resolves when the parent process has exited. */
  exited: Promise<void>;
  logFile: string;
  vrrpPidFile: string;
  /** The parent's pid file (-p); `--status -p` finds our daemon's status socket from it. */
  pidFile: string;
}

export class FailoverLab {
  readonly tag: string;
  readonly dir: string;
  private readonly daemons: Daemon[] = [];
  private readonly sideProcs: ChildProcess[] = [];

  constructor(prefix: string) {
    this.tag = `${prefix}${process.pid}r${Math.floor(Math.random() * 1e4)}`;
    this.dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    try {
      for (const ns of ['sw', ...NODES]) {
        ip('netns', 'add', this.ns(ns));
        ip('-n', this.ns(ns), 'link', 'set', 'lo', 'up');
      }
      ip('-n', this.ns('sw'), 'link', 'add', 'br0', 'type', 'bridge');
      ip('-n', this.ns('sw'), 'link', 'set', 'br0', 'up');
      for (const n of NODES) {
        ip('-n', this.ns('sw'), 'link', 'add', `p-${n}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', this.ns(n));
        ip('-n', this.ns('sw'), 'link', 'set', `p-${n}`, 'master', 'br0', 'up');
        ip('-n', this.ns(n), 'link', 'set', 'eth0', 'address', NODE_MAC[n]);
        ip('-n', this.ns(n), 'addr', 'add', `${NODE_ADDR[n]}/24`, 'dev', 'eth0');
        ip('-n', this.ns(n), 'link', 'set', 'eth0', 'up');
      }
    } catch (e) {
      this.destroy();
      throw e;
    }
  }

  ns(node: string): string {
    return `${this.tag}-${node}`;
  }

  writeConfig(name: string, text: string): string {
    const path = join(this.dir, name);
    writeFileSync(path, text);
    return path;
  }

  /** Starts keepalived in the foreground (-n) in node's namespace, VRRP only (-P), logging to a file. */
  start(node: Node, impl: Impl, binary: string, conf: string, runId: string): Daemon {
    const base = join(this.dir, `${node}-${impl}-${runId}`);
    const logFile = `${base}.log`;
    const vrrpPidFile = `${base}.vrrp.pid`;
    const argv = [binary, '-n', '-l', '-P', '-f', conf, '-p', `${base}.pid`, '-r', vrrpPidFile, '-c', `${base}.chk.pid`];
    // A file, not a pipe: the daemon never waits on us to drain its log.
    const fd = openSync(logFile, 'a');
    // TMPDIR: stats/data dump files land in the lab's directory, not the host's /tmp.
    const proc = spawn('ip', ['netns', 'exec', this.ns(node), ...argv], {
      stdio: ['ignore', fd, fd], env: { ...process.env, TMPDIR: this.dir },
    });
    closeSync(fd);
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    const d: Daemon = { impl, node, proc, parentPid: proc.pid!, exited, logFile, vrrpPidFile, pidFile: `${base}.pid` };
    this.daemons.push(d);
    return d;
  }

  /** Keeps a helper process (capture, monitor) to end on destroy(). */
  adopt(p: ChildProcess): void {
    this.sideProcs.push(p);
  }

  holds(node: Node, address: string): boolean {
    return ip('-n', this.ns(node), '-o', 'addr', 'show', 'dev', 'eth0').includes(` ${address}/`);
  }

  /** How many of the addresses node holds on eth0. */
  holdsCount(node: Node, addresses: ReadonlySet<string>): number {
    const out = ip('-n', this.ns(node), '-o', '-4', 'addr', 'show', 'dev', 'eth0');
    let n = 0;
    for (const m of out.matchAll(/ inet ([0-9.]+)\//g)) if (addresses.has(m[1]!)) n++;
    return n;
  }

  /** eth0's transmitted packet count in node's namespace. */
  txPackets(node: Node): number {
    const [link] = JSON.parse(ip('-n', this.ns(node), '-s', '-j', 'link', 'show', 'dev', 'eth0')) as Array<{ stats64: { tx: { packets: number } } }>;
    return link!.stats64.tx.packets;
  }

  removeAddress(node: Node, cidr: string): void {
    try {
      ip('-n', this.ns(node), 'addr', 'del', cidr, 'dev', 'eth0');
    } catch {
      // not there
    }
  }

  async stopAll(): Promise<void> {
    for (const d of this.daemons) await stopDaemon(d);
  }

  async destroy(): Promise<void> {
    for (const d of this.daemons) await stopDaemon(d).catch(() => undefined);
    for (const p of this.sideProcs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    for (const ns of ['sw', ...NODES]) {
      try {
        // Anything we started that is still in the namespace goes with it.
        for (const pid of ip('netns', 'pids', this.ns(ns)).split('\n').filter(Boolean)) process.kill(Number(pid), 'SIGKILL');
      } catch {
        // namespace already gone
      }
      try {
        ip('netns', 'del', this.ns(ns));
      } catch {
        // already gone
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function alive(d: Daemon): boolean {
  return d.proc.exitCode === null && d.proc.signalCode === null;
}

/** The VRRP child's pid from the -r pid file, once the daemon has written it (undefined before). */
export function vrrpPid(d: Daemon): number | undefined {
  if (!existsSync(d.vrrpPidFile)) return undefined;
  const pid = Number(readFileSync(d.vrrpPidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return parentOf(pid) === d.parentPid ? pid : undefined;
}

export async function waitVrrpPid(d: Daemon, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const pid = vrrpPid(d);
    if (pid !== undefined) return pid;
    if (!alive(d)) throw new Error(`${d.impl} on ${d.node} exited before its VRRP child started (log: ${d.logFile})`);
    if (performance.now() - t0 > timeoutMs) throw new Error(`${d.impl} on ${d.node}: no VRRP child pid after ${timeoutMs} ms`);
    await sleep(10);
  }
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Every live process whose parent is pid. */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    if (parentOf(Number(e)) === pid) out.push(Number(e));
  }
  return out;
}

export async function stopDaemon(d: Daemon, timeoutMs = 5000): Promise<void> {
  if (!alive(d)) return;
  d.proc.kill('SIGTERM');
  const t = setTimeout(() => {
    for (const c of childrenOf(d.parentPid)) process.kill(c, 'SIGKILL');
    d.proc.kill('SIGKILL');
  }, timeoutMs);
  await d.exited;
  clearTimeout(t);
}
