/**
 * keepalived's "sockpool": one raw VRRP socket pair per (interface, family,
 * protocol, multicast group | unicast source), shared by every instance on it.
 * Received packets are handed to the instance owning their VRID.
 */
import { readdirSync } from 'node:fs';
import type { NativeBinding } from '@keepalived-ts/native';
import { openVrrpSocket, type VrrpPacket, type VrrpSocket, type VrrpSocketOptions } from '@keepalived-ts/netlink-reflector';
import { logText } from '../validate/drop-reasons.js';

export interface PacketSink {
  readonly vrid: number;
  receive(pkt: VrrpPacket): void;
}

export interface PooledSocket {
  readonly key: string;
  readonly options: VrrpSocketOptions;
  readonly proto: number;
  socket: VrrpSocket;
  /** Receive and send descriptors, for the sockpool log line. */
  fds: [number, number];
  readonly byVrid: (PacketSink | undefined)[];
}

export interface SockPoolLog {
  info(text: string): void;
}

/** Descriptors that exist now; diffed around an open to learn a socket's fds without asking the socket layer. */
function openFds(): Set<number> {
  try {
    return new Set(readdirSync('/proc/self/fd').map(Number));
  } catch {
    return new Set();
  }
}

export class SockPool {
  readonly entries = new Map<string, PooledSocket>();
  private closed = false;

  constructor(
    private readonly native: NativeBinding,
    private readonly log: SockPoolLog,
    private readonly logUnknownVrids: boolean,
  ) {}

  /** The shared socket for key, opened on first use. Throws what openVrrpSocket throws (e.g. missing CAP_NET_RAW). */
  acquire(key: string, options: VrrpSocketOptions, sink: PacketSink): PooledSocket {
    let entry = this.entries.get(key);
    if (entry === undefined) {
      const { socket, fds } = this.open(options);
      entry = { key, options, proto: options.protocol ?? 112, socket, fds, byVrid: new Array(256).fill(undefined) };
      this.entries.set(key, entry);
      this.listen(entry);
    }
    entry.byVrid[sink.vrid] = sink;
    return entry;
  }

  /** The instance leaves the socket; the last one out closes it (an instance removed or moved at reload). */
  release(entry: PooledSocket, sink: PacketSink): void {
    if (entry.byVrid[sink.vrid] === sink) entry.byVrid[sink.vrid] = undefined;
    if (entry.byVrid.some((s) => s !== undefined)) return;
    entry.socket.close();
    this.entries.delete(entry.key);
  }

  /** keepalived's dump_sock line (logged with -D once the pool is open). */
  describe(entry: PooledSocket): string {
    const o = entry.options;
    const idx = String(entry.socket.ifindex).padStart(3, ' ');
    const address = o.unicast ? (o.srcAddr ?? '') : (o.group ?? (o.family === 4 ? '224.0.0.18' : 'ff02::12'));
    return `VRRP sockpool: [ifindex(${idx}), family(IPv${o.family}), proto(${entry.proto}), fd(${entry.fds[0]},${entry.fds[1]}) ${
      o.unicast ? ', unicast' : 'multicast'}, address(${address})]`;
  }

  close(): void {
    this.closed = true;
    for (const e of this.entries.values()) e.socket.close();
    this.entries.clear();
  }

  private open(options: VrrpSocketOptions): { socket: VrrpSocket; fds: [number, number] } {
    const before = openFds();
    const socket = openVrrpSocket(options, this.native);
    const added = [...openFds()].filter((fd) => !before.has(fd)).sort((a, b) => a - b);
    return { socket, fds: [added[0] ?? -1, added[1] ?? -1] };
  }

  private listen(entry: PooledSocket): void {
    const byVrid = entry.byVrid;
    entry.socket.onPacket((pkt) => {
      const vrid = pkt.payload.length > 1 ? pkt.payload[1]! : -1;
      const sink = vrid >= 0 ? byVrid[vrid] : undefined;
      if (sink !== undefined) sink.receive(pkt);
      else if (this.logUnknownVrids && vrid >= 0) this.log.info(logText.unknownVrid(vrid, entry.socket.ifname));
    });
    entry.socket.onError((err) => {
      // Malformed datagrams carry a reason and are just dropped; anything else means the
      // watch stopped (libuv reports POLLERR as EBADF and ends the poll), so reopen.
      if ((err as { reason?: string }).reason !== undefined || this.closed) return;
      this.log.info(`VRRP socket error on ${entry.socket.ifname} (${err.message}) - reopening`);
      try {
        entry.socket.close();
      } catch {
        // already unusable
      }
      try {
        const { socket, fds } = this.open(entry.options);
        entry.socket = socket;
        entry.fds = fds;
        this.listen(entry);
      } catch (e) {
        this.log.info(`VRRP socket reopen on ${entry.options.ifname ?? entry.options.ifindex} failed: ${(e as Error).message}`);
      }
    });
  }
}
