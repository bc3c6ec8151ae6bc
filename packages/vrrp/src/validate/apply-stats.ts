import { bumpVrrpStat } from '../stats/vrrp-stats.js';
import type { VrrpStats } from '../stats/vrrp-stats.js';
import type { AdvertCheckResult } from './validate-advert.js';

/**
 * Bumps what keepalived bumps for one validation outcome: advert_rcvd for
 * accepted adverts and for refusals after the advert was counted,
 * pri_zero_rcvd for accepted priority-0 adverts, and the refusal's counter.
 */
export function applyAdvertCheckToStats(stats: VrrpStats, result: AdvertCheckResult): void {
  if (result.ok) {
    bumpVrrpStat(stats, 'advert_rcvd');
    if (result.priorityZero) bumpVrrpStat(stats, 'pri_zero_rcvd');
    return;
  }
  if (result.advertCounted) bumpVrrpStat(stats, 'advert_rcvd');
  if (result.counter) bumpVrrpStat(stats, result.counter);
}
