/**
 * What the VRRP child's dumps need from the running daemon: core's
 * VrrpDumpRuntime (USR1 keepalived.data and the -d start-up dump) and the
 * keepalived.json text (vrrp_json.c). Pure read-outs of live objects; no I/O
 * except reading small sysctl files and resolving script paths.
 */
import { accessSync, constants as fsConstants, readFileSync, realpathSync } from 'node:fs';
import { AF_INET, AF_INET6 } from '@keepalived-ts/native';
import type { InterfaceInfo, InterfaceTable } from '@keepalived-ts/netlink-reflector';
import {
  cmdStr, formatAddress, formatRoute, formatRule,
  type KeepalivedConfig, type ProcessDumpOptions, type ScriptFormatOptions, type Timeval,
  type VrrpDumpRuntime, type VrrpInstanceRuntime, type VrrpInterfaceRuntime, type VrrpSocketRuntime,
} from '@keepalived-ts/core';
import { renderVrrpStatsJson } from '../stats/vrrp-stats.js';
import type { InstanceRuntime } from './instance-runtime.js';
import type { PooledSocket } from './sockpool.js';

/** Everything of the daemon a dump reads. */
export interface DumpSources {
  config: KeepalivedConfig;
  instances: readonly InstanceRuntime[];
  sockets: Iterable<PooledSocket>;
  table: InterfaceTable | undefined;
  groups: readonly { name: string; state: string; members: readonly { isUp: boolean; state: string }[] }[];
  script(name: string): { result: number; initDone: boolean; running: boolean } | undefined;
  trackFile(name: string): { status: number } | undefined;
  trackProcess(name: string): { currentProcesses: number; haveQuorum: boolean } | undefined;
  /** Last IPv6 forwarding check per interface (NA router flag), monotonic µs, and its answer. */
  gnaRouterCheck(ifname: string): { atUs: number; router: boolean } | undefined;
}

/** The scheduler's monotonic microseconds as a wall-clock timeval. */
export function monotonicToTimeval(us: number): Timeval {
  const wall = Math.floor(performance.timeOrigin * 1000 + us);
  return { sec: Math.floor(wall / 1e6), usec: wall % 1e6 };
}

/** keepalived prints a script's executable after resolving it (realpath, PATH search). */
export function resolveScriptPath(path: string): string {
  const real = (p: string): string | undefined => {
    try {
      accessSync(p, fsConstants.X_OK);
      return realpathSync(p);
    } catch {
      return undefined;
    }
  };
  if (path.includes('/')) return real(path) ?? path;
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    const r = real(`${dir}/${path}`);
    if (r !== undefined) return r;
  }
  return path;
}

function sysctlNumber(path: string): number {
  try {
    return Number(readFileSync(path, 'utf8').trim()) || 0;
  } catch {
    return 0;
  }
}

const IFF_UP = 0x1;
const IFF_BROADCAST = 0x2;
const IFF_LOOPBACK = 0x8;
const IFF_POINTOPOINT = 0x10;
const IFF_RUNNING = 0x40;
const IFF_NOARP = 0x80;
const IFF_MULTICAST = 0x1000;
const IFA_F_SECONDARY = 0x01;

function instanceRuntime(rt: InstanceRuntime): VrrpInstanceRuntime {
  const f = rt.fsm;
  const vipsOn = f.vipSet;
  const out: VrrpInstanceRuntime = {
    state: f.state === 'STOP' ? 'INIT' : f.state,
    wantState: f.wantstate === 'STOP' ? 'INIT' : f.wantstate,
    masterPriority: f.masterPriority,
    masterAdvertIntUs: f.masterAdverIntUs,
    numScriptIfFault: f.faultCount,
    numScriptInit: 0,
    lastTransition: f.lastTransitionUs ? monotonicToTimeval(f.lastTransitionUs) : { sec: 0, usec: 0 },
    readTimeout: f.sandsUs >= 0 ? monotonicToTimeval(f.sandsUs) : null,
    masterDownTimerUs: f.msDownTimerUs,
    sourceAddress: rt.iface.srcAddr,
    mcastIfindex: rt.iface.ifindex,
    effectivePriority: f.effectivePriority,
    totalPriority: f.totalPriority,
    addressSet: () => vipsOn,
  };
  if (f.masterSaddr !== undefined) out.masterRouter = f.masterSaddr;
  if (rt.socket !== undefined) {
    out.fdIn = rt.socket.fds[0];
    out.fdOut = rt.socket.fds[1];
  }
  return out;
}

