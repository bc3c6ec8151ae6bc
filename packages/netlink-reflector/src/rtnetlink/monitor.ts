// A NETLINK_ROUTE socket subscribed to link/address/route/rule notifications.
import { DEFAULT_READ_BURST, MSG_TRUNC, isSyscallError, type NativeBinding, type PollHandle } from '@keepalived-ts/native';
import {
  RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV6_ROUTE,
  RTNLGRP_IPV6_RULE, RTNLGRP_LINK,
} from './constants.js';
import { silentLogger, type Logger } from './logger.js';
import { decodeRtnl, type RtnlMessage } from './message.js';
import { NETLINK_RECV_MAX, openRtnlSocket } from './socket.js';

export const MONITOR_GROUPS: readonly number[] = [
  RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE,
  RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_RULE,
];

/** keepalived asks for a large receive buffer so bursts (e.g. many VIPs at once) fit. */
export const DEFAULT_MONITOR_RCVBUF = 16 * 1024 * 1024;

export interface MonitorOptions {
  groups?: readonly number[];
  rcvbuf?: number;
  /** Datagrams per event-loop turn (see startReader). */
  burst?: number;
}

export interface MonitorHandlers {
  onMessage(m: RtnlMessage): void;
  /** The kernel dropped notifications (ENOBUFS): whatever we hold may be stale. */
  onOverflow(): void;
  onError?(err: Error): void;
}

export class RtnlMonitor {
  readonly fd: number;
  private readonly handlers: MonitorHandlers;
  private readonly burst: number;
  private watch: PollHandle | undefined;
  private closed = false;
  private failed = false;
  private unrefd = false;

  constructor(
    private readonly native: NativeBinding,
    handlers: MonitorHandlers,
    private readonly logger: Logger = silentLogger,
    opts: MonitorOptions = {},
  ) {
    this.fd = openRtnlSocket(
      native,
      { groups: opts.groups ?? MONITOR_GROUPS, rcvbuf: opts.rcvbuf ?? DEFAULT_MONITOR_RCVBUF },
      logger,
    );
    this.handlers = handlers;
    this.burst = opts.burst ?? DEFAULT_READ_BURST;
    this.arm();
  }

  /**
   * libuv reports POLLERR as EBADF and stops the watch. On netlink that is the
   * kernel flagging a dropped notification (sk_err = ENOBUFS), so the error is
   * collected with recvmsg and the watch started again.
   */
  private arm(): void {
    if (this.closed) return;
    this.watch = this.native.poll(this.fd, (err) => {
      if (err) {
        this.watch = undefined;
        this.readBurst();
        if (!this.closed && !this.failed) this.arm();
        return;
      }
      this.readBurst();
    });
    if (this.unrefd) this.watch.unref();
  }

  /** Reads at most `burst` datagrams; level triggering brings us back for the rest. */
  private readBurst(): void {
    for (let i = 0; i < this.burst && !this.closed; i++) {
      let r;
      try {
        r = this.native.recvmsg(this.fd, NETLINK_RECV_MAX, 0, MSG_TRUNC);
      } catch (e) {
        if (isSyscallError(e) && e.code === 'ENOBUFS') {
          this.logger.warn('netlink monitor: receive buffer overflowed (ENOBUFS), resynchronising');
          this.handlers.onOverflow();
          continue;
        }
        if (isSyscallError(e) && (e.code === 'EINTR' || e.code === 'EAGAIN')) continue;
        this.failed = true;
        this.logger.error(`netlink monitor: ${(e as Error).message}`);
        this.handlers.onError?.(e as Error);
        return;
      }
      if (r === null) return;
      if (r.length > r.data.length) {
        this.logger.error(`netlink monitor: notification of ${r.length} bytes truncated; treating as overflow`);
        this.handlers.onOverflow();
        continue;
      }
      let msgs: RtnlMessage[];
      try {
        msgs = decodeRtnl(r.data);
      } catch (e) {
        this.logger.error(`netlink monitor: dropping malformed datagram: ${(e as Error).message}`);
        continue;
      }
      for (const m of msgs) this.handlers.onMessage(m);
    }
  }

  /** Let the process exit while only the monitor is active. */
  unref(): void {
    this.unrefd = true;
    this.watch?.unref();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.watch?.stop();
    this.watch = undefined;
    this.native.close(this.fd);
  }
}
