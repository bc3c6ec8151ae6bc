/**
 * What a VRRP instance does to the host when it gains or loses mastership:
 * VIPs / excluded VIPs / virtual routes / rules (vrrp_state_become_master,
 * vrrp_restore_interface) and the gratuitous ARP bursts, including the delayed
 * ones, which keepalived never cancels (each burst checks vipset when it fires).
 */
import type { Timer, TimerScheduler } from '../timers/clock.js';
import { msg } from './messages.js';
import { VRRP_PRIO_STOP } from './timing.js';
import type { VrrpEffects, VrrpInstanceConfig } from './types.js';

export interface GarpSettings {
  garpDelayUs: number;
  garpRep: number;
  garpLowerPrioDelayUs: number;
  garpLowerPrioRep: number;
}

export class InstanceInterface {
  vipSet = false;
  readonly garpDelayTimer: Timer;
  readonly garpLowerPrioDelayTimer: Timer;
  /**
   * keepalived adds a fresh timer thread for every delayed burst (each master
   * transition, each lower priority advert); several can be pending. The delay
   * is constant, so their deadlines are FIFO behind one re-armed timer.
   */
  private readonly garpDelayDeadlines: number[] = [];
  private readonly garpLowerPrioDeadlines: number[] = [];
  private readonly logDetail: boolean;

  constructor(
    private readonly name: string,
    private readonly cfg: VrrpInstanceConfig,
    private readonly timers: TimerScheduler,
    private readonly effects: VrrpEffects,
    private readonly garp: GarpSettings,
  ) {
    this.logDetail = !!cfg.logDetail;
    this.garpDelayTimer = timers.createTimer(`${name}.garpDelayTimer`, () =>
      this.onDelayTimer(this.garpDelayDeadlines, this.garpDelayTimer, this.garp.garpRep),
    );
    this.garpLowerPrioDelayTimer = timers.createTimer(`${name}.garpLowerPrioDelayTimer`, () =>
      this.onDelayTimer(this.garpLowerPrioDeadlines, this.garpLowerPrioDelayTimer, this.garp.garpLowerPrioRep),
    );
  }

  /** The address part of vrrp_state_become_master. */
  setAll(): void {
    if (this.cfg.firewallDropRule) this.handleDropRule(true);
    if (this.cfg.hasVips ?? true) this.handleVips(true, false);
    if (this.cfg.hasExcludedVips) this.handleVips(true, true);
    this.vipSet = true;
    if (this.cfg.hasVirtualRoutes) {
      if (this.logDetail) this.effects.log(msg.routes(this.name, true));
      this.effects.addVirtualRoutes?.();
    }
    if (this.cfg.hasVirtualRules) {
      if (this.logDetail) this.effects.log(msg.rules(this.name, true));
      this.effects.addVirtualRules?.();
    }
  }

  /** vrrp_restore_interface(vrrp, advF, force=false) */
  restore(advF: boolean): void {
    if (advF) {
      this.effects.sendAdvert(VRRP_PRIO_STOP);
      this.effects.countStat('priZeroSent');
      if (this.logDetail) this.effects.log(msg.sentZeroPriority(this.name));
    }
    if (this.cfg.hasVirtualRules) {
      if (this.logDetail) this.effects.log(msg.rules(this.name, false));
      this.effects.removeVirtualRules?.();
    }
    if (this.cfg.hasVirtualRoutes) {
      if (this.logDetail) this.effects.log(msg.routes(this.name, false));
      this.effects.removeVirtualRoutes?.();
    }
    this.effects.cancelPendingGarps?.();
    if (this.vipSet) {
      if (this.cfg.hasVips ?? true) this.handleVips(false, false);
      if (this.cfg.hasExcludedVips) this.handleVips(false, true);
      if (this.dropRuleSet) this.handleDropRule(false);
      this.vipSet = false;
    }
  }

  /** vrrp_send_link_update: GARPs only while the VIPs are set. */
  sendLinkUpdate(repeat: number): void {
    if (this.vipSet && repeat > 0) this.effects.sendGarps(repeat);
  }

  /** Schedules a delayed burst: garp_master_delay, or garp_lower_prio_delay when `lowerPrio`. */
  queueDelayedGarp(lowerPrio: boolean): void {
    const deadlines = lowerPrio ? this.garpLowerPrioDeadlines : this.garpDelayDeadlines;
    const timer = lowerPrio ? this.garpLowerPrioDelayTimer : this.garpDelayTimer;
    deadlines.push(this.timers.nowUs() + (lowerPrio ? this.garp.garpLowerPrioDelayUs : this.garp.garpDelayUs));
    if (!timer.armed) timer.armAt(deadlines[0]!);
  }

  cancelTimers(): void {
    this.garpDelayTimer.cancel();
    this.garpLowerPrioDelayTimer.cancel();
    this.garpDelayDeadlines.length = 0;
    this.garpLowerPrioDeadlines.length = 0;
  }

  private dropRuleSet = false;

  private handleDropRule(adding: boolean): void {
    if (this.logDetail) this.effects.log(msg.dropRule(this.name, adding));
    this.effects.setFirewallDropRule?.(adding);
    this.dropRuleSet = adding;
  }

  private handleVips(adding: boolean, excluded: boolean): void {
    if (this.logDetail) this.effects.log(msg.vips(this.name, adding, excluded));
    if (adding) this.effects.addVips(excluded);
    else this.effects.removeVips(excluded);
  }

  private onDelayTimer(deadlines: number[], timer: Timer, repeat: number): void {
    deadlines.shift();
    this.sendLinkUpdate(repeat);
    if (deadlines.length > 0) timer.armAt(deadlines[0]!);
  }
}
