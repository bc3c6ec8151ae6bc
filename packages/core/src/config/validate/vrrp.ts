/**
 * Post-parse completion of the VRRP configuration, in keepalived's order
 * (vrrp_complete_init): script security, minimal config of every instance,
 * sync groups, then each instance's defaults, roundings and consistency checks.
 */
import type { KeepalivedConfig, VrrpInstance } from '../model/index.js';
import type { VrrpInstanceDraft } from '../keywords/vrrp-instance.js';
import type { KeywordEnv } from '../keywords/types.js';
import { TIMER_HZ } from '../keywords/values.js';
import { checkVrrpScriptSecurity } from './scripts.js';

const TIMER_CENTI_HZ = TIMER_HZ / 100;
const VRRP_PRIO_OWNER = 255;
const VRRP_PRIO_DFL = 100;

/** keepalived prints the interval with %f: six decimals. */
function seconds(us: number): string {
  return (us / TIMER_HZ).toFixed(6);
}

export function completeVrrp(drafts: VrrpInstanceDraft[], config: KeepalivedConfig, env: KeywordEnv,
  scriptAccessible: (path: string) => boolean): VrrpInstance[] {
  if (env.nonExistentInterface) {
    env.errorNoLoc('Non-existent interface specified in configuration', 'bad-if');
    return [];
  }
  if (drafts.length === 0) return [];
  checkVrrpScriptSecurity(drafts, config, env, scriptAccessible);

  for (const d of drafts) {
    if (d.vrid === 0) {
      env.errorNoLoc(`(${d.name}) the virtual router id must be set`, 'general', d.loc);
      return [];
    }
    if (!d.interface && !(d.unicastConfigured && d.unicastPeers.length)) {
      env.errorNoLoc(`(${d.name}) Unknown interface!`, 'general', d.loc);
      return [];
    }
  }

  for (const g of config.vrrpSyncGroups) {
    if (!g.group.length) env.errorNoLoc(`Sync group ${g.name} has no virtual router(s). removing`);
  }
  config.vrrpSyncGroups = config.vrrpSyncGroups.filter((g) => g.group.length);
  const syncOf = new Map<string, string>();
  for (const g of config.vrrpSyncGroups) for (const n of g.group) syncOf.set(n, g.name);

  const out: VrrpInstance[] = [];
  for (const d of drafts) {
    const inst = completeInstance(d, config, env, syncOf.get(d.name));
    if (!inst) return out;
    out.push(inst);
  }
  checkVridConflicts(out, env);
  return out;
}

/** check_vrid_conflicts: same VRID, family, interface and multicast group (or unicast peers) clash. */
function checkVridConflicts(instances: VrrpInstance[], env: KeywordEnv): void {
  const groups = new Map<string, VrrpInstance[]>();
  for (const i of instances) {
    const key = i.unicast
      ? `u/${i.family}/${i.virtualRouterId}/${i.sourceAddress ?? ''}`
      : `m/${i.family}/${i.virtualRouterId}/${i.interface ?? ''}/${i.mcastDstIp ?? ''}`;
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  }
  for (const g of groups.values()) {
    for (let a = 0; a < g.length; a++) {
      for (let b = a + 1; b < g.length; b++) {
        const x = g[a]!;
        const y = g[b]!;
        if (x.unicast) {
          if (x.interface && y.interface && x.interface !== y.interface) continue;
          if (!x.unicastPeers.some((p) => y.unicastPeers.some((q) => q.address === p.address))) continue;
          env.errorNoLoc(`(${x.name}) duplicate VRID conflict with ${y.name} VRID ${x.virtualRouterId}`);
        } else if (x.interface) {
          env.errorNoLoc(`${x.name} and ${y.name} both use VRID ${x.virtualRouterId} with IPv${x.family === 'inet' ? 4 : 6} on interface ${x.interface}`);
        }
      }
    }
  }
}

