import { Socket, type TcpSocketConnectOpts } from 'node:net';
import type { ResolvedChecker } from './resolve.js';
import type { CheckResult, CheckerLogger, HealthChecker } from './types.js';
import { hasPlacement, placedTcpConnect } from './socket-placement.js';
import { ConnectError } from './connect-error.js';
import { loadNative, type NativeBinding } from '@keepalived-ts/native';
import { RawConnectAttempt, rawConnectAvailable } from './raw-connect.js';

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
 * connect deadline is one timer per checker re-armed with refresh(), and
 * where Node allows it the socket is a bare libuv handle (raw-connect.ts).
 * Like keepalived, no TCP_NODELAY and a plain close() (FIN) after connecting.
 */
export class TcpChecker implements HealthChecker {
  /**
   * The bare libuv handle rests on process.binding('tcp_wrap'), an internal
   * Node API that may change under any upgrade, for about 1.5 % of a core at
   * 5,000 checks a second: off unless KEEPALIVED_TS_RAW_CONNECT=1 asks for it.
   */
  static preferRawConnect = process.env['KEEPALIVED_TS_RAW_CONNECT'] === '1';
  readonly type = 'TCP_CHECK' as const;
  readonly hardTimeoutMs: number;
  private readonly connectOptions: TcpSocketConnectOpts;
  private readonly failed: CheckResult;
  private readonly timedOut: CheckResult;
  private sock: ProbeSocket | undefined;
  private done: ((r: CheckResult) => void) | undefined;
  /** Armed at each probe start; a probe that is no longer in flight ignores it. */
  private deadline: NodeJS.Timeout | undefined;
  private readonly raw: RawConnectAttempt | undefined;
  private readonly onDeadline = (): void => {
    if (this.raw?.inFlight) {
      this.raw.cancel();
      this.deliver(this.timedOut);
    } else if (this.sock) this.settle(this.sock, false, true);
  };

  /** bind_if / fwmark: probes go through a native socket (socket-placement.ts). */
  private readonly placed: boolean;
  /** Counts placed probes so a late result of an aborted one is ignored. */
  private placedSeq = 0;

  constructor(
    private readonly cfg: ResolvedChecker,
    label: string,
    private readonly logger?: CheckerLogger,
    private readonly nativeBinding?: NativeBinding,
  ) {
    this.placed = hasPlacement(cfg);
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
    if (!this.placed && TcpChecker.preferRawConnect && rawConnectAvailable()) {
      const d = cfg.dst;
      this.raw = new RawConnectAttempt(
        { ip: d.ip, port: d.port, family: d.family, bindIp: cfg.bindIp, bindPort: cfg.bindPort },
        (connected) => this.deliver(connected ? SUCCESS : this.failed),
      );
    }
  }

  /** Whether probes use the bare libuv handle. */
  get rawConnect(): boolean {
    return this.raw !== undefined;
  }

  check(): Promise<CheckResult> {
    return new Promise((resolve) => this.start(resolve));
  }

  /** One probe; `done` is called exactly once unless abort() comes first. */
  start(done: (r: CheckResult) => void): void {
    if (this.sock || this.raw?.inFlight) this.abort();
    this.done = done;
    if (this.deadline) this.deadline.refresh();
    else this.deadline = setTimeout(this.onDeadline, this.cfg.timing.connectTimeoutMs).unref();
    if (this.raw) {
      this.raw.start();
      return;
    }
    if (this.placed) {
      this.startPlaced();
      return;
    }
    const sock: ProbeSocket = new Socket();
    sock[kChecker] = this;
    sock.on('connect', onProbeConnect);
    sock.on('error', onProbeError);
    this.sock = sock;
    try {
      sock.connect(this.connectOptions);
    } catch {
      this.settle(sock, false); // e.g. an invalid bindto address
    }
  }

  private startPlaced(): void {
    const seq = ++this.placedSeq;
    let native: NativeBinding;
    try {
      native = this.nativeBinding ?? loadNative();
    } catch {
      return this.deliver(this.failed);
    }
    placedTcpConnect({
      ...this.cfg,
      native,
      timeoutMs: this.cfg.timing.connectTimeoutMs,
      log: this.logger ? (m) => this.logger!.info(m) : undefined,
    }).then(
      (fd) => {
        native.close(fd);
        if (seq === this.placedSeq) this.deliver(SUCCESS);
      },
      (e: unknown) => {
        if (seq !== this.placedSeq) return;
        this.deliver(e instanceof ConnectError && e.kind === 'timeout' ? this.timedOut : this.failed);
      },
    );
  }

  /** @internal (socket listeners) */
  settle(sock: ProbeSocket, connected: boolean, timeout = false): void {
    if (sock !== this.sock) return;
    this.sock = undefined;
    sock[kChecker] = undefined;
    sock.destroy();
    this.deliver(connected ? SUCCESS : timeout ? this.timedOut : this.failed);
  }

  private deliver(result: CheckResult): void {
    const done = this.done;
    this.done = undefined;
    done?.(result);
  }

  abort(): void {
    this.raw?.cancel();
    this.placedSeq++;
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
