import type { ResolvedChecker } from './resolve.js';
import type { CheckResult, HealthChecker } from './types.js';
import { ConnectError, tcpConnect } from './net-util.js';

/** TCP_CHECK: a connect() that completes is success. */
export class TcpChecker implements HealthChecker {
  readonly type = 'TCP_CHECK' as const;
  readonly hardTimeoutMs: number;

  constructor(
    private readonly cfg: ResolvedChecker,
    private readonly label: string,
  ) {
    this.hardTimeoutMs = cfg.timing.connectTimeoutMs + 1000;
  }

  async check(): Promise<CheckResult> {
    try {
      const sock = await tcpConnect({
        dst: this.cfg.dst,
        bindIp: this.cfg.bindIp,
        bindPort: this.cfg.bindPort,
        timeoutMs: this.cfg.timing.connectTimeoutMs,
      });
      sock.destroy();
      return { ok: true };
    } catch (e) {
      const timeout = e instanceof ConnectError && e.kind === 'timeout';
      return { ok: false, reason: `TCP connection to ${this.label} ${timeout ? 'timeout' : 'failed'}.` };
    }
  }
}
