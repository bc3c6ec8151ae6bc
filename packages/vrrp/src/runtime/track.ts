/**
 * Tracked objects: interfaces (from the live interface table) and vrrp_script
 * checks (run with runScript, never blocking the loop). A tracked object with
 * weight 0 is a fault source of the instance; otherwise its weight moves the
 * effective priority (keepalived vrrp_track.c, vrrp_scheduler.c
 * vrrp_script_child_thread).
 */
import { constants } from 'node:os';
import type { InterfaceInfo, InterfaceTable } from '@keepalived-ts/netlink-reflector';
import type { VrrpInstance } from '../fsm/instance.js';
import { runScript } from '@keepalived-ts/core';
import type { VrrpScript as ConfigVrrpScript } from '@keepalived-ts/core';

const IFF_UP = 0x1;
const IFF_RUNNING = 0x40;

export function linkIsUp(link: InterfaceInfo | undefined): boolean {
  return link !== undefined && (link.flags & IFF_UP) !== 0 && (link.flags & IFF_RUNNING) !== 0;
}

/** One tracked object's part of an instance's priority: weight (reverse flips it) applied when up if positive, when down if negative. */
export function weightContribution(weight: number, reverse: boolean, up: boolean): number {
  const w = reverse ? -weight : weight;
  if (up) return w > 0 ? w : 0;
  return w < 0 ? w : 0;
}

export interface Tracked {
  kind: 'if' | 'script' | 'file' | 'process';
  name: string;
  weight: number;
  reverse: boolean;
  /** Up/down objects (interfaces, scripts, processes). */
  up?: () => boolean;
  /** Valued objects (files): the fault and priority delta they impose. */
  effect?: () => { fault: boolean; delta: number };
  /** Valued objects: the value read (for --status). */
  value?: () => number;
}

/** One tracked object as `keepalived --status` shows it. */
export interface TrackedStatus {
  type: 'interface' | 'script' | 'file' | 'process';
  name: string;
  weight: number;
  reverse: boolean;
  /** Up/down objects: 'up' | 'down'; valued objects: the value read. */
  status: 'up' | 'down' | number;
  /** Puts the instance into FAULT (weight 0 and down, or a file value of -254). */
  fault: boolean;
  /** Its part of the effective priority. */
  contribution: number;
}

const TRACKED_TYPE = { if: 'interface', script: 'script', file: 'file', process: 'process' } as const;

/** The tracked objects of one instance; recomputes fault sources and the priority delta on any change. */
export class InstanceTracking {
  private readonly tracked: Tracked[] = [];
  /** Unsubscribers of the tracker listeners this tracking registered. */
  readonly detach: (() => void)[] = [];

  constructor(private readonly fsm: VrrpInstance) {}

  add(t: Tracked): void {
    this.tracked.push(t);
  }

  get isEmpty(): boolean {
    return this.tracked.length === 0;
  }

  /** Fault source names this tracking may raise. */
  get sources(): string[] {
    return this.tracked.map((t) => `${t.kind}:${t.name}`);
  }

  /** What each tracked object contributes now (a read-only view; nothing is applied). */
  describe(): TrackedStatus[] {
    return this.tracked.map((t) => {
      const base = { type: TRACKED_TYPE[t.kind], name: t.name, weight: t.weight, reverse: t.reverse };
      if (t.effect) {
        const e = t.effect();
        return { ...base, status: t.value?.() ?? 0, fault: e.fault, contribution: e.delta };
      }
      const up = t.up!();
      const fault = t.weight === 0 && (t.reverse ? up : !up);
      return { ...base, status: up ? 'up' : 'down', fault, contribution: t.weight === 0 ? 0 : weightContribution(t.weight, t.reverse, up) };
    });
  }

  tracksInterface(name: string): boolean {
    return this.tracked.some((t) => t.kind === 'if' && t.name === name);
  }

  tracksScript(name: string): boolean {
    return this.tracked.some((t) => t.kind === 'script' && t.name === name);
  }

  /** Applies the current state of every tracked object (before start(): only recorded, as keepalived's initialisation). */
  update(): void {
    let delta = 0;
    for (const t of this.tracked) {
      const source = `${t.kind}:${t.name}`;
      if (t.effect) {
        const e = t.effect();
        this.fsm.setFault(e.fault, source);
        delta += e.delta;
        continue;
      }
      const up = t.up!();
      if (t.weight === 0) this.fsm.setFault(t.reverse ? up : !up, source);
      else delta += weightContribution(t.weight, t.reverse, up);
    }
    this.fsm.setTrackingDelta(delta);
  }

  /** Stops listening; fault sources no longer tracked by `next` are cleared. */
  dispose(next?: InstanceTracking): void {
    for (const d of this.detach) d();
    this.detach.length = 0;
    const keep = new Set(next?.sources ?? []);
    for (const s of this.sources) if (!keep.has(s)) this.fsm.setFault(false, s);
  }
}

