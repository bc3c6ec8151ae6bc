// A NETLINK_ROUTE socket subscribed to link/address/route/rule notifications.
import { isSyscallError, startReader, MSG_TRUNC, type NativeBinding, type Reader } from '@keepalived-ts/native';
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
  private reader: Reader | undefined;

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
    const readerOpts = { maxLen: NETLINK_RECV_MAX, flags: MSG_TRUNC, ...(opts.burst ? { burst: opts.burst } : {}) };
    this.reader = startReader(
      native,
      this.fd,
      readerOpts,
      (r) => {
        if (r.length > r.data.length) {
          logger.error(`netlink monitor: notification of ${r.length} bytes truncated; treating as overflow`);
          handlers.onOverflow();
          return;
        }
        let msgs: RtnlMessage[];
        try {
          msgs = decodeRtnl(r.data);
        } catch (e) {
          logger.error(`netlink monitor: dropping malformed datagram: ${(e as Error).message}`);
          return;
        }
        for (const m of msgs) handlers.onMessage(m);
      },
      (err) => {
        if (isSyscallError(err) && err.code === 'ENOBUFS') {
          logger.warn('netlink monitor: receive buffer overflowed (ENOBUFS), resynchronising');
          handlers.onOverflow();
          return;
        }
        logger.error(`netlink monitor: ${err.message}`);
        handlers.onError?.(err);
      },
    );
  }

  /** Let the process exit while only the monitor is active. */
  unref(): void {
    this.reader?.unref();
  }

  close(): void {
    if (!this.reader) return;
    this.reader.stop();
    this.reader = undefined;
    this.native.close(this.fd);
  }
}
