import { randomInt } from 'node:crypto';
import type { DnsCheckSettings } from './model.js';
import type { ResolvedChecker } from './resolve.js';
import type { CheckResult, CheckerLogger, HealthChecker } from './types.js';
import { DNS_TYPES, encodeDnsQuery, judgeDnsReply } from './dns-codec.js';
import { errnoOf, udpExchange } from './udp-util.js';

/**
 * DNS_CHECK: one query, success on any response with rcode 0. `reason` is
 * the bare message; DnsPolicy prefixes "DNS_CHECK (rs)" and the retry suffix.
 */
export class DnsChecker implements HealthChecker {
  readonly type = 'DNS_CHECK' as const;
  readonly hardTimeoutMs: number;
  private readonly qtype: number;
  private readonly name: string;

  constructor(
    private readonly cfg: ResolvedChecker,
    private readonly logger?: CheckerLogger,
  ) {
    const s = cfg.settings as DnsCheckSettings;
    this.qtype = DNS_TYPES[s.queryType ?? 'SOA'];
    this.name = s.name ?? '';
    this.hardTimeoutMs = cfg.timing.connectTimeoutMs + 1000;
  }

  async check(): Promise<CheckResult> {
    const id = randomInt(0, 0x10000);
    let rcode = 0;
    const out = await udpExchange({
      dst: this.cfg.dst,
      bindIp: this.cfg.bindIp,
      bindPort: this.cfg.bindPort,
      bindIf: this.cfg.bindIf,
      fwmark: this.cfg.fwmark,
      log: this.logger ? (m) => this.logger!.info(m) : undefined,
      timeoutMs: this.cfg.timing.connectTimeoutMs,
      payload: encodeDnsQuery({ id, name: this.name, type: this.qtype }),
      accept: (data) => {
        const j = judgeDnsReply(id, data);
        if (j.verdict === 'error') rcode = j.rcode;
        return j.verdict !== 'ignore';
      },
    });
    if (out.kind === 'timeout') return { ok: false, reason: 'read timeout from socket' };
    if (out.kind === 'error') {
      return { ok: false, reason: `failed to read socket; errno ${errnoOf(out.code)} (${strerror(out.code)})` };
    }
    if (rcode !== 0) return { ok: false, reason: `read error occurred. (rcode = ${rcode})` };
    return { ok: true };
  }
}

function strerror(code: string): string {
  if (code === 'ECONNREFUSED') return 'Connection refused';
  if (code === 'EHOSTUNREACH') return 'No route to host';
  if (code === 'ENETUNREACH') return 'Network is unreachable';
  return code;
}
