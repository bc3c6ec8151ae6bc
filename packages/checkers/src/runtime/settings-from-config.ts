/**
 * The built configuration (@keepalived-ts/core's KeepalivedConfig, times in
 * microseconds) mapped onto the health checkers' input model (times in
 * seconds, keywords in camelCase, "not configured" left undefined so that
 * resolve.ts applies keepalived's inheritance). Pure: problems come back as
 * warnings instead of being logged.
 */
import type { Checker, KeepalivedConfig, RealServer, ScriptCommand, VirtualServer } from '@keepalived-ts/core';
import type {
  CheckerSettings, CommonCheckerSettings, DnsQueryType, HealthCheckSettings, HttpUrlSettings, RealServerSettings,
  ServiceProtocol, VirtualServerSettings,
} from '../model.js';
import type { SslSettings } from '../http.js';
import { groupSettingsOf } from './vs-groups.js';

export interface MappedSettings {
  settings: HealthCheckSettings;
  /** global SSL block (HealthCheckDeps.ssl). */
  ssl?: SslSettings;
  /** settings.virtualServers[i] came from config.virtualServers[configIndex[i]] (dumps address servers by config position). */
  configIndex: number[];
  /** [vs][rs][checker in settings] -> index of the checker block in the configured real server. */
  checkerOrigin: number[][][];
  warnings: string[];
}

const seconds = (us: number | undefined): number | undefined => (us === undefined ? undefined : us / 1e6);

