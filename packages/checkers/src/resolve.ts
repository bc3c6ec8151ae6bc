/**
 * keepalived's configuration defaults and inheritance (check_data.c
 * validate_check_config): VS -> RS -> checker, port rules for fwmark and
 * non-NAT services, quorum/hysteresis clamping. Pure: returns warnings
 * with keepalived's texts instead of logging them.
 */
import { formatRs, formatVs, ipFamily } from './format.js';
import type {
  CheckerSettings,
  CommonCheckerSettings,
  CheckerType,
  LbKind,
  RealServerSettings,
  ServiceProtocol,
  VirtualServerSettings,
  VsGroupEntrySettings,
  VsGroupSettings,
} from './model.js';

export const DEFAULT_DELAY_LOOP_S = 60;
export const DEFAULT_CONNECT_TIMEOUT_S = 5;
/** IPVS weights are 32-bit in keepalived (IPVS_WEIGHT_LIMIT = INT32_MAX). */
export const IPVS_WEIGHT_LIMIT = 2147483647;
/** keepalived's IPVS_SVC_PERSISTENT_TIMEOUT, forced on a group with a port-less address entry. */
export const IPVS_SVC_PERSISTENT_TIMEOUT_S = 360;

export interface CheckerTiming {
  delayLoopMs: number;
  warmupMs: number;
  retry: number;
  delayBeforeRetryMs: number;
  connectTimeoutMs: number;
  alpha: boolean;
  logAllFailures: boolean;
}

export interface Endpoint {
  ip: string;
  port: number;
  family: 4 | 6;
}

export interface ResolvedChecker {
  settings: CheckerSettings;
  timing: CheckerTiming;
  dst: Endpoint;
  bindIp?: string;
  bindPort?: number;
  bindIf?: string;
  fwmark?: number;
  /** VS delay_loop (MISC_CHECK's default misc_timeout). */
  vsDelayLoopMs: number;
  /** Virtualhost inherited from RS / VS (HTTP). */
  virtualhost?: string;
}

export interface ResolvedRealServer {
  ip: string;
  port: number;
  weight: number;
  inhibit: boolean;
  alpha: boolean;
  notifyUp?: string;
  notifyDown?: string;
  lbKind: LbKind;
  label: string;
  checkers: ResolvedChecker[];
  smtpAlert: boolean;
}

export interface ResolvedSorryServer {
  ip: string;
  port: number;
  inhibit: boolean;
  lbKind: LbKind;
  weight: number;
  label: string;
}

export interface ResolvedVirtualServer {
  ip?: string;
  port: number;
  fwmark?: number;
  protocol: ServiceProtocol;
  family: 4 | 6;
  lbAlgo: string;
  lbKind: LbKind;
  persistenceTimeout?: number;
  delayLoopMs: number;
  omega: boolean;
  quorum: number;
  hysteresis: number;
  quorumUp?: string;
  smtpAlert: boolean;
  haSuspend: boolean;
  quorumDown?: string;
  sorry?: ResolvedSorryServer;
  label: string;
  realServers: ResolvedRealServer[];
  /** virtual_server group: the members that each get a kernel service with this VS's destinations. */
  group?: VsGroupSettings;
}

const DEFAULT_RETRY: Record<CheckerType, number> = {
  TCP_CHECK: 1,
  HTTP_GET: 1,
  SSL_GET: 1,
  SMTP_CHECK: 1,
  DNS_CHECK: 3,
  UDP_CHECK: 1,
  PING_CHECK: 1,
  MISC_CHECK: 0,
  FILE_CHECK: 0,
};

/** 0 means "use the checker's delay_loop" (DNS_CHECK). */
const DEFAULT_DELAY_BEFORE_RETRY_S: Record<CheckerType, number> = {
  TCP_CHECK: 1,
  HTTP_GET: 3,
  SSL_GET: 3,
  SMTP_CHECK: 1,
  DNS_CHECK: 0,
  UDP_CHECK: 1,
  PING_CHECK: 1,
  MISC_CHECK: 1,
  FILE_CHECK: 1,
};

