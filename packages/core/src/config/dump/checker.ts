/**
 * The checker process's dump after the global definitions (check_data.c
 * dump_check_data): "SSL definitions", "LVS Topology" (virtual server groups,
 * virtual and real servers), "Health checkers".
 */
import type { GlobalDefs, KeepalivedConfig, RealServer, VirtualServer, VirtualServerGroup } from '../model/index.js';
import { cmdStr, formatDecimalUs, trio, uidGid, type ScriptFormatOptions } from './format.js';
import type { CheckerDumpRuntime, RealServerRuntime, VirtualServerRuntime } from './checker-runtime.js';
import { dumpHealthCheckers } from './checker-health.js';

/** IP_VS_VERSION_CODE of the kernel headers keepalived 2.2.7 is built with. */
export const LVS_VERSION = '1.2.1';
const DEFAULT_CONNECT_TIMEOUT_US = 5_000_000;
const IPVS_WEIGHT_MAX = 65535;

export const realWeight = (w: number): number => (w < 0 ? 0 : w > IPVS_WEIGHT_MAX ? IPVS_WEIGHT_MAX : w);

/** FMT_VS */
export function formatVs(vs: VirtualServer): string {
  if (vs.kind === 'group') return `[${vs.group}]:0`;
  if (vs.kind === 'fwmark') return `FWM ${vs.fwmark}`;
  return trio(vs.address ?? '', vs.protocol, vs.port ?? 0);
}

/** An fwmark service has no ports: keepalived clears them on its real servers. */
export const rsPort = (vs: VirtualServer, rs: RealServer): number => (vs.kind === 'fwmark' ? 0 : rs.port ?? vs.port ?? 0);

/** FMT_RS */
export function formatRs(vs: VirtualServer, rs: RealServer): string {
  return trio(rs.address, vs.kind === 'fwmark' ? undefined : vs.protocol, rsPort(vs, rs));
}

function familyOf(address: string): 'inet' | 'inet6' {
  return address.includes(':') ? 'inet6' : 'inet';
}

/** The start-up state keepalived has when it prints -d: alpha servers start down, the rest up. */
export function initialRealServerState(vs: VirtualServer, rs: RealServer): RealServerRuntime {
  const alpha = rs.alpha ?? vs.alpha ?? false;
  const down = alpha && rs.checkers.length > 0;
  return { effectiveWeight: rs.weight, previousEffectiveWeight: 0, alive: !down, numFailedCheckers: down ? rs.checkers.length : 0, set: !down };
}

export function initialVirtualServerState(vs: VirtualServer): VirtualServerRuntime {
  const aliveWeight = vs.realServers.reduce((sum, rs) => sum + (initialRealServerState(vs, rs).alive ? realWeight(rs.weight) : 0), 0);
  return { alive: true, quorumUp: aliveWeight >= vs.quorum };
}

function forwarding(prefix: string, method: string, tunnel: string[]): string {
  if (method !== 'TUN') return `   ${prefix}forwarding method = ${method}`;
  const type = tunnel.find((w) => ['ipip', 'gue', 'gre'].includes(w.toLowerCase()))?.toUpperCase() ?? 'IPIP';
  return `   ${prefix}forwarding method = TUN, type = ${type}`;
}

function smtpOf(explicit: boolean | undefined, g: GlobalDefs, fallback: boolean): boolean {
  return explicit ?? g.smtpAlertChecker ?? g.smtpAlert ?? fallback;
}

function dumpVsg(g: VirtualServerGroup, rt: CheckerDumpRuntime | undefined): string[] {
  const entries = g.entries.map((words, index) => ({ words, index }));
  const families = new Set(g.entries.map((w) => (w[0] === 'fwmark' ? w[2] ?? 'inet' : familyOf(w[0] ?? ''))));
  const out = [' ------< Virtual server group >------',
    ` Virtual Server Group = ${g.name}, IPv4 = ${families.has('inet') ? 'yes' : 'no'}, IPv6 = ${families.has('inet6') ? 'yes' : 'no'}`];
  // keepalived keeps address ranges and fwmarks in two lists
  const ordered = [...entries.filter((e) => e.words[0] !== 'fwmark'), ...entries.filter((e) => e.words[0] === 'fwmark')];
  for (const { words, index } of ordered) {
    const live = rt?.vsgEntry?.(g.name, index);
    if (words[0] === 'fwmark') {
      const fam = words[2] === 'inet' ? ' IPv4' : words[2] === 'inet6' ? ' IPv6' : '';
      out.push(`   FWMARK = ${words[1]}${fam}`, `     Alive: ${live?.fwm4Alive ?? 0} IPv4, ${live?.fwm6Alive ?? 0} IPv6`);
    } else {
      const [range = '', port = '0'] = words;
      const m = /^(.*?)-(\d+)$/.exec(range);
      if (m && !range.includes(':')) {
        const start = m[1]!;
        const end = `${start.split('.').slice(0, 3).join('.')}.${m[2]}`;
        out.push(`   VIP Range = ${start}-${end}, VPORT = ${port}`);
      } else out.push(`   VIP = ${range}, VPORT = ${port}`);
      out.push(`     Alive: ${live?.tcpAlive ?? 0} tcp, ${live?.udpAlive ?? 0} udp, ${live?.sctpAlive ?? 0} sctp`);
    }
    out.push(`     reloaded = ${live?.reloaded ? 'True' : 'False'}`);
  }
  return out;
}

