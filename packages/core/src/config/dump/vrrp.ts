/**
 * "------< VRRP Topology >------" (dump_vrrp) and "------< VRRP Scripts >------".
 * Without runtime state this is keepalived's start-up configuration dump
 * (-d: transient lines left out); with it, the USR1 data-file form.
 */
import type { IpAddressEntry, KeepalivedConfig, VrrpInstance, VrrpScript } from '../model/index.js';

/** Live state of one instance, supplied by the VRRP child for USR1 dumps. */
export interface VrrpInstanceRuntime {
  state: 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP' | 'DELETED';
  /** keepalived moves wantstate along with transitions; defaults to the configured start state. */
  wantState?: 'BACKUP' | 'MASTER' | 'FAULT';
  masterRouter?: string;
  masterPriority?: number;
  masterAdvertIntUs?: number;
  numScriptIfFault: number;
  numScriptInit: number;
  /** Pre-formatted "sec.usec (ctime)" strings, as keepalived prints them. */
  lastTransition: string;
  readTimeout: string;
  masterDownTimerUs: number;
  sourceAddress?: string;
  mcastIfindex?: number;
  effectivePriority: number;
  totalPriority: number;
  fdIn?: number;
  fdOut?: number;
  /** Addresses currently configured on the interface (keepalived marks them "set"). */
  addressSet?(address: IpAddressEntry): boolean;
}

const SCOPES: Record<string, string> = { universe: 'global', '0': 'global', '200': 'site', '253': 'link', '254': 'host', '255': 'nowhere' };

