import {
  AF_INET,
  AF_INET6,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  SOCK_DGRAM,
  SOCK_RAW,
  encodeSockaddrIn,
  encodeSockaddrIn6,
  isSyscallError,
  loadNative,
  type NativeBinding,
  type PollHandle,
} from '@keepalived-ts/native';
import type { ResolvedChecker } from './resolve.js';
import type { CheckResult, HealthChecker } from './types.js';
import {
  ICMP6_ECHO_REPLY,
  ICMP6_ECHO_REQUEST,
  ICMP_ECHO,
  ICMP_ECHOREPLY,
  decodeIcmpEcho,
  encodeIcmpEcho,
  ipv4PayloadOffset,
} from './icmp-codec.js';

let nextId = (process.pid * 7919) & 0xffff;

/**
 * PING_CHECK: one ICMP echo. Prefers an unprivileged ping socket
 * (SOCK_DGRAM/IPPROTO_ICMP, as keepalived does); when ping_group_range
 * forbids it, falls back to a raw socket (we run as root) and matches the
 * reply by identifier.
 */
export class PingChecker implements HealthChecker {
  readonly type = 'PING_CHECK' as const;
  readonly hardTimeoutMs: number;
  private seq = 0;

  constructor(
    private readonly cfg: ResolvedChecker,
    private readonly label: string,
    private readonly vsLabel: string,
    private readonly nativeBinding?: NativeBinding,
  ) {
    this.hardTimeoutMs = cfg.timing.connectTimeoutMs + 1000;
  }

  async check(): Promise<CheckResult> {
    const failed: CheckResult = { ok: false, reason: `ICMP connection to ${this.label} of ${this.vsLabel} failed.` };
    let native: NativeBinding;
    try {
      native = this.nativeBinding ?? loadNative();
    } catch {
      return failed;
    }
    const v6 = this.cfg.dst.family === 6;
    const proto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
    let fd: number;
    let raw = false;
    try {
      fd = native.socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, proto);
    } catch (e) {
      if (!isSyscallError(e) || (e.code !== 'EACCES' && e.code !== 'EPERM')) return failed;
      try {
        fd = native.socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW, proto);
        raw = true;
      } catch {
        return failed;
      }
    }
    const id = raw ? (nextId = (nextId + 1) & 0xffff) : 0;
    const seq = (this.seq = (this.seq + 1) & 0xffff);
    const dst = v6 ? encodeSockaddrIn6(this.cfg.dst.ip) : encodeSockaddrIn(this.cfg.dst.ip);
    let handle: PollHandle | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      const payload = Buffer.alloc(56, 0xa5);
      native.sendto(fd, encodeIcmpEcho({ type: v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO, code: 0, id, seq, payload }, !v6), dst);
      const ok = await new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), this.cfg.timing.connectTimeoutMs);
        handle = native.poll(fd, (err) => {
          if (err) return resolve(false);
          for (;;) {
            let msg;
            try {
              msg = native.recvmsg(fd, 2048, 0);
            } catch {
              return resolve(false);
            }
            if (!msg) return;
            const off = raw && !v6 ? ipv4PayloadOffset(msg.data) : 0;
            const echo = decodeIcmpEcho(msg.data, off);
            // a raw socket also sees our own request when pinging a local address
            if (!echo || echo.type === (v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO)) continue;
            if (raw && (echo.id !== id || echo.seq !== seq)) continue;
            if (!raw && echo.seq !== seq) continue;
            return resolve(echo.type === (v6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY));
          }
        });
      });
      return ok ? { ok: true } : failed;
    } catch {
      return failed;
    } finally {
      if (timer) clearTimeout(timer);
      handle?.stop();
      native.close(fd);
    }
  }
}