function socketRuntime(s: PooledSocket): VrrpSocketRuntime {
  const o = s.options;
  const instances: { name: string; vrid: number }[] = [];
  s.byVrid.forEach((sink, vrid) => {
    if (sink !== undefined) instances.push({ name: (sink as { name?: string }).name ?? '', vrid });
  });
  return {
    fdIn: s.fds[0], fdOut: s.fds[1], interface: s.socket.ifname, family: o.family === 4 ? 'inet' : 'inet6',
    protocol: s.proto === 51 ? 'AH' : 'VRRP', ...(o.unicast && o.srcAddr ? { unicastSource: o.srcAddr } : {}),
    rxBufSize: o.rcvBuf ?? 0, instances,
  };
}

/** Addresses keepalived did not put there itself (VIPs and static addresses are left out of the interface's list). */
function ownedAddresses(config: KeepalivedConfig): Set<string> {
  const s = new Set<string>();
  for (const i of config.vrrpInstances) for (const v of [...i.virtualIpaddress, ...i.virtualIpaddressExcluded]) s.add(v.address.toLowerCase());
  for (const a of config.staticIpaddress) s.add(a.address.toLowerCase());
  return s;
}

function interfaceRuntime(link: InterfaceInfo, src: DumpSources, owned: Set<string>): VrrpInterfaceRuntime {
  const table = src.table!;
  const addrs = table.addresses({ ifindex: link.ifindex }).filter((a) => !owned.has(a.address.toLowerCase()));
  const v4 = addrs.filter((a) => a.family === AF_INET);
  const v4Primary = v4.find((a) => (a.flags & IFA_F_SECONDARY) === 0) ?? v4[0];
  // keepalived keeps only link-local IPv6 addresses for an interface (its advert source).
  const v6 = addrs.filter((a) => a.family === AF_INET6 && a.address.toLowerCase().startsWith('fe80'));
  const v6Primary = v6[0];
  const fl = link.flags;
  const tracking: { name: string; weight: number; reverse?: boolean }[] = [];
  for (const rt of src.instances) {
    for (const ti of rt.cfg.trackInterfaces) {
      if (ti.name === link.name) tracking.push({ name: rt.name, weight: ti.weight ?? 0, ...(ti.reverse ? { reverse: true } : {}) });
    }
  }
  for (const rt of src.instances) if (!rt.cfg.dontTrackPrimary && rt.iface.ifname === link.name) tracking.push({ name: rt.name, weight: 0 });
  // a VMAC instance is on its base interface's list too
  for (const rt of src.instances) if (!rt.cfg.dontTrackPrimary && rt.iface.base?.ifname === link.name) tracking.push({ name: rt.name, weight: 0 });
  const ours = src.instances.find((rt) => rt.iface.base !== undefined && rt.iface.ifname === link.name);
  const lower = link.kind === 'macvlan' && link.link !== undefined ? table.link(link.link) : undefined;
  const conf = `/proc/sys/net/ipv4/conf/${link.name}`;
  const out: VrrpInterfaceRuntime = {
    name: link.name, ifindex: link.ifindex,
    ...(v4Primary ? { ipv4: v4Primary.address } : {}),
    ...(v6Primary ? { ipv6: v6Primary.address } : {}),
    additionalIpv4: v4.filter((a) => a !== v4Primary).map((a) => a.address),
    additionalIpv6: v6.filter((a) => a !== v6Primary).map((a) => a.address),
    ...(link.mac && link.deviceType !== 772 ? { mac: link.mac, macBroadcast: 'ff:ff:ff:ff:ff:ff' } : {}),
    up: (fl & IFF_UP) !== 0, running: (fl & IFF_RUNNING) !== 0, broadcast: (fl & IFF_BROADCAST) !== 0,
    loopback: (fl & IFF_LOOPBACK) !== 0, pointToPoint: (fl & IFF_POINTOPOINT) !== 0, noArp: (fl & IFF_NOARP) !== 0,
    multicast: (fl & IFF_MULTICAST) !== 0,
    seenUp: (fl & IFF_UP) !== 0 && (fl & IFF_RUNNING) !== 0 ? 1 : 0,
    delayedStateChangeRunning: false, upDebounceUs: 0, downDebounceUs: 0,
    mtu: link.mtu,
    hwType: link.deviceType === 772 ? 'LOOPBACK' : link.deviceType === 1 ? 'ETHERNET' : link.deviceType === 32 ? 'INFINIBAND' : link.deviceType,
    linkbeat: 'netlink',
    resetArpConfig: 0, arpIgnore: sysctlNumber(`${conf}/arp_ignore`), arpFilter: sysctlNumber(`${conf}/arp_filter`),
    // keepalived sets promote_secondaries on the IPv4 VMACs it makes and shows what it found elsewhere as 0
    promoteSecondaries: ours?.cfg.family === 'inet' ? sysctlNumber(`${conf}/promote_secondaries`) : 0, resetPromoteSecondaries: 0,
    trackingInstances: tracking,
    ...(ours ? { createdByKeepalived: true } : {}),
    // keepalived reads rp_filter for the VMACs it sets up and their base interfaces
    ...(ours || src.instances.some((rt) => rt.iface.base?.ifname === link.name) ? { rpFilter: sysctlNumber(`${conf}/rp_filter`) } : {}),
    ...(lower ? {
      vmac: { ifType: 'VMAC' as const, vlanType: link.macvlanMode ?? 'private', baseInterface: lower.name,
        baseUp: (lower.flags & IFF_UP) !== 0, baseRunning: (lower.flags & IFF_RUNNING) !== 0 },
    } : {}),
  };
  const gna = src.gnaRouterCheck(link.name);
  if (gna !== undefined) {
    out.lastGnaRouterCheck = monotonicToTimeval(gna.atUs);
    out.gnaRouter = gna.router;
  }
  return out;
}

