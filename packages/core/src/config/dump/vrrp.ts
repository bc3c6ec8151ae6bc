/**
 * " VRRP Instance = ..." blocks of "------< VRRP Topology >------" (vrrp_data.c dump_vrrp).
 * In 'startup' mode (the -d log) keepalived leaves transient state out; in
 * 'data' mode (the USR1 file) it prints state, timers, priorities and sockets.
 */
import type { IpAddressEntry, KeepalivedConfig, TrackedObject, VrrpInstance } from '../model/index.js';
import { cmdStr, formatG, timevalCtimeUs, uidGid, type ScriptFormatOptions, type Timeval } from './format.js';
import { formatRoute, formatRule } from './vrrp-routes.js';
import { trackedLines, type DumpMode } from './vrrp-tracking.js';

/**
 * What the running VRRP child knows about one instance. Every field is
 * optional: without a value the start-up (-d) value is printed.
 */
export interface VrrpInstanceRuntime {
  /** Current state (data mode only). */
  state?: 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT';
  /** keepalived's wantstate; start-up default: the configured state (BACKUP for every member of a sync group holding a BACKUP). */
  wantState?: 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT';
  /** Address and priority of the master last heard (printed in BACKUP). */
  masterRouter?: string;
  masterPriority?: number;
  /** Master's advert interval (VRRPv3), microseconds. */
  masterAdvertIntUs?: number;
  numScriptIfFault?: number;
  numScriptInit?: number;
  numConfigFaults?: number;
  /** Time of the last state transition. */
  lastTransition?: Timeval;
  /** Expiry of the instance's read timer; null when disabled (FAULT/INIT). */
  readTimeout?: Timeval | null;
  masterDownTimerUs?: number;
  /** Source address in use (the interface's primary address unless configured). */
  sourceAddress?: string;
  /** IPv6 multicast: ifindex the adverts go out on (sin6_scope_id). */
  mcastIfindex?: number;
  effectivePriority?: number;
  totalPriority?: number;
  /** Socket pair from the sockpool; absent = "No sockets allocated". */
  fdIn?: number;
  fdOut?: number;
  /** VMAC interface is up (default true: keepalived creates it before the -d dump). */
  vmacUp?: boolean;
  /** Addresses currently configured on the interface (keepalived marks them "set"). */
  addressSet?(address: IpAddressEntry): boolean;
}

const SCOPES: Record<string, string> = { '0': 'global', universe: 'global', '200': 'site', '253': 'link', '254': 'host', '255': 'nowhere' };

/** keepalived's ipaddresstos: no prefix length for a host address. */
function addressWithPrefix(a: IpAddressEntry): string {
  const host = a.family === 'inet' ? 32 : 128;
  return a.prefixLength === host ? a.address : `${a.address}/${a.prefixLength}`;
}

/** format_ipaddress(); `dev` is the interface name as IF_NAME prints it, with "@base" for a VMAC. */
export function formatAddress(a: IpAddressEntry, dev: string, set: boolean): string {
  let s = addressWithPrefix(a);
  if (a.family === 'inet' && a.broadcast) s += ` brd ${a.broadcast}`;
  s += ` dev ${dev}`;
  if (a.useVmac) s += ' use_vmac';
  s += ` scope ${SCOPES[a.scope ?? 'global'] ?? a.scope ?? 'global'}`;
  if (a.label) s += ` label ${a.label}`;
  if (a.peer) s += ` peer ${a.peer}/${a.prefixLength}`;
  if (a.home) s += ' home';
  if (a.noDad) s += ' -nodad';
  if (a.mngTmpAddr) s += ' mngtmpaddr';
  if (a.noPrefixRoute) s += ' noprefixroute';
  if (a.autoJoin) s += ' autojoin';
  if (a.noTrack) s += ' no_track';
  if (a.trackGroup) s += ` track_group ${a.trackGroup}`;
  if (a.family === 'inet6') {
    if (a.preferredLft === 0) s += ' deprecated';
    else if (a.preferredLft === 0xffffffff) s += ' preferred_lft forever';
    else if (a.preferredLft !== undefined) s += ` preferred_lft ${a.preferredLft}`;
  }
  if (set) s += ' set';
  return s;
}