/** Watches link state changes in the table and logs them as keepalived's netlink reflector does. */
export function watchInterfaces(
  table: InterfaceTable,
  log: { info(text: string): void },
  onChange: (ifname: string) => void,
): () => void {
  const changed = (link: InterfaceInfo, previous: InterfaceInfo): void => {
    const now = linkIsUp(link);
    if (now === linkIsUp(previous)) return;
    log.info(`Netlink reports ${link.name} ${now ? 'up' : 'down'}`);
    onChange(link.name);
  };
  const removed = (link: InterfaceInfo): void => {
    log.info(`Netlink reports ${link.name} down`);
    onChange(link.name);
  };
  const added = (link: InterfaceInfo): void => onChange(link.name);
  table.on('linkChanged', changed);
  table.on('linkRemoved', removed);
  table.on('linkAdded', added);
  return () => {
    table.off('linkChanged', changed);
    table.off('linkRemoved', removed);
    table.off('linkAdded', added);
  };
}

/**
 * A vrrp_script: run every interval (the next run is due one interval after
 * the previous started, or when it ended if it overran), results counted with
 * rise/fall into a result between 0 and rise+fall-1; good = result >= rise.
 */
export class ScriptTracker {
  /** keepalived starts a script at rise - 1 (first success makes it good), or 0 with init_fail. */
  private result: number;
  private initDone = false;
  private lastStatus = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;
  /** Ends a running script at stop (SIGTERM, as keepalived's script_killall). */
  private readonly cancel = new AbortController();
  private runningNow = false;
  private startedOnce = false;
  good: boolean;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly script: ConfigVrrpScript,
    private readonly log: { info(text: string): void },
  ) {
    this.result = script.initFail ? 0 : script.rise - 1;
    this.good = !script.initFail;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** keepalived's script result counter (0 .. rise+fall-1). */
  get resultValue(): number {
    return this.result;
  }

  get hasRun(): boolean {
    return this.initDone;
  }

  get isRunning(): boolean {
    return this.runningNow;
  }

  start(): void {
    if (this.startedOnce) return;
    this.startedOnce = true;
    this.schedule(0);
  }

  /**
   * Stops scheduling and sends a running script SIGTERM at once; the promise
   * settles when it has exited. Shutdown must not wait for it before the
   * priority-0 advert: a script can run for its whole timeout.
   */
  stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.cancel.abort();
    return this.running ?? Promise.resolve();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.runOnce(), delayMs);
  }

  private runOnce(): void {
    const started = performance.now();
    const s = this.script;
    const timeoutMs = (s.timeoutUs || s.intervalUs) / 1000;
    this.runningNow = true;
    this.running = runScript({ argv: s.script.args }, { timeoutMs, cancel: this.cancel.signal }).then((r) => {
      this.runningNow = false;
      if (this.stopped) return;
      if (r.timedOut) this.record(false, 'timed_out', undefined);
      else if (r.code !== null) {
        if (r.code !== this.lastStatus) this.log.info(`Script \`${s.name}\` now returning ${r.code}`);
        this.lastStatus = r.code;
        this.record(r.code === 0, r.code === 0 ? 'succeeded' : 'failed', r.code === 0 ? undefined : `exited with status ${r.code}`);
      } else if (r.signal !== null) {
        this.record(false, 'failed', `due to signal ${signalNumber(r.signal)}`);
      } else {
        this.record(false, 'failed', 'exited with status 127');
      }
      const elapsed = performance.now() - started;
      this.schedule(Math.max(0, s.intervalUs / 1000 - elapsed));
    });
  }

  private record(success: boolean, exitType: string, reason: string | undefined): void {
    const { rise, fall, name } = this.script;
    const wasInit = !this.initDone;
    this.initDone = true;
    if (success) {
      if (this.result < rise - 1) this.result++;
      else if (this.result !== rise + fall - 1) {
        if (this.result < rise) {
          this.log.info(`VRRP_Script(${name}) ${exitType}`);
          this.setGood(true);
        }
        this.result = rise + fall - 1;
      }
    } else if (this.result > rise) {
      this.result--;
    } else {
      if (this.result === rise || wasInit) {
        this.log.info(reason ? `VRRP_Script(${name}) ${exitType} (${reason})` : `VRRP_Script(${name}) ${exitType}`);
        this.setGood(false);
      }
      this.result = 0;
    }
  }

  private setGood(good: boolean): void {
    if (good === this.good) return;
    this.good = good;
    for (const l of [...this.listeners]) l();
  }
}

function signalNumber(sig: NodeJS.Signals): number {
  return constants.signals[sig] ?? 0;
}