function completeInstance(d: VrrpInstanceDraft, config: KeepalivedConfig, env: KeywordEnv, syncGroup: string | undefined): VrrpInstance | undefined {
  const g = config.global;
  const name = d.name;
  const err = (m: string): void => env.errorNoLoc(m, 'general', d.loc);
  const strict = d.strictMode ?? g.vrrpStrict;
  let version = d.version;
  if (d.family === 'inet6') {
    if (version === 2 && strict) {
      err(`(${name}) cannot use IPv6 with VRRP version 2; setting version 3`);
      version = 3;
    } else if (!version) version = 3;
  }
  const family = d.family ?? 'inet';
  if (!version) version = family === 'inet6' ? 3 : g.vrrpVersion;
  let unicastTtl = d.unicastTtl;
  if (family === 'inet' && unicastTtl === undefined) unicastTtl = 255;

  if (d.vips.length === 0) {
    if (version === 3 || strict) {
      err(`(${name}) No VIP specified; at least one is required`);
      return undefined;
    }
    err(`(${name}) No VIP specified; at least one is sensible`);
  }

  let priority = d.priority || (d.state === 'MASTER' ? VRRP_PRIO_OWNER : VRRP_PRIO_DFL);
  let state: 'MASTER' | 'BACKUP';
  if (!d.state) state = priority === VRRP_PRIO_OWNER ? 'MASTER' : 'BACKUP';
  else {
    state = d.state;
    if (strict && (state === 'MASTER') !== (priority === VRRP_PRIO_OWNER)) {
      err(`(${name}) State MASTER must match being address owner`);
      state = priority === VRRP_PRIO_OWNER ? 'MASTER' : 'BACKUP';
    }
  }

  let authType = d.authType;
  if (strict && authType !== 'NONE') {
    err(`(${name}) Strict mode does not support authentication. Ignoring.`);
    authType = 'NONE';
  } else if (version === 3 && authType !== 'NONE') {
    err(`(${name}) VRRP version 3 does not support authentication. Ignoring.`);
    authType = 'NONE';
  } else if (authType !== 'NONE' && !d.authPass) {
    err(`(${name}) Authentication specified but no password given. Ignoring`);
    authType = 'NONE';
  } else if (family === 'inet6' && authType === 'AH') {
    err(`(${name}) Cannot use AH authentication with IPv6. ignoring`);
    authType = 'NONE';
  } else if (authType === 'AH' && state === 'MASTER' && priority !== VRRP_PRIO_OWNER) {
    err(`(${name}) Initial state master is incompatible with AH authentication - clearing`);
    state = 'BACKUP';
  }

  const unicast = d.unicastConfigured && d.unicastPeers.length > 0;
  if (strict && unicast && d.interface) {
    err(`(${name}) Unicast peers are not supported in strict mode`);
    return undefined;
  }
  if (!d.interface) {
    if (!d.sourceAddress) {
      err(`(${name}): Unicast instances must have unicast_src_ip or interface`);
      return undefined;
    }
    if (family === 'inet6' && /^fe[89ab]/i.test(d.sourceAddress)) {
      err(`(${name}) Non link-local address required if interface omitted`);
      return undefined;
    }
  }
  if (d.unicastConfigured && !unicast && !d.unicastFaultNoPeer) {
    err(`(${name}) A unicast keyword has been specified without any unicast peers. Defaulting to multicast. This usage is deprecated - please update your configuration.`);
  }
  let vmacMacAddress = d.vmacMacAddress;
  if (strict && vmacMacAddress) {
    err(`(${name}): cannot specify MAC address with strict mode - clearing`);
    vmacMacAddress = undefined;
  }
  if (family === 'inet6' && !unicast && d.vips.length && !/^fe[89ab]/i.test(d.vips[0]!.address)) {
    if (strict) err(`(${name}) the first IPv6 VIP address must be link local`);
    else env.errorNoLoc(`(${name}) the first IPv6 VIP address should be link local`, 'log', d.loc);
  }
  let vrf = d.vrf;
  if (vrf && (d.interface || !unicast)) {
    err(`(${name}) vrf can only be specified with${d.interface ? 'out interface' : ' unicast'} - clearing`);
    vrf = undefined;
  }

  // Addresses beyond what fits in one advert (default MTU 1500) become excluded addresses.
  const vips = [...d.vips];
  const evips = [...d.evips];
  const hdr = family === 'inet' ? 14 + 20 + 8 + (version === 2 ? 8 + (authType === 'AH' ? 24 : 0) : 0) : 14 + 40 + 8;
  const maxAddr = Math.min(255, Math.floor((1500 - hdr) / (family === 'inet' ? 4 : 16)));
  if (vips.length > maxAddr) {
    err(`(${name}) Number of VIPs (${vips.length}) exceeds maximum/space available in packet (max ${maxAddr} addresses) - excess moved to eVIPs`);
    evips.push(...vips.splice(maxAddr));
  }

  let nopreempt = d.nopreempt;
  let preemptDelayUs = d.preemptDelayUs;
  if (priority === VRRP_PRIO_OWNER && nopreempt) {
    err(`(${name}) nopreempt is incompatible with priority 255. resetting nopreempt`);
    nopreempt = false;
  }
  if (state === 'MASTER') {
    if (nopreempt) {
      err(`(${name}) Warning - nopreempt will not work with initial state MASTER - clearing`);
      nopreempt = false;
    }
    if (preemptDelayUs) {
      err(`(${name}) Warning - preempt delay will not work with initial state MASTER - clearing`);
      preemptDelayUs = 0;
    }
  }
  if (preemptDelayUs) {
    if (strict) {
      err(`(${name}) preempt_delay is incompatible with strict mode - resetting`);
      preemptDelayUs = 0;
    }
    if (nopreempt) {
      err(`(${name}) preempt_delay is incompatible with nopreempt mode - resetting`);
      preemptDelayUs = 0;
    }
  }
  let downTimerAdverts = d.downTimerAdverts;
  if (downTimerAdverts !== 3 && strict) {
    err(`(${name}) down_timer_adverts is incompatible with strict mode - resetting`);
    downTimerAdverts = 3;
  }
  let accept = d.accept ?? (priority === VRRP_PRIO_OWNER ? true : !strict);
  if (accept && priority !== VRRP_PRIO_OWNER && strict && version === 2) {
    err(`(${name}) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting`);
    accept = false;
  }
  if ((!accept || d.useVmac) && !g.nftables) {
    env.errorNoLoc('use_vmac or no_accept/strict specified, but no firewall configured - using nftables', 'log');
    g.nftables = 'keepalived';
  }
  let mcastDstIp = d.mcastDstIp;
  if (!unicast && mcastDstIp === undefined) mcastDstIp = family === 'inet' ? g.vrrpMcastGroup4 : g.vrrpMcastGroup6;
  else if (unicast && mcastDstIp !== undefined) {
    err(`(${name}) multicast destination specified with unicast - ignoring`);
    mcastDstIp = undefined;
  }
  let garpLowerPrioRepeat = d.garpLowerPrioRepeat;
  if (garpLowerPrioRepeat === undefined) garpLowerPrioRepeat = strict ? 0 : g.vrrpGarpLowerPrioRepeat;
  else if (strict && garpLowerPrioRepeat) {
    err(`(${name}) Strict mode requires no repeat garps. resetting`);
    garpLowerPrioRepeat = 0;
  }
  let garpLowerPrioDelayUs = d.garpLowerPrioDelayUs;
  if (garpLowerPrioDelayUs === undefined) garpLowerPrioDelayUs = strict ? 0 : g.vrrpGarpLowerPrioDelayUs;
  else if (strict && garpLowerPrioDelayUs) {
    err(`(${name}) Strict mode requires no repeat garp delay. resetting`);
    garpLowerPrioDelayUs = 0;
  }
  let lowerPrioNoAdvert = d.lowerPrioNoAdvert;
  if (lowerPrioNoAdvert === undefined) lowerPrioNoAdvert = strict ? true : g.vrrpLowerPrioNoAdvert;
  else if (strict && !lowerPrioNoAdvert) {
    err(`(${name}) Strict mode requires no lower priority advert. resetting`);
    lowerPrioNoAdvert = true;
  }
  let higherPrioSendAdvert = d.higherPrioSendAdvert;
  if (higherPrioSendAdvert === undefined) higherPrioSendAdvert = strict ? false : g.vrrpHigherPrioSendAdvert;
  else if (strict && higherPrioSendAdvert) {
    err(`(${name}) strict mode requires higher_prio_send_advert to be clear. resetting`);
    higherPrioSendAdvert = false;
  }
  const smtpAlert = d.smtpAlert ?? g.smtpAlertVrrp ?? g.smtpAlert ?? false;
  const sg = syncGroup ? config.vrrpSyncGroups.find((x) => x.name === syncGroup) : undefined;
  const notifyPriorityChanges = d.notifyPriorityChanges ?? sg?.notifyPriorityChanges ?? g.vrrpNotifyPriorityChanges;

  let adv = d.advertIntUs || TIMER_HZ;
  if (version === 2) {
    if (adv >= 256 * TIMER_HZ) {
      err(`(${name}) VRRPv2 advertisement interval ${(adv / TIMER_HZ).toFixed(2)}s is out of range. Must be less than 256s. Setting to 255s`);
      adv = 255 * TIMER_HZ;
    } else if (adv % TIMER_HZ) {
      err(`(${name}) VRRPv2 advertisement interval ${seconds(adv)}s must be an integer. rounding`);
      adv += TIMER_HZ / 2;
      adv -= adv % TIMER_HZ;
      if (adv === 0) adv = TIMER_HZ;
    }
  } else if (adv >= 4096 * TIMER_CENTI_HZ) {
    err(`(${name}) VRRPv3 advertisement interval ${(adv / TIMER_HZ).toFixed(2)}s is out of range. Must be less than 40.96s. Setting to 40.95s`);
    adv = 4095 * TIMER_CENTI_HZ;
  } else if (adv % TIMER_CENTI_HZ) {
    err(`(${name}) VRRPv3 advertisement interval ${seconds(adv)}s must be in units of 10ms - rounding`);
    adv += TIMER_CENTI_HZ / 2;
    adv -= adv % TIMER_CENTI_HZ;
    if (adv === 0) adv = TIMER_CENTI_HZ;
  }

  let garpExtraIfSec = d.garpExtraIfSec;
  let garpExtraIfAll = d.garpExtraIfAll;
  if (garpExtraIfSec === undefined) {
    garpExtraIfSec = g.vrrpGarpExtraIfSec;
    if (g.vrrpGarpExtraIfAll) garpExtraIfAll = true;
  }
  priority = Math.min(255, Math.max(1, priority));

  let vmacXmitBase = d.vmacXmitBase;
  let promoteSecondaries = d.promoteSecondaries;
  if (d.useVmac || d.useIpvlan) {
    if (d.useVmac && strict && vmacXmitBase) {
      err(`(${name}) xmit_base is incompatible with strict mode - resetting`);
      vmacXmitBase = false;
    }
    if (promoteSecondaries) {
      err(`(${name}) promote_secondaries is automatically set for vmacs - ignoring`);
      promoteSecondaries = false;
    }
  }
  if (d.useIpvlan && family === 'inet' && !d.ipvlanAddress)
    err(`(${name}) IPv4 ipvlan requires a source ip address to be configured. setting instance to fault state`);
  let trackInterfaces = d.trackInterfaces;
  if (d.interface) {
    trackInterfaces = trackInterfaces.filter((t) => {
      if (t.name !== d.interface) return true;
      err(`(${name}) Ignoring track_interface ${t.name} since own interface`);
      return false;
    });
  }
  if (vmacXmitBase && !d.useVmac) {
    err(`(${name}) vmac_xmit_base is only valid with a vmac`);
    vmacXmitBase = false;
  }
  let { trackScripts, trackFiles, trackBfds } = d;
  const syncNoWeight = sg !== undefined && !sg.syncGroupTrackingWeight;
  if (syncNoWeight || priority === VRRP_PRIO_OWNER) {
    const why = syncNoWeight ? 'SYNC group' : 'address_owner';
    trackInterfaces = trackInterfaces.flatMap((t) => {
      if (!t.weight) return [t];
      err(`(${name}) ignoring ${t.name} tracked interface ${syncNoWeight ? 'weight ' : ''}due to ${syncNoWeight ? 'SYNC group' : 'address owner'}`);
      return syncNoWeight ? [{ ...t, weight: 0 }] : [];
    });
    trackScripts = trackScripts.filter((t) => {
      if (!t.weight) return true;
      err(`(${name}) ignoring tracked script ${t.name} with weights due to ${why}`);
      return false;
    });
    trackFiles = trackFiles.flatMap((t) => {
      const w = t.weight ?? 1;
      if (w === 1) {
        err(`(${name}) ignoring weight from tracked file ${t.name} due to ${why}. specify weight 0`);
        return [{ ...t, weight: 0 }];
      }
      if (!w) return [t];
      err(`(${name}) ignoring tracked file ${t.name} with weight ${w} due to ${why}`);
      return [];
    });
    trackBfds = trackBfds.filter((t) => {
      if (!t.weight) return true;
      err(`(${name}) ignoring tracked bfd ${t.name} with weight ${t.weight} due to ${why}`);
      return false;
    });
  }

  const inst: VrrpInstance = {
    name, state, stateConfigured: d.state !== undefined, interface: d.interface, vrf, family, version,
    virtualRouterId: d.vrid, priority, advertIntervalUs: adv, useVmac: d.useVmac, vmacInterfaceName: d.vmacInterfaceName,
    vmacMacAddress, useVmacAddr: d.useVmacAddr, vmacXmitBase, useIpvlan: d.useIpvlan,
    ipvlanMode: d.ipvlanMode, ipvlanAddress: d.ipvlanAddress, dontTrackPrimary: d.dontTrackPrimary,
    trackInterfaces, trackScripts, trackFiles, trackProcesses: d.trackProcesses, trackBfds, sourceAddress: d.sourceAddress, mcastDstIp,
    trackSrcIp: d.trackSrcIp && d.sourceAddress !== undefined, unicastPeers: d.unicastPeers, unicast,
    unicastFaultNoPeer: d.unicastFaultNoPeer, checkUnicastSrc: d.checkUnicastSrc, oldUnicastChecksum: d.oldUnicastChecksum,
    unicastTtl, nativeIpv6: d.nativeIpv6, virtualIpaddress: vips, virtualIpaddressExcluded: evips,
    virtualRoutes: d.vroutes, virtualRules: d.vrules, promoteSecondaries,
    linkbeatUsePolling: d.interface !== undefined && (d.linkbeatUsePolling || g.linkbeatUsePolling), accept,
    skipCheckAdvAddr: d.skipCheckAdvAddr, strictMode: strict, nopreempt, preemptDelayUs, debug: d.debug,
    ...d.scripts, notifyDeleted: d.notifyDeleted, smtpAlert, notifyPriorityChanges,
    garpMasterDelayUs: d.garpMasterDelayUs, garpMasterRepeat: d.garpMasterRepeat, garpMasterRefreshSec: d.garpMasterRefreshSec,
    garpMasterRefreshRepeat: d.garpMasterRefreshRepeat, garpLowerPrioDelayUs, garpLowerPrioRepeat, downTimerAdverts,
    garpExtraIfSec, garpExtraIfAll, lowerPrioNoAdvert, higherPrioSendAdvert, kernelRxBufSize: d.kernelRxBufSize,
    authType, authPass: authType === 'NONE' ? undefined : d.authPass, syncGroup, lvsSyncDaemonInterface: d.lvsSyncDaemonInterface,
  };
  return inst;
}