/** The live VrrpDumpRuntime for core's dumpForProcess / dataFileForProcess. */
export function buildVrrpDumpRuntime(src: DumpSources): VrrpDumpRuntime {
  const byName = new Map(src.instances.map((i) => [i.name, i]));
  const owned = ownedAddresses(src.config);
  return {
    instance: (name) => {
      const rt = byName.get(name);
      return rt === undefined ? undefined : instanceRuntime(rt);
    },
    sockets: [...src.sockets].map(socketRuntime),
    interfaces: src.table ? [...src.table.links()].sort((a, b) => a.ifindex - b.ifindex).map((l) => interfaceRuntime(l, src, owned)) : [],
    syncGroup: (name) => {
      const g = src.groups.find((x) => x.name === name);
      if (g === undefined) return undefined;
      return {
        state: g.state as 'INIT',
        numMemberFault: g.members.filter((m) => !m.isUp).length,
        numMemberInit: g.members.filter((m) => m.state === 'INIT').length,
      };
    },
    script: (name) => {
      const s = src.script(name);
      return s === undefined ? undefined : { result: s.result, initState: s.initDone ? 'unknown' : 'INIT', state: s.running ? 'running' : 'idle' };
    },
    trackFile: (name) => src.trackFile(name),
    trackProcess: (name) => {
      const p = src.trackProcess(name);
      return p === undefined ? undefined : { ...p, forkTimerRunning: false, terminateTimerRunning: false };
    },
  };
}

/** Options for dumpForProcess / dataFileForProcess as the running child prints them. */
export function vrrpDumpOptions(src: DumpSources): ProcessDumpOptions {
  return { vrrp: buildVrrpDumpRuntime(src), resolveScriptPath };
}

// ----------------------------------------------------------------- JSON

/** json_writer.c jsonw_puts: note '/' is escaped and '\\' becomes "\n" (sic). */
export function jsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    switch (ch) {
      case '\t': out += '\\t'; break;
      case '\n': out += '\\n'; break;
      case '\r': out += '\\r'; break;
      case '\f': out += '\\f'; break;
      case '\b': out += '\\b'; break;
      case '\\': out += '\\n'; break;
      case '"': out += '\\"'; break;
      case '/': out += '\\/'; break;
      default: out += ch;
    }
  }
  return `${out}"`;
}

/** printf("%g"). */
function g(v: number): string {
  return String(Number(v.toPrecision(6)));
}

const STATE_NUMBER: Readonly<Record<string, number>> = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3, STOP: 98, DELETED: 97 };

