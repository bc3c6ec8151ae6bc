import type { Clock } from '../timers/clock.js';
import type { VrrpEffects, VrrpFsmCounter, VrrpFsmEvent, VrrpStateName } from './types.js';

export type RecordedEffect =
  | { atUs: number; kind: 'advert'; priority: number }
  | { atUs: number; kind: 'addVips' | 'removeVips'; excluded: boolean }
  | { atUs: number; kind: 'garps'; repeat: number }
  | { atUs: number; kind: 'notify'; state: VrrpStateName; priority: number }
  | { atUs: number; kind: 'event'; event: VrrpFsmEvent }
  | { atUs: number; kind: 'log'; text: string };

export interface RecordingEffectsOptions {
  /**
   * If set, sendGarps() writes the lines keepalived's GARP layer writes
   * ("(VI_1) Sending/queueing gratuitous ARPs on eth0 for X" once per address,
   * then one "Sending gratuitous ARP on eth0 for X" per packet), sent at once.
   */
  garpLog?: { instance: string; ifname: string; vips: string[] };
}

/**
 * VrrpEffects that only records what the machine asked for, with the time it
 * asked. For tests of the machine and of code built on it.
 */
export class RecordingEffects implements VrrpEffects {
  readonly records: RecordedEffect[] = [];
  readonly counters: Record<VrrpFsmCounter, number> = { becomeMaster: 0, releaseMaster: 0, priZeroSent: 0 };
  /** Tests set it to model adverts waiting on the socket. */
  drainPendingAdverts?: () => void;

  constructor(
    private readonly clock: Clock,
    private readonly options: RecordingEffectsOptions = {},
  ) {}

  private now(): number {
    return this.clock.nowUs();
  }

  sendAdvert(priority: number): void {
    this.records.push({ atUs: this.now(), kind: 'advert', priority });
  }
  addVips(excluded: boolean): void {
    this.records.push({ atUs: this.now(), kind: 'addVips', excluded });
  }
  removeVips(excluded: boolean): void {
    this.records.push({ atUs: this.now(), kind: 'removeVips', excluded });
  }
  sendGarps(repeat: number): void {
    this.records.push({ atUs: this.now(), kind: 'garps', repeat });
    const g = this.options.garpLog;
    if (g === undefined) return;
    for (const vip of g.vips) this.log(`(${g.instance}) Sending/queueing gratuitous ARPs on ${g.ifname} for ${vip}`);
    for (let i = 0; i < repeat; i++)
      for (const vip of g.vips) this.log(`Sending gratuitous ARP on ${g.ifname} for ${vip}`);
  }
  notify(state: VrrpStateName, priority: number): void {
    this.records.push({ atUs: this.now(), kind: 'notify', state, priority });
  }
  notifyEvent(event: VrrpFsmEvent): void {
    this.records.push({ atUs: this.now(), kind: 'event', event });
  }
  log(text: string): void {
    this.records.push({ atUs: this.now(), kind: 'log', text });
  }
  countStat(counter: VrrpFsmCounter): void {
    this.counters[counter]++;
  }

  get logs(): string[] {
    return this.records.flatMap((r) => (r.kind === 'log' ? [r.text] : []));
  }
  get adverts(): { atUs: number; priority: number }[] {
    return this.records.flatMap((r) => (r.kind === 'advert' ? [{ atUs: r.atUs, priority: r.priority }] : []));
  }
  get notifies(): VrrpStateName[] {
    return this.records.flatMap((r) => (r.kind === 'notify' ? [r.state] : []));
  }
  get garps(): { atUs: number; repeat: number }[] {
    return this.records.flatMap((r) => (r.kind === 'garps' ? [{ atUs: r.atUs, repeat: r.repeat }] : []));
  }
  clear(): void {
    this.records.length = 0;
  }
}
