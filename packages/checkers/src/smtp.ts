import type { SmtpCheckSettings } from './model.js';
import type { ResolvedChecker } from './resolve.js';
import type { CheckResult, CheckerLogger, HealthChecker } from './types.js';
import { ConnectError, conversation, tcpConnect, type Conversation } from './net-util.js';
import { formatPair } from './format.js';

export const SMTP_DEFAULT_HELO = 'smtpchecker.keepalived.org';

/** keepalived's smtp_get_status: three digits followed by NUL or a space. */
export function smtpStatus(line: string): number {
  const m = /^(\d{3})(?:$| )/.exec(line.replace(/\r?\n$/, ''));
  return m ? Number(m[1]) : -1;
}

/** SMTP_CHECK: banner 220, HELO -> 250, QUIT. */
export class SmtpChecker implements HealthChecker {
  readonly type = 'SMTP_CHECK' as const;
  readonly hardTimeoutMs: number;
  private readonly helo: string;
  private readonly host: string;

  constructor(
    private readonly cfg: ResolvedChecker,
    private readonly logger?: CheckerLogger,
  ) {
    this.helo = (cfg.settings as SmtpCheckSettings).heloName ?? SMTP_DEFAULT_HELO;
    this.host = formatPair(cfg.dst.ip, cfg.dst.port);
    this.hardTimeoutMs = cfg.timing.connectTimeoutMs * 7 + 1000;
  }

  async check(): Promise<CheckResult> {
    const fail = (msg: string): CheckResult => ({ ok: false, reason: `SMTP_CHECK ${msg}` });
    let conv: Conversation;
    try {
      conv = conversation(
        await tcpConnect({
          dst: this.cfg.dst,
          bindIp: this.cfg.bindIp,
          bindPort: this.cfg.bindPort,
          bindIf: this.cfg.bindIf,
          fwmark: this.cfg.fwmark,
          log: this.logger ? (m) => this.logger!.info(m) : undefined,
          timeoutMs: this.cfg.timing.connectTimeoutMs,
        }),
      );
    } catch (e) {
      const kind = e instanceof ConnectError ? e.kind : 'error';
      if (kind === 'timeout') return fail(`Connection timeout to server ${this.host}`);
      return fail(`Error connecting to server ${this.host}`);
    }
    let pending = '';
    const getLine = async (): Promise<string | CheckResult> => {
      for (;;) {
        const nl = pending.indexOf('\n');
        if (nl >= 0) {
          const line = pending.slice(0, nl + 1);
          pending = pending.slice(nl + 1);
          return line;
        }
        let chunk: Buffer | null;
        try {
          chunk = await conv.read();
        } catch (e) {
          if (e instanceof ConnectError && e.kind === 'timeout') return fail(`Read timeout from server ${this.host}`);
          return fail(`Read failure from server ${this.host}`);
        }
        if (chunk === null) return fail(`Read failure from server ${this.host}`);
        pending += chunk.toString('latin1');
      }
    };
    const put = async (line: string): Promise<CheckResult | undefined> => {
      try {
        await conv.write(line);
        return undefined;
      } catch {
        return fail(`Write failure to server ${this.host}`);
      }
    };
    try {
      const banner = await getLine();
      if (typeof banner !== 'string') return banner;
      if (smtpStatus(banner) !== 220) return fail(`Bad greeting banner from server ${this.host}`);
      const w1 = await put(`HELO ${this.helo}\r\n`);
      if (w1) return w1;
      const helo = await getLine();
      if (typeof helo !== 'string') return helo;
      if (smtpStatus(helo) !== 250) return fail(`Bad HELO response from server ${this.host}`);
      const w2 = await put('QUIT\r\n');
      if (w2) return w2;
      const quit = await getLine();
      if (typeof quit !== 'string') return quit;
      return { ok: true };
    } finally {
      conv.close();
    }
  }
}
