/**
 * A syslog(3) client over an AF_UNIX datagram socket to /dev/log, behaving
 * as glibc's does for keepalived (openlog with LOG_PID, no LOG_NDELAY):
 * - connects on the first message, not at construction;
 * - while /dev/log cannot be reached, every message tries to connect again
 *   and is dropped if that fails (so logging resumes by itself once a
 *   syslog daemon appears);
 * - when a send fails on a connected socket (the syslog daemon restarted:
 *   ECONNREFUSED/ENOTCONN), it reconnects and resends once.
 * Differences, on purpose: glibc blocks while the daemon's queue is full;
 * our sockets are non-blocking, so such messages wait in a bounded queue
 * and are retried from a timer (the VRRP child must never block on
 * logging). glibc's LOG_CONS fallback to /dev/console is not done: with -l
 * the console already gets every line.
 */
import { AF_UNIX, SOCK_DGRAM, encodeSockaddrUn, isSyscallError, type NativeBinding } from '@keepalived-ts/native';
import { encodeSyslogDatagram, syslogRecord } from './format.js';

export const DEFAULT_SYSLOG_PATH = '/dev/log';

export interface SyslogClientOptions {
  /** The native shim, or a function giving it on first use (so processes that never syslog never load it). */
  native: NativeBinding | (() => NativeBinding);
  ident: string;
  /** Facility code (3 = daemon). */
  facility: number;
  /** Socket path; /dev/log by default. */
  path?: string;
  /** Sent with every message (LOG_PID); process.pid by default. */
  pid?: number;
  /** Messages kept while the daemon's queue is full (oldest dropped beyond). */
  maxPending?: number;
  /** Retry delay for queued messages, ms. */
  retryMs?: number;
}

export interface SyslogStats {
  sent: number;
  /** Messages lost: no daemon, a failed resend, or the pending queue overflowing. */
  dropped: number;
  reconnects: number;
}

const WOULD_BLOCK = new Set(['EAGAIN', 'EWOULDBLOCK', 'ENOBUFS']);
/** Failures that mean "this message cannot be sent", not "the connection is stale". */
const MESSAGE_ERRORS = new Set(['EMSGSIZE']);

export class SyslogClient {
  private fd = -1;
  private nativeBinding: NativeBinding | undefined;
  private readonly sockaddr: Buffer;
  private readonly pending: Buffer[] = [];
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  readonly stats: SyslogStats = { sent: 0, dropped: 0, reconnects: 0 };
  readonly ident: string;
  readonly facility: number;
  private readonly pid: number;
  private readonly maxPending: number;
  private readonly retryMs: number;

  constructor(private readonly options: SyslogClientOptions) {
    this.ident = options.ident;
    this.facility = options.facility;
    this.pid = options.pid ?? process.pid;
    this.maxPending = options.maxPending ?? 1000;
    this.retryMs = options.retryMs ?? 20;
    this.sockaddr = encodeSockaddrUn(options.path ?? DEFAULT_SYSLOG_PATH);
  }

  /** Sends one message with the given severity, timestamped `date`. */
  log(severity: number, text: string, date: Date = new Date()): void {
    if (this.closed) return;
    this.sendDatagram(encodeSyslogDatagram(syslogRecord(this.facility, severity, date, this.ident, this.pid, text)));
  }

  /** Sends a datagram already in syslog format (in order behind anything queued). */
  sendDatagram(datagram: Buffer): void {
    if (this.closed) return;
    if (this.pending.length > 0) {
      this.enqueue(datagram);
      return;
    }
    this.trySend(datagram, true);
  }

  /** Messages waiting because the daemon's queue was full. */
  pendingCount(): number {
    return this.pending.length;
  }

  /** Whether a socket is currently connected to the syslog daemon. */
  isConnected(): boolean {
    return this.fd >= 0;
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.stats.dropped += this.pending.length;
    this.pending.length = 0;
    this.disconnect();
  }

  private native(): NativeBinding {
    if (!this.nativeBinding) {
      const n = this.options.native;
      this.nativeBinding = typeof n === 'function' ? n() : n;
    }
    return this.nativeBinding;
  }

  private connect(): boolean {
    if (this.fd >= 0) return true;
    let fd = -1;
    try {
      const native = this.native();
      fd = native.socket(AF_UNIX, SOCK_DGRAM, 0);
      native.connect(fd, this.sockaddr);
      this.fd = fd;
      return true;
    } catch {
      if (fd >= 0) this.safeClose(fd);
      return false;
    }
  }

  private disconnect(): void {
    if (this.fd < 0) return;
    this.safeClose(this.fd);
    this.fd = -1;
  }

  private safeClose(fd: number): void {
    try {
      this.native().close(fd);
    } catch {
      /* already gone */
    }
  }

  /** One send attempt; returns false when the datagram was queued for later. */
  private trySend(datagram: Buffer, mayReconnect: boolean): boolean {
    const wasConnected = this.fd >= 0;
    if (!this.connect()) {
      this.stats.dropped++;
      return true;
    }
    try {
      this.native().sendto(this.fd, datagram, null);
      this.stats.sent++;
      return true;
    } catch (e) {
      const code = isSyscallError(e) ? e.code : '';
      if (WOULD_BLOCK.has(code)) {
        this.enqueue(datagram);
        return false;
      }
      if (MESSAGE_ERRORS.has(code)) {
        this.stats.dropped++;
        return true;
      }
      this.disconnect();
      if (wasConnected && mayReconnect) {
        this.stats.reconnects++;
        return this.trySend(datagram, false);
      }
      this.stats.dropped++;
      return true;
    }
  }

  private enqueue(datagram: Buffer): void {
    if (this.pending.length >= this.maxPending) {
      this.pending.shift();
      this.stats.dropped++;
    }
    this.pending.push(datagram);
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.flushPending();
    }, this.retryMs);
    this.retryTimer.unref();
  }

  private flushPending(): void {
    while (this.pending.length > 0) {
      const datagram = this.pending.shift()!;
      if (!this.trySend(datagram, true)) {
        // trySend queued it at the back; it belongs at the front.
        this.pending.unshift(this.pending.pop()!);
        return;
      }
    }
  }
}
