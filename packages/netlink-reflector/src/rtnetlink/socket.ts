// NETLINK_ROUTE sockets: a request socket (seq numbers, acks, dumps) and the
// raw socket setup shared with the monitor.
import {
  AF_NETLINK, MSG_TRUNC, NETLINK_EXT_ACK, NETLINK_ROUTE, SOCK_RAW, SOL_NETLINK, SOL_SOCKET,
  SO_RCVBUF, SO_RCVBUFFORCE, NlRequestTable, encodeSockaddrNl, isSyscallError, type NativeBinding, type PollHandle,
} from '@keepalived-ts/native';
import { NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, RTM_NAMES } from './constants.js';
import { NetlinkError } from './errors.js';
import { silentLogger, type Logger } from './logger.js';
import { decodeRtnl, encodeRtnl, type RtnlMessage } from './message.js';

/** Big enough for any dump datagram the kernel builds (it caps them well below this). */
export const NETLINK_RECV_MAX = 256 * 1024;

/** Multicast groups in bind()'s legacy bitmask; all RTNLGRP_* we use are below 32. */
export function groupMask(groups: readonly number[]): number {
  let mask = 0;
  for (const g of groups) {
    if (g < 1 || g > 32) throw new RangeError(`netlink group ${g} does not fit the bind() bitmask`);
    mask |= 1 << (g - 1);
  }
  return mask >>> 0;
}

export interface OpenOptions {
  groups?: readonly number[];
  /** Receive buffer in bytes; SO_RCVBUFFORCE is tried first (root may exceed rmem_max). */
  rcvbuf?: number;
}

/** Opens and binds a non-blocking NETLINK_ROUTE socket; returns its fd. */
export function openRtnlSocket(native: NativeBinding, opts: OpenOptions, logger: Logger): number {
  const fd = native.socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  try {
    if (opts.rcvbuf !== undefined) setReceiveBuffer(native, fd, opts.rcvbuf, logger);
    try {
      native.setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
    } catch {
      // Older kernels: errors just lose their explanatory text.
    }
    native.bind(fd, encodeSockaddrNl(0, groupMask(opts.groups ?? [])));
  } catch (e) {
    native.close(fd);
    throw e;
  }
  return fd;
}

export function setReceiveBuffer(native: NativeBinding, fd: number, bytes: number, logger: Logger): void {
  try {
    native.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, bytes);
  } catch (e) {
    logger.debug(`netlink: SO_RCVBUFFORCE ${bytes} failed (${(e as Error).message}); using SO_RCVBUF`);
    native.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, bytes);
  }
}

/** Reads one datagram and decodes it; null when nothing is queued. Throws on ENOBUFS etc. */
export function readRtnl(native: NativeBinding, fd: number, logger: Logger): RtnlMessage[] | null {
  const r = native.recvmsg(fd, NETLINK_RECV_MAX, 0, MSG_TRUNC);
  if (r === null) return null;
  if (r.length > r.data.length) {
    logger.error(`netlink: datagram of ${r.length} bytes truncated to ${r.data.length}`);
    return [];
  }
  try {
    return decodeRtnl(r.data);
  } catch (e) {
    logger.error(`netlink: dropping malformed datagram: ${(e as Error).message}`);
    return [];
  }
}

/** A request without seq/pid; the socket assigns those. */
export type RtnlRequest = RtnlMessage extends infer M ? (M extends RtnlMessage ? Omit<M, 'seq' | 'pid'> : never) : never;

/** How a request is named in its error. */
interface RequestName {
  what: string;
  syscall: string;
}

/**
 * Request/response over NETLINK_ROUTE. The kernel answers rtnetlink requests
 * within sendmsg, so replies are normally read straight after sending; a poll
 * watch covers the rest (long dumps, slow paths).
 */
export class RtnlRequester {
  readonly fd: number;
  private readonly requests = new NlRequestTable<RtnlMessage, RequestName>();
  private watch: PollHandle | undefined;
  private closed = false;

  constructor(
    private readonly native: NativeBinding,
    private readonly logger: Logger = silentLogger,
    opts: OpenOptions = {},
  ) {
    this.fd = openRtnlSocket(native, opts, logger);
  }

  /**
   * Sends `req` with NLM_F_REQUEST (+ NLM_F_ACK unless a dump). Resolves with the
   * dump parts / echoed messages, or rejects with a NetlinkError naming `what`.
   */
  request(req: RtnlRequest, what: string): Promise<RtnlMessage[]> {
    if (this.closed) return Promise.reject(new Error(`netlink socket closed: ${what}`));
    const dump = (req.flags & NLM_F_DUMP) === NLM_F_DUMP;
    const seq = this.requests.nextSeq();
    const flags = req.flags | NLM_F_REQUEST | (dump ? 0 : NLM_F_ACK);
    const msg = { ...req, flags, seq, pid: 0 } as RtnlMessage;
    const syscall = RTM_NAMES[req.type] ?? `nlmsg ${req.type}`;
    return new Promise((resolve, reject) => {
      this.requests.add(seq, { dump, info: { what, syscall }, resolve, reject });
      try {
        this.native.sendto(this.fd, encodeRtnl(msg), encodeSockaddrNl(0, 0));
      } catch (e) {
        this.requests.fail(seq, e as Error);
        return;
      }
      this.drain();
      if (this.requests.size > 0) this.ensureWatch();
    });
  }

  /** Dump helper: NLM_F_DUMP request, resolves with every part. */
  dump(req: RtnlRequest, what: string): Promise<RtnlMessage[]> {
    return this.request({ ...req, flags: req.flags | NLM_F_DUMP } as RtnlRequest, what);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.watch?.stop();
    this.watch = undefined;
    this.native.close(this.fd);
    this.requests.failAll(({ what }) => new Error(`netlink socket closed: ${what}`));
  }

  private ensureWatch(): void {
    if (this.watch || this.closed) return;
    this.watch = this.native.poll(this.fd, (err) => {
      if (err) {
        this.failAll(err);
        return;
      }
      this.drain();
    });
  }

  private failAll(err: Error): void {
    this.requests.failAll(() => err);
    this.stopWatchIfIdle();
  }

  private stopWatchIfIdle(): void {
    if (this.requests.size === 0 && this.watch) {
      this.watch.stop();
      this.watch = undefined;
    }
  }

  private drain(): void {
    while (this.requests.size > 0 && !this.closed) {
      let msgs: RtnlMessage[] | null;
      try {
        msgs = readRtnl(this.native, this.fd, this.logger);
      } catch (e) {
        if (isSyscallError(e) && e.code === 'EINTR') continue;
        this.failAll(e as Error);
        return;
      }
      if (msgs === null) break;
      for (const m of msgs) this.dispatch(m);
    }
    this.stopWatchIfIdle();
  }

  private dispatch(m: RtnlMessage): void {
    if (!this.requests.get(m.seq)) {
      this.logger.debug(`netlink: ignoring unexpected message type ${m.type} seq ${m.seq}`);
      return;
    }
    if (m.kind === 'error') {
      this.requests.acked(m.seq, m.error, ({ what, syscall }, { errno, extMessage }) =>
        new NetlinkError(syscall, errno, what, extMessage));
      return;
    }
    if (m.kind === 'done') {
      this.requests.done(m.seq);
      return;
    }
    // A single-part reply to a non-dump GET comes without NLM_F_MULTI and without DONE;
    // its NLMSG_ERROR ack still follows because we always ask for one.
    this.requests.part(m.seq, m.flags, m);
  }
}
