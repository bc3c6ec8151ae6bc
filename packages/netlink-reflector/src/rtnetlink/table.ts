// The live interface/address table: a dump, then kept current by the monitor.
// After a monitor overflow (ENOBUFS) it re-dumps and emits the differences, so
// a consumer that only listens to events still ends up with the true state.
import { EventEmitter } from 'node:events';
import { AF_UNSPEC, type NativeBinding } from '@keepalived-ts/native';
import { addrOf, type AddrMessage } from './addr.js';
import {
  NLM_F_DUMP_INTR, RTM_DELADDR, RTM_DELLINK, RTM_DELROUTE, RTM_DELRULE, RTM_GETADDR, RTM_GETLINK,
  RTM_NEWADDR, RTM_NEWLINK, RTM_NEWROUTE, RTM_NEWRULE, type OperState,
} from './constants.js';
import type { LinkMessage, MacvlanMode } from './link.js';
import { silentLogger, type Logger } from './logger.js';
import type { RtnlMessage } from './message.js';
import { RtnlMonitor, type MonitorOptions } from './monitor.js';
import type { RouteMessage } from './route.js';
import type { RuleMessage } from './rule.js';
import { RtnlRequester } from './socket.js';

export interface InterfaceInfo {
  ifindex: number;
  name: string;
  /** IFF_* flags. */
  flags: number;
  operState: OperState;
  /** aa:bb:cc:dd:ee:ff; absent for devices without a link-layer address. */
  mac?: string;
  mtu: number;
  /** Ifindex of the lower device (macvlan/vlan parent, veth peer). */
  link?: number;
  master?: number;
  kind?: string;
  macvlanMode?: MacvlanMode;
  /** ARPHRD_* */
  deviceType: number;
}

export interface AddressInfo {
  family: number;
  ifindex: number;
  /** The interface's own address (IFA_LOCAL for IPv4, IFA_ADDRESS for IPv6). */
  address: string;
  prefixLen: number;
  /** Peer address on point-to-point configurations. */
  peer?: string;
  label?: string;
  broadcast?: string;
  scope: number;
  /** IFA_F_* */
  flags: number;
  /** Lifetimes in seconds (0xffffffff = forever). */
  preferredLifetime?: number;
  validLifetime?: number;
}

export interface TableEvents {
  linkAdded: [link: InterfaceInfo];
  linkChanged: [link: InterfaceInfo, previous: InterfaceInfo];
  linkRemoved: [link: InterfaceInfo];
  addressAdded: [address: AddressInfo];
  addressChanged: [address: AddressInfo, previous: AddressInfo];
  addressRemoved: [address: AddressInfo];
  routeAdded: [route: RouteMessage];
  routeRemoved: [route: RouteMessage];
  ruleAdded: [rule: RuleMessage];
  ruleRemoved: [rule: RuleMessage];
  /** A re-dump finished (after an overflow, or on request). */
  resynced: [summary: { reason: string; changes: number }];
  error: [err: Error];
}

export function interfaceFromLink(m: LinkMessage): InterfaceInfo {
  const info: InterfaceInfo = {
    ifindex: m.index,
    name: m.ifname ?? `if${m.index}`,
    flags: m.flags,
    operState: m.operState ?? 'UNKNOWN',
    mtu: m.mtu ?? 0,
    deviceType: m.deviceType,
  };
  if (m.address !== undefined) info.mac = m.address;
  if (m.link !== undefined && m.link !== m.index) info.link = m.link;
  if (m.master !== undefined) info.master = m.master;
  if (m.kind !== undefined) info.kind = m.kind;
  if (m.macvlanMode !== undefined) info.macvlanMode = m.macvlanMode;
  return info;
}

export function addressFromMessage(m: AddrMessage): AddressInfo | undefined {
  const own = addrOf(m);
  if (own === undefined) return undefined;
  const info: AddressInfo = {
    family: m.family, ifindex: m.index, address: own, prefixLen: m.prefixLen, scope: m.scope, flags: m.flags,
  };
  if (m.local !== undefined && m.address !== undefined && m.address !== m.local) info.peer = m.address;
  if (m.label !== undefined) info.label = m.label;
  if (m.broadcast !== undefined) info.broadcast = m.broadcast;
  if (m.cacheInfo) {
    info.preferredLifetime = m.cacheInfo.preferred;
    info.validLifetime = m.cacheInfo.valid;
  }
  return info;
}

/** Identity of an address as the kernel sees it. */
export function addressKey(a: Pick<AddressInfo, 'family' | 'ifindex' | 'address' | 'prefixLen' | 'peer'>): string {
  return `${a.family}|${a.ifindex}|${a.address}/${a.prefixLen}|${a.peer ?? ''}`;
}

function sameLink(a: InterfaceInfo, b: InterfaceInfo): boolean {
  return a.name === b.name && a.flags === b.flags && a.operState === b.operState && a.mac === b.mac &&
    a.mtu === b.mtu && a.link === b.link && a.master === b.master && a.kind === b.kind &&
    a.macvlanMode === b.macvlanMode;
}

