/**
 * The state machine of one VRRP instance, with keepalived 2.2.7's semantics
 * (vrrp.c: vrrp_state_backup, vrrp_state_master_rx/tx, vrrp_state_goto_master,
 * vrrp_state_leave_master/fault, vrrp_restore_interface; vrrp_scheduler.c:
 * vrrp_init_state, vrrp_init_instance_sands, the read/timeout dispatch,
 * try_up_instance; vrrp_track.c: down_instance, vrrp_set_effective_priority).
 *
 * No sockets, no clocks of its own: time comes from the injected TimerScheduler,
 * every side effect goes through VrrpEffects.
 */
import type { Timer, TimerScheduler } from '../timers/clock.js';
import { compareRemoteToOurs } from './addr-compare.js';
import { InstanceInterface } from './instance-interface.js';
import { TIMER_DISABLED, UNSET, VrrpInstanceData } from './instance-data.js';
import { ms2us } from './instance-settings.js';
import { msg } from './messages.js';
import {
  skewTimeMinUs,
  TIMER_CENTI_HZ,
  VRRP_PRIO_OWNER,
  VRRP_PRIO_STOP,
} from './timing.js';
import {
  KEEPALIVED_STATE_NUMBER,
  VrrpState,
  type ReceivedAdvert,
  type VrrpEffects,
  type VrrpInstanceConfig,
  type VrrpStateName,
} from './types.js';

type EventName = 'advert' | 'masterDownTimer' | 'advertTimer';
type Handler = (vrrp: VrrpInstance, advert: ReceivedAdvert | undefined) => void;

/**
 * state x event -> handler. Events missing from a row are ignored, e.g. adverts
 * in FAULT or INIT (keepalived drops them in vrrp_dispatcher_read).
 */
const TRANSITIONS: Readonly<Record<VrrpStateName, Partial<Record<EventName, Handler>>>> = {
  [VrrpState.Init]: {},
  [VrrpState.Backup]: {
    advert: (v, a) => v.backupReceive(a as ReceivedAdvert),
    masterDownTimer: (v) => v.backupMasterDown(),
  },
  [VrrpState.Master]: {
    advert: (v, a) => v.masterReceive(a as ReceivedAdvert),
    advertTimer: (v) => v.masterTransmit(),
  },
  [VrrpState.Fault]: {},
  [VrrpState.Stop]: {},
};

export class VrrpInstance extends VrrpInstanceData {
  // --- timers: created once, re-armed ---
  readonly masterDownTimer: Timer;
  readonly advertTimer: Timer;
  /** VIPs, routes, rules and the delayed GARP timers (vrrp_restore_interface & co). */
  private readonly iface: InstanceInterface;

  constructor(
    config: VrrpInstanceConfig,
    private readonly timers: TimerScheduler,
    private readonly effects: VrrpEffects,
  ) {
    super(config);
    this.masterDownTimer = timers.createTimer(`${this.name}.masterDownTimer`, () => this.dispatchTimer('masterDownTimer'));
    this.advertTimer = timers.createTimer(`${this.name}.advertTimer`, () => this.dispatchTimer('advertTimer'));
    this.iface = new InstanceInterface(this.name, this.cfg, timers, effects, this.garpSettings);
  }

  /**
   * A reloaded configuration for this running instance (same VRID, family,
   * interface). State, timers and VIPs stay; a new base priority takes effect
   * at once (the next advert carries it), a new advert interval re-arms the
   * running timer, new VIP/route flags apply from the next transition. The
   * caller moves the addresses that were added or removed while vipset.
   */
  reconfigure(config: VrrpInstanceConfig): void {
    const oldAdverIntUs = this.adverIntUs;
    Object.assign(this.cfg, config);
    this.applyConfig(config);
    if (config.priority !== this.basePriority) {
      this.basePriority = config.priority;
      if (config.priority === VRRP_PRIO_OWNER) {
        this.effects.log(msg.effectivePriority(this.name, this.effectivePriority, VRRP_PRIO_OWNER));
        this.effectivePriority = VRRP_PRIO_OWNER;
      } else this.setEffectivePriority();
    }
    if (this.adverIntUs !== oldAdverIntUs) {
      // A master advertises its own interval; a backup keeps what it learnt from the master (v3) unless that was ours.
      if (this.stateValue === VrrpState.Master || this.masterAdverIntUs === oldAdverIntUs) this.masterAdverIntUs = this.adverIntUs;
      if (this.stateValue === VrrpState.Backup) this.msDownTimerUs = this.masterDownIntervalUs;
      if (this.stateValue === VrrpState.Master || this.stateValue === VrrpState.Backup) this.initInstanceSands();
    }
  }