const s2ms = (s: number): number => Math.round(s * 1000);

export function resolveCheckerTiming(
  c: CheckerSettings,
  rs: RealServerSettings,
  vs: VirtualServerSettings,
  globalLogAll = false,
): CheckerTiming {
  const common: Partial<CommonCheckerSettings> = c.type === 'FILE_CHECK' ? {} : c;
  const vsDelay = vs.delayLoop ?? DEFAULT_DELAY_LOOP_S;
  const rsDelay = rs.delayLoop ?? vsDelay;
  const delayLoop = common.delayLoop ?? rsDelay;
  const rsRetry = rs.retry ?? vs.retry;
  const rsWarmup = rs.warmup ?? vs.warmup;
  const rsDbr = rs.delayBeforeRetry ?? vs.delayBeforeRetry;
  const rsTimeout = rs.connectTimeout ?? vs.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_S;
  const defaultDbr = DEFAULT_DELAY_BEFORE_RETRY_S[c.type];
  return {
    delayLoopMs: s2ms(delayLoop),
    warmupMs: s2ms(common.warmup ?? rsWarmup ?? delayLoop),
    retry: common.retry ?? rsRetry ?? DEFAULT_RETRY[c.type],
    delayBeforeRetryMs: s2ms(common.delayBeforeRetry ?? rsDbr ?? (defaultDbr !== 0 ? defaultDbr : delayLoop)),
    connectTimeoutMs: s2ms(common.connectTimeout ?? rsTimeout),
    alpha: c.type === 'FILE_CHECK' ? false : (common.alpha ?? rs.alpha ?? vs.alpha ?? false),
    logAllFailures: globalLogAll || (c.logAllFailures ?? false),
  };
}

export interface ResolveResult {
  virtualServers: ResolvedVirtualServer[];
  /** Config warnings, keepalived's wording. */
  warnings: string[];
}

export function resolveVirtualServers(vss: VirtualServerSettings[], globalLogAll = false): ResolveResult {
  const warnings: string[] = [];
  const out = vss.map((vs) => resolveVirtualServer(vs, globalLogAll, warnings));
  return { virtualServers: out, warnings };
}