/** Lifetimes tick on their own; only these fields make an address "changed". */
function sameAddress(a: AddressInfo, b: AddressInfo): boolean {
  return a.label === b.label && a.broadcast === b.broadcast && a.scope === b.scope && a.flags === b.flags;
}

export interface TableOptions {
  native: NativeBinding;
  logger?: Logger;
  monitor?: MonitorOptions;
  /** Reuse a request socket (e.g. the one an Rtnetlink client holds). */
  requester?: RtnlRequester;
}

const MAX_DUMP_RETRIES = 5;

export class InterfaceTable extends EventEmitter<TableEvents> {
  private linksByIndex = new Map<number, InterfaceInfo>();
  private addressesByKey = new Map<string, AddressInfo>();
  private readonly requester: RtnlRequester;
  private readonly ownsRequester: boolean;
  private readonly logger: Logger;
  private monitor: RtnlMonitor | undefined;
  /** Notifications that arrive while a dump is running are replayed after it. */
  private queue: RtnlMessage[] | undefined;
  private resyncRunning: Promise<void> | undefined;
  private resyncAgain = false;
  private muted = false;
  private closed = false;

  private constructor(opts: TableOptions) {
    super();
    this.logger = opts.logger ?? silentLogger;
    this.ownsRequester = !opts.requester;
    this.requester = opts.requester ?? new RtnlRequester(opts.native, this.logger);
    try {
      this.monitor = new RtnlMonitor(opts.native, {
        onMessage: (m) => this.onNotification(m),
        onOverflow: () => void this.resync('monitor overflow (ENOBUFS)'),
        onError: (err) => this.emitError(err),
      }, this.logger, opts.monitor);
    } catch (e) {
      if (this.ownsRequester) this.requester.close();
      throw e;
    }
  }

  /** Subscribes, dumps links and addresses, and returns the populated table. */
  static async open(opts: TableOptions): Promise<InterfaceTable> {
    const table = new InterfaceTable(opts);
    try {
      await table.load();
    } catch (e) {
      table.close();
      throw e;
    }
    return table;
  }

  links(): InterfaceInfo[] {
    return [...this.linksByIndex.values()];
  }
  link(ifindex: number): InterfaceInfo | undefined {
    return this.linksByIndex.get(ifindex);
  }
  linkByName(name: string): InterfaceInfo | undefined {
    for (const l of this.linksByIndex.values()) if (l.name === name) return l;
    return undefined;
  }
  addresses(filter: { ifindex?: number; family?: number } = {}): AddressInfo[] {
    return [...this.addressesByKey.values()].filter(
      (a) => (filter.ifindex === undefined || a.ifindex === filter.ifindex) &&
        (filter.family === undefined || a.family === filter.family),
    );
  }
  /** Whether `address` is configured on `ifindex` (any prefix length) - e.g. is a VIP still there. */
  hasAddress(ifindex: number, address: string): boolean {
    for (const a of this.addressesByKey.values()) if (a.ifindex === ifindex && a.address === address) return true;
    return false;
  }

  /** Let the process exit while only the table's monitor is active. */
  unref(): void {
    this.monitor?.unref();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.monitor?.close();
    this.monitor = undefined;
    if (this.ownsRequester) this.requester.close();
  }