  /** vipset: our VIPs are (believed to be) on the interface. */
  get vipSet(): boolean {
    return this.iface.vipSet;
  }

  get garpDelayTimer(): Timer {
    return this.iface.garpDelayTimer;
  }

  get garpLowerPrioDelayTimer(): Timer {
    return this.iface.garpLowerPrioDelayTimer;
  }

  // ------------------------------------------------------------------ inputs

  /**
   * Startup of a stand-alone instance. Several instances (or a sync group) should
   * run each phase for all instances before the next, as keepalived does.
   */
  start(): void {
    this.startCompleteInit();
    this.startRestoreInterfaces();
    this.startInitState();
  }

  /** Phase 1 (vrrp_complete_init): an instance already faulty at startup enters FAULT. */
  startCompleteInit(): void {
    if (this.started) return;
    this.started = true;
    const now = this.timers.nowUs();
    if (this.cfg.startupDelayMs) this.delayedStartUs = now + ms2us(this.cfg.startupDelayMs, 0);
    const groupFaulty = this.sync !== undefined && this.sync.state === VrrpState.Fault;
    if (!this.isUp || groupFaulty) this.changeState(VrrpState.Fault, msg.enteringFaultAtStartup(this.name));
  }

  /** Phase 2 (vrrp_restore_interfaces_startup): remove VIPs left over from a previous run. */
  startRestoreInterfaces(): void {
    if (this.cfg.releaseVipsAtStart ?? true) {
      this.iface.vipSet = true;
      this.iface.restore(false);
    }
  }

  /** Phase 3 (vrrp_init_state + vrrp_init_sands). */
  startInitState(): void {
    this.initState();
    this.initInstanceSands();
  }

  /** An advert for our VRID, already decoded and validated. */
  receiveAdvert(advert: ReceivedAdvert): void {
    const handler = TRANSITIONS[this.stateValue].advert;
    if (handler === undefined) return;
    const prevState = this.stateValue;
    handler(this, advert);
    this.sync?.handleTransition(prevState, this);
    // keepalived re-arms the instance timer after every packet, except a master
    // that did not answer (lower_prio_no_advert).
    if (this.stateValue !== VrrpState.Master || !this.lowerPrioNoAdvert) this.initInstanceSands();
  }

  /**
   * A packet for our VRID that failed validation changes nothing, timers
   * included. Deliberately unlike keepalived 2.2.7, which re-arms a master's
   * advert timer after any packet: there, a stream of invalid packets (spoofed
   * or broken) keeps pushing the master's next advert back until the backups
   * declare it dead and take over. For a backup keepalived's re-arm keeps the
   * same deadline, so leaving it alone is the same behaviour.
   */
  receiveInvalidAdvert(): void {}

  /** Sum of the weights of tracked objects; effective priority = base + delta, clamped. */
  setTrackingDelta(delta: number): void {
    this.trackingDelta = delta;
    this.setEffectivePriority();
  }

  /**
   * Raise or clear one fault source (interface down, weightless track script...).
   * The first source raised takes the instance to FAULT (down_instance), clearing
   * the last one brings it back (try_up_instance). Before start() sources are only
   * recorded, as keepalived's tracking initialisation does.
   */
  setFault(faulty: boolean, source = 'default'): void {
    if (faulty) {
      if (this.faultSources.has(source)) return;
      this.faultSources.add(source);
      if (this.started && this.stateValue !== VrrpState.Stop) this.downInstance(this.faultSources.size === 1);
    } else {
      if (!this.faultSources.delete(source)) return;
      if (this.started && this.stateValue !== VrrpState.Stop) this.tryUpInstance();
    }
  }