function resolveVirtualServer(
  vs: VirtualServerSettings,
  globalLogAll: boolean,
  warnings: string[],
): ResolvedVirtualServer {
  const group = vs.group;
  const groupHasAddresses = group?.entries.some((e) => 'address' in e) ?? false;
  const isFwmark = group ? !groupHasAddresses : vs.fwmark !== undefined;
  const protocol: ServiceProtocol = isFwmark ? 'none' : (vs.protocol ?? 'tcp');
  // a group has no address of its own: keepalived prints "[NAME]:0"
  const vsPort = isFwmark || group ? 0 : (vs.port ?? 0);
  const id = { ip: vs.ip, port: vsPort, fwmark: vs.fwmark, protocol, ...(group ? { group: group.name } : {}) };
  const label = formatVs(id);
  if (isFwmark && vs.protocol !== undefined && vs.protocol !== 'none') {
    warnings.push(`Warning: Virtual server ${label}: protocol specified for fwmark - protocol will be ignored`);
  }
  let persistenceTimeout = vs.persistenceTimeout;
  if (group && !persistenceTimeout && group.entries.some((e) => 'address' in e && !e.port)) {
    warnings.push(`Virtual server ${label}: zero port only valid for persistent services - setting`);
    persistenceTimeout = IPVS_SVC_PERSISTENT_TIMEOUT_S;
  }
  const vsLbKind: LbKind = vs.lbKind ?? 'NAT';
  const realServers: ResolvedRealServer[] = [];
  let weightSum = 0;
  for (const rs of vs.realServers) {
    const lbKind = rs.lbKind ?? vsLbKind;
    let port = rs.port ?? 0;
    if (group) {
      // a group's members may have different ports: the RS keeps its own (checked after quorum below)
    } else if (lbKind === 'NAT') {
      if (!isFwmark && port === 0) port = vsPort;
    } else if (isFwmark) {
      if (port !== 0) {
        warnings.push(
          `WARNING - fwmark virtual server ${label}, real server ${formatRs({ ip: rs.ip, port }, { protocol })} has port specified - clearing`,
        );
        port = 0;
      }
    } else if (port === 0) {
      port = vsPort;
    } else if (port !== vsPort) {
      warnings.push(
        `WARNING - virtual server ${label} and real server ${formatRs({ ip: rs.ip, port }, { protocol })} ports don't match - resetting`,
      );
      port = vsPort;
    }
    const weight = rs.weight ?? vs.weight ?? 1;
    weightSum += weight;
    // keepalived copies the RS address into the checker before the port rules run,
    // so a fwmark checker still connects to the configured port.
    const checkerPort = rs.port ?? vsPort;
    const checkers = rs.checkers.map((c) => resolveChecker(c, rs, vs, checkerPort, globalLogAll));
    realServers.push({
      ip: rs.ip,
      port,
      weight,
      inhibit: rs.inhibitOnFailure ?? vs.inhibitOnFailure ?? false,
      alpha: rs.alpha ?? vs.alpha ?? false,
      notifyUp: rs.notifyUp,
      notifyDown: rs.notifyDown,
      lbKind,
      label: formatRs({ ip: rs.ip, port }, { protocol }),
      checkers,
      smtpAlert: rs.smtpAlert ?? false,
    });
  }
  let quorum = vs.quorum ?? 1;
  if (quorum > weightSum) {
    warnings.push(
      `Warning - quorum ${quorum} for ${label} exceeds total weight of real servers ${weightSum}, reducing quorum to ${weightSum}`,
    );
    quorum = weightSum;
  }
  let hysteresis = vs.hysteresis ?? 0;
  if (hysteresis >= quorum && hysteresis > 0) {
    const h = Math.max(0, quorum - 1);
    warnings.push(`Virtual server ${label}: hysteresis ${hysteresis} >= quorum ${quorum}; setting hysteresis to ${h}`);
    hysteresis = h;
  }
  if (group) groupPortWarnings(vs, group, label, vsLbKind, protocol, warnings);
  let sorry: ResolvedSorryServer | undefined;
  if (vs.sorryServer) {
    const s = vs.sorryServer;
    const sk = s.lbKind ?? vsLbKind;
    let port = s.port ?? 0;
    if (group) {
      // ipvs_group_cmd sends each member's port for DR/TUN; the configured port stays
    } else if (sk !== 'NAT') {
      if (isFwmark) port = 0;
      else if (port === 0 || port !== vsPort) port = vsPort;
    } else if (!isFwmark && port === 0) port = vsPort;
    sorry = {
      ip: s.ip,
      port,
      inhibit: s.inhibit ?? false,
      lbKind: sk,
      weight: 1,
      label: formatRs({ ip: s.ip, port }, { protocol }),
    };
  }
  return {
    ip: vs.ip,
    port: vsPort,
    fwmark: vs.fwmark,
    protocol,
    family: vs.ip ? ipFamily(vs.ip) : (group && groupFamily(group)) || (realServers[0] ? ipFamily(realServers[0].ip) : 4),
    lbAlgo: vs.lbAlgo ?? 'wlc',
    lbKind: vsLbKind,
    persistenceTimeout,
    delayLoopMs: s2ms(vs.delayLoop ?? DEFAULT_DELAY_LOOP_S),
    omega: vs.omega ?? false,
    quorum,
    hysteresis,
    quorumUp: vs.quorumUp,
    quorumDown: vs.quorumDown,
    smtpAlert: vs.smtpAlert ?? false,
    haSuspend: vs.haSuspend ?? false,
    sorry,
    label,
    realServers,
    ...(group ? { group } : {}),
  };
}

