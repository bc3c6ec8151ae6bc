// A NETLINK_GENERIC request socket over the injected native binding:
// sequence numbers, acks (NLMSG_ERROR -> IpvsError), multipart dumps.
import {
  AF_NETLINK, MSG_TRUNC, NETLINK_EXT_ACK, NETLINK_GENERIC, SOCK_RAW, SOL_NETLINK, SOL_SOCKET, SO_RCVBUF,
  SO_RCVBUFFORCE, NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST,
  NlRequestTable, decodeNlError, decodeNlmsgs, decodeSockaddrNl, encodeSockaddrNl, errnoCode, errnoText, isSyscallError,
  type NativeBinding, type NlMessage, type PollHandle, type SyscallError,
} from '@keepalived-ts/native';
import { encodeGenl, toGenl, type GenlMessage } from './genl.js';

/** The logging this package needs; the daemon injects its own. */
export interface Logger {
  info(text: string): void;
  warn(text: string): void;
  error(text: string): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** A failed netlink request, shaped like the native layer's SyscallError. */
export class NetlinkRequestError extends Error implements SyscallError {
  readonly errno: number;
  readonly code: string;
  /** The request, e.g. 'IPVS_CMD_NEW_SERVICE' or 'CTRL_CMD_GETFAMILY'. */
  readonly syscall: string;
  readonly extMessage: string | undefined;

  constructor(syscall: string, errno: number, what: string, opts: { code?: string; message?: string; extMessage?: string } = {}) {
    const code = opts.code ?? errnoCode(errno);
    super(opts.message ?? `${what}: ${errnoText(errno)} (${code})${opts.extMessage ? ` - ${opts.extMessage}` : ''}`);
    this.name = 'NetlinkRequestError';
    this.errno = errno;
    this.code = code;
    this.syscall = syscall;
    this.extMessage = opts.extMessage;
  }
}

/** Big enough for any dump datagram the kernel builds. */
export const GENL_RECV_MAX = 256 * 1024;

export interface GenlRequest {
  type: number;
  cmd: number;
  version: number;
  attrs: Buffer;
  /** Extra nlmsg flags (NLM_F_DUMP); REQUEST and ACK are always set, as libnl does. */
  flags?: number;
}

/** What crossed the socket, for tests and the benchmark. */
export interface GenlCounters {
  messagesSent: number;
  bytesSent: number;
  messagesReceived: number;
  bytesReceived: number;
}

/** How a request is named in its error. */
interface RequestName {
  what: string;
  syscall: string;
}

export interface GenlSocketOptions {
  rcvbuf?: number;
  /** Called with every encoded request just before it is sent (tests, tracing). */
  onSend?: (bytes: Buffer) => void;
}

export class GenlSocket {
  readonly fd: number;
  /** Our netlink port id (nlmsg_pid of requests, as libnl fills it); 0 if unknown. */
  readonly portId: number;
  readonly counters: GenlCounters = { messagesSent: 0, bytesSent: 0, messagesReceived: 0, bytesReceived: 0 };
  private readonly requests = new NlRequestTable<GenlMessage, RequestName>();
  private watch: PollHandle | undefined;
  private closed = false;