  /** Shutdown phase 1 (restore_vrrp_interfaces): a master sends priority 0 and removes its VIPs. */
  releaseForShutdown(): void {
    if (this.stateValue === VrrpState.Master) this.iface.restore(true);
    this.cancelAllTimers();
  }

  /** Shutdown phase 2 (notify_shutdown): state STOP and its notification. */
  notifyShutdown(): void {
    this.changeState(VrrpState.Stop, null);
  }

  stop(): void {
    this.releaseForShutdown();
    this.notifyShutdown();
  }

  // --------------------------------------------------------- state handling

  /**
   * The only place the state is assigned. Order matches keepalived: the
   * "Entering ..." line, leaving-MASTER clean-up, the assignment, entry actions,
   * then the notification.
   */
  private changeState(to: VrrpStateName, logText: string | null, notify = true, advF = false): void {
    const from = this.stateValue;
    if (logText !== null) this.effects.log(logText);
    if (from === VrrpState.Master && (to === VrrpState.Backup || to === VrrpState.Fault)) {
      if (to === VrrpState.Fault) this.effects.sendAdvert(VRRP_PRIO_STOP);
      this.iface.restore(advF);
    }
    this.stateValue = to;
    if (to === VrrpState.Backup) this.preemptTimeUs = UNSET;
    if (to === VrrpState.Master && from !== VrrpState.Master) this.becomeMaster();
    if (notify) this.sendInstanceNotifies();
    if (to !== from) this.lastTransitionUs = this.timers.nowUs();
  }

  private sendInstanceNotifies(): void {
    if (this.notifiesSent && this.sync !== undefined && this.stateValue === this.sync.state) return;
    this.notifiesSent = true;
    this.effects.notify(this.stateValue, this.effectivePriority);
  }

  /** vrrp_init_state for this instance. */
  private initState(): void {
    const beginState = this.stateValue;
    if (this.stateValue === VrrpState.Fault) this.wantstate = VrrpState.Fault;
    const newState = this.sync !== undefined ? this.sync.state : this.wantstate;
    if (
      this.isUp &&
      newState === VrrpState.Master &&
      this.basePriority === VRRP_PRIO_OWNER &&
      this.wantstate === VrrpState.Master
    ) {
      // The address owner becomes master by timing out of BACKUP almost at once (1 usec), silently.
      this.changeState(VrrpState.Backup, null, false);
      this.msDownTimerUs = 1;
      return;
    }
    if (newState === VrrpState.Backup && this.wantstate === VrrpState.Master) {
      // Allow one advert interval to pass to make sure there is no other master.
      this.msDownTimerUs = this.masterAdverIntUs + skewTimeMinUs(this.version, this.masterAdverIntUs);
    } else {
      this.msDownTimerUs = this.masterDownIntervalUs;
    }
    this.iface.restore(false);
    if (this.isUp && newState !== VrrpState.Fault) {
      if (this.stateValue !== VrrpState.Backup) this.changeState(VrrpState.Backup, msg.enteringBackupInit(this.name));
    } else if (beginState !== VrrpState.Fault) {
      this.changeState(VrrpState.Fault, msg.enteringFaultInit(this.name), !this.isUp);
    }
  }

  /** vrrp_init_instance_sands: (re-)arm the one instance timer of the current state. */
  initInstanceSands(): void {
    const now = this.timers.nowUs();
    if (this.stateValue === VrrpState.Master) {
      this.masterDownTimer.cancel();
      this.sandsUs = now + this.adverIntUs;
      this.advertTimer.armAt(this.sandsUs);
    } else if (this.stateValue === VrrpState.Backup) {
      this.advertTimer.cancel();
      let base = now;
      if (this.delayedStartUs !== 0) {
        if (now < this.delayedStartUs) base = this.delayedStartUs;
        else this.delayedStartUs = 0;
      }
      this.sandsUs = base + this.msDownTimerUs;
      this.masterDownTimer.armAt(this.sandsUs);
    } else {
      this.sandsUs = TIMER_DISABLED;
      this.masterDownTimer.cancel();
      this.advertTimer.cancel();
    }
  }

