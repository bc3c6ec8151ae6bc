// NETLINK_ROUTE sockets: a request socket (seq numbers, acks, dumps) and the
// raw socket setup shared with the monitor.
import {
  AF_NETLINK, MSG_TRUNC, NETLINK_EXT_ACK, NETLINK_ROUTE, SOCK_RAW, SOL_NETLINK, SOL_SOCKET,
  SO_RCVBUF, SO_RCVBUFFORCE, NlRequestChannel, encodeSockaddrNl, type NativeBinding,
} from '@keepalived-ts/native';
import { NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, RTM_NAMES } from './constants.js';
import { NetlinkError } from './errors.js';
import { silentLogger, type Logger } from './logger.js';
import { decodeRtnl, decodeRtnlMessage, encodeRtnl, type RtnlMessage } from './message.js';

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
  private readonly channel: NlRequestChannel<RtnlMessage, RequestName>;

  constructor(
    private readonly native: NativeBinding,
    private readonly logger: Logger = silentLogger,
    opts: OpenOptions = {},
  ) {
    this.fd = openRtnlSocket(native, opts, logger);
    this.channel = new NlRequestChannel(native, this.fd, NETLINK_RECV_MAX, {
      decode: decodeRtnlMessage,
      refused: ({ what, syscall }, { errno, extMessage }) => new NetlinkError(syscall, errno, what, extMessage),
      report: (text) => this.logger.error(`netlink: ${text}`),
      unexpected: (m) => this.logger.debug(`netlink: ignoring unexpected message type ${m.type} seq ${m.seq}`),
    });
  }

  /**
   * Sends `req` with NLM_F_REQUEST (+ NLM_F_ACK unless a dump). Resolves with the
   * dump parts / echoed messages, or rejects with a NetlinkError naming `what`.
   * A single-part reply to a non-dump GET comes without NLM_F_MULTI and without
   * DONE; its ack still follows because we always ask for one.
   */
  request(req: RtnlRequest, what: string): Promise<RtnlMessage[]> {
    if (this.channel.closed) return Promise.reject(new Error(`netlink socket closed: ${what}`));
    const dump = (req.flags & NLM_F_DUMP) === NLM_F_DUMP;
    const requests = this.channel.requests;
    const seq = requests.nextSeq();
    const flags = req.flags | NLM_F_REQUEST | (dump ? 0 : NLM_F_ACK);
    const msg = { ...req, flags, seq, pid: 0 } as RtnlMessage;
    const syscall = RTM_NAMES[req.type] ?? `nlmsg ${req.type}`;
    return new Promise((resolve, reject) => {
      requests.add(seq, { dump, info: { what, syscall }, resolve, reject });
      try {
        this.native.sendto(this.fd, encodeRtnl(msg), encodeSockaddrNl(0, 0));
      } catch (e) {
        requests.fail(seq, e as Error);
        return;
      }
      // the kernel answers rtnetlink requests within sendmsg; the channel watches for the rest
      this.channel.pump();
    });
  }

  /** Dump helper: NLM_F_DUMP request, resolves with every part. */
  dump(req: RtnlRequest, what: string): Promise<RtnlMessage[]> {
    return this.request({ ...req, flags: req.flags | NLM_F_DUMP } as RtnlRequest, what);
  }

  close(): void {
    this.channel.close(({ what }) => new Error(`netlink socket closed: ${what}`));
  }
}