function instanceJson(rt: InstanceRuntime, config: KeepalivedConfig, opts: ScriptFormatOptions): string {
  const c = rt.cfg;
  const f = rt.fsm;
  const parts: string[] = [];
  const str = (k: string, v: string): void => { parts.push(`"${k}":${jsonString(v)}`); };
  const num = (k: string, v: number | string): void => { parts.push(`"${k}":${v}`); };
  const bool = (k: string, v: boolean): void => { parts.push(`"${k}":${v ? 'true' : 'false'}`); };
  const arr = (k: string, list: string[]): void => { if (list.length) parts.push(`"${k}":[${list.map(jsonString).join(',')}]`); };
  const lt = f.lastTransitionUs ? monotonicToTimeval(f.lastTransitionUs) : { sec: 0, usec: 0 };
  str('iname', c.name);
  num('dont_track_primary', c.dontTrackPrimary ? 1 : 0);
  num('skip_check_adv_addr', c.skipCheckAdvAddr ? 1 : 0);
  num('strict_mode', c.strictMode ? 1 : 0);
  str('vmac_ifname', c.useVmac ? (c.vmacInterfaceName ?? `vrrp.${c.virtualRouterId}`) : '');
  str('ifp_ifname', rt.iface.ifname);
  num('master_priority', f.masterPriority);
  num('last_transition', `${lt.sec}.${String(lt.usec).padStart(6, '0')}`);
  num('garp_delay', g(c.garpMasterDelayUs / 1e6));
  num('garp_refresh', c.garpMasterRefreshSec);
  num('garp_rep', c.garpMasterRepeat);
  num('garp_refresh_rep', c.garpMasterRefreshRepeat);
  num('garp_lower_prio_delay', Math.floor(c.garpLowerPrioDelayUs / 1e6));
  num('garp_lower_prio_rep', c.garpLowerPrioRepeat);
  num('lower_prio_no_advert', c.lowerPrioNoAdvert ? 1 : 0);
  num('higher_prio_send_advert', c.higherPrioSendAdvert ? 1 : 0);
  num('vrid', c.virtualRouterId);
  num('base_priority', f.basePriority);
  num('effective_priority', f.effectivePriority);
  bool('vipset', f.vipSet);
  bool('promote_secondaries', c.promoteSecondaries);
  num('adver_int', g(f.adverIntUs / 1e6));
  num('master_adver_int', g(f.masterAdverIntUs / 1e6));
  num('accept', c.accept ? 1 : 0);
  bool('nopreempt', c.nopreempt);
  num('preempt_delay', Math.floor(c.preemptDelayUs / 1e6));
  num('state', STATE_NUMBER[f.state] ?? 0);
  num('wantstate', STATE_NUMBER[f.wantstate] ?? 0);
  num('version', c.version);
  bool('smtp_alert', c.smtpAlert ?? false);
  bool('notify_deleted', c.notifyDeleted);
  const scripts: [string, typeof c.notify][] = [
    ['script_backup', c.notifyBackup], ['script_master', c.notifyMaster], ['script_fault', c.notifyFault],
    ['script_stop', c.notifyStop], ['script_deleted', c.notifyDeletedScript], ['script', c.notify],
    ['script_master_rx_lower_pri', c.notifyMasterRxLowerPri],
  ];
  for (const [k, s] of scripts) if (s) str(k, cmdStr(s, opts));
  const dev = c.interface ?? '(null)';
  const vipsOn = f.vipSet;
  arr('vips', c.virtualIpaddress.map((a) => formatAddress(a, a.dev ?? dev, vipsOn)));
  arr('evips', c.virtualIpaddressExcluded.map((a) => formatAddress(a, a.dev ?? dev, vipsOn)));
  arr('vroutes', c.virtualRoutes.map((r) => formatRoute(r)));
  arr('vrules', c.virtualRules.map((r) => formatRule(r, undefined)));
  arr('track_ifp', c.trackInterfaces.map((t) => t.name));
  arr('track_script', c.trackScripts.flatMap((t) => {
    const s = config.vrrpScripts.find((x) => x.name === t.name);
    return s ? [cmdStr(s.script, opts)] : [];
  }));
  const authType = c.version === 2 ? (c.authType === 'PASS' ? 1 : c.authType === 'AH' ? 2 : 0) : 0;
  num('auth_type', authType);
  if (authType !== 0) str('auth_data', (c.authPass ?? '').slice(0, 8));
  return `{"data":{${parts.join(',')}},"stats":${renderVrrpStatsJson(rt.stats)}}`;
}

/** keepalived.json (vrrp_json_dump): one array on one line. */
export function renderVrrpJson(instances: readonly InstanceRuntime[], config: KeepalivedConfig): string {
  const opts: ScriptFormatOptions = { resolveScriptPath };
  return `[${instances.map((i) => instanceJson(i, config, opts)).join(',')}]\n`;
}