  private dispatchTimer(event: 'masterDownTimer' | 'advertTimer'): void {
    if (event === 'masterDownTimer' && this.effects.drainPendingAdverts) {
      // After a stall (starved CPU, a long GC) the master's adverts can sit in
      // our socket while the timer expires; the event loop may hand us either
      // first. An advert received before the deadline counts, so read them:
      // one that re-arms the timer means the master is alive.
      this.effects.drainPendingAdverts();
      if (this.masterDownTimer.armed) return;
    }
    const handler = TRANSITIONS[this.stateValue][event];
    if (handler === undefined) return;
    const prevState = this.stateValue;
    handler(this, undefined);
    this.sync?.handleTransition(prevState, this);
    this.initInstanceSands();
  }

  /** @internal BACKUP x masterDownTimer */
  backupMasterDown(): void {
    if (this.logDetail) this.effects.log(msg.receiveTimeout(this.name));
    this.wantstate = VrrpState.Master;
    this.gotoMaster();
  }

  /** @internal vrrp_state_backup */
  backupReceive(advert: ReceivedAdvert): void {
    const prio = advert.priority;
    let ignoreAdvert = false;
    if (prio === 0) {
      if (this.logDetail) this.effects.log(msg.backupRxPriorityZero(this.name));
      this.msDownTimerUs = this.skewTimeUs;
    } else if (
      this.nopreempt ||
      prio >= this.effectivePriority ||
      (this.preemptDelayUs !== 0 && (this.preemptTimeUs === UNSET || this.preemptTimeUs > this.timers.nowUs()))
    ) {
      if (this.version === 3) this.learnMasterAdverInt(advert);
      this.msDownTimerUs = this.masterDownIntervalUs;
      this.masterSaddr = advert.srcAddr;
      this.masterPriority = prio;
      if (this.preemptDelayUs !== 0) {
        if (prio >= this.effectivePriority) {
          if (this.preemptTimeUs !== UNSET) {
            if (this.logDetail) this.effects.log(msg.stopPreemptDelay(this.name));
            this.preemptTimeUs = UNSET;
          }
        } else if (this.preemptTimeUs === UNSET) {
          if (this.logDetail) this.effects.log(msg.startPreemptDelay(this.name, this.preemptDelayUs));
          this.preemptTimeUs = this.timers.nowUs() + this.preemptDelayUs;
        }
      }
      // A sync group may have held us in BACKUP after our timer expired; an advert means we want BACKUP.
      this.wantstate = VrrpState.Backup;
    } else {
      this.effects.log(msg.lowerPriorityDiscarding(this.name, prio, advert.srcAddr));
      ignoreAdvert = true;
      this.masterSaddr = advert.srcAddr;
    }
    if (ignoreAdvert) {
      // The advert does not count: keep the down timer running towards the same deadline.
      this.msDownTimerUs = Math.max(0, this.sandsUs - this.timers.nowUs());
    }
  }

  private learnMasterAdverInt(advert: ReceivedAdvert): void {
    const masterAdverInt = ((advert.maxAdverIntCs ?? 0) & 0x0fff) * TIMER_CENTI_HZ;
    if (this.masterAdverIntUs === masterAdverInt) return;
    if (this.logDetail) this.effects.log(msg.advertIntervalUpdated(this.name, this.masterAdverIntUs, masterAdverInt));
    this.masterAdverIntUs = masterAdverInt;
  }

  /** @internal MASTER x advertTimer (vrrp_state_master_tx) */
  masterTransmit(): void {
    this.effects.sendAdvert(this.effectivePriority);
    if (!this.vipSet) {
      this.changeState(VrrpState.Master, msg.enteringMaster(this.name));
      if (this.garpDelayUs !== 0) this.iface.queueDelayedGarp(false);
      return;
    }
    // keepalived compares with '>' against a deadline taken slightly before the
    // advert schedule was computed; '>=' gives the same tick on an exact clock.
    if (this.garpRefreshUs !== 0 && this.timers.nowUs() >= this.garpRefreshTimerUs) {
      this.iface.sendLinkUpdate(this.garpRefreshRep);
      this.garpRefreshTimerUs = this.timers.nowUs() + this.garpRefreshUs;
    }
  }

