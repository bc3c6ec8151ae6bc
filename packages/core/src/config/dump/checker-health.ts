/** "------< Health checkers >------" (check_api.c dump_checker and each checker's dump function). */
import type { Checker, HttpUrl, KeepalivedConfig, RealServer, VirtualServer } from '../model/index.js';
import { cmdStr, fixed6, timevalCtime24, uidGid, type ScriptFormatOptions } from './format.js';
import type { CheckerDumpRuntime, CheckerStateRuntime } from './checker-runtime.js';
import { formatRs, formatVs, rsPort } from './checker.js';

const DEFAULT_CONNECT_TIMEOUT_US = 5_000_000;
const SMTP_DEFAULT_HELO = 'smtpchecker.keepalived.org';

/** keepalived's per-type defaults (queue_checker and the checkers' *_handler_end). */
function defaultRetry(c: Checker): number {
  return c.type === 'MISC_CHECK' ? 0 : c.type === 'DNS_CHECK' ? 3 : 1;
}
function defaultDelayBeforeRetryUs(c: Checker): number {
  return c.type === 'HTTP_GET' || c.type === 'SSL_GET' ? 3_000_000 : c.type === 'DNS_CHECK' ? 0 : 1_000_000;
}
const hasConnection = (c: Checker): boolean => !['MISC_CHECK', 'FILE_CHECK', 'BFD_CHECK'].includes(c.type);

/** Settings a checker ends up with after inheriting from its real and virtual server (check_validate_config). */
export function effectiveCheckerSettings(vs: VirtualServer, rs: RealServer, c: Checker) {
  const delayLoopUs = c.delayLoopUs ?? rs.delayLoopUs ?? vs.delayLoopUs ?? 60_000_000;
  const retry = c.retry ?? rs.retry ?? vs.retry ?? defaultRetry(c);
  const defaultDbr = defaultDelayBeforeRetryUs(c);
  return {
    alpha: c.alpha ?? rs.alpha ?? vs.alpha ?? false,
    delayLoopUs,
    warmupUs: c.warmupUs ?? rs.warmupUs ?? vs.warmupUs ?? delayLoopUs,
    retry,
    delayBeforeRetryUs: c.delayBeforeRetryUs ?? rs.delayBeforeRetryUs ?? vs.delayBeforeRetryUs ?? (defaultDbr || delayLoopUs),
    defaultDelayBeforeRetryUs: defaultDbr,
    connectTimeoutUs: c.connectTimeoutUs ?? rs.connectTimeoutUs ?? vs.connectTimeoutUs ?? DEFAULT_CONNECT_TIMEOUT_US,
  };
}

/** HTTP status code list as ranges; keepalived's default is 200-299. */
function statusCodeLines(url: HttpUrl): string[] {
  const codes = new Set<number>();
  for (const spec of url.statusCode) {
    const [a, b] = spec.split('-').map(Number);
    for (let n = a!; n <= (b ?? a!); n++) codes.add(n);
  }
  if (!codes.size) for (let n = 200; n <= 299; n++) codes.add(n);
  const out: string[] = [];
  let start: number | undefined;
  for (let n = 100; n <= 600; n++) {
    if (codes.has(n) && n < 600) {
      start ??= n;
    } else if (start !== undefined) {
      out.push(n - 1 === start ? `       ${start}` : `       ${start}-${n - 1}`);
      start = undefined;
    }
  }
  return out;
}

function urlLines(url: HttpUrl): string[] {
  const out = [`   Checked url = ${url.path ?? ''}`];
  if (url.digest) out.push(`     digest = ${url.digest.toLowerCase()}`);
  out.push('     HTTP Status Code(s)', ...statusCodeLines(url));
  if (url.virtualhost) out.push(`     Virtual host = ${url.virtualhost}`);
  if (url.regex) {
    out.push(`     Regex = "${url.regex}"`);
    if (url.regexNoMatch) out.push('     Regex no match');
    const min = url.regexMinOffset ?? 0;
    if (url.regexMinOffset !== undefined || url.regexMaxOffset !== undefined) {
      out.push(url.regexMaxOffset !== undefined ? `     Regex min offset = ${min}, max_offset = ${url.regexMaxOffset}` : `     Regex min offset = ${min}`);
    }
    out.push(`     Regex options:${url.regexOptions.map((x) => ` ${x}`).join('')}`, '     Regex ref count = 1');
  }
  return out;
}

/** Bytes of a hex string as read_hex_str counts them (whitespace ignored). */
const hexLength = (s: string): number => Math.ceil(s.replace(/\s+/g, '').length / 2);