  constructor(
    private readonly native: NativeBinding,
    private readonly logger: Logger = silentLogger,
    private readonly opts: GenlSocketOptions = {},
  ) {
    const fd = native.socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
    try {
      if (opts.rcvbuf !== undefined) {
        try {
          native.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, opts.rcvbuf);
        } catch {
          native.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, opts.rcvbuf);
        }
      }
      try {
        native.setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
      } catch {
        // Old kernels: errors just come without explanatory text.
      }
      native.bind(fd, encodeSockaddrNl(0, 0));
    } catch (e) {
      native.close(fd);
      throw e;
    }
    this.fd = fd;
    let port = 0;
    try {
      port = decodeSockaddrNl(native.getsockname(fd)).pid;
    } catch {
      // A fake binding may not report an address; the kernel does not need our pid.
    }
    this.portId = port;
  }

  /**
   * Sends one request. Resolves with the reply messages (none for a plain
   * command, the parts for a dump) once the ACK or NLMSG_DONE arrives; rejects
   * with a NetlinkRequestError carrying the kernel's errno.
   */
  request(req: GenlRequest, what: string, syscall: string): Promise<GenlMessage[]> {
    if (this.closed) return Promise.reject(new Error(`netlink socket closed: ${what}`));
    const extra = req.flags ?? 0;
    const dump = (extra & NLM_F_DUMP) === NLM_F_DUMP;
    const seq = this.requests.nextSeq();
    const bytes = encodeGenl({
      type: req.type, flags: NLM_F_REQUEST | NLM_F_ACK | extra, seq, pid: this.portId,
      cmd: req.cmd, version: req.version, attrs: req.attrs,
    });
    return new Promise((resolve, reject) => {
      this.requests.add(seq, { dump, info: { what, syscall }, resolve, reject });
      try {
        this.opts.onSend?.(bytes);
        this.native.sendto(this.fd, bytes, encodeSockaddrNl(0, 0));
        this.counters.messagesSent++;
        this.counters.bytesSent += bytes.length;
      } catch (e) {
        this.requests.fail(seq, e as Error);
        return;
      }
      // The kernel answers generic netlink inside sendmsg(), so the reply is usually queued already.
      this.drain();
      if (this.requests.size > 0) this.ensureWatch();
    });
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

  private stopWatchIfIdle(): void {
    if (this.requests.size === 0 && this.watch) {
      this.watch.stop();
      this.watch = undefined;
    }
  }

  private failAll(err: Error): void {
    this.requests.failAll(() => err);
    this.stopWatchIfIdle();
  }

  private drain(): void {
    while (this.requests.size > 0 && !this.closed) {
      let r;
      try {
        r = this.native.recvmsg(this.fd, GENL_RECV_MAX, 0, MSG_TRUNC);
      } catch (e) {
        if (isSyscallError(e) && e.code === 'EINTR') continue;
        // ENOBUFS etc.: the answers we wait for may be lost; fail them so the caller re-syncs.
        this.failAll(e as Error);
        return;
      }
      if (r === null) break;
      if (r.length > r.data.length) {
        this.logger.error(`IPVS netlink: datagram of ${r.length} bytes truncated to ${r.data.length}`);
        continue;
      }
      this.counters.bytesReceived += r.data.length;
      let msgs;
      try {
        msgs = decodeNlmsgs(r.data);
      } catch (e) {
        this.logger.error(`IPVS netlink: dropping malformed datagram: ${(e as Error).message}`);
        continue;
      }
      for (const m of msgs) {
        this.counters.messagesReceived++;
        this.dispatch(m);
      }
    }
    this.stopWatchIfIdle();
  }

  private dispatch(m: NlMessage): void {
    if (!this.requests.get(m.seq)) return; // e.g. a late ack for a dump; nothing waits for it
    if (m.type === NLMSG_ERROR) {
      let answer;
      try {
        answer = decodeNlError(m);
      } catch (e) {
        this.requests.fail(m.seq, e as Error);
        return;
      }
      this.requests.acked(m.seq, answer, ({ what, syscall }, { errno, extMessage }) =>
        new NetlinkRequestError(syscall, errno, what, extMessage ? { extMessage } : {}));
      return;
    }
    if (m.type === NLMSG_DONE) {
      this.requests.done(m.seq);
      return;
    }
    if (m.type === NLMSG_NOOP) return;
    let part;
    try {
      part = toGenl(m);
    } catch (e) {
      this.logger.error(`IPVS netlink: ${(e as Error).message}`);
      return;
    }
    this.requests.part(m.seq, m.flags, part);
  }
}
