// A NETLINK_NETFILTER socket for nf_tables transactions: a batch (begin, objects, end) in
// one datagram, every object asking for its ack, so the kernel applies all of it or none
// and names the object it refused.
import {
  AF_NETLINK, NETLINK_EXT_ACK, NETLINK_NETFILTER, NLM_F_ACK, NLM_F_REQUEST, NlRequestChannel, SOCK_RAW, SOL_NETLINK, encodeSockaddrNl,
  type NativeBinding,
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
  private readonly channel: NlRequestChannel<NftMessage, RequestName>;

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
    this.channel = new NlRequestChannel(native, this.fd, RECV_MAX, {
      decode: decodeNftMessage,
      // an aborted batch answers every object; the one at fault carries the errno
      refused: ({ what, syscall }, { errno, extMessage }) => new NetlinkError(syscall, errno, what, extMessage),
    });
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
    this.channel.close(({ what }) => new Error(`nftables socket closed: ${what}`));
  }

  private async send(objects: readonly NftRequest[], what: string, batch: boolean): Promise<void> {
    if (this.channel.closed) throw new Error(`nftables socket closed: ${what}`);
    const requests = this.channel.requests;
    const msgs: NftMessage[] = [];
    const waits: Promise<NftMessage[]>[] = [];
    if (batch) msgs.push({ body: { kind: 'batch-begin' }, family: 0, flags: NLM_F_REQUEST, seq: requests.nextSeq(), pid: 0 });
    for (const o of objects) {
      const seq = requests.nextSeq();
      msgs.push({ body: o.body, family: o.family, flags: NLM_F_REQUEST | NLM_F_ACK | (o.flags ?? 0), seq, pid: 0 });
      waits.push(new Promise((resolve, reject) => requests.add(seq, { dump: false, info: { what, syscall: `NFT ${o.body.kind}` }, resolve, reject })));
    }
    if (batch) msgs.push({ body: { kind: 'batch-end' }, family: 0, flags: NLM_F_REQUEST, seq: requests.nextSeq(), pid: 0 });
    try {
      this.native.sendto(this.fd, encodeNftMessages(msgs), encodeSockaddrNl(0, 0));
    } catch (e) {
      for (const m of msgs) requests.fail(m.seq, e as Error);
    }
    // the kernel answers a batch within sendmsg; the channel watches for anything later
    this.channel.pump();
    const settled = await Promise.allSettled(waits);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
