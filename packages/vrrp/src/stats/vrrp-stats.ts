/**
 * Per-instance VRRP counters, named exactly as keepalived 2.2.7's vrrp_stats
 * (include/vrrp.h) so the USR2 stats file, the JSON dump and the SNMP layer
 * can be produced field for field. The build we replace (Debian) has
 * VRRP_AUTH and SNMP_RFC enabled, so authtype_mismatch/auth_failure and the
 * SNMP-only chk_err/vers_err/vrid_err counters exist too.
 */

export interface VrrpStats {
  advert_rcvd: number;
  advert_sent: number;
  become_master: number;
  release_master: number;
  packet_len_err: number;
  /** Printed but never incremented by keepalived 2.2.7 (a v2 interval mismatch is dropped without counting). */
  advert_interval_err: number;
  ip_ttl_err: number;
  invalid_type_rcvd: number;
  addr_list_err: number;
  invalid_authtype: number;
  authtype_mismatch: number;
  auth_failure: number;
  pri_zero_rcvd: number;
  pri_zero_sent: number;
  /** SNMP (RFC 2787/6527) only: not in the stats file or JSON dump. */
  chk_err: number;
  vers_err: number;
  vrid_err: number;
}

export type VrrpStatsField = keyof VrrpStats;

/**
 * The C types behind each field: uint32_t counters wrap at 2^32 like
 * keepalived's; uint64_t ones are exact up to 2^53, far past any real count.
 */
const U32_FIELDS: Readonly<Record<VrrpStatsField, boolean>> = {
  advert_rcvd: false, advert_sent: true, become_master: true, release_master: true,
  packet_len_err: false, advert_interval_err: false, ip_ttl_err: false, invalid_type_rcvd: false,
  addr_list_err: false, invalid_authtype: true, authtype_mismatch: true, auth_failure: true,
  pri_zero_rcvd: false, pri_zero_sent: false, chk_err: true, vers_err: true, vrid_err: true,
};

export const VRRP_STATS_FIELDS: readonly VrrpStatsField[] = Object.keys(U32_FIELDS) as VrrpStatsField[];

export function createVrrpStats(): VrrpStats {
  return {
    advert_rcvd: 0, advert_sent: 0, become_master: 0, release_master: 0,
    packet_len_err: 0, advert_interval_err: 0, ip_ttl_err: 0, invalid_type_rcvd: 0, addr_list_err: 0,
    invalid_authtype: 0, authtype_mismatch: 0, auth_failure: 0,
    pri_zero_rcvd: 0, pri_zero_sent: 0, chk_err: 0, vers_err: 0, vrid_err: 0,
  };
}

/** What USR2 with stats_clear does after writing: every field, SNMP ones included, goes to 0. */
export function clearVrrpStats(stats: VrrpStats): void {
  for (const f of VRRP_STATS_FIELDS) stats[f] = 0;
}

export function bumpVrrpStat(stats: VrrpStats, field: VrrpStatsField): void {
  stats[field] = U32_FIELDS[field] ? (stats[field] + 1) >>> 0 : stats[field] + 1;
}

/** One instance's block of keepalived.stats, byte for byte as vrrp_print_stats writes it. */
export function renderVrrpStatsBlock(iname: string, s: VrrpStats): string {
  return `VRRP Instance: ${iname}\n`
    + '  Advertisements:\n'
    + `    Received: ${s.advert_rcvd}\n`
    + `    Sent: ${s.advert_sent}\n`
    + `  Became master: ${s.become_master}\n`
    + `  Released master: ${s.release_master}\n`
    + '  Packet Errors:\n'
    + `    Length: ${s.packet_len_err}\n`
    + `    TTL: ${s.ip_ttl_err}\n`
    + `    Invalid Type: ${s.invalid_type_rcvd}\n`
    + `    Advertisement Interval: ${s.advert_interval_err}\n`
    + `    Address List: ${s.addr_list_err}\n`
    + '  Authentication Errors:\n'
    + `    Invalid Type: ${s.invalid_authtype}\n`
    + `    Type Mismatch: ${s.authtype_mismatch}\n`
    + `    Failure: ${s.auth_failure}\n`
    + '  Priority Zero:\n'
    + `    Received: ${s.pri_zero_rcvd}\n`
    + `    Sent: ${s.pri_zero_sent}\n`;
}

/** The whole keepalived.stats file: the instances' blocks in configuration order. */
export function renderVrrpStatsFile(instances: Iterable<{ iname: string; stats: VrrpStats }>): string {
  let out = '';
  for (const i of instances) out += renderVrrpStatsBlock(i.iname, i.stats);
  return out;
}

/** Field names in keepalived.json's "stats" object, in its order. */
export const VRRP_JSON_STATS_FIELDS: readonly VrrpStatsField[] = [
  'advert_rcvd', 'advert_sent', 'become_master', 'release_master', 'packet_len_err', 'advert_interval_err',
  'ip_ttl_err', 'invalid_type_rcvd', 'addr_list_err', 'invalid_authtype', 'authtype_mismatch', 'auth_failure',
  'pri_zero_rcvd', 'pri_zero_sent',
];

/** The "stats" object of keepalived.json; JSON.stringify keeps this insertion order. */
export function vrrpStatsToJson(s: VrrpStats): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of VRRP_JSON_STATS_FIELDS) out[f] = s[f];
  return out;
}

/** The "stats" object text exactly as keepalived's json writer emits it (no spaces). */
export function renderVrrpStatsJson(s: VrrpStats): string {
  return JSON.stringify(vrrpStatsToJson(s));
}
