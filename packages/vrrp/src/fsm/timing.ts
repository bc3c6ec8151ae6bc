/**
 * RFC 3768 / RFC 5798 timer arithmetic with keepalived 2.2.7's integer maths
 * (include/vrrp.h VRRP_TIMER_SKEW_CALC / VRRP_MS_DOWN_TIMER). All values are
 * microseconds, keepalived's TIMER_HZ unit.
 */

export const TIMER_HZ = 1_000_000;
export const TIMER_CENTI_HZ = 10_000;
// The protocol's priority constants live with the wire codec; re-exported here for the FSM's modules.
export { VRRP_PRIO_OWNER, VRRP_PRIO_STOP } from '../codec/vrrp-header.js';
export const VRRP_DOWN_TIMER_ADVERTS_DEFAULT = 3;

export type VrrpVersion = 2 | 3;

/**
 * Skew_Time for a priority value. v3: ((256 - prio) * Master_Adver_Interval) / 256
 * computed in centiseconds then scaled by 625/16 (= 10000/256) as keepalived does;
 * v2: (256 - prio) / 256 seconds, independent of the advert interval.
 */
export function skewTimeCalcUs(version: VrrpVersion, masterAdverIntervalUs: number, prioVal: number): number {
  if (version === 3) {
    const centis = Math.floor(masterAdverIntervalUs / TIMER_CENTI_HZ);
    return Math.floor((prioVal * centis * 625) / 16);
  }
  return Math.floor((prioVal * TIMER_HZ) / 256);
}

export function skewTimeUs(version: VrrpVersion, masterAdverIntervalUs: number, effectivePriority: number): number {
  return skewTimeCalcUs(version, masterAdverIntervalUs, 256 - effectivePriority);
}

/** The smallest skew keepalived uses (VRRP_TIMER_SKEW_MIN): one priority step. */
export function skewTimeMinUs(version: VrrpVersion, masterAdverIntervalUs: number): number {
  return skewTimeCalcUs(version, masterAdverIntervalUs, 1);
}

/** Master_Down_Interval = down_timer_adverts * Master_Adver_Interval + Skew_Time. */
export function masterDownIntervalUs(
  version: VrrpVersion,
  downTimerAdverts: number,
  masterAdverIntervalUs: number,
  effectivePriority: number,
): number {
  return downTimerAdverts * masterAdverIntervalUs + skewTimeUs(version, masterAdverIntervalUs, effectivePriority);
}

/** "%lu.%6.6lu" rendering of a microsecond count, as keepalived prints TIMER_HZ values. */
export function formatSecondsUs(us: number): string {
  const secs = Math.floor(us / TIMER_HZ);
  const frac = us % TIMER_HZ;
  return `${secs}.${String(frac).padStart(6, '0')}`;
}