/** keepalived keeps these options as bits of vrrp->flags and prints "Flags: none" only when none is set. */
function hasFlags(i: VrrpInstance): boolean {
  return i.unicast || i.unicastPeers.length > 0 || i.unicastFaultNoPeer || i.dontTrackPrimary || i.linkbeatUsePolling ||
    i.skipCheckAdvAddr || i.sourceAddress !== undefined || i.trackSrcIp || i.checkUnicastSrc || i.promoteSecondaries ||
    i.nopreempt || i.useVmac || i.vmacXmitBase || i.useVmacAddr || i.useIpvlan || i.garpExtraIfAll;
}

/** The start-up wantstate: a sync group starts in BACKUP unless every member wants MASTER. */
export function initialWantState(i: VrrpInstance, config: KeepalivedConfig): 'BACKUP' | 'MASTER' {
  if (!i.syncGroup) return i.state;
  const group = config.vrrpSyncGroups.find((g) => g.name === i.syncGroup);
  const members = config.vrrpInstances.filter((m) => group?.group.includes(m.name));
  return members.every((m) => m.state === 'MASTER') ? 'MASTER' : 'BACKUP';
}

export interface InstanceDumpOptions extends ScriptFormatOptions {
  mode: DumpMode;
  config: KeepalivedConfig;
  /** Preference keepalived assigned to a virtual rule configured without one. */
  rulePriority?(rule: VrrpInstance['virtualRules'][number]): number | undefined;
}