  /**
   * Re-dumps everything and emits the differences. Runs at most one at a time;
   * a request during a run schedules one more run afterwards.
   */
  resync(reason: string): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.resyncRunning) {
      this.resyncAgain = true;
      return this.resyncRunning;
    }
    this.resyncRunning = (async () => {
      try {
        do {
          this.resyncAgain = false;
          const oldLinks = this.linksByIndex;
          const oldAddrs = this.addressesByKey;
          await this.load();
          const changes = this.emitDiff(oldLinks, oldAddrs);
          this.logger.info(`netlink: table resynchronised after ${reason}: ${changes} change(s)`);
          this.emit('resynced', { reason, changes });
        } while (this.resyncAgain && !this.closed);
      } catch (e) {
        this.emitError(e as Error);
      } finally {
        this.resyncRunning = undefined;
      }
    })();
    return this.resyncRunning;
  }

  private emitError(err: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
    else this.logger.error(`netlink table: ${err.message}`);
  }

  /** Replaces the table with a fresh dump, then replays notifications queued meanwhile. */
  private async load(): Promise<void> {
    this.queue = [];
    try {
      const links = await this.dumpConsistent({ kind: 'link', type: RTM_GETLINK, flags: 0,
        link: { family: AF_UNSPEC, deviceType: 0, index: 0, flags: 0, change: 0 } }, 'dump links');
      const addrs = await this.dumpConsistent({ kind: 'addr', type: RTM_GETADDR, flags: 0,
        addr: { family: AF_UNSPEC, prefixLen: 0, flags: 0, scope: 0, index: 0 } }, 'dump addresses');
      const linkMap = new Map<number, InterfaceInfo>();
      for (const m of links) if (m.kind === 'link' && m.link.family === AF_UNSPEC) {
        linkMap.set(m.link.index, interfaceFromLink(m.link));
      }
      const addrMap = new Map<string, AddressInfo>();
      for (const m of addrs) if (m.kind === 'addr') {
        const a = addressFromMessage(m.addr);
        if (a) addrMap.set(addressKey(a), a);
      }
      this.linksByIndex = linkMap;
      this.addressesByKey = addrMap;
    } finally {
      const queued = this.queue ?? [];
      this.queue = undefined;
      // Link/address changes from the replay are reported by the caller's diff, not one by one.
      this.muted = true;
      try {
        for (const m of queued) this.apply(m);
      } finally {
        this.muted = false;
      }
    }
  }

  private async dumpConsistent(req: Parameters<RtnlRequester['dump']>[0], what: string): Promise<RtnlMessage[]> {
    for (let i = 0; ; i++) {
      const parts = await this.requester.dump(req, what);
      if (!parts.some((m) => m.flags & NLM_F_DUMP_INTR) || i >= MAX_DUMP_RETRIES) return parts;
      this.logger.debug(`netlink: ${what} interrupted by a concurrent change, dumping again`);
    }
  }

  private emitDiff(oldLinks: Map<number, InterfaceInfo>, oldAddrs: Map<string, AddressInfo>): number {
    let changes = 0;
    for (const [key, a] of oldAddrs) if (!this.addressesByKey.has(key)) {
      changes++;
      this.emit('addressRemoved', a);
    }
    for (const [idx, l] of oldLinks) if (!this.linksByIndex.has(idx)) {
      changes++;
      this.emit('linkRemoved', l);
    }
    for (const [idx, l] of this.linksByIndex) {
      const prev = oldLinks.get(idx);
      if (!prev) {
        changes++;
        this.emit('linkAdded', l);
      } else if (!sameLink(prev, l)) {
        changes++;
        this.emit('linkChanged', l, prev);
      }
    }
    for (const [key, a] of this.addressesByKey) {
      const prev = oldAddrs.get(key);
      if (!prev) {
        changes++;
        this.emit('addressAdded', a);
      } else if (!sameAddress(prev, a)) {
        changes++;
        this.emit('addressChanged', a, prev);
      }
    }
    return changes;
  }

  private onNotification(m: RtnlMessage): void {
    if (this.queue) this.queue.push(m);
    else this.apply(m);
  }

  private apply(m: RtnlMessage): void {
    switch (m.kind) {
      case 'link':
        // AF_BRIDGE notifications describe bridge-port state, not the device itself.
        if (m.link.family !== AF_UNSPEC) return;
        if (m.type === RTM_NEWLINK) this.putLink(interfaceFromLink(m.link));
        else if (m.type === RTM_DELLINK) this.dropLink(m.link.index);
        return;
      case 'addr': {
        const a = addressFromMessage(m.addr);
        if (!a) return;
        if (m.type === RTM_NEWADDR) this.putAddress(a);
        else if (m.type === RTM_DELADDR) this.dropAddress(a);
        return;
      }
      case 'route':
        if (m.type === RTM_NEWROUTE) this.emit('routeAdded', m.route);
        else if (m.type === RTM_DELROUTE) this.emit('routeRemoved', m.route);
        return;
      case 'rule':
        if (m.type === RTM_NEWRULE) this.emit('ruleAdded', m.rule);
        else if (m.type === RTM_DELRULE) this.emit('ruleRemoved', m.rule);
        return;
      default:
        return;
    }
  }

  private emitState<K extends 'linkAdded' | 'linkChanged' | 'linkRemoved' | 'addressAdded' | 'addressChanged' | 'addressRemoved'>(
    event: K, ...args: TableEvents[K]
  ): void {
    if (!this.muted) (this.emit as (e: K, ...a: TableEvents[K]) => boolean)(event, ...args);
  }

  private putLink(l: InterfaceInfo): void {
    const prev = this.linksByIndex.get(l.ifindex);
    this.linksByIndex.set(l.ifindex, l);
    if (!prev) this.emitState('linkAdded', l);
    else if (!sameLink(prev, l)) this.emitState('linkChanged', l, prev);
  }

  private dropLink(ifindex: number): void {
    const prev = this.linksByIndex.get(ifindex);
    // The kernel reports each address's removal, but not always before the link's.
    for (const [key, a] of this.addressesByKey) if (a.ifindex === ifindex) {
      this.addressesByKey.delete(key);
      this.emitState('addressRemoved', a);
    }
    if (!prev) return;
    this.linksByIndex.delete(ifindex);
    this.emitState('linkRemoved', prev);
  }

  private putAddress(a: AddressInfo): void {
    const key = addressKey(a);
    const prev = this.addressesByKey.get(key);
    this.addressesByKey.set(key, a);
    if (!prev) this.emitState('addressAdded', a);
    else if (!sameAddress(prev, a)) this.emitState('addressChanged', a, prev);
  }

  private dropAddress(a: AddressInfo): void {
    const key = addressKey(a);
    const prev = this.addressesByKey.get(key);
    if (!prev) return;
    this.addressesByKey.delete(key);
    this.emitState('addressRemoved', prev);
  }
}
