/** vrrp_instance keywords (vrrp/vrrp_parser.c init_vrrp_keywords). */
import type { ConfigStatement } from '../tree.js';
import type { IpAddressEntry, RouteEntry, ScriptCommand, TrackedObject } from '../model/common.js';
import type { UnicastPeer } from '../model/vrrp.js';
import type { KeywordEnv, KeywordSpec, KeywordTable } from './types.js';
import { kw, valueLines } from './types.js';
import { parseAddressLine, parseTrackLine, scriptFrom } from './shared.js';
import { routeBlock, ruleBlock } from './routes.js';
import { checkTrueFalse, INT_MAX, isMulticast, parseSockAddr, readDecimal, readInt, readUnsigned, TIMER_HZ, UINT_MAX } from './values.js';

/** What the keywords of one vrrp_instance collect; validate/vrrp.ts turns it into a VrrpInstance. */
export interface VrrpInstanceDraft {
  name: string;
  loc: ConfigStatement['loc'];
  family?: 'inet' | 'inet6';
  state?: 'MASTER' | 'BACKUP';
  interface?: string;
  interfaceMissing?: boolean;
  vrf?: string;
  version?: 2 | 3;
  vrid: number;
  priority: number;
  advertIntUs: number;
  useVmac: boolean;
  vmacInterfaceName?: string;
  vmacMacAddress?: string;
  useVmacAddr: boolean;
  vmacXmitBase: boolean;
  useIpvlan: boolean;
  ipvlanMode?: 'bridge' | 'private' | 'vepa';
  ipvlanAddress?: string;
  dontTrackPrimary: boolean;
  trackInterfaces: TrackedObject[];
  trackScripts: TrackedObject[];
  trackFiles: TrackedObject[];
  trackProcesses: TrackedObject[];
  trackBfds: TrackedObject[];
  sourceAddress?: string;
  mcastDstIp?: string;
  trackSrcIp: boolean;
  unicastConfigured: boolean;
  unicastPeers: UnicastPeer[];
  unicastFaultNoPeer: boolean;
  checkUnicastSrc: boolean;
  oldUnicastChecksum: 'none' | 'config' | 'never';
  unicastTtl?: number;
  nativeIpv6: boolean;
  vips: IpAddressEntry[];
  evips: IpAddressEntry[];
  vroutes: RouteEntry[];
  vrules: RouteEntry[];
  promoteSecondaries: boolean;
  linkbeatUsePolling: boolean;
  accept?: boolean;
  skipCheckAdvAddr: boolean;
  strictMode?: boolean;
  nopreempt: boolean;
  preemptDelayUs: number;
  debug: number;
  scripts: Partial<Record<'notifyMaster' | 'notifyBackup' | 'notifyFault' | 'notifyStop' | 'notify' | 'notifyDeletedScript' | 'notifyMasterRxLowerPri', ScriptCommand>>;
  notifyDeleted: boolean;
  smtpAlert?: boolean;
  notifyPriorityChanges?: boolean;
  garpMasterDelayUs: number;
  garpMasterRepeat: number;
  garpMasterRefreshSec: number;
  garpMasterRefreshRepeat: number;
  garpLowerPrioDelayUs?: number;
  garpLowerPrioRepeat?: number;
  downTimerAdverts: number;
  garpExtraIfSec?: number;
  garpExtraIfAll: boolean;
  lowerPrioNoAdvert?: boolean;
  higherPrioSendAdvert?: boolean;
  kernelRxBufSize?: number;
  authType: 'NONE' | 'PASS' | 'AH';
  authPass?: string;
  lvsSyncDaemonInterface?: string;
}

