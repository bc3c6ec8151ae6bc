/**
 * Why an advert is refused, in keepalived 2.2.7's terms (vrrp.c
 * vrrp_get_header, vrrp_dispatcher_read, vrrp_check_packet,
 * vrrp_in_chk_ipsecah): the counter each refusal bumps, whether keepalived
 * returns VRRP_PACKET_KO or VRRP_PACKET_DROP, whether advert_rcvd was already
 * bumped, and the exact log line it prints.
 */
import type { VrrpStatsField } from '../stats/vrrp-stats.js';

export type DropReason =
  /** vrrp_get_header: not even an IP header plus VRRP header. No instance involved. */
  | 'header_too_short'
  /** vrrp_get_header: protocol AH but no room for AH plus VRRP header. */
  | 'ah_header_too_short'
  /** The dispatcher found no instance with this VRID on the socket. */
  | 'unknown_vrid'
  /** IP protocol says AH but the instance is not AH, or the reverse. */
  | 'ah_presence_mismatch'
  | 'packet_length'
  | 'ttl'
  | 'version'
  | 'invalid_auth_type'
  | 'auth_type_mismatch'
  | 'auth_pass_failure'
  /** AH whose next header is not VRRP: silently ignored. */
  | 'ah_not_vrrp'
  | 'ah_icv'
  | 'ah_spi'
  | 'ah_sequence'
  | 'advert_interval'
  | 'invalid_type'
  | 'address_count'
  | 'ip_total_length'
  | 'checksum'
  | 'cast_mismatch'
  /** The reasons below come after advert_rcvd was bumped. */
  | 'vip_count'
  | 'vip_missing'
  | 'unicast_src_not_peer'
  | 'unicast_ttl_range';

export interface DropReasonInfo {
  /** The vrrp_stats counter keepalived bumps, or null when it bumps none. */
  counter: VrrpStatsField | null;
  /** VRRP_PACKET_KO (invalid) or VRRP_PACKET_DROP (not for us). Both ignore the advert. */
  verdict: 'ko' | 'drop';
  /** True when advert_rcvd was bumped before the refusal. */
  advertCounted: boolean;
}

function info(counter: VrrpStatsField | null, verdict: 'ko' | 'drop' = 'ko', advertCounted = false): DropReasonInfo {
  return Object.freeze({ counter, verdict, advertCounted });
}

export const DROP_REASONS: Readonly<Record<DropReason, DropReasonInfo>> = Object.freeze({
  header_too_short: info(null, 'drop'),
  ah_header_too_short: info(null, 'drop'),
  // SNMP's vrid_err exists but 2.2.7 never increments it.
  unknown_vrid: info(null, 'drop'),
  ah_presence_mismatch: info('authtype_mismatch'),
  packet_length: info('packet_len_err'),
  ttl: info('ip_ttl_err'),
  // vers_err and chk_err are SNMP counters (SNMP_RFC builds, as Debian's).
  version: info('vers_err'),
  invalid_auth_type: info('invalid_authtype'),
  auth_type_mismatch: info('authtype_mismatch'),
  auth_pass_failure: info('auth_failure'),
  ah_not_vrrp: info(null, 'drop'),
  ah_icv: info('auth_failure'),
  ah_spi: info('auth_failure'),
  ah_sequence: info('auth_failure'),
  // keepalived prints advert_interval_err but never increments it.
  advert_interval: info(null, 'drop'),
  invalid_type: info('invalid_type_rcvd'),
  address_count: info('addr_list_err'),
  ip_total_length: info('packet_len_err'),
  checksum: info('chk_err'),
  cast_mismatch: info('addr_list_err'),
  vip_count: info(null, 'ko', true),
  vip_missing: info('addr_list_err', 'ko', true),
  unicast_src_not_peer: info(null, 'ko', true),
  unicast_ttl_range: info('ip_ttl_err', 'ko', true),
});

// ---- keepalived's log lines (LOG_INFO), texts from vrrp.c ---------------------

export const logText = {
  headerTooShort: (family: 4 | 6, len: number): string => `IPv${family} VRRP packet too short - ${len} bytes`,
  ahHeaderTooShort: (len: number): string => `IPv4 VRRP packet with AH too short - ${len} bytes`,
  /** Printed only with global_defs log_unknown_vrids. */
  unknownVrid: (vrid: number, ifname: string): string => `Unknown VRID(${vrid}) received on interface(${ifname}). ignoring...`,
  ahButNotAh: (iname: string): string => `(${iname}) Received AH header but auth type not AH`,
  noAhButAh: (iname: string): string => `(${iname}) No AH header but auth type is AH`,
  packetLength: (iname: string, len: number, expected: number): string =>
    `(${iname}) vrrp packet too ${len > expected ? 'long' : 'short'}, length ${len} and expect ${expected}`,
  ttl: (iname: string, ttl: number): string => `(${iname}) invalid TTL/HL. Received ${ttl} and expect 255`,
  version: (iname: string, got: number, want: number): string => `(${iname}) wrong version. Received ${got} and expect ${want}`,
  invalidAuthType: (iname: string, got: number): string => `(${iname}) Invalid auth type: ${got}`,
  authTypeMismatch: (iname: string, got: number, want: number): string => `(${iname}) received a ${got} auth, expecting ${want}!`,
  authPassFailure: (iname: string): string => `(${iname}) received an invalid passwd!`,
  ahIcv: (iname: string): string => `(${iname}) IPSEC-AH : invalid IPSEC HMAC-MD5 value. Due to fields mutation or bad password !`,
  /** keepalived prints the raw in-memory uint32s (host order) and no instance name. */
  ahSpi: (saddrHost: number, spiHost: number): string => `IPSEC AH : invalid IPSEC SPI value. ${saddrHost} and expect ${spiHost}`,
  ahSequence: (iname: string, seq: number, local: number): string =>
    `(${iname}) IPSEC-AH : sequence number ${seq} already processed. Packet dropped. Local(${local})`,
  advertInterval: (iname: string, mineSec: number, rcvdSec: number): string =>
    `(${iname}) advertisement interval mismatch mine=${mineSec} sec rcv'd=${rcvdSec} sec`,
  invalidType: (iname: string, got: number): string => `(${iname}) Invalid packet type. ${got} and expect 1`,
  addressCount: (iname: string, got: number, want: number): string =>
    `(${iname}) received an unexpected ip number count ${got}, expected ${want}!`,
  ipTotalLength: (iname: string, totLen: number, len: number): string =>
    `(${iname}) ip_tot_len mismatch against received length. ${totLen} and received ${len}`,
  checksum: (iname: string, version: number): string => `(${iname}) Invalid VRRPv${version === 3 ? 3 : 2} checksum`,
  oldUnicastChecksum: (iname: string): string => `(${iname}) Setting unicast VRRPv3 checksum to old version`,
  castMismatch: (iname: string, unicast: boolean): string =>
    `(${iname}) Expected ${unicast ? 'un' : 'mult'}icast packet but received ${unicast ? 'mult' : 'un'}icast packet`,
  vipCount: (iname: string, want: number, got: number): string => `(${iname}) expected ${want} VIPs but received ${got}`,
  vipMissing: (iname: string, vrid: number, addr: string): string =>
    `(${iname}) ip address associated with VRID ${vrid} not present in MASTER advert: ${addr}`,
  unicastSrcNotPeer: (iname: string, addr: string): string => `(${iname}) unicast source address ${addr} not a unicast peer`,
  unicastTtlRange: (iname: string, ttl: number, min: number, max: number): string =>
    `(${iname}) TTL/HL ${ttl} not in range ${min} - ${max}`,
} as const;
