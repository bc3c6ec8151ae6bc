import { Socket, type TcpSocketConnectOpts } from 'node:net';
import type { ResolvedChecker } from './resolve.js';
import type { CheckResult, HealthChecker } from './types.js';

const SUCCESS: CheckResult = Object.freeze({ ok: true });
const kChecker = Symbol('tcpChecker');
type ProbeSocket = Socket & { [kChecker]?: TcpChecker };

// Shared listeners (`this` is the socket): a probe adds no closures.
function onProbeConnect(this: ProbeSocket): void {
  this[kChecker]?.settle(this, true);
}
function onProbeError(this: ProbeSocket): void {
  this[kChecker]?.settle(this, false);
}

/**
 * TCP_CHECK: a connect() that completes is success. This is the hot path of
 * large configurations (thousands of probes a second), so a probe allocates
 * only its socket: results are preallocated, listeners are shared, and the
 * connect deadline is one timer per checker re-armed with refresh().
 * Like keepalived, no TCP_NODELAY and a plain close() (FIN) after connecting.
 */
export class TcpChecker implements HealthChecker {
  readonly type = 'TCP_CHECK' as const;
  readonly hardTimeoutMs: number;
  private readonly connectOptions: TcpSocketConnectOpts;
  private readonly failed: CheckResult;
  private readonly timedOut: CheckResult;
  private sock: ProbeSocket | undefined;
  private done: ((r: CheckResult) => void) | undefined;
  /** Armed at each probe start; a probe that is no longer in flight ignores it. */
  private deadline: NodeJS.Timeout | undefined;
  private readonly onDeadline = (): void => {
    if (this.sock) this.settle(this.sock, false, true);
  };

  constructor(
    private readonly cfg: ResolvedChecker,
    label: string,
  ) {
    this.hardTimeoutMs = cfg.timing.connectTimeoutMs + 1000;
    this.connectOptions = {
      host: cfg.dst.ip,
      port: cfg.dst.port,
      family: cfg.dst.family,
      localAddress: cfg.bindIp,
      localPort: cfg.bindPort,
    };
    this.failed = Object.freeze({ ok: false, reason: `TCP connection to ${label} failed.` });
    this.timedOut = Object.freeze({ ok: false, reason: `TCP connection to ${label} timeout.` });
  }

  check(): Promise<CheckResult> {
    return new Promise((resolve) => this.start(resolve));
  }

  /** One probe; `done` is called exactly once unless abort() comes first. */
  start(done: (r: CheckResult) => void): void {
    if (this.sock) this.abort();
    this.done = done;
    const sock: ProbeSocket = new Socket();
    sock[kChecker] = this;
    sock.on('connect', onProbeConnect);
    sock.on('error', onProbeError);
    this.sock = sock;
    if (this.deadline) this.deadline.refresh();
    else this.deadline = setTimeout(this.onDeadline, this.cfg.timing.connectTimeoutMs).unref();
    try {
      sock.connect(this.connectOptions);
    } catch {
      this.settle(sock, false); // e.g. an invalid bindto address
    }
  }

  /** @internal (socket listeners) */
  settle(sock: ProbeSocket, connected: boolean, timeout = false): void {
    if (sock !== this.sock) return;
    this.sock = undefined;
    sock[kChecker] = undefined;
    sock.destroy();
    const done = this.done!;
    this.done = undefined;
    done(connected ? SUCCESS : timeout ? this.timedOut : this.failed);
  }

  abort(): void {
    const sock = this.sock;
    this.sock = undefined;
    this.done = undefined;
    if (sock) {
      sock[kChecker] = undefined;
      sock.destroy();
    }
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = undefined;
  }
}