function dumpRs(vs: VirtualServer, rs: RealServer, live: RealServerRuntime, g: GlobalDefs, o: ScriptFormatOptions): string[] {
  const out = ['   ------< Real server >------',
    `   RIP = ${rs.address}, RPORT = ${rsPort(vs, rs)}, WEIGHT = ${realWeight(live.effectiveWeight)} EFF WEIGHT = ${live.effectiveWeight}`,
    forwarding('', rs.lvsMethod ?? vs.lbKind, rs.tunnel),
    `   Alpha is ${rs.alpha ?? vs.alpha ?? false ? 'ON' : 'OFF'}`,
    `   connection timeout = ${formatDecimalUs(rs.connectTimeoutUs ?? vs.connectTimeoutUs ?? DEFAULT_CONNECT_TIMEOUT_US)}`,
    `   connection limit range = ${rs.lthreshold ?? 0} -> ${rs.uthreshold ?? 0}`,
    `   Delay loop = ${formatDecimalUs(rs.delayLoopUs ?? vs.delayLoopUs ?? 60_000_000)}`];
  const retry = rs.retry ?? vs.retry;
  if (retry !== undefined) out.push(`   Retry count = ${retry}`);
  const dbr = rs.delayBeforeRetryUs ?? vs.delayBeforeRetryUs;
  if (dbr !== undefined) out.push(`   Retry delay = ${formatDecimalUs(dbr)}`);
  const warmup = rs.warmupUs ?? vs.warmupUs;
  if (warmup !== undefined) out.push(`   Warmup = ${formatDecimalUs(warmup)}`);
  out.push(`   Inhibit on failure is ${rs.inhibitOnFailure ?? vs.inhibitOnFailure ?? false ? 'ON' : 'OFF'}`);
  if (rs.notifyUp) out.push(`     RS up notify script = ${cmdStr(rs.notifyUp, o)}, uid:gid ${uidGid(rs.notifyUp, o)}`);
  if (rs.notifyDown) out.push(`     RS down notify script = ${cmdStr(rs.notifyDown, o)}, uid:gid ${uidGid(rs.notifyDown, o)}`);
  if (rs.virtualhost) out.push(`    VirtualHost = '${rs.virtualhost}'`);
  if (rs.snmpName) out.push(`   SNMP name = ${rs.snmpName}`);
  out.push(`   Using smtp notification = ${smtpOf(rs.smtpAlert, g, true) ? 'yes' : 'no'}`,
    `   initial weight = ${rs.weight}`, `   effective weight = ${live.effectiveWeight}`,
    `   previous effective_weight = ${live.previousEffectiveWeight}`, `   alive = ${live.alive ? 1 : 0}`,
    `   num failed checkers = ${live.numFailedCheckers}`, `   RS set = ${live.set ? 1 : 0}`, `   reloaded = ${live.reloaded ? 1 : 0}`);
  return out;
}

const SCHED_FLAG_NAMES: Record<string, [string, string, string] | [string, string]> = {
  sh: ['sh-port', 'sh-fallback'], mh: ['mh-port', 'mh-fallback'],
};

