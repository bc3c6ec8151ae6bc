/**
 * Maps one configuration-model vrrp_instance onto what the state machine and
 * the advert validator need. Pure functions: no sockets, no kernel.
 */
import { parseAddress } from '../codec/address.js';
import { encodeAuthPass, VRRP_AUTH_AH, VRRP_AUTH_NONE, VRRP_AUTH_PASS } from '../codec/vrrp-header.js';
import type { VrrpInstanceConfig } from '../fsm/types.js';
import type { AdvertCheckInstance, UnicastChecksumCompat } from '../validate/validate-advert.js';
import type { VrrpInstance as ConfigVrrpInstance, IpAddressEntry, KeepalivedConfig } from '@keepalived-ts/core';

export const AUTH_TYPE_NUMBER: Readonly<Record<'NONE' | 'PASS' | 'AH', number>> = {
  NONE: VRRP_AUTH_NONE,
  PASS: VRRP_AUTH_PASS,
  AH: VRRP_AUTH_AH,
};

/** Addresses of this instance's own family; keepalived advertises only those. */
export function advertisedVips(inst: ConfigVrrpInstance): IpAddressEntry[] {
  return inst.virtualIpaddress.filter((v) => v.family === inst.family);
}

export function addressBytes(text: string): Uint8Array {
  const b = parseAddress(text);
  if (b === null) throw new TypeError(`not an IP address: ${text}`);
  return b;
}

export function fsmConfigFor(
  inst: ConfigVrrpInstance,
  config: KeepalivedConfig,
  opts: { ourAddress: string | undefined; logDetail: boolean; freshInterface?: boolean },
): VrrpInstanceConfig {
  const g = config.global;
  return {
    name: inst.name,
    vrid: inst.virtualRouterId,
    version: inst.version,
    family: inst.family,
    priority: inst.priority,
    advertIntMs: inst.advertIntervalUs / 1000,
    initialState: inst.state,
    nopreempt: inst.nopreempt,
    preemptDelayMs: inst.preemptDelayUs / 1000,
    downTimerAdverts: inst.downTimerAdverts,
    garpMasterDelayMs: inst.garpMasterDelayUs / 1000,
    garpMasterRepeat: inst.garpMasterRepeat,
    garpMasterRefreshMs: inst.garpMasterRefreshSec * 1000,
    garpMasterRefreshRepeat: inst.garpMasterRefreshRepeat,
    garpLowerPrioDelayMs: inst.garpLowerPrioDelayUs / 1000,
    garpLowerPrioRepeat: inst.garpLowerPrioRepeat,
    lowerPrioNoAdvert: inst.lowerPrioNoAdvert,
    higherPrioSendAdvert: inst.higherPrioSendAdvert,
    ourAddress: opts.ourAddress,
    hasVips: inst.virtualIpaddress.length > 0,
    hasExcludedVips: inst.virtualIpaddressExcluded.length > 0,
    hasVirtualRoutes: inst.virtualRoutes.length > 0,
    hasVirtualRules: inst.virtualRules.length > 0,
    // a VMAC created just now cannot hold VIPs (keepalived skips the removal then)
    releaseVipsAtStart: !opts.freshInterface,
    firewallDropRule: needsDropRule(inst),
    startupDelayMs: g.vrrpStartupDelayUs / 1000,
    logDetail: opts.logDetail,
    notifyPriorityChanges: inst.notifyPriorityChanges || g.vrrpNotifyPriorityChanges,
  };
}

export function checkInstanceFor(inst: ConfigVrrpInstance, config: KeepalivedConfig, ifname: string): AdvertCheckInstance {
  const g = config.global;
  return {
    iname: inst.name,
    vrid: inst.virtualRouterId,
    version: inst.version,
    family: inst.family === 'inet' ? 4 : 6,
    authType: inst.version === 2 ? AUTH_TYPE_NUMBER[inst.authType] : VRRP_AUTH_NONE,
    authData: encodeAuthPass(inst.authPass ?? ''),
    advertIntervalUs: inst.advertIntervalUs,
    vips: advertisedVips(inst).map((v) => addressBytes(v.address)),
    unicast: inst.unicast,
    unicastPeers: inst.unicastPeers.map((p) => ({ address: addressBytes(p.address), minTtl: p.minTtl, maxTtl: p.maxTtl })),
    checkUnicastSrc: g.vrrpCheckUnicastSrc || inst.checkUnicastSrc,
    unicastChecksumCompat: inst.oldUnicastChecksum as UnicastChecksumCompat,
    mcastGroup4: addressBytes(inst.family === 'inet' ? (inst.mcastDstIp ?? g.vrrpMcastGroup4) : '224.0.0.18'),
    ahSeqNumber: 0,
    ifname,
  };
}

/** The advert interval field: whole seconds for v2, centiseconds for v3. */
export function advertIntervalField(inst: ConfigVrrpInstance): number {
  return inst.version === 2 ? Math.floor(inst.advertIntervalUs / 1_000_000) : Math.floor(inst.advertIntervalUs / 10_000);
}

/** keepalived's sockpool identity: interface, family, protocol and unicast source or multicast group. */
export function sockKey(ifindex: number, family: 4 | 6, proto: number, unicast: boolean, address: string): string {
  return `${ifindex}/${family}/${proto}/${unicast ? 'u' : 'm'}/${address}`;
}

/** keepalived vrrp_handle_accept_mode: a non-owner without accept mode gets the VIP drop rules while master. */
export function needsDropRule(inst: ConfigVrrpInstance): boolean {
  return !inst.accept && inst.priority !== 255;
}

/** The families (NFPROTO_*) whose nftables table the configuration needs at start. */
export function firewallFamilies(config: KeepalivedConfig): number[] {
  const out = new Set<number>();
  for (const i of config.vrrpInstances) {
    if (i.useVmac && (i.family === 'inet6' || !config.global.disableLocalIgmp)) out.add(i.family === 'inet' ? 2 : 10);
    if (!needsDropRule(i)) continue;
    for (const v of [...i.virtualIpaddress, ...i.virtualIpaddressExcluded]) out.add(v.family === 'inet' ? 2 : 10);
  }
  return [...out];
}