export function newVrrpInstanceDraft(name: string, loc: ConfigStatement['loc'], env: KeywordEnv): VrrpInstanceDraft {
  const g = env.config.global;
  return {
    name, loc, vrid: 0, priority: 0, advertIntUs: 0, useVmac: false, useVmacAddr: false, vmacXmitBase: false,
    useIpvlan: false, dontTrackPrimary: false, trackInterfaces: [], trackScripts: [], trackFiles: [],
    trackProcesses: [], trackBfds: [], trackSrcIp: false, unicastConfigured: false, unicastPeers: [],
    unicastFaultNoPeer: false, checkUnicastSrc: false, oldUnicastChecksum: 'none', nativeIpv6: false,
    vips: [], evips: [], vroutes: [], vrules: [], promoteSecondaries: false, linkbeatUsePolling: false,
    skipCheckAdvAddr: g.vrrpSkipCheckAdvAddr, nopreempt: false, preemptDelayUs: 0, debug: 0, scripts: {},
    notifyDeleted: false, garpMasterDelayUs: g.vrrpGarpMasterDelayUs, garpMasterRepeat: g.vrrpGarpMasterRepeat,
    garpMasterRefreshSec: g.vrrpGarpMasterRefreshSec, garpMasterRefreshRepeat: g.vrrpGarpMasterRefreshRepeat,
    downTimerAdverts: g.vrrpDownTimerAdverts, garpExtraIfAll: false, authType: 'NONE',
  };
}

type V = VrrpInstanceDraft;
type ScriptSlot = keyof V['scripts'];

function notifyKeyword(slot: ScriptSlot, keyword: string): KeywordSpec<V> {
  return kw((s, v, env) => {
    if (v.scripts[slot]) {
      env.error(`(${v.name}) ${keyword} script already specified - ignoring ${env.arg(s, 1)}`);
      return;
    }
    const script = scriptFrom(s);
    if (script) v.scripts[slot] = script;
  });
}

/** `keyword [true|false]` defaulting to true, with the instance's own error text. */
function boolKeyword(set: (v: V, b: boolean) => void, message: (v: V, word: string) => string): KeywordSpec<V> {
  return kw((s, v, env) => {
    if (s.words.length < 2) return set(v, true);
    const r = checkTrueFalse(s.words[1]!);
    if (r === undefined) env.error(message(v, s.words[1]!));
    else set(v, r);
  });
}

function flag(set: (v: V) => void): KeywordSpec<V> {
  return kw((_s, v) => set(v));
}

function trackBlock(list: (v: V) => TrackedObject[], what: string, range: [number, number]): KeywordSpec<V> {
  return kw((s, v, env) => {
    for (const line of valueLines(s)) {
      env.loc = line.loc;
      if (what === 'track_interface' && !env.interfaceExists(line.words[0]!) && !env.config.global.dynamicInterfaces) {
        env.nonExistentInterface = true;
        env.error(`(${v.name}) tracked interface ${line.words[0]} doesn't exist`);
        continue;
      }
      const scripts = what === 'track_script' ? env.config.vrrpScripts : what === 'track_file' ? env.config.trackFiles : undefined;
      const known = scripts?.find((x) => x.name === line.words[0]);
      if (scripts && !known) {
        env.error(`(${v.name}) ${what === 'track_script' ? 'track script' : 'track file'} ${line.words[0]} not found, ignoring...`);
        continue;
      }
      if (list(v).some((t) => t.name === line.words[0])) {
        env.error(`(${v.name}) duplicate ${what} ${line.words[0]} - ignoring`);
        continue;
      }
      const obj = parseTrackLine(env, v.name, line.words, what === 'track_script' ? 'track script' : what, range);
      if (!obj) continue;
      if (known && obj.weight === undefined) {
        obj.weight = known.weight;
        obj.reverse = known.weightReverse;
      }
      list(v).push(obj);
    }
  });
}

function addressBlock(list: (v: V) => IpAddressEntry[]): KeywordSpec<V> {
  return kw((s, v, env) => {
    for (const line of valueLines(s)) {
      env.loc = line.loc;
      const entry = parseAddressLine(env, line.words, false);
      if (!entry) continue;
      if (v.family === undefined) v.family = entry.family;
      else if (v.family !== entry.family && list(v) === v.vips) {
        env.error(`(${v.name}): address family must match VRRP instance [${entry.text}] - ignoring`);
        continue;
      }
      list(v).push(entry);
    }
  });
}