export function formatAddress(a: IpAddressEntry, instanceIf: string | undefined, set: boolean): string {
  let s = `${a.address}/${a.prefixLength}`;
  if (a.family === 'inet' && a.broadcast) s += ` brd ${a.broadcast}`;
  s += ` dev ${a.dev ?? instanceIf ?? '(null)'}`;
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

function formatG(v: number): string {
  return String(Number(v.toPrecision(6)));
}

export function dumpVrrpInstance(i: VrrpInstance, rt?: VrrpInstanceRuntime): string[] {
  const out: string[] = [];
  const w = (s: string): void => { out.push(`   ${s}`); };
  out.push(` VRRP Instance = ${i.name}`);
  w(`VRRP Version = ${i.version}`);
  if (i.syncGroup) w(`Sync group = ${i.syncGroup}`);
  if (i.family === 'inet6') w('Using Native IPv6');
  if (rt) {
    w(`State = ${rt.state}`);
    if (rt.state === 'BACKUP') {
      w(`Master router = ${rt.masterRouter ?? '(none)'}`);
      w(`Master priority = ${rt.masterPriority ?? 0}`);
      if (i.version === 3) w(`Master advert int = ${((rt.masterAdvertIntUs ?? i.advertIntervalUs) / 1e6).toFixed(2)} sec`);
    }
  }
  const flags: string[] = [];
  if (i.unicast) flags.push('     Using unicast');
  else if (i.unicastPeers.length === 0 && (i.unicastFaultNoPeer || i.checkUnicastSrc)) flags.push('     Unicast config option specified but using multicast');
  if (i.unicastFaultNoPeer) flags.push('     If unicast go to fault state if no peers');
  if (flags.length) {
    w('Flags:');
    out.push(...flags);
  } else w('Flags: none');
  w(`Wantstate = ${rt?.wantState ?? i.state}`);
  w('Number of config faults = 0');
  if (rt) {
    w(`Number of interface and track script faults = ${rt.numScriptIfFault}`);
    w(`Number of track scripts init = ${rt.numScriptInit}`);
    w(`Last transition = ${rt.lastTransition}`);
    w(`Read timeout = ${rt.readTimeout}`);
    w(`Master down timer = ${rt.masterDownTimerUs} usecs`);
  }
  if (i.useVmac) w(`Use VMAC, i/f name ${i.vmacInterfaceName ?? ''}, is_up = false, xmit_base = ${i.vmacXmitBase ? 'true' : 'false'}`);
  if (i.useVmacAddr) w('Use VMAC for VIPs on other interfaces');
  w(`Interface = ${i.interface ?? 'not configured'}`);
  if (i.vrf) w(`VRF = ${i.vrf}`);
  if (i.dontTrackPrimary) w('VRRP interface tracking disabled');
  if (i.skipCheckAdvAddr) w('Skip checking advert IP addresses');
  if (i.strictMode) w('Enforcing strict VRRP compliance');
  const src = i.sourceAddress ?? rt?.sourceAddress;
  w(`Using src_ip = ${src ?? '(none)'}${i.sourceAddress ? ' (from configuration)' : ''}`);
  if (!i.unicast) {
    if (i.family === 'inet') w(`Multicast address ${i.mcastDstIp}`);
    else w(`Multicast address ${i.mcastDstIp}, ifindex ${rt?.mcastIfindex ?? 0}`);
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
  if (rt) {
    w(`Effective priority = ${rt.effectivePriority}`);
    w(`Total priority = ${rt.totalPriority}`);
  }
  w(`Advert interval = ${i.version === 2 ? `${Math.floor(i.advertIntervalUs / 1e6)} sec` : `${Math.floor(i.advertIntervalUs / 1000)} milli-sec`}`);
  if (rt?.state === 'BACKUP' && i.version === 3) w(`Master advert interval = ${Math.floor((rt.masterAdvertIntUs ?? i.advertIntervalUs) / 1000)} milli-sec`);
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
  if (i.virtualIpaddress.length) {
    w(`Virtual IP (${i.virtualIpaddress.length}):`);
    for (const a of i.virtualIpaddress) out.push(`     ${formatAddress(a, i.interface, isSet(a))}`);
  }
  if (i.virtualIpaddressExcluded.length) {
    w('Virtual IP Excluded :');
    for (const a of i.virtualIpaddressExcluded) out.push(`     ${formatAddress(a, i.interface, isSet(a))}`);
  }
  if (i.unicast) {
    if (i.unicastTtl !== undefined) w(`Unicast TTL = ${i.unicastTtl}`);
    w(`Check unicast src : ${i.checkUnicastSrc ? 'yes' : 'no'}`);
    w('Unicast Peer :');
    for (const p of i.unicastPeers)
      out.push(`     ${p.address}${p.minTtl !== 0 || p.maxTtl !== 255 ? ` min_ttl ${p.minTtl} max_ttl ${p.maxTtl}` : ''}`);
    w(`Unicast checksum compatibility = ${i.oldUnicastChecksum === 'none' ? 'no' : i.oldUnicastChecksum}`);
  }
  if (rt) {
    if (rt.fdIn !== undefined) w(`fd_in ${rt.fdIn}, fd_out ${rt.fdOut ?? -1}`);
    else w('No sockets allocated');
  }
  if (i.virtualRoutes.length) {
    w('Virtual Routes :');
    for (const r of i.virtualRoutes) out.push(`     ${r.words.join(' ')}`);
  }
  if (i.virtualRules.length) {
    w('Virtual Rules :');
    for (const r of i.virtualRules) out.push(`     ${r.words.join(' ')}`);
  }
  const tracked = (title: string, list: VrrpInstance['trackInterfaces']): void => {
    if (!list.length) return;
    w(title);
    for (const t of list) out.push(`     ${t.name} weight ${t.weight ?? 0}${t.reverse ? ' reverse' : ''}`);
  };
  tracked('Tracked interfaces :', i.trackInterfaces);
  tracked('Tracked scripts :', i.trackScripts);
  tracked('Tracked files :', i.trackFiles);
  tracked('Tracked processes :', i.trackProcesses);
  tracked('Tracked BFDs :', i.trackBfds);
  w(`Using smtp notification = ${i.smtpAlert ? 'yes' : 'no'}`);
  const scripts: [string, VrrpInstance['notify']][] = [
    ['Backup state transition script', i.notifyBackup], ['Master state transition script', i.notifyMaster],
    ['Fault state transition script', i.notifyFault], ['Stop state transition script', i.notifyStop],
    ['Generic state transition script', i.notify], ['Master receive lower priority script', i.notifyMasterRxLowerPri],
  ];
  for (const [label, s] of scripts) if (s) w(`${label} = ${s.text}, uid:gid 0:0`);
  if (i.notifyDeletedScript) w(`Deleted state transition script = ${i.notifyDeletedScript.text}, uid:gid 0:0`);
  w(`Notify deleted = ${i.notifyDeleted ? 'Deleted' : 'Fault'}`);
  w(`Notify priority changes = ${i.notifyPriorityChanges ? 'true' : 'false'}`);
  return out;
}

export function dumpVrrpScript(s: VrrpScript, trackers: { name: string; weight: number }[]): string[] {
  const out = [` VRRP Script = ${s.name}`];
  const w = (l: string): void => { out.push(`   ${l}`); };
  w(`Command = ${s.script.args.map((a) => `'${a}'`).join(' ')}`);
  w(`Interval = ${Math.floor(s.intervalUs / 1e6)} sec`);
  w(`Timeout = ${Math.floor(s.timeoutUs / 1e6)} sec`);
  w(`Weight = ${s.weight}${s.weightReverse ? ' reverse' : ''}`);
  w(`Rise = ${s.rise}`);
  w(`Fall = ${s.fall}`);
  w('Insecure = no');
  w(`Init state = ${s.initFail ? 'failed' : 'unknown'}`);
  w('Script uid:gid = 0:0');
  w('Tracking instances :');
  for (const t of trackers) out.push(`     ${t.name}, weight ${t.weight}`);
  return out;
}

export function dumpVrrp(config: KeepalivedConfig, runtime?: (name: string) => VrrpInstanceRuntime | undefined): string[] {
  const out = ['------< VRRP Topology >------'];
  for (const i of config.vrrpInstances) out.push(...dumpVrrpInstance(i, runtime?.(i.name)));
  if (config.vrrpScripts.length) {
    out.push('------< VRRP Scripts >------');
    for (const s of config.vrrpScripts) {
      const trackers = config.vrrpInstances.flatMap((i) => i.trackScripts.filter((t) => t.name === s.name).map((t) => ({ name: i.name, weight: t.weight ?? s.weight })));
      out.push(...dumpVrrpScript(s, trackers));
    }
  }
  return out;
}
