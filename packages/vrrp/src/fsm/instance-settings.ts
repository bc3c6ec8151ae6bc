/**
 * The timing and behaviour settings of one instance, derived from its
 * configuration as keepalived's vrrp_complete_instance does (defaults,
 * options an owner or initial MASTER cannot use). Pure, so the constructor
 * and a reload derive them the same way.
 */
import { VRRP_DOWN_TIMER_ADVERTS_DEFAULT, VRRP_PRIO_OWNER } from './timing.js';
import type { VrrpInstanceConfig } from './types.js';

export interface InstanceSettings {
  adverIntUs: number;
  downTimerAdverts: number;
  configuredPriority: number;
  nopreempt: boolean;
  preemptDelayUs: number;
  garpDelayUs: number;
  garpRep: number;
  garpRefreshUs: number;
  garpRefreshRep: number;
  garpLowerPrioDelayUs: number;
  garpLowerPrioRep: number;
  lowerPrioNoAdvert: boolean;
  higherPrioSendAdvert: boolean;
  logDetail: boolean;
}

export function ms2us(ms: number | undefined, dflt: number): number {
  return ms === undefined ? dflt : Math.round(ms * 1000);
}

/** `state MASTER`, or an address owner (priority 255) without a state. */
export function wantsMasterAtStart(config: VrrpInstanceConfig): boolean {
  return config.initialState === 'MASTER' || (config.initialState === undefined && config.priority === VRRP_PRIO_OWNER);
}

export function deriveInstanceSettings(config: VrrpInstanceConfig): InstanceSettings {
  const wantsMaster = wantsMasterAtStart(config);
  // these options cannot work with an owner / initial MASTER
  const nopreempt = !!config.nopreempt && config.priority !== VRRP_PRIO_OWNER && !wantsMaster;
  const garpDelayUs = ms2us(config.garpMasterDelayMs, 5_000_000);
  const garpRep = config.garpMasterRepeat ?? 5;
  return {
    adverIntUs: ms2us(config.advertIntMs, 1_000_000),
    downTimerAdverts: config.downTimerAdverts ?? VRRP_DOWN_TIMER_ADVERTS_DEFAULT,
    configuredPriority: config.priority,
    nopreempt,
    preemptDelayUs: wantsMaster || nopreempt ? 0 : ms2us(config.preemptDelayMs, 0),
    garpDelayUs,
    garpRep,
    garpRefreshUs: ms2us(config.garpMasterRefreshMs, 0),
    garpRefreshRep: config.garpMasterRefreshRepeat ?? 1,
    garpLowerPrioDelayUs: ms2us(config.garpLowerPrioDelayMs, garpDelayUs),
    garpLowerPrioRep: config.garpLowerPrioRepeat ?? garpRep,
    lowerPrioNoAdvert: !!config.lowerPrioNoAdvert,
    higherPrioSendAdvert: !!config.higherPrioSendAdvert,
    logDetail: !!config.logDetail,
  };
}