function sourceIp(s: ConfigStatement, v: V, env: KeywordEnv): void {
  const text = env.arg(s, 1);
  const fam = parseSockAddr(text);
  if (!fam) {
    env.error(`Configuration error: VRRP instance[${v.name}] malformed src address[${text}]. Skipping...`);
    return;
  }
  if (v.family === undefined) v.family = fam;
  else if (fam !== v.family) {
    env.error(`Configuration error: VRRP instance[${v.name}] and src address[${text}] MUST be of the same family !!! Skipping...`);
    return;
  }
  v.sourceAddress = text;
}

function garpSeconds(field: 'garpMasterDelayUs' | 'garpLowerPrioDelayUs', keyword: string): KeywordSpec<V> {
  return kw((s, v, env) => {
    const n = readUnsigned(env, env.arg(s, 1), 0, Math.floor(UINT_MAX / TIMER_HZ));
    if (n === undefined) env.error(`(${v.name}): ${keyword} '${s.words[1]}' invalid - ignoring`);
    else v[field] = n * TIMER_HZ;
  });
}

function repeatKeyword(field: 'garpMasterRepeat' | 'garpMasterRefreshRepeat', keyword: string): KeywordSpec<V> {
  return kw((s, v, env) => {
    let n = readUnsigned(env, env.arg(s, 1), 0, UINT_MAX);
    if (n === undefined) {
      env.error(`(${v.name}): ${keyword} '${s.words[1]}' invalid - ignoring`);
      return;
    }
    if (n === 0) {
      env.error(`(${v.name}): ${keyword} must be greater than 0, setting to 1`);
      n = 1;
    }
    v[field] = n;
  });
}

function garpExtraIf(s: ConfigStatement, v: V, env: KeywordEnv): void {
  const cmd = s.words[0]!;
  if (cmd === 'vmac_garp_intvl') env.error('Keyword "vmac_garp_intvl" is deprecated - please use "garp_extra_if"');
  let delay: number | undefined;
  for (let i = 1; i < s.words.length; i++) {
    if (s.words[i] === 'all') v.garpExtraIfAll = true;
    else {
      delay = readUnsigned(env, s.words[i]!, 0, 86400);
      if (delay === undefined) {
        env.error(`(${v.name}): ${cmd} '${s.words[i]}' invalid - ignoring`);
        return;
      }
    }
  }
  if (delay === undefined) {
    env.error(`(${v.name}): ${cmd} specified without time - ignoring`);
    return;
  }
  v.garpExtraIfSec = delay;
}

function useVmac(s: ConfigStatement, v: V, env: KeywordEnv): void {
  v.useVmac = true;
  for (let i = 1; i < s.words.length && i <= 2; i++) {
    const w = s.words[i]!;
    if (w.includes(':')) {
      if (v.vmacMacAddress) env.error('VMAC interface address already specified');
      else if (/[^0-9A-Fa-f:]/.test(w)) env.error(`VMAC invalid MAC address ${w}`);
      else if (!/^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){4,5}:?$/.test(w)) env.error(`VMAC invalid MAC address ${w} - ignored`);
      else if (parseInt(w.split(':')[0]!, 16) & 1) env.error(`VMAC MAC address is multicast ${w} - ignoring`);
      else v.vmacMacAddress = w;
    } else if (v.vmacInterfaceName) env.error('VMAC interface name already specified');
    else if (w.length >= 16 || w === '.' || w === '..' || /[/:\s]/.test(w))
      env.error(`VMAC interface name '${w}' too long or invalid characters - ignoring`);
    else v.vmacInterfaceName = w;
  }
}

