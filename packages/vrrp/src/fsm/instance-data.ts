/**
 * The data of one VRRP instance: identity, the settings derived from its
 * configuration, and the run-time fields with keepalived's names. The state
 * machine (instance.ts) extends it with the transitions; keeping the two
 * apart keeps that file to the machine itself.
 */
import { ParsedAddress } from './addr-compare.js';
import type { GarpSettings } from './instance-interface.js';
import { deriveInstanceSettings, wantsMasterAtStart } from './instance-settings.js';
import type { VrrpSyncGroup } from './sync-group.js';
import { masterDownIntervalUs, skewTimeUs, type VrrpVersion } from './timing.js';
import { VrrpState, type VrrpInstanceConfig, type VrrpStateName } from './types.js';

export const TIMER_DISABLED = -1;
export const UNSET = -1;

export class VrrpInstanceData {
  readonly name: string;
  readonly vrid: number;
  readonly version: VrrpVersion;
  readonly family: 'inet' | 'inet6';

  // --- configuration, keepalived field names in camelCase, microseconds (reconfigure() may change them) ---
  adverIntUs!: number;
  downTimerAdverts!: number;
  nopreempt!: boolean;
  preemptDelayUs!: number;
  garpDelayUs!: number;
  garpRep!: number;
  garpRefreshUs!: number;
  garpRefreshRep!: number;
  garpLowerPrioDelayUs!: number;
  garpLowerPrioRep!: number;
  lowerPrioNoAdvert!: boolean;
  higherPrioSendAdvert!: boolean;
  protected configuredPriority!: number;
  protected ourAddress!: ParsedAddress;
  protected readonly cfg: VrrpInstanceConfig;
  protected logDetail!: boolean;
  protected readonly garpSettings: GarpSettings = { garpDelayUs: 0, garpRep: 0, garpLowerPrioDelayUs: 0, garpLowerPrioRep: 0 };

  // --- run-time state ---
  protected stateValue: VrrpStateName = VrrpState.Init;
  /** The state we would be in disregarding any sync group. */
  wantstate: VrrpStateName;
  basePriority: number;
  effectivePriority: number;
  protected trackingDelta = 0;
  /** Master_Adver_Interval (v3: learnt from the master's adverts). */
  masterAdverIntUs: number;
  /** ms_down_timer: the delay the BACKUP timer is armed with. */
  msDownTimerUs = 0;
  /** sands: absolute due time of whichever instance timer runs, or -1. */
  sandsUs = TIMER_DISABLED;
  /** preempt_time: preemption allowed once the clock passes it; -1 = not started. */
  preemptTimeUs = UNSET;
  /** garp_refresh_timer: a deadline checked when an advert is sent, as keepalived does. */
  garpRefreshTimerUs = 0;
  masterSaddr: string | undefined;
  masterPriority = 0;
  lastTransitionUs = 0;
  notifiesSent = false;
  sync: VrrpSyncGroup | undefined;
  protected readonly faultSources = new Set<string>();
  protected delayedStartUs = 0;
  protected started = false;

  constructor(config: VrrpInstanceConfig) {
    this.cfg = { ...config };
    this.name = config.name;
    this.vrid = config.vrid;
    this.version = config.version;
    this.family = config.family;
    this.basePriority = config.priority;
    this.effectivePriority = config.priority;
    this.wantstate = wantsMasterAtStart(config) ? VrrpState.Master : VrrpState.Backup;
    this.applyConfig(config);
    this.masterAdverIntUs = this.adverIntUs;
  }

  /** The configuration-derived fields (instance-settings.ts), shared by the constructor and reconfigure(). */
  protected applyConfig(config: VrrpInstanceConfig): void {
    const settings = deriveInstanceSettings(config);
    Object.assign(this, settings);
    this.ourAddress = new ParsedAddress(config.ourAddress);
    Object.assign(this.garpSettings, {
      garpDelayUs: settings.garpDelayUs,
      garpRep: settings.garpRep,
      garpLowerPrioDelayUs: settings.garpLowerPrioDelayUs,
      garpLowerPrioRep: settings.garpLowerPrioRep,
    } satisfies GarpSettings);
  }

  get state(): VrrpStateName {
    return this.stateValue;
  }

  /** Number of active fault sources (keepalived num_script_if_fault). */
  get faultCount(): number {
    return this.faultSources.size;
  }

  get isUp(): boolean {
    return this.faultSources.size === 0;
  }

  /** Skew_Time for the current effective priority and Master_Adver_Interval. */
  get skewTimeUs(): number {
    return skewTimeUs(this.version, this.masterAdverIntUs, this.effectivePriority);
  }

  /** keepalived's total_priority: base priority plus tracked weights, before clamping. */
  get totalPriority(): number {
    return this.basePriority + this.trackingDelta;
  }

  /** Master_Down_Interval (VRRP_MS_DOWN_TIMER). */
  get masterDownIntervalUs(): number {
    return masterDownIntervalUs(this.version, this.downTimerAdverts, this.masterAdverIntUs, this.effectivePriority);
  }
}