export function dumpVrrpInstance(i: VrrpInstance, rt: VrrpInstanceRuntime | undefined, opts: InstanceDumpOptions): string[] {
  const { mode, config } = opts;
  const data = mode === 'data';
  const out: string[] = [];
  const w = (s: string): void => { out.push(`   ${s}`); };
  out.push(` VRRP Instance = ${i.name}`);
  w(`VRRP Version = ${i.version}`);
  if (i.syncGroup) w(`Sync group = ${i.syncGroup}`);
  if (i.family === 'inet6') w('Using Native IPv6');
  const state = rt?.state ?? 'INIT';
  if (data) {
    w(`State = ${state}`);
    if (state === 'BACKUP') {
      w(`Master router = ${rt?.masterRouter ?? '::'}`);
      w(`Master priority = ${rt?.masterPriority ?? 0}`);
      if (i.version === 3) w(`Master advert int = ${((rt?.masterAdvertIntUs ?? i.advertIntervalUs) / 1e6).toFixed(2)} sec`);
    }
  }
  if (hasFlags(i)) {
    w('Flags:');
    if (i.unicast) out.push('     Using unicast');
    else if (i.unicastPeers.length || i.unicastFaultNoPeer) out.push('     Unicast config option specified but using multicast');
    if (i.unicastFaultNoPeer) out.push('     If unicast go to fault state if no peers');
  } else w('Flags: none');
  w(`Wantstate = ${rt?.wantState ?? initialWantState(i, config)}`);
  w(`Number of config faults = ${rt?.numConfigFaults ?? 0}`);
  if (data) {
    w(`Number of interface and track script faults = ${rt?.numScriptIfFault ?? 0}`);
    w(`Number of track scripts init = ${rt?.numScriptInit ?? 0}`);
    w(`Last transition = ${timevalCtimeUs(rt?.lastTransition ?? { sec: 0, usec: 0 })}`);
    if (rt?.readTimeout) w(`Read timeout = ${timevalCtimeUs(rt.readTimeout)}`);
    else w('Read timeout = DISABLED');
    w(`Master down timer = ${rt?.masterDownTimerUs ?? 0} usecs`);
  }
  const vmacName = i.useVmac ? i.vmacInterfaceName ?? `vrrp.${i.virtualRouterId}` : undefined;
  if (vmacName) w(`Use VMAC, i/f name ${vmacName}, is_up = ${rt?.vmacUp ?? true ? 'true' : 'false'}, xmit_base = ${i.vmacXmitBase ? 'true' : 'false'}`);
  if (i.useVmacAddr) w('Use VMAC for VIPs on other interfaces');
  if (vmacName) w(`Interface = ${vmacName}, vmac on ${i.interface ?? '(unknown)'}${i.vmacXmitBase ? ', xmit base i/f' : ''}`);
  else w(`Interface = ${i.interface ?? 'not configured'}`);
  if (i.vrf) w(`VRF = ${i.vrf}`);
  if (i.dontTrackPrimary) w('VRRP interface tracking disabled');
  if (i.skipCheckAdvAddr) w('Skip checking advert IP addresses');
  if (i.strictMode) w('Enforcing strict VRRP compliance');
  const src = i.sourceAddress ?? rt?.sourceAddress;
  w(`Using src_ip = ${src ?? '(none)'}${i.sourceAddress ? ' (from configuration)' : ''}`);
  if (!i.unicast) {
    if (i.family === 'inet') w(`Multicast address ${i.mcastDstIp ?? config.global.vrrpMcastGroup4}`);
    else w(`Multicast address ${i.mcastDstIp ?? config.global.vrrpMcastGroup6}, ifindex ${rt?.mcastIfindex ?? 0}`);
  }
  w(`Gratuitous ARP delay = ${Math.floor(i.garpMasterDelayUs / 1e6)}`);
  w(`Gratuitous ARP repeat = ${i.garpMasterRepeat}`);
  w(`Gratuitous ARP refresh = ${i.garpMasterRefreshSec}`);
  w(`Gratuitous ARP refresh repeat = ${i.garpMasterRefreshRepeat}`);
  w(`Gratuitous ARP lower priority delay = ${Math.floor(i.garpLowerPrioDelayUs / 1e6)}`);
  w(`Gratuitous ARP lower priority repeat = ${i.garpLowerPrioRepeat}`);
  w(`Down timer adverts = ${i.downTimerAdverts}`);
  if (i.garpExtraIfSec) w(`Gratuitous ARP for each secondary ${i.garpExtraIfAll ? 'i/f' : 'VMAC'} = ${i.garpExtraIfSec}`);
  w(`Send advert after receive lower priority advert = ${i.lowerPrioNoAdvert ? 'false' : 'true'}`);
  w(`Send advert after receive higher priority advert = ${i.higherPrioSendAdvert ? 'true' : 'false'}`);
  w(`Virtual Router ID = ${i.virtualRouterId}`);
  w(`Priority = ${i.priority}`);
  if (data) {
    w(`Effective priority = ${rt?.effectivePriority ?? i.priority}`);
    w(`Total priority = ${rt?.totalPriority ?? i.priority}`);
  }
  w(`Advert interval = ${i.version === 2 ? `${Math.floor(i.advertIntervalUs / 1e6)} sec` : `${Math.floor(i.advertIntervalUs / 1000)} milli-sec`}`);
  if (state === 'BACKUP' && i.version === 3) w(`Master advert interval = ${Math.floor((rt?.masterAdvertIntUs ?? i.advertIntervalUs) / 1000)} milli-sec`);
  w(`Accept = ${i.accept ? 'enabled' : 'disabled'}`);
  w(`Preempt = ${i.nopreempt ? 'disabled' : 'enabled'}`);
  if (i.preemptDelayUs) w(`Preempt delay = ${formatG(i.preemptDelayUs / 1e6)} secs`);
  w(`Promote_secondaries = ${i.promoteSecondaries ? 'enabled' : 'disabled'}`);
  if (i.authType !== 'NONE') {
    w(`Authentication type = ${i.authType === 'AH' ? 'IPSEC_AH' : 'SIMPLE_PASSWORD'}`);
    if (i.authType === 'PASS') w(`Password = ${i.authPass ?? ''}`);
  } else if (i.version === 2) w('Authentication type = none');
  if (i.kernelRxBufSize) w(`Kernel rx buffer size = ${i.kernelRxBufSize}`);
  if (i.debug) w(`Debug level = ${i.debug}`);
  const isSet = (a: IpAddressEntry): boolean => rt?.addressSet?.(a) ?? false;
  const devOf = (a: IpAddressEntry): string => {
    const dev = a.dev ?? i.interface;
    // VIPs without their own dev go on the VMAC, printed as "vmac@base"
    if (vmacName && (!a.dev || a.dev === i.interface)) return `${vmacName}@${i.interface ?? 'NOWHERE'}`;
    return dev ?? '(null)@NOWHERE';
  };
  if (i.virtualIpaddress.length) {
    w(`Virtual IP (${i.virtualIpaddress.length}):`);
    for (const a of i.virtualIpaddress) out.push(`     ${formatAddress(a, devOf(a), isSet(a))}`);
  }
  if (i.virtualIpaddressExcluded.length) {
    w('Virtual IP Excluded :');
    for (const a of i.virtualIpaddressExcluded) out.push(`     ${formatAddress(a, devOf(a), isSet(a))}`);
  }
  if (i.unicast) {
    if (i.unicastTtl !== undefined) w(`Unicast TTL = ${i.unicastTtl}`);
    w(`Check unicast src : ${i.checkUnicastSrc ? 'yes' : 'no'}`);
    w('Unicast Peer :');
    for (const p of i.unicastPeers) out.push(`     ${p.address} min_ttl ${p.minTtl} max_ttl ${p.maxTtl}`);
    w(`Unicast checksum compatibility = ${i.oldUnicastChecksum === 'none' ? 'no' : i.oldUnicastChecksum}`);
  }
  if (data && rt?.fdIn !== undefined) w(`fd_in ${rt.fdIn}, fd_out ${rt.fdOut ?? -1}`);
  else w('No sockets allocated');
  if (i.virtualRoutes.length) {
    w('Virtual Routes :');
    for (const r of i.virtualRoutes) out.push(`     ${formatRoute(r)}`);
  }
  if (i.virtualRules.length) {
    w('Virtual Rules :');
    for (const r of i.virtualRules) out.push(`     ${formatRule(r, opts.rulePriority?.(r))}`);
  }
  const byName = <T extends { name: string; weight: number }>(list: T[], fallback: number) => (t: TrackedObject): number => t.weight ?? list.find((x) => x.name === t.name)?.weight ?? fallback;
  const section = (title: string, lines: string[]): void => { if (lines.length) out.push(`   ${title}`, ...lines); };
  section('Tracked interfaces :', trackedLines('if', i.trackInterfaces, (t) => t.weight ?? 0));
  section('Tracked scripts :', trackedLines('script', i.trackScripts, byName(config.vrrpScripts, 0)));
  section('Tracked files :', trackedLines('file', i.trackFiles, byName(config.trackFiles, 1)));
  section('Tracked processes :', trackedLines('process', i.trackProcesses, byName(config.trackProcesses, 0)));
  section('Tracked BFDs :', trackedLines('bfd', i.trackBfds, (t) => t.weight ?? 0));
  w(`Using smtp notification = ${i.smtpAlert ? 'yes' : 'no'}`);
  w(`Notify deleted = ${i.notifyDeleted || i.notifyDeletedScript ? 'Deleted' : 'Fault'}`);
  const scripts: [string, VrrpInstance['notify']][] = [
    ['Backup', i.notifyBackup], ['Master', i.notifyMaster], ['Fault', i.notifyFault], ['Stop', i.notifyStop],
    ['Deleted', i.notifyDeletedScript], ['Generic', i.notify], ['Master rx lower pri', i.notifyMasterRxLowerPri],
  ];
  for (const [label, s] of scripts) if (s) w(`${label} state transition script = ${cmdStr(s, opts)}, uid:gid ${uidGid(s, opts)}`);
  w(`Notify priority changes = ${i.notifyPriorityChanges ? 'true' : 'false'}`);
  return out;
}