  /** @internal vrrp_state_master_rx + vrrp_state_leave_master when it returns true. */
  masterReceive(advert: ReceivedAdvert): void {
    if (this.masterReceiveDecide(advert)) this.leaveMaster(false);
  }

  private masterReceiveDecide(advert: ReceivedAdvert): boolean {
    const prio = advert.priority;
    const addrCmp = prio === this.effectivePriority ? compareRemoteToOurs(advert.srcAddr, this.ourAddress) : 0;

    if (
      prio === 0 ||
      (this.higherPrioSendAdvert && (prio > this.effectivePriority || (prio === this.effectivePriority && addrCmp > 0)))
    ) {
      this.effects.sendAdvert(this.effectivePriority);
      if (prio === 0) {
        if (this.logDetail) this.effects.log(msg.masterRxPriorityZero(this.name));
        return false;
      }
    }

    if (prio === this.effectivePriority) {
      if (addrCmp === 0) this.effects.log(msg.equalPriorityOurAddress(this.name));
      else if (this.effectivePriority === VRRP_PRIO_OWNER) {
        this.effects.log(msg.ownerConflict(this.name));
        this.effectivePriority = VRRP_PRIO_OWNER - 1;
        this.basePriority = VRRP_PRIO_OWNER - 1;
      }
    }

    if (prio < this.effectivePriority || (prio === this.effectivePriority && addrCmp < 0)) {
      this.effects.log(
        msg.masterRxLower(this.name, advert.srcAddr, prio, this.effectivePriority, !this.lowerPrioNoAdvert),
      );
      if (!this.lowerPrioNoAdvert) this.effects.sendAdvert(this.effectivePriority);
      this.sendLowerPrioGarps();
      this.sync?.sendLowerPrioGarpsForOthers(this);
      this.effects.notifyEvent?.('master_rx_lower_pri');
      return false;
    }

    if (prio > this.effectivePriority || (prio === this.effectivePriority && addrCmp > 0)) {
      if (prio > this.effectivePriority)
        this.effects.log(msg.masterRxHigher(this.name, advert.srcAddr, prio, this.effectivePriority));
      else this.effects.log(msg.masterRxSameHigherAddr(this.name, advert.srcAddr, prio));
      if (this.version === 3) this.learnMasterAdverInt(advert);
      this.msDownTimerUs = this.masterDownIntervalUs;
      this.masterPriority = prio;
      this.wantstate = VrrpState.Backup;
      return true;
    }
    return false;
  }

  /** @internal Sends the garp_lower_prio burst now and schedules the delayed one. */
  sendLowerPrioGarps(): void {
    if (this.garpLowerPrioRep === 0) return;
    this.iface.sendLinkUpdate(this.garpLowerPrioRep);
    if (this.garpLowerPrioDelayUs !== 0) this.iface.queueDelayedGarp(true);
  }

  /** @internal vrrp_state_goto_master */
  gotoMaster(): void {
    if (this.sync !== undefined && !this.sync.canGotoMaster(this)) {
      this.wantstate = VrrpState.Master;
      return;
    }
    this.masterTransmit();
    if (this.stateValue !== VrrpState.Master) this.changeState(VrrpState.Master, null);
    this.initInstanceSands();
  }

  /** @internal vrrp_state_leave_master */
  leaveMaster(advF: boolean): void {
    let text: string;
    if (this.wantstate === VrrpState.Backup) text = msg.enteringBackup(this.name);
    else if (this.wantstate === VrrpState.Fault) text = msg.enteringFault(this.name);
    else {
      this.effects.log(msg.leaveMasterInvalidWantstate(this.name, KEEPALIVED_STATE_NUMBER[this.wantstate]));
      return;
    }
    this.changeState(this.wantstate, text, true, advF);
    this.msDownTimerUs = this.masterDownIntervalUs;
    this.initInstanceSands();
    this.effects.countStat('releaseMaster');
  }