function useIpvlan(s: ConfigStatement, v: V, env: KeywordEnv): void {
  if (v.useIpvlan) {
    env.error(`(${v.name}) use_ipvlan already specified`);
    return;
  }
  v.useIpvlan = true;
  for (let i = 1; i < s.words.length; i++) {
    const w = s.words[i]!;
    if (w === 'bridge' || w === 'private' || w === 'vepa') {
      if (v.ipvlanMode) env.error(`(${v.name}) ipvlan type already specified - ignoring '${w}'`);
      else v.ipvlanMode = w;
    } else if (parseSockAddr(w.split('/')[0]!)) {
      if (v.ipvlanAddress) env.error(`(${v.name}) ipvlan address already specified - ignoring '${w}'`);
      else v.ipvlanAddress = w;
    } else if (v.vmacInterfaceName) env.error(`(${v.name}) IPVLAN interface already specified - ignoring '${w}'`);
    else if (w.length >= 16) env.error(`(${v.name}) IPVLAN interface name '${w}' too long - ignoring`);
    else v.vmacInterfaceName = w;
  }
}

export const vrrpInstanceKeywords: KeywordTable<V> = {
  use_vmac: kw(useVmac),
  use_vmac_addr: flag((v) => { v.useVmacAddr = true; }),
  vmac_xmit_base: flag((v) => { v.vmacXmitBase = true; }),
  use_ipvlan: kw(useIpvlan),
  unicast_peer: kw((s, v, env) => {
    v.unicastConfigured = true;
    for (const line of valueLines(s)) {
      env.loc = line.loc;
      const addr = line.words[0]!;
      const fam = parseSockAddr(addr);
      if (!fam) {
        env.error(`Configuration error: VRRP instance[${v.name}] malformed unicast peer address[${addr}]. Skipping...`);
        continue;
      }
      if (v.family === undefined) v.family = fam;
      else if (fam !== v.family) {
        env.error(`Configuration error: VRRP instance[${v.name}] and unicast peer address[${addr}] MUST be of the same family !!! Skipping...`);
        continue;
      }
      const peer: UnicastPeer = { address: addr, minTtl: 0, maxTtl: 255 };
      for (let i = 1; i < line.words.length; i += 2) {
        if (i + 1 >= line.words.length) {
          env.error(`(${v.name}) ${line.words[i]} is missing a value`);
          break;
        }
        const ttl = readUnsigned(env, line.words[i + 1]!, 0, 255);
        if (ttl === undefined) continue;
        if (line.words[i] === 'min_ttl') peer.minTtl = ttl;
        else if (line.words[i] === 'max_ttl') peer.maxTtl = ttl;
        else {
          env.error(`(${v.name}) unknown unicast_peer option ${line.words[i]}`);
          break;
        }
        v.checkUnicastSrc = true;
      }
      if (peer.minTtl > peer.maxTtl)
        env.error(`(${v.name}) min_ttl ${peer.minTtl} > max_ttl ${peer.maxTtl} - all packets will be discarded`);
      v.unicastPeers.push(peer);
    }
  }),
  unicast_fault_no_peer: flag((v) => { v.unicastConfigured = true; v.unicastFaultNoPeer = true; }),
  check_unicast_src: flag((v) => { v.unicastConfigured = true; v.checkUnicastSrc = true; }),
  old_unicast_checksum: kw((s, v, env) => {
    v.unicastConfigured = true;
    if (s.words.length < 2) v.oldUnicastChecksum = 'config';
    else if (s.words[1] === 'never') v.oldUnicastChecksum = 'never';
    else env.error(`(${v.name}) Unknown old_unicast_chksum mode ${s.words[1]} - ignoring`);
  }),
  native_ipv6: kw((_s, v, env) => {
    if (v.family === 'inet') {
      env.error(`(${v.name}) Cannot specify native_ipv6 with IPv4 addresses`);
      return;
    }
    v.family = 'inet6';
    v.version = 3;
    v.nativeIpv6 = true;
  }),
  state: kw((s, v, env) => {
    const str = env.arg(s, 1);
    if (str === 'MASTER') v.state = 'MASTER';
    else if (str === 'BACKUP') {
      if (v.state === 'MASTER') env.error(`(${v.name}) state previously set as MASTER - ignoring BACKUP`);
      else v.state = 'BACKUP';
    } else {
      env.error(`(${v.name}) unknown state '${str}', defaulting to BACKUP`);
      v.state = 'BACKUP';
    }
  }),
  interface: kw((s, v, env) => {
    const name = env.arg(s, 1);
    if (name.length >= 16) {
      env.error(`Interface name '${name}' too long - ignoring`);
      return;
    }
    if (!env.interfaceExists(name) && !env.config.global.dynamicInterfaces) {
      env.nonExistentInterface = true;
      env.error(`WARNING - interface ${name} for vrrp_instance ${v.name} doesn't exist`);
      v.interfaceMissing = true;
      return;
    }
    if (name === 'lo') {
      env.error(`(${v.name}) cannot use a loopback interface (${name}) for vrrp - ignoring`);
      return;
    }
    v.interface = name;
  }),
  vrf: kw((s, v, env) => {
    const name = env.arg(s, 1);
    if (name.length >= 16) env.error(`(${v.name}) VRF interface name '${name}' too long - ignoring`);
    else if (v.interface) env.error(`(${v.name}) Cannot specify VRF interface and interface - ignoring`);
    else if (v.vrf) env.error(`(${v.name}) VRF interface already specified as '${v.vrf}' - ignoring`);
    else if (!env.interfaceExists(name) && !env.config.global.dynamicInterfaces) {
      env.nonExistentInterface = true;
      env.error(`(${v.name}) WARNING - VRF interface ${name} doesn't exist`);
    } else v.vrf = name;
  }),
  dont_track_primary: flag((v) => { v.dontTrackPrimary = true; }),
  track_interface: trackBlock((v) => v.trackInterfaces, 'track_interface', [-254, 254]),
  track_script: trackBlock((v) => v.trackScripts, 'track_script', [-254, 254]),
  track_file: trackBlock((v) => v.trackFiles, 'track_file', [-254, 254]),
  track_process: trackBlock((v) => v.trackProcesses, 'track_process', [-254, 254]),
  track_bfd: trackBlock((v) => v.trackBfds, 'track_bfd', [-254, 254]),
  mcast_src_ip: kw(sourceIp),
  unicast_src_ip: kw((s, v, env) => { v.unicastConfigured = true; sourceIp(s, v, env); }),
  mcast_dst_ip: kw((s, v, env) => {
    const text = env.arg(s, 1);
    const fam = parseSockAddr(text);
    if (!fam) return env.error(`(${v.name}) malformed mcast dest address ${text}. Skipping...`);
    if (v.family === undefined) v.family = fam;
    else if (fam !== v.family) return env.error(`(${v.name}) mcast dest address ${text} MUST match VRRP instance family. Skipping...`);
    if (!isMulticast(fam, text) || (fam === 'inet6' && !/^ff[0-9a-f]2:/i.test(text)))
      return env.error(`(${v.name}) mcast_dst_ip ${text} not${fam === 'inet6' ? ' link-local' : ''} multicast. Skipping...`);
    v.mcastDstIp = text;
  }),
  track_src_ip: flag((v) => { v.trackSrcIp = true; }),
  virtual_router_id: kw((s, v, env) => {
    const n = readUnsigned(env, env.arg(s, 1), 1, 255);
    if (n === undefined) env.error(`(${v.name}): VRID '${s.words[1]}' not valid - must be between 1 & 255`);
    else v.vrid = n;
  }),
  unicast_ttl: kw((s, v, env) => {
    const n = readUnsigned(env, env.arg(s, 1), 0, 255);
    if (n === undefined) env.error(`(${v.name}): TTL '${s.words[1]}' not valid - must be between 0 & 255`);
    else v.unicastTtl = n;
  }),
  version: kw((s, v, env) => {
    const n = readInt(env, env.arg(s, 1), 2, 3);
    if (n === undefined) return env.error(`(${v.name}): Version must be either 2 or 3`);
    if ((v.version && v.version !== n) || (n === 2 && v.family === 'inet6'))
      return env.error(`(${v.name}) vrrp_version ${n} conflicts with configured or deduced version ${v.version ?? 0}; ignoring.`);
    v.version = n as 2 | 3;
  }),
  priority: kw((s, v, env) => {
    const n = readUnsigned(env, env.arg(s, 1), 1, 255);
    if (n === undefined) {
      env.error(`(${v.name}) Priority not valid! must be between 1 & 255. Using default 100`);
      v.priority = 100;
    } else v.priority = n;
  }),
  advert_int: kw((s, v, env) => {
    const n = readDecimal(env, env.arg(s, 1), TIMER_HZ / 100, 255 * TIMER_HZ, 6);
    if (n === undefined || n <= 0) env.error(`(${v.name}) Advert interval (${s.words[1]}) not valid! Must be > 0 - ignoring`);
    else v.advertIntUs = n;
  }),
  virtual_ipaddress: addressBlock((v) => v.vips),
  virtual_ipaddress_excluded: addressBlock((v) => v.evips),
  promote_secondaries: flag((v) => { v.promoteSecondaries = true; }),
  linkbeat_use_polling: kw((_s, v, env) => {
    v.linkbeatUsePolling = true;
    env.error(`(${v.name}) 'linkbeat_use_polling' in vrrp instance deprecated - use linkbeat_interfaces block`);
  }),
  virtual_routes: kw((s, v, env) => routeBlock(env, s, v.vroutes)),
  virtual_rules: kw((s, v, env) => ruleBlock(env, s, v.vrules, env.rulePriority)),
  accept: flag((v) => { v.accept = true; }),
  no_accept: flag((v) => { v.accept = false; }),
  skip_check_adv_addr: boolKeyword((v, b) => { v.skipCheckAdvAddr = b; }, (v, w) => `(${v.name}) invalid skip_check_adv_addr ${w} specified`),
  strict_mode: boolKeyword((v, b) => { v.strictMode = b; }, (v, w) => `(${v.name}) invalid strict_mode ${w} specified`),
  preempt: flag((v) => { v.nopreempt = false; }),
  nopreempt: flag((v) => { v.nopreempt = true; }),
  preempt_delay: kw((s, v, env) => {
    const n = readDecimal(env, env.arg(s, 1), 0, 2147483 * TIMER_HZ, 6);
    if (n === undefined) {
      env.error(`(${v.name}) Preempt_delay not valid! must be between 0-2147483`);
      v.preemptDelayUs = 0;
    } else v.preemptDelayUs = n;
  }),
  debug: kw((s, v, env) => {
    const n = readUnsigned(env, env.arg(s, 1), 0, 4);
    if (n === undefined) env.error(`(${v.name}) Debug value '${s.words[1]}' not valid; must be between 0-4`);
    else v.debug = n;
  }),
  notify_backup: notifyKeyword('notifyBackup', 'notify_backup'),
  notify_master: notifyKeyword('notifyMaster', 'notify_master'),
  notify_fault: notifyKeyword('notifyFault', 'notify_fault'),
  notify_stop: notifyKeyword('notifyStop', 'notify_stop'),
  notify_deleted: kw((s, v, env) => {
    if (v.notifyDeleted) return env.error(`(${v.name}) notify_deleted already specified - ignoring ${s.words[1] ?? ''}`);
    if (s.words.length > 1) {
      const script = scriptFrom(s);
      if (script) v.scripts.notifyDeletedScript = script;
    }
    v.notifyDeleted = true;
  }),
  notify: notifyKeyword('notify', 'notify'),
  notify_master_rx_lower_pri: notifyKeyword('notifyMasterRxLowerPri', 'notify_master_rx_lower_pri'),
  smtp_alert: kw((s, v, env) => {
    const r = s.words.length >= 2 ? checkTrueFalse(s.words[1]!) : true;
    if (r === undefined) env.error(`Invalid vrrp_instance smtp_alert parameter ${s.words[1]}`);
    else v.smtpAlert = r;
  }),
  notify_priority_changes: boolKeyword((v, b) => { v.notifyPriorityChanges = b; },
    (v, w) => `(${v.name}) Invalid value '${w}' for notify_priority_changes specified`),
  lvs_sync_daemon_interface: kw((s, v, env) => {
    env.error(`(${v.name}) Specifying lvs_sync_daemon_interface against a vrrp is deprecated.`);
    env.error(`      ${' '.repeat(Math.max(0, v.name.length - 2))}Please use global lvs_sync_daemon`);
    v.lvsSyncDaemonInterface = env.arg(s, 1);
  }),
  garp_master_delay: garpSeconds('garpMasterDelayUs', 'garp_master_delay'),
  garp_master_refresh: kw((s, v, env) => {
    const n = readUnsigned(env, env.arg(s, 1), 0, UINT_MAX);
    if (n === undefined) {
      env.error(`(${v.name}): Invalid garp_master_refresh '${s.words[1]}' - ignoring`);
      v.garpMasterRefreshSec = 0;
    } else v.garpMasterRefreshSec = n;
  }),
  garp_master_repeat: repeatKeyword('garpMasterRepeat', 'garp_master_repeat'),
  garp_master_refresh_repeat: repeatKeyword('garpMasterRefreshRepeat', 'garp_master_refresh_repeat'),
  garp_lower_prio_delay: garpSeconds('garpLowerPrioDelayUs', 'garp_lower_prio_delay'),
  garp_lower_prio_repeat: kw((s, v, env) => {
    const n = readUnsigned(env, env.arg(s, 1), 0, INT_MAX);
    if (n === undefined) env.error(`(${v.name}): Invalid garp_lower_prio_repeat '${s.words[1]}'`);
    else v.garpLowerPrioRepeat = n;
  }),
  down_timer_adverts: kw((s, v, env) => {
    const n = readUnsigned(env, env.arg(s, 1), 1, 100);
    if (n === undefined) env.error(`(${v.name}): Invalid down_timer_adverts [1:100] '${s.words[1]}'`);
    else v.downTimerAdverts = n;
  }),
  garp_extra_if: kw(garpExtraIf),
  vmac_garp_intvl: kw(garpExtraIf),
  lower_prio_no_advert: boolKeyword((v, b) => { v.lowerPrioNoAdvert = b; }, (v, w) => `(${v.name}) invalid lower_prio_no_advert ${w} specified`),
  higher_prio_send_advert: boolKeyword((v, b) => { v.higherPrioSendAdvert = b; }, (v, w) => `(${v.name}) invalid higher_prio_send_advert ${w} specified`),
  kernel_rx_buf_size: kw((s, v, env) => {
    const n = s.words.length === 2 ? readUnsigned(env, s.words[1]!, 0, UINT_MAX) : undefined;
    if (n === undefined) env.error(`(${v.name}) invalid kernel_rx_buf_size specified`);
    else v.kernelRxBufSize = n;
  }),
  authentication: {
    sub: {
      open: (_s: ConfigStatement, v: V) => v,
      table: {
        auth_type: kw<V>((s, v, env) => {
          const str = env.arg(s, 1);
          if (str === 'AH' || str === 'PASS') v.authType = str;
          else env.error(`(${v.name}) unknown authentication type '${str}'`);
        }),
        auth_pass: kw<V>((s, v, env) => {
          let str = env.arg(s, 1);
          if (str.length > 8) {
            env.error('Truncating auth_pass to 8 characters');
            str = str.slice(0, 8);
          }
          v.authPass = str;
        }),
      },
    },
  },
};
