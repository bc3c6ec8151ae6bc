// A NETLINK_NETFILTER socket for nf_tables transactions: a batch (begin, objects, end) in
// one datagram, every object asking for its ack, so the kernel applies all of it or none
// and names the object it refused.
import {
  AF_NETLINK, MSG_TRUNC, NETLINK_EXT_ACK, NETLINK_NETFILTER, NLM_F_ACK, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR, NlRequestTable,
  SOCK_RAW, SOL_NETLINK, decodeNlError, decodeNlmsgs, encodeSockaddrNl, isSyscallError, type NativeBinding, type NlMessage, type PollHandle,
} from '@keepalived-ts/native';
import { NetlinkError } from '../rtnetlink/errors.js';
import { decodeNftMessage, encodeNftMessages, type NftBody, type NftMessage } from './codec.js';

export interface NftRequest {
  body: NftBody;
  family: number;
  /** NLM_F_CREATE / NLM_F_APPEND / ...; REQUEST and ACK are added. */
  flags?: number;
}

interface RequestName {
  what: string;
  syscall: string;
}

const RECV_MAX = 64 * 1024;

export class NftSocket {
  readonly fd: number;
  private readonly requests = new NlRequestTable<NftMessage, RequestName>();
  private watch: PollHandle | undefined;
  private closed = false;

  constructor(private readonly native: NativeBinding) {
    this.fd = native.socket(AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER);
    try {
      try {
        native.setsockopt(this.fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
      } catch {
        // older kernels: errors lose their text only
      }
      native.bind(this.fd, encodeSockaddrNl(0, 0));
    } catch (e) {
      native.close(this.fd);
      throw e;
    }
  }

  /** Whether `table` exists in `family` (NFT_MSG_GETTABLE; ENOENT means no). */
  async tableExists(family: number, table: string): Promise<boolean> {
    try {
      await this.send([{ body: { kind: 'get-table', table }, family }], `get table ${table}`, false);
      return true;
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') return false;
      throw e;
    }
  }

  /** Applies `objects` as one atomic batch; rejects with the first object the kernel refused. */
  async transaction(objects: readonly NftRequest[], what: string): Promise<void> {
    await this.send(objects, what, true);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.watch?.stop();
    this.watch = undefined;
    this.native.close(this.fd);
    this.requests.failAll(({ what }) => new Error(`nftables socket closed: ${what}`));
  }

  private async send(objects: readonly NftRequest[], what: string, batch: boolean): Promise<void> {
    if (this.closed) throw new Error(`nftables socket closed: ${what}`);
    const msgs: NftMessage[] = [];
    const waits: Promise<NftMessage[]>[] = [];
    if (batch) msgs.push({ body: { kind: 'batch-begin' }, family: 0, flags: NLM_F_REQUEST, seq: this.requests.nextSeq(), pid: 0 });
    for (const o of objects) {
      const seq = this.requests.nextSeq();
      msgs.push({ body: o.body, family: o.family, flags: NLM_F_REQUEST | NLM_F_ACK | (o.flags ?? 0), seq, pid: 0 });
      waits.push(new Promise((resolve, reject) => this.requests.add(seq, { dump: false, info: { what, syscall: `NFT ${o.body.kind}` }, resolve, reject })));
    }
    if (batch) msgs.push({ body: { kind: 'batch-end' }, family: 0, flags: NLM_F_REQUEST, seq: this.requests.nextSeq(), pid: 0 });
    try {
      this.native.sendto(this.fd, encodeNftMessages(msgs), encodeSockaddrNl(0, 0));
    } catch (e) {
      for (const m of msgs) this.requests.fail(m.seq, e as Error);
    }
    // the kernel answers a batch within sendmsg; the watch covers anything later
    this.drain();
    if (this.requests.size > 0) this.ensureWatch();
    const settled = await Promise.allSettled(waits);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private ensureWatch(): void {
    if (this.watch || this.closed) return;
    this.watch = this.native.poll(this.fd, (err) => {
      if (err) this.requests.failAll(() => err);
      else this.drain();
      if (this.requests.size === 0) {
        this.watch?.stop();
        this.watch = undefined;
      }
    });
  }

  private drain(): void {
    while (this.requests.size > 0 && !this.closed) {
      let r;
      try {
        r = this.native.recvmsg(this.fd, RECV_MAX, 0, MSG_TRUNC);
      } catch (e) {
        if (isSyscallError(e) && e.code === 'EINTR') continue;
        this.requests.failAll(() => e as Error);
        return;
      }
      if (r === null) return;
      let msgs: NlMessage[];
      try {
        msgs = decodeNlmsgs(r.data);
      } catch {
        continue; // malformed datagram: the request times out on the watch instead
      }
      for (const m of msgs) this.dispatch(m);
    }
  }

  private dispatch(m: NlMessage): void {
    if (m.type === NLMSG_ERROR) {
      const err = decodeNlError(m);
      // an aborted batch answers every object; the one at fault carries the errno
      this.requests.acked(err.request.seq, err, ({ what, syscall }, { errno, extMessage }) => new NetlinkError(syscall, errno, what, extMessage));
      return;
    }
    if (m.type === NLMSG_DONE) {
      this.requests.done(m.seq);
      return;
    }
    try {
      this.requests.part(m.seq, m.flags, decodeNftMessage(m));
    } catch {
      // a reply part we do not decode (a table's other attributes) still counts: its ack follows
    }
  }
}