  /** @internal vrrp_state_leave_fault */
  leaveFault(): void {
    if (this.wantstate === VrrpState.Master) this.gotoMaster();
    else {
      const text =
        this.stateValue === this.wantstate
          ? null
          : this.wantstate === VrrpState.Backup
            ? msg.enteringBackup(this.name)
            : msg.enteringFault(this.name);
      this.changeState(this.wantstate, text);
    }
    this.masterAdverIntUs = this.adverIntUs;
    this.msDownTimerUs = this.masterDownIntervalUs;
    this.initInstanceSands();
  }

  /** @internal The "bodge" of vrrp_sync_fault: a BACKUP member is marked FAULT silently before leaving fault. */
  markFaultSilently(): void {
    this.changeState(VrrpState.Fault, null, false);
  }

  /** @internal Used by vrrp_sync_can_goto_master to hold a member back. */
  rearmFullDownTimer(): void {
    this.msDownTimerUs = this.masterDownIntervalUs;
    this.initInstanceSands();
  }

  /** keepalived down_instance. */
  private downInstance(firstFault: boolean): void {
    if (!firstFault) return;
    this.wantstate = VrrpState.Fault;
    if (this.stateValue === VrrpState.Master) this.leaveMaster(true);
    else this.leaveFault();
    this.sync?.memberFaulted(this);
  }

  /** keepalived try_up_instance, called when the last fault source clears. */
  private tryUpInstance(): void {
    if (!this.isUp) return;
    const ownerWantsMaster = this.wantstate === VrrpState.Master && this.basePriority === VRRP_PRIO_OWNER;
    if (!ownerWantsMaster) this.wantstate = VrrpState.Backup;
    this.masterAdverIntUs = this.adverIntUs;
    this.msDownTimerUs = ownerWantsMaster ? this.masterAdverIntUs + this.skewTimeUs : this.masterDownIntervalUs;
    if (this.sync !== undefined && !this.sync.memberRecovered(this)) return;
    const wantstate = this.wantstate;
    if (this.sync !== undefined && this.wantstate === VrrpState.Master && !this.sync.canGotoMaster(this))
      this.wantstate = VrrpState.Backup;
    this.leaveFault();
    this.initInstanceSands();
    this.wantstate = wantstate;
    if (this.sync !== undefined) {
      if (this.stateValue === VrrpState.Master) this.sync.syncMaster(this);
      else this.sync.syncBackup(this);
    }
  }

  /** vrrp_set_effective_priority */
  private setEffectivePriority(): void {
    if (this.basePriority === VRRP_PRIO_OWNER) return;
    const total = this.configuredPriority + this.trackingDelta;
    const newPrio = total < 1 ? 1 : total >= VRRP_PRIO_OWNER ? VRRP_PRIO_OWNER - 1 : total;
    if (newPrio === this.effectivePriority) return;
    this.effects.log(msg.effectivePriority(this.name, this.effectivePriority, newPrio));
    this.effectivePriority = newPrio;
    const oldDownTimer = this.msDownTimerUs;
    this.msDownTimerUs = this.masterDownIntervalUs;
    if (this.stateValue === VrrpState.Backup && this.masterDownTimer.armed) {
      this.sandsUs += this.msDownTimerUs - oldDownTimer;
      this.masterDownTimer.armAt(this.sandsUs);
    }
    if (this.cfg.notifyPriorityChanges) this.effects.notifyPriority?.(newPrio);
  }

  // ------------------------------------------------------------ interface

  /** vrrp_state_become_master (notification is sent by changeState right after). */
  private becomeMaster(): void {
    this.effects.countStat('becomeMaster');
    if (this.version === 3 && this.logDetail && this.masterAdverIntUs !== this.adverIntUs) {
      // keepalived only resets the learnt interval when detail logging is on; kept for parity.
      this.effects.log(msg.advertIntervalToLocal(this.name, this.masterAdverIntUs, this.adverIntUs));
      this.masterAdverIntUs = this.adverIntUs;
    }
    this.iface.setAll();
    this.iface.sendLinkUpdate(this.garpRep);
    if (this.garpRefreshUs !== 0) this.garpRefreshTimerUs = this.timers.nowUs() + this.garpRefreshUs;
  }

  private cancelAllTimers(): void {
    this.masterDownTimer.cancel();
    this.advertTimer.cancel();
    this.iface.cancelTimers();
    this.sandsUs = TIMER_DISABLED;
  }
}
