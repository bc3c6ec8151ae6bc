/**
 * Time sources of the failover bench, all on CLOCK_REALTIME in microseconds:
 * - realtimeUs(): now, precise to a few microseconds (see calibrate());
 * - AddressMonitor: `ip -ts monitor address` in a namespace, the time ip
 *   read each address notification from the kernel;
 * - WireCapture: tcpdump -tt in the observer namespace, the kernel's receive
 *   timestamp of each GARP and VRRP advertisement.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

let offsetUs: number | undefined;

/**
 * Re-anchors realtimeUs() to the wall clock: spins until Date.now() ticks
 * (at most 1 ms) - at that instant the wall clock is exactly the new
 * millisecond - and pairs it with performance.now(). Call it just before a
 * measurement so the monotonic clock's drift against the wall clock is nil.
 */
export function calibrate(): void {
  const start = Date.now();
  let before = performance.now();
  for (;;) {
    const d = Date.now();
    const after = performance.now();
    if (d !== start) {
      offsetUs = d * 1000 - ((before + after) / 2) * 1000;
      return;
    }
    before = after;
  }
}

export function realtimeUs(): number {
  if (offsetUs === undefined) calibrate();
  return offsetUs! + performance.now() * 1000;
}

function lines(p: ChildProcess, onLine: (l: string) => void): void {
  createInterface({ input: p.stdout! }).on('line', onLine);
}

export interface AddressEvent {
  tsUs: number;
  address: string;
  added: boolean;
}

/** "[2026-11-22T12:44:24.778775]" (ip -ts, with TZ=UTC) -> realtime microseconds. */
export function parseIpTimestamp(s: string): number | undefined {
  const m = /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{6})\]/.exec(s);
  if (!m) return undefined;
  return Date.parse(`${m[1]}Z`) * 1000 + Number(m[2]);
}

/** Address add/delete notifications of one namespace. */
export class AddressMonitor {
  readonly events: AddressEvent[] = [];
  readonly proc: ChildProcess;

  constructor(netns: string) {
    this.proc = spawn('ip', ['-ts', '-n', netns, 'monitor', 'address'], {
      stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, TZ: 'UTC' },
    });
    lines(this.proc, (l) => {
      const tsUs = parseIpTimestamp(l);
      const m = / inet6? ([0-9a-f.:]+)\//.exec(l);
      if (tsUs === undefined || !m) return;
      this.events.push({ tsUs, address: m[1]!, added: !l.includes('] Deleted ') });
    });
  }

  /** The first time after sinceUs that address was added. */
  firstAdd(address: string, sinceUs: number): number | undefined {
    return this.events.find((e) => e.added && e.address === address && e.tsUs >= sinceUs)?.tsUs;
  }

  /** Forgets events before beforeUs (keeps long runs small). */
  prune(beforeUs: number): void {
    let i = 0;
    while (i < this.events.length && this.events[i]!.tsUs < beforeUs) i++;
    this.events.splice(0, i);
  }

  stop(): void {
    if (this.proc.exitCode === null) this.proc.kill('SIGTERM');
  }
}

export interface Garp {
  tsUs: number;
  mac: string;
  address: string;
}

export interface Advert {
  tsUs: number;
  src: string;
  vrid: number;
  prio: number;
}

/** One line of `tcpdump -tt -e -nn` -> a gratuitous ARP, a VRRP advert, or nothing. */
export function parseCaptureLine(l: string): { garp?: Garp; advert?: Advert } {
  const ts = /^(\d+)\.(\d{6}) ([0-9a-f:]{17}) > /.exec(l);
  if (!ts) return {};
  const tsUs = Number(ts[1]) * 1_000_000 + Number(ts[2]);
  const mac = ts[3]!;
  const arp = /(?:Request who-has ([0-9.]+)(?: \([0-9a-f:]+\))? tell ([0-9.]+)|Reply ([0-9.]+) is-at)/.exec(l);
  if (arp) {
    if (arp[3] !== undefined) return { garp: { tsUs, mac, address: arp[3] } };
    if (arp[1] === arp[2]) return { garp: { tsUs, mac, address: arp[1]! } };
    return {};
  }
  const adv = /: ([0-9.]+) > 224\.0\.0\.18: VRRPv[23], Advertisement, vrid (\d+), prio (\d+)/.exec(l);
  if (adv) return { advert: { tsUs, src: adv[1]!, vrid: Number(adv[2]), prio: Number(adv[3]) } };
  return {};
}

/** GARPs and VRRP adverts seen on the observer's eth0, with kernel timestamps. */
export class WireCapture {
  readonly garps: Garp[] = [];
  readonly adverts: Advert[] = [];
  readonly proc: ChildProcess;
  private readonly ready: Promise<void>;
  private stderr = '';
  private readonly exited: Promise<void>;

  constructor(netns: string) {
    this.proc = spawn('ip', ['netns', 'exec', netns, 'tcpdump', '-i', 'eth0', '-tt', '-e', '-nn', '-l', '--immediate-mode',
      '-B', '8192', 'arp or ip proto 112'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.proc.once('exit', () => resolve()));
    this.ready = new Promise((resolve, reject) => {
      this.proc.stderr!.on('data', (d: Buffer) => {
        this.stderr += d.toString();
        if (this.stderr.includes('listening on')) resolve();
      });
      this.proc.once('exit', () => reject(new Error(`tcpdump exited: ${this.stderr.trim()}`)));
    });
    this.ready.catch(() => undefined);
    lines(this.proc, (l) => {
      const r = parseCaptureLine(l);
      if (r.garp) this.garps.push(r.garp);
      else if (r.advert) this.adverts.push(r.advert);
    });
  }

  async started(): Promise<void> {
    await this.ready;
  }

  firstGarp(mac: string, address: string, sinceUs: number): number | undefined {
    return this.garps.find((g) => g.mac === mac && g.address === address && g.tsUs >= sinceUs)?.tsUs;
  }

  /** Adverts from src in [fromUs, toUs). */
  advertsBetween(src: string, fromUs: number, toUs: number): Advert[] {
    return this.adverts.filter((a) => a.src === src && a.tsUs >= fromUs && a.tsUs < toUs);
  }

  clear(): void {
    this.garps.length = 0;
    this.adverts.length = 0;
  }

  stop(): void {
    if (this.proc.exitCode === null) this.proc.kill('SIGTERM');
  }

  /** Stops tcpdump and returns how many packets it says the kernel dropped (a drop makes an interval look long). */
  async stopAndCountDrops(): Promise<number | undefined> {
    this.stop();
    await this.exited;
    const m = /(\d+) packets? dropped by kernel/.exec(this.stderr);
    return m ? Number(m[1]) : undefined;
  }
}

/**
 * Inter-arrival times (µs) of consecutive adverts of the same VRID, with
 * priority > 0 (a priority-0 goodbye is not a timer firing).
 */
export function advertIntervals(adverts: readonly Advert[]): number[] {
  const last = new Map<number, number>();
  const out: number[] = [];
  for (const a of adverts) {
    if (a.prio === 0) continue;
    const prev = last.get(a.vrid);
    if (prev !== undefined) out.push(a.tsUs - prev);
    last.set(a.vrid, a.tsUs);
  }
  return out;
}
