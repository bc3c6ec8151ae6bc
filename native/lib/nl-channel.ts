/**
 * The receive side every netlink request socket shares (rtnetlink, generic
 * netlink for IPVS, nf_tables): read what the kernel queued after a send,
 * match replies to requests by sequence number, and keep a poll watch only
 * while requests wait. The owner encodes and sends; it tells the channel how
 * to decode a reply part and how to name a refusal.
 */
import { isSyscallError, type NativeBinding, type PollHandle } from './binding.js';
import { MSG_TRUNC } from './constants.js';
import { NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, NlRequestTable, decodeNlError, decodeNlmsgs, type NlError, type NlMessage } from './netlink.js';

export interface NlChannelHooks<Part, Info> {
  /** A reply part (throws when it cannot be decoded: reported, and the request waits on). */
  decode(m: NlMessage): Part;
  /** The error a refused request rejects with. */
  refused(info: Info, answer: NlError): Error;
  /** A datagram or message that could not be used (truncated, malformed). */
  report?(text: string): void;
  /** A message no request waits for (e.g. a late ack). */
  unexpected?(m: NlMessage): void;
  /** Every datagram read, with its message count (counters). */
  received?(bytes: number, messages: number): void;
}

export class NlRequestChannel<Part, Info> {
  readonly requests = new NlRequestTable<Part, Info>();
  private watch: PollHandle | undefined;
  private closedFlag = false;

  constructor(
    private readonly native: NativeBinding,
    readonly fd: number,
    private readonly recvMax: number,
    private readonly hooks: NlChannelHooks<Part, Info>,
  ) {}

  get closed(): boolean {
    return this.closedFlag;
  }

  /** After a send: the kernel usually answered inside sendmsg(); read that, and watch for the rest. */
  pump(): void {
    this.drain();
    if (this.requests.size > 0) this.ensureWatch();
  }

  /** Closes the socket; waiting requests reject with closedError. */
  close(closedError: (info: Info) => Error): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.watch?.stop();
    this.watch = undefined;
    this.native.close(this.fd);
    this.requests.failAll(closedError);
  }

  private ensureWatch(): void {
    if (this.watch || this.closedFlag) return;
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
    while (this.requests.size > 0 && !this.closedFlag) {
      let r;
      try {
        r = this.native.recvmsg(this.fd, this.recvMax, 0, MSG_TRUNC);
      } catch (e) {
        if (isSyscallError(e) && e.code === 'EINTR') continue;
        // ENOBUFS etc.: the answers we wait for may be lost; fail them so the caller re-syncs
        this.failAll(e as Error);
        return;
      }
      if (r === null) break;
      if (r.length > r.data.length) {
        this.hooks.report?.(`datagram of ${r.length} bytes truncated to ${r.data.length}`);
        continue;
      }
      let msgs: NlMessage[];
      try {
        msgs = decodeNlmsgs(r.data);
      } catch (e) {
        this.hooks.report?.(`dropping malformed datagram: ${(e as Error).message}`);
        continue;
      }
      this.hooks.received?.(r.data.length, msgs.length);
      for (const m of msgs) this.dispatch(m);
    }
    this.stopWatchIfIdle();
  }

  private dispatch(m: NlMessage): void {
    if (!this.requests.get(m.seq)) {
      this.hooks.unexpected?.(m);
      return;
    }
    if (m.type === NLMSG_ERROR) {
      let answer: NlError;
      try {
        answer = decodeNlError(m);
      } catch (e) {
        this.requests.fail(m.seq, e as Error);
        return;
      }
      this.requests.acked(m.seq, answer, this.hooks.refused);
      return;
    }
    if (m.type === NLMSG_DONE) {
      this.requests.done(m.seq);
      return;
    }
    if (m.type === NLMSG_NOOP) return;
    let part: Part;
    try {
      part = this.hooks.decode(m);
    } catch (e) {
      this.hooks.report?.((e as Error).message);
      return;
    }
    this.requests.part(m.seq, m.flags, part);
  }
}
