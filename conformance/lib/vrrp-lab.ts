/**
 * A VRRP test lab in network namespaces: a bridge (namespace "sw"), routers
 * r1/r2 and a client, each with eth0 on the bridge (192.0.2.N/24,
 * 2001:db8::N/64). Routers run our VRRP child standalone or Debian's
 * keepalived; a sampler records who holds the VIP. Everything is removed by
 * destroy(): processes we started (by pid), namespaces, the temp directory.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ourKeepalived, refKeepalived } from './paths.js';

export type Impl = 'ours' | 'keepalived';

export interface RouterProc {
  node: string;
  impl: Impl;
  proc: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Names this start's pid files in the lab directory. */
  tag: string;
}

export interface InstanceOptions {
  version?: 2 | 3;
  family?: 'inet' | 'inet6';
  priority: number;
  advertInt?: string;
  state?: 'MASTER' | 'BACKUP';
  nopreempt?: boolean;
  auth?: boolean;
  unicastPeers?: string[];
  unicastSrc?: string;
  vip?: string;
  notifyScript?: string;
  fifo?: string;
  vrid?: number;
  /** use_vmac (the VIPs live on the vrrp.VRID macvlan). */
  useVmac?: boolean;
  /** global vrrp_strict (no accept mode: VIP drop rules). */
  strict?: boolean;
  /** More virtual_ipaddress lines after vip. */
  extraVips?: string[];
  /** Extra global_defs lines. */
  globalDefs?: string[];
}

const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' });

export class VrrpLab {
  readonly tag: string;
  readonly dir: string;
  private readonly procs: RouterProc[] = [];
  private starts = 0;
  private readonly sideProcs: ChildProcess[] = [];

