import type { UdpCheckSettings } from './model.js';
import type { ResolvedChecker } from './resolve.js';
import type { CheckResult, CheckerLogger, HealthChecker } from './types.js';
import { udpExchange } from './udp-util.js';

/** keepalived's read_hex_str without masks: hex digits, blanks ignored. */
export function parseHex(s: string): Buffer {
  const clean = s.replace(/\s+/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new Error(`Invalid hex string '${s}'`);
  return Buffer.from(clean, 'hex');
}

/** keepalived's check_udp_reply: true means MISMATCH. */
export function udpReplyMismatch(data: Buffer, expected: Buffer | undefined, min: number, max: number): boolean {
  if (data.length < min || data.length > max) return true;
  if (!expected) return false;
  const n = Math.min(data.length, expected.length);
  for (let i = 0; i < n; i++) if (data[i] !== expected[i]) return true;
  return false;
}

/**
 * UDP_CHECK: send the payload on a connected socket. ICMP port unreachable
 * is down; silence is up unless require_reply is set.
 */
export class UdpChecker implements HealthChecker {
  readonly type = 'UDP_CHECK' as const;
  readonly hardTimeoutMs: number;
  private readonly payload: Buffer;
  private readonly requireReply: boolean;
  private readonly expected: Buffer | undefined;
  private readonly minLen: number;
  private readonly maxLen: number;

  constructor(
    private readonly cfg: ResolvedChecker,
    private readonly label: string,
    private readonly logger?: CheckerLogger,
  ) {
    const s = cfg.settings as UdpCheckSettings;
    this.payload = s.payload ? parseHex(s.payload) : Buffer.alloc(0);
    this.requireReply = s.requireReply !== undefined && s.requireReply !== false;
    this.expected = typeof s.requireReply === 'string' ? parseHex(s.requireReply) : undefined;
    this.minLen = s.minReplyLength ?? 0;
    this.maxLen = s.maxReplyLength ?? 255;
    this.hardTimeoutMs = cfg.timing.connectTimeoutMs + 1000;
  }

  async check(): Promise<CheckResult> {
    const out = await udpExchange({
      dst: this.cfg.dst,
      bindIp: this.cfg.bindIp,
      bindPort: this.cfg.bindPort,
      bindIf: this.cfg.bindIf,
      fwmark: this.cfg.fwmark,
      log: this.logger ? (m) => this.logger!.info(m) : undefined,
      timeoutMs: this.cfg.timing.connectTimeoutMs,
      payload: this.payload,
    });
    const failed = { ok: false, reason: `UDP connection to ${this.label} failed.` };
    if (out.kind === 'error') return failed;
    if (out.kind === 'timeout') return this.requireReply ? failed : { ok: true };
    // Like keepalived, lengths are only judged when reply bytes were configured.
    if (this.expected && udpReplyMismatch(out.data, this.expected, this.minLen, this.maxLen)) {
      return { ok: false, reason: `UDP check to ${this.label} reply data mismatch.` };
    }
    return { ok: true };
  }
}