/** A notify script as one command line; words with blanks or quotes are re-quoted so splitCommand gives argv back. */
export function scriptLine(s: ScriptCommand | undefined): string | undefined {
  if (!s) return undefined;
  return s.args.map((a) => (/^[^\s'"\\]+$/.test(a) ? a : `'${a.replace(/'/g, `'"'"'`)}'`)).join(' ');
}

type CommonFields = Partial<Record<keyof CommonCheckerSettings, unknown>> & Checker;

function common(c: CommonFields): CommonCheckerSettings {
  const out: CommonCheckerSettings = {};
  if (c.connectIp !== undefined) out.connectIp = c.connectIp;
  if (c.connectPort !== undefined) out.connectPort = c.connectPort;
  if (c.bindTo !== undefined) out.bindto = c.bindTo;
  if (c.bindPort !== undefined) out.bindPort = c.bindPort;
  if (c.bindIf !== undefined) out.bindIf = c.bindIf;
  if (c.fwmark !== undefined) out.fwmark = c.fwmark;
  if (c.connectTimeoutUs !== undefined) out.connectTimeout = seconds(c.connectTimeoutUs);
  if (c.retry !== undefined) out.retry = c.retry;
  if (c.delayBeforeRetryUs !== undefined) out.delayBeforeRetry = seconds(c.delayBeforeRetryUs);
  if (c.warmupUs !== undefined) out.warmup = seconds(c.warmupUs);
  if (c.delayLoopUs !== undefined) out.delayLoop = seconds(c.delayLoopUs);
  if (c.alpha !== undefined) out.alpha = c.alpha;
  if (c.logAllFailures !== undefined) out.logAllFailures = c.logAllFailures;
  return out;
}

const DNS_TYPES = new Set<DnsQueryType>(['A', 'NS', 'CNAME', 'SOA', 'MX', 'TXT', 'AAAA', 'RRSIG', 'DNSKEY']);
const HTTP_PROTOCOLS = new Set(['1.0', '1.0C', '1.0c', '1.1']);

/** One configured checker block -> zero or more checker settings (an SMTP_CHECK has one checker per host block). */
export function mapChecker(c: Checker, config: KeepalivedConfig, where: string, warnings: string[]): CheckerSettings[] {
  switch (c.type) {
    case 'TCP_CHECK':
    case 'PING_CHECK':
      return [{ type: c.type, ...common(c) }];
    case 'HTTP_GET':
    case 'SSL_GET': {
      const url: HttpUrlSettings[] = c.urls.map((u) => {
        const o: HttpUrlSettings = { path: u.path ?? '/' };
        if (u.digest !== undefined) o.digest = u.digest;
        if (u.statusCode.length) o.statusCode = [...u.statusCode];
        if (u.virtualhost !== undefined) o.virtualhost = u.virtualhost;
        if (u.regex !== undefined) o.regex = u.regex;
        if (u.regexNoMatch) o.regexNoMatch = true;
        if (u.regexMinOffset !== undefined) o.regexMinOffset = u.regexMinOffset;
        if (u.regexMaxOffset !== undefined) o.regexMaxOffset = u.regexMaxOffset;
        return o;
      });
      const out: CheckerSettings = { type: c.type, ...common(c), url };
      if (c.virtualhost !== undefined) out.virtualhost = c.virtualhost;
      if (c.httpProtocol !== undefined) {
        if (HTTP_PROTOCOLS.has(c.httpProtocol)) out.httpProtocol = c.httpProtocol as '1.0';
        else warnings.push(`${where}: unknown http_protocol ${c.httpProtocol} - using 1.0`);
      }
      if (c.enableSni) out.enableSni = true;
      if (c.fastRecovery) out.fastRecovery = true;
      return [out];
    }
    case 'SMTP_CHECK': {
      const base = { type: 'SMTP_CHECK' as const, ...common(c), ...(c.heloName !== undefined ? { heloName: c.heloName } : {}) };
      if (!c.hosts.length) return [base];
      return c.hosts.map((h) => ({ ...base, ...common({ type: 'TCP_CHECK', ...h }) }));
    }
    case 'DNS_CHECK': {
      const queryType = c.queryType.toUpperCase() as DnsQueryType;
      if (!DNS_TYPES.has(queryType)) {
        warnings.push(`${where}: DNS_CHECK type ${c.queryType} is not supported - checker ignored`);
        return [];
      }
      return [{ type: 'DNS_CHECK', ...common(c), queryType, name: c.name }];
    }
    case 'UDP_CHECK': {
      const out: CheckerSettings = { type: 'UDP_CHECK', ...common(c) };
      if (c.payload !== undefined) out.payload = c.payload;
      // "require_reply" alone means any reply; with hex data the reply must match it
      if (c.requireReply !== undefined) out.requireReply = c.requireReply === '' ? true : c.requireReply;
      if (c.minReplyLength !== undefined) out.minReplyLength = c.minReplyLength;
      if (c.maxReplyLength !== undefined) out.maxReplyLength = c.maxReplyLength;
      return [out];
    }
    case 'MISC_CHECK': {
      if (!c.miscPath) {
        warnings.push(`${where}: MISC_CHECK without misc_path - checker ignored`);
        return [];
      }
      const out: CheckerSettings = { type: 'MISC_CHECK', ...common(c), miscPath: [...c.miscPath.args] };
      if (c.miscTimeoutUs !== undefined) out.miscTimeout = seconds(c.miscTimeoutUs);
      if (c.miscDynamic) out.miscDynamic = true;
      const user = c.user ?? c.miscPath.user;
      const group = c.group ?? c.miscPath.group;
      if (user !== undefined) out.user = group !== undefined ? `${user} ${group}` : user;
      return [out];
    }
    case 'FILE_CHECK': {
      const tf = config.trackFiles.find((f) => f.name === c.trackFile);
      if (!tf) {
        warnings.push(`${where}: FILE_CHECK track file ${c.trackFile ?? '(none)'} is not defined - checker ignored`);
        return [];
      }
      const out: CheckerSettings = { type: 'FILE_CHECK', file: tf.file, weight: c.weight ?? tf.weight, reverse: c.weightReverse || tf.weightReverse };
      if (c.logAllFailures !== undefined) out.logAllFailures = c.logAllFailures;
      return [out];
    }
    case 'BFD_CHECK':
      warnings.push(`${where}: BFD_CHECK is not supported by this health checker - checker ignored`);
      return [];
  }
}

function serverTiming(s: VirtualServer | RealServer): Partial<RealServerSettings> {
  const out: Partial<RealServerSettings> = {};
  if (s.delayLoopUs !== undefined) out.delayLoop = seconds(s.delayLoopUs);
  if (s.retry !== undefined) out.retry = s.retry;
  if (s.delayBeforeRetryUs !== undefined) out.delayBeforeRetry = seconds(s.delayBeforeRetryUs);
  if (s.warmupUs !== undefined) out.warmup = seconds(s.warmupUs);
  if (s.connectTimeoutUs !== undefined) out.connectTimeout = seconds(s.connectTimeoutUs);
  if (s.virtualhost !== undefined) out.virtualhost = s.virtualhost;
  if (s.inhibitOnFailure !== undefined) out.inhibitOnFailure = s.inhibitOnFailure;
  if (s.alpha !== undefined) out.alpha = s.alpha;
  return out;
}

function mapRealServer(rs: RealServer, config: KeepalivedConfig, vsLabel: string, warnings: string[], origin: number[]): RealServerSettings {
  const where = `VS ${vsLabel} real server ${rs.address}`;
  const out: RealServerSettings = {
    ip: rs.address,
    weight: rs.weight,
    ...serverTiming(rs),
    checkers: rs.checkers.flatMap((c, i) => {
      const mapped = mapChecker(c, config, where, warnings);
      for (const _ of mapped) origin.push(i);
      return mapped;
    }),
  };
  if (rs.port !== undefined) out.port = rs.port;
  if (rs.lvsMethod !== undefined) out.lbKind = rs.lvsMethod;
  // keepalived: a real server alerts unless told not to, a virtual server only when told to
  out.smtpAlert = rs.smtpAlert ?? config.global.smtpAlertChecker ?? config.global.smtpAlert ?? true;
  const up = scriptLine(rs.notifyUp);
  const down = scriptLine(rs.notifyDown);
  if (up) out.notifyUp = up;
  if (down) out.notifyDown = down;
  return out;
}

function vsLabelOf(vs: VirtualServer): string {
  if (vs.kind === 'fwmark') return `FWM ${vs.fwmark}`;
  if (vs.kind === 'group') return `[${vs.group}]:${vs.port ?? 0}`;
  return `[${vs.address}]:${(vs.protocol ?? 'udp').toLowerCase()}:${vs.port ?? 0}`;
}

export function mapVirtualServer(
  vs: VirtualServer, config: KeepalivedConfig, warnings: string[], origins: number[][] = [],
): VirtualServerSettings {
  const label = vsLabelOf(vs);
  const out: VirtualServerSettings = {
    lbAlgo: vs.lbAlgo,
    lbKind: vs.lbKind,
    quorum: vs.quorum,
    hysteresis: vs.hysteresis,
    ...serverTiming(vs),
    realServers: vs.realServers.map((rs) => {
      const origin: number[] = [];
      origins.push(origin);
      return mapRealServer(rs, config, label, warnings, origin);
    }),
  };
  if (vs.kind === 'fwmark') out.fwmark = vs.fwmark;
  else if (vs.kind === 'group') {
    // the group itself is attached by checkerSettingsFromConfig; a protocol only matters for address members
    if (vs.protocol !== undefined) out.protocol = vs.protocol.toLowerCase() as ServiceProtocol;
  } else {
    out.ip = vs.address;
    out.port = vs.port ?? 0;
    out.protocol = (vs.protocol ?? 'UDP').toLowerCase() as ServiceProtocol;
  }
  if (vs.persistenceTimeoutSec !== undefined) out.persistenceTimeout = vs.persistenceTimeoutSec;
  if (vs.persistenceGranularity !== undefined) out.persistenceGranularity = vs.persistenceGranularity;
  if (vs.omega) out.omega = true;
  if (vs.haSuspend) out.haSuspend = true;
  out.smtpAlert = vs.smtpAlert ?? config.global.smtpAlertChecker ?? config.global.smtpAlert ?? false;
  if (vs.weight !== undefined) out.weight = vs.weight;
  const up = scriptLine(vs.quorumUp);
  const down = scriptLine(vs.quorumDown);
  if (up) out.quorumUp = up;
  if (down) out.quorumDown = down;
  if (vs.sorryServer) {
    out.sorryServer = { ip: vs.sorryServer.address, inhibit: vs.sorryServerInhibit ?? false };
    if (vs.sorryServer.port !== undefined) out.sorryServer.port = vs.sorryServer.port;
    if (vs.sorryServerLvsMethod !== undefined) out.sorryServer.lbKind = vs.sorryServerLvsMethod;
  }
  return out;
}

/** KeepalivedConfig -> HealthCheckSettings (+ SSL and the position map for dumps). */
export function checkerSettingsFromConfig(config: KeepalivedConfig): MappedSettings {
  const warnings: string[] = [];
  const virtualServers: VirtualServerSettings[] = [];
  const configIndex: number[] = [];
  const checkerOrigin: number[][][] = [];
  config.virtualServers.forEach((vs, i) => {
    const origins: number[][] = [];
    let group: VirtualServerSettings['group'];
    if (vs.kind === 'group') {
      const configured = config.virtualServerGroups.find((g) => g.name === vs.group);
      group = configured && groupSettingsOf(configured, warnings);
      if (!group) {
        warnings.push(`Virtual server group ${vs.group} specified but not configured - ignoring virtual server ${vsLabelOf(vs)}`);
        return;
      }
    }
    const mapped = mapVirtualServer(vs, config, warnings, origins);
    if (group) {
      mapped.group = group;
      // keepalived defaults an address service without a protocol to UDP; fwmark-only groups have none
      if (mapped.protocol === undefined && group.entries.some((e) => 'address' in e)) mapped.protocol = 'udp';
    }
    virtualServers.push(mapped);
    configIndex.push(i);
    checkerOrigin.push(origins);
  });
  const g = config.global;
  const globals: HealthCheckSettings['globals'] = {
    checkerLogAllFailures: g.checkerLogAllFailures,
    rsInitNotifies: g.rsInitNotifies,
  };
  if (g.lvsNotifyFifo.name) globals.lvsNotifyFifo = g.lvsNotifyFifo.name;
  if (g.notifyFifo.name) globals.notifyFifo = g.notifyFifo.name;
  const out: MappedSettings = { settings: { globals, virtualServers }, configIndex, checkerOrigin, warnings };
  if (config.ssl) {
    const ssl: SslSettings = {};
    if (config.ssl.ca) ssl.ca = config.ssl.ca;
    if (config.ssl.certificate) ssl.certificate = config.ssl.certificate;
    if (config.ssl.key) ssl.key = config.ssl.key;
    if (config.ssl.password) ssl.password = config.ssl.password;
    out.ssl = ssl;
  }
  return out;
}
