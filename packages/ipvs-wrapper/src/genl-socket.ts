// A NETLINK_GENERIC request socket over the injected native binding:
// sequence numbers, acks (NLMSG_ERROR -> IpvsError), multipart dumps.
import {
  AF_NETLINK, NETLINK_EXT_ACK, NETLINK_GENERIC, SOCK_RAW, SOL_NETLINK, SOL_SOCKET, SO_RCVBUF,
  SO_RCVBUFFORCE, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST,
  NlRequestChannel, decodeSockaddrNl, encodeSockaddrNl, errnoCode, errnoText,
  type NativeBinding, type SyscallError,
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
  private readonly channel: NlRequestChannel<GenlMessage, RequestName>;

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
    this.channel = new NlRequestChannel(native, fd, GENL_RECV_MAX, {
      decode: toGenl,
      refused: ({ what, syscall }, { errno, extMessage }) => new NetlinkRequestError(syscall, errno, what, extMessage ? { extMessage } : {}),
      report: (text) => this.logger.error(`IPVS netlink: ${text}`),
      received: (bytes, messages) => {
        this.counters.bytesReceived += bytes;
        this.counters.messagesReceived += messages;
      },
    });
  }

  /**
   * Sends one request. Resolves with the reply messages (none for a plain
   * command, the parts for a dump) once the ACK or NLMSG_DONE arrives; rejects
   * with a NetlinkRequestError carrying the kernel's errno.
   */
  request(req: GenlRequest, what: string, syscall: string): Promise<GenlMessage[]> {
    if (this.channel.closed) return Promise.reject(new Error(`netlink socket closed: ${what}`));
    const requests = this.channel.requests;
    const extra = req.flags ?? 0;
    const dump = (extra & NLM_F_DUMP) === NLM_F_DUMP;
    const seq = requests.nextSeq();
    const bytes = encodeGenl({
      type: req.type, flags: NLM_F_REQUEST | NLM_F_ACK | extra, seq, pid: this.portId,
      cmd: req.cmd, version: req.version, attrs: req.attrs,
    });
    return new Promise((resolve, reject) => {
      requests.add(seq, { dump, info: { what, syscall }, resolve, reject });
      try {
        this.opts.onSend?.(bytes);
        this.native.sendto(this.fd, bytes, encodeSockaddrNl(0, 0));
        this.counters.messagesSent++;
        this.counters.bytesSent += bytes.length;
      } catch (e) {
        requests.fail(seq, e as Error);
        return;
      }
      // The kernel answers generic netlink inside sendmsg(), so the reply is usually queued already.
      this.channel.pump();
    });
  }

  close(): void {
    this.channel.close(({ what }) => new Error(`netlink socket closed: ${what}`));
  }
}