function typeLines(c: Checker, live: CheckerStateRuntime, o: ScriptFormatOptions): string[] {
  switch (c.type) {
    case 'HTTP_GET':
    case 'SSL_GET': {
      const proto = c.httpProtocol === '1.1' ? '1.1' : c.httpProtocol?.toUpperCase() === '1.0C' ? '1.0C' : '1.0';
      const out = [`   Keepalive method = ${c.type}, http protocol ${proto}`];
      if (c.virtualhost) out.push(`   Virtualhost = ${c.virtualhost}`);
      out.push(`   Enable SNI ${c.enableSni ? '' : 'un'}set`, `   Fast recovery ${c.fastRecovery ? '' : 'un'}set`);
      for (const u of c.urls) out.push(...urlLines(u));
      if (live.failedUrl !== undefined) out.push(`   Failed URL = ${live.failedUrl}`);
      return out;
    }
    case 'TCP_CHECK': return ['   Keepalive method = TCP_CHECK'];
    case 'PING_CHECK': return ['   Keepalive method = PING_CHECK'];
    case 'SMTP_CHECK': return ['   Keepalive method = SMTP_CHECK', `   helo = ${c.heloName ?? SMTP_DEFAULT_HELO}`];
    case 'DNS_CHECK': return ['   Keepalive method = DNS_CHECK', `   Type = ${c.queryType}`, `   Name = ${c.name}`];
    case 'MISC_CHECK': {
      const script = c.miscPath ?? { args: [''], text: '' };
      return ['   Keepalive method = MISC_CHECK', `   script = ${cmdStr(script, o)}`,
        `   timeout = ${Math.floor((c.miscTimeoutUs ?? 0) / 1e6)}`, `   dynamic = ${c.miscDynamic ? 'YES' : 'NO'}`,
        `   uid:gid = ${uidGid(script, o)}`, `   Last ran = ${timevalCtime24(live.miscLastRan ?? { sec: 0, usec: 0 })}`,
        `   Last status = ${live.miscLastStatus ?? 0}`];
    }
    case 'UDP_CHECK': {
      const out = ['   Keepalive method = UDP_CHECK'];
      out.push(c.payload !== undefined ? `   Payload len = ${hexLength(c.payload)}` : '   Payload specified = no');
      const requireReply = c.requireReply !== undefined;
      out.push(`   Require reply = ${requireReply ? 'yes' : 'no'}`);
      if (requireReply) {
        out.push(`     Min reply length = ${c.minReplyLength ?? 0}`, `     Max reply length = ${c.maxReplyLength ?? 255}`,
          `     Reply data len = ${hexLength(c.requireReply!)}`);
        if (c.requireReply) out.push(`     Reply data mask = ${/[xX]/.test(c.requireReply.replace(/^0x/i, '')) ? 'yes' : 'no'}`);
      }
      return out;
    }
    case 'FILE_CHECK':
      return ['   Keepalive method = FILE_CHECK', `     Tracked file = ${c.trackFile ?? ''}`, `     Reloaded = ${live.fileReloaded ? 'Yes' : 'No'}`];
    case 'BFD_CHECK':
      return ['   Keepalive method = BFD_CHECK', `   Name = ${c.name ?? ''}`, `   Alpha is ${c.alpha ? 'ON' : 'OFF'}`];
  }
}

export function dumpHealthCheckers(config: KeepalivedConfig, rt: CheckerDumpRuntime | undefined, o: ScriptFormatOptions): string[] {
  const out: string[] = [];
  config.virtualServers.forEach((vs, vsIndex) => vs.realServers.forEach((rs, rsIndex) => rs.checkers.forEach((c, cIndex) => {
    const s = effectiveCheckerSettings(vs, rs, c);
    const live = rt?.checker?.(vsIndex, rsIndex, cIndex) ??
      { enabled: true, up: !s.alpha, hasRun: false, currentWeight: 0, retriesIterations: s.retry };
    out.push(` ${formatVs(vs)} -> ${formatRs(vs, rs)}`, `   Enabled = ${live.enabled ? 'yes' : 'no'}`, `   Up = ${live.up ? 'yes' : 'no'}`,
      `   Has run = ${live.hasRun ? 'yes' : 'no'}`, `   Current weight = ${live.currentWeight}`);
    if (c.type !== 'FILE_CHECK') {
      out.push(`   Alpha = ${s.alpha ? 'yes' : 'no'}`, `   Delay loop = ${s.delayLoopUs} us`, `   Warmup = ${s.warmupUs} us`, `   Retries = ${s.retry}`);
      if (s.retry) out.push(`   Delay before retry = ${s.delayBeforeRetryUs} us`, `   Retries iterations = ${live.retriesIterations}`);
      out.push(`   Default delay before retry = ${s.defaultDelayBeforeRetryUs} us`);
    }
    out.push(`   Log all failures = ${c.logAllFailures ?? config.global.checkerLogAllFailures ? 'yes' : 'no'}`);
    if (hasConnection(c)) {
      const ip = c.connectIp ?? rs.address;
      const port = c.connectPort ?? rsPort(vs, rs);
      out.push('   Connection', `     Dest = [${ip}]:${port}`);
      if (c.bindTo) out.push(`     Bind to = [${c.bindTo}]:${c.bindPort ?? 0}`);
      if (c.bindIf) out.push(`     Bind i/f = ${c.bindIf}`);
      if (c.fwmark) out.push(`     Mark = ${c.fwmark}`);
      out.push(`     Timeout = ${fixed6(s.connectTimeoutUs / 1e6)}`);
      if (live.lastErrno) out.push(`     Last errno = ${live.lastErrno}`);
    }
    out.push(...typeLines(c, live, o));
  })));
  return out.length ? ['------< Health checkers >------', ...out] : [];
}