  constructor(prefix: string, readonly nodes: string[] = ['r1', 'r2', 'cl']) {
    this.tag = `${prefix}${process.pid}${Math.floor(Math.random() * 1e4)}`;
    this.dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    try {
      for (const ns of ['sw', ...nodes]) {
        ip('netns', 'add', this.ns(ns));
        ip('-n', this.ns(ns), 'link', 'set', 'lo', 'up');
      }
      ip('-n', this.ns('sw'), 'link', 'add', 'br0', 'type', 'bridge');
      ip('-n', this.ns('sw'), 'link', 'set', 'br0', 'up');
      nodes.forEach((n, i) => {
        ip('-n', this.ns('sw'), 'link', 'add', `p-${n}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', this.ns(n));
        ip('-n', this.ns('sw'), 'link', 'set', `p-${n}`, 'master', 'br0', 'up');
        ip('-n', this.ns(n), 'addr', 'add', `192.0.2.${i + 1}/24`, 'dev', 'eth0');
        ip('-n', this.ns(n), 'addr', 'add', `2001:db8::${i + 1}/64`, 'dev', 'eth0', 'nodad');
        // No DAD on the lab's links: daemons start the moment the link is up, and a
        // tentative link-local address cannot send (EINVAL), so both routers would
        // elect themselves - keepalived and ours alike. A production host's
        // link-local address has long finished DAD when keepalived starts.
        execFileSync('ip', ['netns', 'exec', this.ns(n), 'sysctl', '-qw', 'net.ipv6.conf.eth0.accept_dad=0']);
        ip('-n', this.ns(n), 'link', 'set', 'eth0', 'up');
      });
    } catch (e) {
      this.destroy();
      throw e;
    }
  }

  ns(node: string): string {
    return `${this.tag}-${node}`;
  }

  addr(node: string, family: 'inet' | 'inet6' = 'inet'): string {
    const i = this.nodes.indexOf(node) + 1;
    return family === 'inet' ? `192.0.2.${i}` : `2001:db8::${i}`;
  }

  /** A notify script appending its arguments to DIR/notify-NODE.log. */
  notifyScript(node: string): string {
    const path = join(this.dir, `notify-${node}.sh`);
    writeFileSync(path, `#!/bin/sh\necho "$@" >> ${join(this.dir, `notify-${node}.log`)}\n`);
    chmodSync(path, 0o755);
    return path;
  }

  notifyLog(node: string): string[] {
    const p = join(this.dir, `notify-${node}.log`);
    return existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter(Boolean) : [];
  }

  writeConfig(node: string, o: InstanceOptions): string {
    const fam = o.family ?? 'inet';
    const vip = o.vip ?? (fam === 'inet' ? '192.0.2.200/24' : '2001:db8::200/64');
    const lines = [
      'global_defs {',
      `    router_id ${node}`,
      ...(o.fifo ? [`    vrrp_notify_fifo ${o.fifo}`] : []),
      ...(o.notifyScript ? ['    script_user root', '    enable_script_security'] : []),
      ...(o.strict ? ['    vrrp_strict'] : []),
      ...(o.globalDefs ?? []).map((l) => `    ${l}`),
      '}',
      'vrrp_instance VI_1 {',
      `    state ${o.state ?? 'BACKUP'}`,
      '    interface eth0',
      `    virtual_router_id ${o.vrid ?? 51}`,
      `    version ${o.version ?? 2}`,
      `    priority ${o.priority}`,
      `    advert_int ${o.advertInt ?? (o.version === 3 ? '0.2' : '1')}`,
      ...(o.nopreempt ? ['    nopreempt'] : []),
      ...(o.useVmac ? ['    use_vmac'] : []),
      ...(o.auth ? ['    authentication {', '        auth_type PASS', '        auth_pass s3cret', '    }'] : []),
      ...(o.unicastPeers ? [`    unicast_src_ip ${o.unicastSrc ?? this.addr(node, fam)}`, '    unicast_peer {', ...o.unicastPeers.map((p) => `        ${p}`), '    }'] : []),
      '    virtual_ipaddress {',
      `        ${vip}`,
      ...(o.extraVips ?? []).map((v) => `        ${v}`),
      '    }',
      ...(o.notifyScript ? [`    notify ${o.notifyScript}`] : []),
      '}',
    ];
    const path = join(this.dir, `${node}.conf`);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  }

  start(node: string, impl: Impl, conf: string, extra: string[] = []): RouterProc {
    // Each start gets its own pid files: this machine's init reaps orphans
    // lazily, and keepalived counts a SIGKILLed child that is still a zombie as
    // "daemon is already running" (kill(pid, 0) succeeds on a zombie).
    const tag = `${node}.${++this.starts}`;
    // Both implementations run the same way: the parent, which forks the VRRP child.
    const argv = [impl === 'ours' ? ourKeepalived : refKeepalived, '-n', '-l', '-D', '-G', '-P', '-f', conf,
      '-p', join(this.dir, `${tag}.pid`), '-r', join(this.dir, `${tag}.vrrp.pid`), '-c', join(this.dir, `${tag}.chk.pid`), ...extra];
    const proc = spawn('ip', ['netns', 'exec', this.ns(node), ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    const r: RouterProc = { node, impl, proc, output: () => out, exited, tag };
    this.procs.push(r);
    return r;
  }

  /** Packets tcpdump says the kernel dropped (printed when it stops), or undefined before that. */
  static captureDrops(output: string): number | undefined {
    const m = /(\d+) packets? dropped by kernel/.exec(output);
    return m ? Number(m[1]) : undefined;
  }

  /** Runs tcpdump in a namespace (immediate mode); returns a function giving the text so far. */
  tcpdump(node: string, filter: string[]): { output: () => string; stop: () => Promise<void> } {
    // -s 128 -B 8192: with the default snap length, immediate mode drops packets
    // under load, and a dropped advert would read as a gap in the sender's timing
    const p = spawn('ip', ['netns', 'exec', this.ns(node), 'tcpdump', '-i', 'eth0', '-n', '-l', '--immediate-mode', '-s', '128', '-B', '8192', '-e', ...filter], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.sideProcs.push(p);
    let out = '';
    p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    return {
      output: () => out,
      stop: async () => {
        p.kill('SIGTERM');
        await new Promise((r) => p.once('exit', r));
      },
    };
  }

  /** Whether node holds address (without prefix) on eth0 (or on dev). */
  holds(node: string, address: string, dev = 'eth0'): boolean {
    try {
      const out = ip('-n', this.ns(node), '-o', 'addr', 'show', 'dev', dev);
      return out.includes(` ${address}/`);
    } catch {
      return false; // dev does not exist (yet)
    }
  }

  /** `ip -d -j link show dev` of a node's interface, or undefined when it does not exist. */
  linkDetails(node: string, dev: string): Record<string, unknown> | undefined {
    try {
      return (JSON.parse(ip('-n', this.ns(node), '-d', '-j', 'link', 'show', 'dev', dev)) as Record<string, unknown>[])[0];
    } catch {
      return undefined;
    }
  }

  /** A /proc/sys value inside a node's namespace (e.g. net/ipv4/conf/eth0/arp_ignore), or undefined. */
  sysctl(node: string, path: string): string | undefined {
    try {
      return execFileSync('ip', ['netns', 'exec', this.ns(node), 'cat', `/proc/sys/${path}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return undefined;
    }
  }

  /** Runs a command in a node's namespace and returns its stdout (throws on failure). */
  exec(node: string, argv: string[]): string {
    return execFileSync('ip', ['netns', 'exec', this.ns(node), ...argv], { encoding: 'utf8' });
  }

  /** Polls until pred() holds; returns the elapsed ms, or -1 after timeoutMs. */
  async waitFor(pred: () => boolean, timeoutMs: number, stepMs = 10): Promise<number> {
    const t0 = performance.now();
    while (performance.now() - t0 < timeoutMs) {
      if (pred()) return performance.now() - t0;
      await sleep(stepMs);
    }
    return -1;
  }

  /**
   * Samples who holds address every stepMs for durationMs. Returns the most
   * holders seen at once and the longest stretch with none.
   */
  async sampleHolders(address: string, routers: string[], durationMs: number, stepMs = 5): Promise<{ maxHolders: number; longestNoneMs: number }> {
    let maxHolders = 0;
    let noneSince: number | undefined;
    let longestNoneMs = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < durationMs) {
      const n = routers.filter((r) => this.holds(r, address)).length;
      const now = performance.now();
      maxHolders = Math.max(maxHolders, n);
      if (n === 0) noneSince ??= now;
      else if (noneSince !== undefined) {
        longestNoneMs = Math.max(longestNoneMs, now - noneSince);
        noneSince = undefined;
      }
      await sleep(stepMs);
    }
    if (noneSince !== undefined) longestNoneMs = Math.max(longestNoneMs, performance.now() - noneSince);
    return { maxHolders, longestNoneMs };
  }

  /**
   * The pid of the daemon process itself (not the `ip netns exec` wrapper,
   * which execs it, so the pid is the same) - for keepalived, its VRRP child.
   */
  vrrpPid(r: RouterProc): number {
    return Number(readFileSync(join(this.dir, `${r.tag}.vrrp.pid`), 'utf8').trim());
  }

  /** kill -9 the parent and then its VRRP child, so nothing respawns and no priority-0 advert goes out. */
  killHard(r: RouterProc): void {
    const child = this.vrrpPid(r);
    process.kill(r.proc.pid!, 'SIGKILL');
    process.kill(child, 'SIGKILL');
  }

  async stop(r: RouterProc, timeoutMs = 5000): Promise<number | null> {
    if (r.proc.exitCode !== null || r.proc.signalCode !== null) return r.proc.exitCode;
    r.proc.kill('SIGTERM');
    const t = setTimeout(() => r.proc.kill('SIGKILL'), timeoutMs);
    const code = await r.exited;
    clearTimeout(t);
    return code;
  }

  async destroy(): Promise<void> {
    for (const r of this.procs) await this.stop(r).catch(() => undefined);
    for (const p of this.sideProcs) if (p.exitCode === null) p.kill('SIGKILL');
    for (const ns of ['sw', ...this.nodes]) {
      try {
        // Anything of ours still in the namespace (e.g. a keepalived child) goes with it.
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

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Master_Down_Interval in ms for an advert interval and a backup priority (v2 skew = (256-p)/256 s; v3 scales by the interval). */
export function masterDownMs(version: 2 | 3, advertIntMs: number, backupPriority: number): number {
  const skew = version === 2 ? ((256 - backupPriority) / 256) * 1000 : ((256 - backupPriority) * advertIntMs) / 256;
  return 3 * advertIntMs + skew;
}