export function dumpVs(vs: VirtualServer, vsIndex: number, config: KeepalivedConfig, rt: CheckerDumpRuntime | undefined, o: ScriptFormatOptions): string[] {
  const g = config.global;
  const live = rt?.virtualServer?.(vsIndex) ?? initialVirtualServerState(vs);
  const out = [' ------< Virtual server >------'];
  if (vs.kind === 'group') out.push(` VS GROUP = ${formatVs(vs)}`);
  else if (vs.kind === 'fwmark') out.push(` VS FWMARK = ${vs.fwmark}`);
  else out.push(` VS VIP = ${vs.address}, VPORT = ${vs.port ?? 0}`);
  const w = (s: string): void => { out.push(`   ${s}`); };
  if (vs.virtualhost) w(`VirtualHost = ${vs.virtualhost}`);
  if (vs.snmpName) w(`SNMP name = '${vs.snmpName}'`);
  const af = vs.ipFamily ?? (vs.address ? familyOf(vs.address) : vs.realServers[0] ? familyOf(vs.realServers[0].address) : undefined);
  w(af ? `Address family = ${af}` : 'Address family = unknown');
  w(`connection timeout = ${formatDecimalUs(vs.connectTimeoutUs ?? DEFAULT_CONNECT_TIMEOUT_US)}`);
  w(`delay_loop = ${formatDecimalUs(vs.delayLoopUs ?? 60_000_000)}`);
  w(`lvs_sched = ${vs.lbAlgo}`);
  const flags = new Set(vs.lbFlags);
  const ed = (on: boolean): string => (on ? 'enabled' : 'disabled');
  w(`Hashed = ${ed(flags.has('hashed'))}`);
  const names = SCHED_FLAG_NAMES[vs.lbAlgo];
  if (names) for (const n of names) w(`${n} = ${ed(flags.has(n))}`);
  else for (const n of ['flag-1', 'flag-2', 'flag-3']) w(`${n} = ${ed(flags.has(n))}`);
  const ops = flags.has('ops');
  w(`One packet scheduling = ${ed(ops)}${ops && vs.protocol !== 'UDP' ? ' (inactive due to not UDP)' : ''}`);
  if (vs.persistenceTimeoutSec) w(`persistence timeout = ${vs.persistenceTimeoutSec}`);
  if (vs.persistenceGranularity !== undefined) w(`persistence granularity = ${vs.persistenceGranularity}`);
  w(`protocol = ${vs.kind === 'fwmark' || !vs.protocol ? 'none' : vs.protocol}`);
  w(`alpha is ${vs.alpha ? 'ON' : 'OFF'}`);
  w(`omega is ${vs.omega ? 'ON' : 'OFF'}`);
  if (vs.retry !== undefined) w(`Retry count = ${vs.retry}`);
  if (vs.delayBeforeRetryUs !== undefined) w(`Retry delay = ${formatDecimalUs(vs.delayBeforeRetryUs)}`);
  if (vs.warmupUs !== undefined) w(`Warmup = ${formatDecimalUs(vs.warmupUs)}`);
  w(`Inhibit on failure is ${vs.inhibitOnFailure ? 'ON' : 'OFF'}`);
  w(`quorum = ${vs.quorum}, hysteresis = ${vs.hysteresis}`);
  if (vs.quorumUp) w(`Quorum up notify script = ${cmdStr(vs.quorumUp, o)}, uid:gid ${uidGid(vs.quorumUp, o)}`);
  if (vs.quorumDown) w(`Quorum down notify script = ${cmdStr(vs.quorumDown, o)}, uid:gid ${uidGid(vs.quorumDown, o)}`);
  if (vs.haSuspend) w('Using HA suspend');
  w(`Using smtp notification = ${smtpOf(vs.smtpAlert, g, false) ? 'yes' : 'no'}`);
  out.push(forwarding('default ', vs.lbKind, []));
  if (vs.sorryServer) {
    const port = vs.kind === 'fwmark' ? 0 : vs.port ?? 0;
    const sorry = { address: vs.sorryServer.address, port } as RealServer;
    const dup = vs.realServers.some((rs) => rs.address === sorry.address && rsPort(vs, rs) === port);
    w(`sorry server ${dup ? '(duplicates rs) ' : ''}= ${formatRs(vs, sorry)}`);
    out.push(forwarding('  ', vs.sorryServerLvsMethod ?? vs.lbKind, []));
    out.push(`     Inhibit on failure is ${vs.sorryServerInhibit ? 'ON' : 'OFF'}`);
  }
  w(`alive = ${live.alive ? 1 : 0}`);
  w(`quorum_state_up = ${live.quorumUp ? 1 : 0}`);
  w(`reloaded = ${live.reloaded ? 1 : 0}`);
  vs.realServers.forEach((rs, rsIndex) => {
    out.push(...dumpRs(vs, rs, rt?.realServer?.(vsIndex, rsIndex) ?? initialRealServerState(vs, rs), g, o));
  });
  return out;
}

export function dumpSsl(config: KeepalivedConfig): string[] {
  const ssl = config.ssl;
  if (!ssl) return [];
  const out = ['------< SSL definitions >------'];
  if (!ssl.password && !ssl.ca && !ssl.certificate && !ssl.key) return [...out, ' Using autogen SSL context'];
  if (ssl.password) out.push(` Password : ${ssl.password}`);
  if (ssl.ca) out.push(` CA-file : ${ssl.ca}`);
  if (ssl.certificate) out.push(` Certificate file : ${ssl.certificate}`);
  if (ssl.key) out.push(` Key file : ${ssl.key}`);
  return out;
}

/** dump_check_data: everything the checker process prints after the global definitions. */
export function dumpCheckData(config: KeepalivedConfig, rt?: CheckerDumpRuntime, o: ScriptFormatOptions = {}): string[] {
  const out = dumpSsl(config);
  if (config.virtualServers.length) {
    out.push('------< LVS Topology >------', ` System is compiled with LVS v${LVS_VERSION}`);
    for (const g of config.virtualServerGroups) out.push(...dumpVsg(g, rt));
    config.virtualServers.forEach((vs, i) => out.push(...dumpVs(vs, i, config, rt, o)));
  }
  out.push(...dumpHealthCheckers(config, rt, o));
  return out;
}