/** keepalived's format_vsge: "192.0.2.1,80", "192.0.2.1-192.0.2.10,80" or "FWM 7". */
export function formatGroupEntry(e: VsGroupEntrySettings): string {
  if ('fwmark' in e) return `FWM ${e.fwmark}`;
  if (e.rangeEnd === undefined) return `${e.address},${e.port}`;
  return `${e.address}-${rangeEndAddress(e.address, e.rangeEnd)},${e.port}`;
}

/** The last address of a range entry, as text. */
export function rangeEndAddress(address: string, rangeEnd: number): string {
  if (ipFamily(address) === 4) return address.replace(/\.\d+$/, `.${rangeEnd}`);
  // the last 16-bit group of the fully expanded address
  const full = expandIpv6(address);
  full[7] = rangeEnd;
  return compressIpv6(full);
}

function expandIpv6(a: string): number[] {
  const [head, tail] = a.includes('::') ? a.split('::') as [string, string] : [a, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : new Array<string>(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((x) => parseInt(x, 16));
}

/** RFC 5952 text, as inet_ntop prints it. */
function compressIpv6(g: number[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

function groupFamily(group: VsGroupSettings): 4 | 6 | undefined {
  for (const e of group.entries) if ('address' in e) return ipFamily(e.address);
  for (const e of group.entries) if ('fwmark' in e && e.family) return e.family;
  return undefined;
}

/** check_data.c's port checks for a group VS (after the quorum checks, as keepalived orders them). */
function groupPortWarnings(
  vs: VirtualServerSettings, group: VsGroupSettings, label: string, vsLbKind: LbKind, protocol: ServiceProtocol, warnings: string[],
): void {
  const nonNat = vs.realServers.filter((rs) => (rs.lbKind ?? vsLbKind) !== 'NAT');
  const rsLabel = (rs: RealServerSettings) => formatRs({ ip: rs.ip, port: rs.port ?? 0 }, { protocol });
  const sorry = vs.sorryServer && (vs.sorryServer.lbKind ?? vsLbKind) !== 'NAT' && vs.sorryServer.port ? vs.sorryServer : undefined;
  if (group.entries.some((e) => 'fwmark' in e)) {
    for (const rs of nonNat) {
      if (rs.port) warnings.push(`WARNING - fwmark virtual server ${label}, real server ${rsLabel(rs)} has port specified - port will be ignored`);
    }
    if (sorry) warnings.push(`WARNING - fwmark virtual server ${label}, sorry server has port specified - port will be ignored`);
  }
  for (const e of group.entries) {
    if (!('address' in e)) continue;
    for (const rs of nonNat) {
      if (rs.port && rs.port !== e.port) {
        warnings.push(`virtual server ${label}:[${formatGroupEntry(e)}] and real server ${rsLabel(rs)} ports don't match`);
      }
    }
    if (sorry && sorry.port !== e.port) warnings.push(`WARNING - virtual server ${label}, sorry server has port specified - port will be ignored`);
  }
}

function resolveChecker(
  c: CheckerSettings,
  rs: RealServerSettings,
  vs: VirtualServerSettings,
  rsPort: number,
  globalLogAll: boolean,
): ResolvedChecker {
  const timing = resolveCheckerTiming(c, rs, vs, globalLogAll);
  const conn: Partial<CommonCheckerSettings> = c.type === 'FILE_CHECK' ? {} : c;
  const ip = conn.connectIp ?? rs.ip;
  const port = conn.connectPort ?? rsPort;
  return {
    settings: c,
    timing,
    dst: { ip, port, family: ipFamily(ip) },
    bindIp: conn.bindto,
    bindPort: conn.bindPort,
    bindIf: conn.bindIf,
    fwmark: conn.fwmark,
    vsDelayLoopMs: s2ms(vs.delayLoop ?? DEFAULT_DELAY_LOOP_S),
    virtualhost: rs.virtualhost ?? vs.virtualhost,
  };
}
