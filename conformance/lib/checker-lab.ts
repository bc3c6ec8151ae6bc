/**
 * A small lab for the health checker: a director namespace and a
 * real-server namespace joined by a veth pair on 192.0.2.0/24, Node HTTP and
 * TCP servers started inside the real-server namespace (ended by pid), and
 * a log collector for the daemon's console output.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestNamespace } from './netns.js';
import { ourKeepalived } from './paths.js';

export interface LabDaemon {
  proc: ChildProcess;
  out: LineCollector;
  exited: Promise<number | null>;
}

export class CheckerLab {
  readonly director: TestNamespace;
  readonly servers: TestNamespace;
  /** Files of this lab: configs, pid files, and tmp/ (the daemon's TMPDIR). */
  readonly work: string;
  private readonly procs: ChildProcess[] = [];
  private daemon: ChildProcess | undefined;

  private constructor(prefix: string) {
    this.work = mkdtempSync(join(tmpdir(), `${prefix}-`));
    mkdirSync(join(this.work, 'tmp'));
    this.director = TestNamespace.create(`${prefix}-d`);
    this.servers = TestNamespace.create(`${prefix}-s`);
  }

  /**
   * bin/keepalived -n -l -C (plus `extra`) in the director, with its pid
   * files (main.pid, chk.pid) and TMPDIR in work; its console lines collected.
   */
  startDaemon(confFile: string, extra: string[] = []): LabDaemon {
    const proc = spawn('ip', ['netns', 'exec', this.director.name, ourKeepalived, '-n', '-l', ...extra, '-C', '-f', confFile,
      '-p', join(this.work, 'main.pid'), '-c', join(this.work, 'chk.pid')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TMPDIR: join(this.work, 'tmp') },
    });
    this.daemon = proc;
    const out = new LineCollector();
    proc.stdout!.on('data', (b: Buffer) => out.feed(b));
    proc.stderr!.on('data', (b: Buffer) => out.feed(b));
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    return { proc, out, exited };
  }

  /** Director at 192.0.2.1, the real servers at the given addresses (all /24 on one veth pair). */
  static create(prefix: string, serverAddresses: string[]): CheckerLab {
    const lab = new CheckerLab(prefix);
    try {
      execFileSync('ip', ['-n', lab.director.name, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', lab.servers.name]);
      lab.director.ip('addr', 'add', '192.0.2.1/24', 'dev', 'eth0');
      lab.director.ip('link', 'set', 'eth0', 'up');
      for (const a of serverAddresses) lab.servers.ip('addr', 'add', `${a}/24`, 'dev', 'eth0');
      lab.servers.ip('link', 'set', 'eth0', 'up');
    } catch (e) {
      lab.remove();
      throw e;
    }
    return lab;
  }

  /**
   * An HTTP server in the real-server namespace: 200 with a fixed body on
   * every path. Resolves once it listens.
   */
  httpServer(address: string, port: number): Promise<ChildProcess> {
    const script = `const [ip, port] = process.argv.slice(1);
require('http').createServer((q, r) => { r.writeHead(200, { 'Content-Type': 'text/plain' }); r.end('ok\\n'); })
  .listen(Number(port), ip, () => process.stdout.write('listening\\n'));`;
    return this.start(['node', '-e', script, address, String(port)]);
  }

  /** A TCP server that accepts and closes. */
  tcpServer(address: string, port: number): Promise<ChildProcess> {
    const script = `const [ip, port] = process.argv.slice(1);
require('net').createServer((s) => s.end()).listen(Number(port), ip, () => process.stdout.write('listening\\n'));`;
    return this.start(['node', '-e', script, address, String(port)]);
  }

  /** A UDP server that echoes each datagram back. */
  udpEcho(address: string, port: number): Promise<ChildProcess> {
    const script = `const [ip, port] = process.argv.slice(1);
const s = require('dgram').createSocket(ip.includes(':') ? 'udp6' : 'udp4');
s.on('message', (m, r) => s.send(m, r.port, r.address));
s.bind(Number(port), ip, () => process.stdout.write('listening\\n'));`;
    return this.start(['node', '-e', script, address, String(port)]);
  }

  private start(argv: string[]): Promise<ChildProcess> {
    // `ip netns exec` execs the command, so the pid is the server's own
    const p = spawn('ip', ['netns', 'exec', this.servers.name, ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.procs.push(p);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${argv.join(' ')}: not listening after 10 s`)), 10_000);
      p.stdout!.on('data', (b: Buffer) => {
        if (b.toString().includes('listening')) {
          clearTimeout(timer);
          resolve(p);
        }
      });
      p.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${argv.join(' ')} exited with ${code}`));
      });
    });
  }

  /** Ends one server by its pid and waits for it to be gone. */
  async kill(p: ChildProcess): Promise<void> {
    if (p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill('SIGKILL');
    await gone;
  }

  remove(): void {
    const d = this.daemon;
    if (d && d.exitCode === null && d.signalCode === null) d.kill('SIGKILL');
    for (const f of ['main.pid', 'chk.pid']) {
      try {
        const pid = Number.parseInt(readFileSync(join(this.work, f), 'utf8'), 10);
        if (pid > 0) process.kill(pid, 'SIGKILL');
      } catch {
        // not running
      }
    }
    for (const p of this.procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    this.director.remove();
    this.servers.remove();
    rmSync(this.work, { recursive: true, force: true });
  }
}

/** Collects a process's output lines (console prefix "Day Mon dd hh:mm:ss yyyy: " removed) and waits for patterns. */
export class LineCollector {
  readonly lines: string[] = [];
  private partial = '';
  private waiters: { re: RegExp; from: number; resolve: (l: string) => void }[] = [];

  static readonly PREFIX = /^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}: /;

  feed(chunk: Buffer | string): void {
    this.partial += chunk.toString();
    const parts = this.partial.split('\n');
    this.partial = parts.pop()!;
    for (const raw of parts) {
      this.lines.push(raw.replace(LineCollector.PREFIX, ''));
      this.check();
    }
  }

  /** Index to start a later wait from (only lines after this point count). */
  get mark(): number {
    return this.lines.length;
  }

  /** The first line matching `re` at or after `from`. */
  waitFor(re: RegExp, timeoutMs: number, from = 0): Promise<string> {
    const found = this.lines.slice(from).find((l) => re.test(l));
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const w = { re, from, resolve: (l: string) => { clearTimeout(timer); resolve(l); } };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`no line matching ${re} within ${timeoutMs} ms; last lines:\n${this.lines.slice(-15).join('\n')}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  since(from: number): string[] {
    return this.lines.slice(from);
  }

  private check(): void {
    const idx = this.lines.length - 1;
    const line = this.lines[idx]!;
    for (const w of [...this.waiters]) {
      if (idx >= w.from && w.re.test(line)) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(line);
      }
    }
  }
}
