/**
 * One running vrrp_instance: the state machine plus its VrrpEffects on the
 * real host (adverts on the shared raw socket, VIPs and routes through
 * rtnetlink, GARP/NA bursts, notifications) and the receive path from the
 * sockpool through validateAdvert into the machine.
 *
 * Hot path: the advert buffer, the build spec, the receive context and the
 * advert handed to the machine are allocated once and reused.
 */
import type { AddressSpec, InterfaceTable, Rtnetlink, RouteSpec, VrrpPacket } from '@keepalived-ts/netlink-reflector';
import { parseAddress } from '../codec/address.js';
import { buildIPv4Advert, buildIPv6Advert, ipv4AdvertLength, type IPv4AdvertSpec, type IPv6AdvertSpec } from '../codec/advert-packet.js';
import { nextIPv4Id } from '../codec/ipv4-header.js';
import { vrrpMessageLength } from '../codec/vrrp-header.js';
import { VrrpInstance } from '../fsm/instance.js';
import type { ReceivedAdvert, VrrpEffects, VrrpFsmCounter, VrrpFsmEvent, VrrpStateName } from '../fsm/types.js';
import { bumpVrrpStat, createVrrpStats, type VrrpStats } from '../stats/vrrp-stats.js';
import type { TimerScheduler } from '../timers/clock.js';
import { applyAdvertCheckToStats } from '../validate/apply-stats.js';
import { validateAdvert, type AdvertCheckInstance, type AdvertRxContext } from '../validate/validate-advert.js';
import type { VrrpInstance as ConfigVrrpInstance, IpAddressEntry, KeepalivedConfig, RouteEntry } from '@keepalived-ts/core';
import type { GarpSender, GarpTarget } from './garp.js';
import { addressBytes, advertIntervalField, advertisedVips, checkInstanceFor, fsmConfigFor } from './instance-config.js';
import { NFPROTO_IPV4, NFPROTO_IPV6, type FirewallVip, type KeepalivedFirewall } from './nft-firewall.js';
import type { Notifier } from './notifier.js';
import type { PacketSink, PooledSocket } from './sockpool.js';

export interface RuntimeServices {
  log: { info(text: string): void };
  detail: boolean;
  rtnl: Rtnetlink;
  table: InterfaceTable;
  garp: GarpSender | undefined;
  notifier: Notifier;
  timers: TimerScheduler;
  /** Registers a kernel operation still in flight (awaited before exit). */
  pending(p: Promise<unknown>): void;
  /** IPv6 forwarding on an interface (NA router flag). */
  ipv6Forwarding(ifname: string): boolean;
  /** keepalived's nftables table (VMAC rules, no-accept VIP drop rules). */
  firewall?: KeepalivedFirewall | undefined;
}

export interface ResolvedInterface {
  ifindex: number;
  ifname: string;
  mac: string;
  /** Source address of adverts (mcast_src_ip/unicast_src_ip or the interface's primary / link-local). */
  srcAddr: string;
  /** use_vmac: the configured interface under the VMAC named above. */
  base?: { ifindex: number; ifname: string };
  /** The VMAC was created for this run (not adopted): it holds no VIPs to remove at start. */
  created?: boolean;
  /** vmac_xmit_base: where adverts go out and come in when not on the VMAC. */
  xmit?: { ifindex: number; ifname: string };
}

const IGNORED_ADD_ERRORS = new Set(['EEXIST']);
const IGNORED_DEL_ERRORS = new Set(['EADDRNOTAVAIL', 'ENOENT', 'ESRCH', 'ENODEV']);

const entryKey = (e: IpAddressEntry | RouteEntry): string => JSON.stringify(e);

export class InstanceRuntime implements VrrpEffects, PacketSink {
  readonly name: string;
  readonly vrid: number;
  readonly stats: VrrpStats = createVrrpStats();
  readonly fsm: VrrpInstance;
  check!: AdvertCheckInstance;
  socket: PooledSocket | undefined;

  private readonly v6: boolean;
  private txBuf!: Buffer;
  private spec4!: IPv4AdvertSpec;
  private spec6!: IPv6AdvertSpec;
  private peers!: { text: string; bytes: Uint8Array }[];
  private groupText!: string;
  private ipId = 0;
  private readonly rx: AdvertRxContext = { ttl: -1, src: new Uint8Array(4), dst: null, checkVips: true };
  private readonly advert: ReceivedAdvert = { priority: 0, srcAddr: '', maxAdverIntCs: 0 };
  private garpVips!: { vip: string; v6: boolean; target: GarpTarget }[];
  private garpVipSet!: Set<string>;
  /** VIP adds sent to the kernel and not acknowledged yet. */
  private vipAddsInFlight = 0;
  /** GARP rounds held back until those adds are acknowledged. */
  private garpRoundsWaiting = 0;
  private readonly onVipAddSettled = (): void => {
    if (--this.vipAddsInFlight > 0 || this.garpRoundsWaiting === 0) return;
    const rounds = this.garpRoundsWaiting;
    this.garpRoundsWaiting = 0;
    this.sendGarpRounds(rounds);
  };

  constructor(
    public cfg: ConfigVrrpInstance,
    config: KeepalivedConfig,
    readonly iface: ResolvedInterface,
    private readonly svc: RuntimeServices,
  ) {
    this.name = cfg.name;
    this.vrid = cfg.virtualRouterId;
    this.v6 = cfg.family === 'inet6';
    this.derive(cfg, config);
    this.fsm = new VrrpInstance(fsmConfigFor(cfg, config, {
      ourAddress: iface.srcAddr, logDetail: svc.detail, freshInterface: iface.created === true,
    }), svc.timers, this);
  }

  /** Everything the send and receive paths precompute from the configuration. */
  private derive(cfg: ConfigVrrpInstance, config: KeepalivedConfig): void {
    const iface = this.iface;
    const ahSeq = this.check?.ahSeqNumber ?? 0;
    this.check = checkInstanceFor(cfg, config, iface.ifname);
    this.check.ahSeqNumber = ahSeq;
    const vips = this.check.vips as Uint8Array[];
    this.groupText = this.v6 ? config.global.vrrpMcastGroup6 : (cfg.mcastDstIp ?? config.global.vrrpMcastGroup4);
    this.peers = cfg.unicastPeers.map((p) => ({ text: p.address, bytes: addressBytes(p.address) }));
    const interval = advertIntervalField(cfg);
    const src = addressBytes(iface.srcAddr);
    this.spec4 = {
      version: cfg.version, vrid: this.vrid, priority: cfg.priority, advertInterval: interval, vips, src,
      dst: addressBytes(this.v6 ? '224.0.0.18' : this.groupText), ipId: 0,
      ttl: cfg.unicast ? (cfg.unicastTtl ?? 255) : 255,
      authType: this.check.authType, authData: this.check.authData, ahSeqNumber: this.spec4?.ahSeqNumber ?? 0, unicast: cfg.unicast,
      ipChecksum: 'zero',
      ...(cfg.oldUnicastChecksum === 'config' ? { checksumPseudoDst: this.check.mcastGroup4 } : {}),
    };
    this.spec6 = { vrid: this.vrid, priority: cfg.priority, advertInterval: interval, vips };
    this.txBuf = Buffer.alloc(this.v6 ? vrrpMessageLength(3, 6, vips.length) : ipv4AdvertLength(this.spec4));
    this.garpVips = [...cfg.virtualIpaddress, ...cfg.virtualIpaddressExcluded].map((e) => ({
      vip: e.address, v6: e.family === 'inet6', target: this.garpTarget(e),
    }));
    this.garpVipSet = new Set(this.garpVips.map((g) => g.vip));
  }

  /**
   * A reloaded configuration of this instance (keepalived clear_diff_vrrp +
   * restore_vrrp_state): state, timers and stats stay; with the VIPs up only
   * the addresses and routes that changed move, and new addresses are
   * announced. Returns true when anything changed.
   */
  reconfigure(cfg: ConfigVrrpInstance, config: KeepalivedConfig): boolean {
    const old = this.cfg;
    if (JSON.stringify(old) === JSON.stringify(cfg)) {
      this.cfg = cfg;
      return false;
    }
    const vipsUp = this.fsm.vipSet;
    const diff = <T extends IpAddressEntry | RouteEntry>(a: T[], b: T[]): T[] => {
      const keys = new Set(b.map(entryKey));
      return a.filter((e) => !keys.has(entryKey(e)));
    };
    const oldAddrs = [...old.virtualIpaddress, ...old.virtualIpaddressExcluded];
    const newAddrs = [...cfg.virtualIpaddress, ...cfg.virtualIpaddressExcluded];
    if (vipsUp) {
      for (const r of diff(old.virtualRoutes, cfg.virtualRoutes)) {
        const spec = this.routeSpec(r);
        if (spec) this.kernel(this.svc.rtnl.removeRoute(spec), IGNORED_DEL_ERRORS);
      }
      for (const e of diff(oldAddrs, newAddrs)) {
        if (this.vipIfindex(e) !== undefined) this.kernel(this.svc.rtnl.removeAddress(this.addressSpec(e, false)), IGNORED_DEL_ERRORS);
      }
    }
    this.cfg = cfg;
    this.derive(cfg, config);
    this.fsm.reconfigure(fsmConfigFor(cfg, config, { ourAddress: this.iface.srcAddr, logDetail: this.svc.detail }));
    if (vipsUp) {
      const added = diff(newAddrs, oldAddrs);
      for (const e of added) this.addVip(e);
      for (const r of diff(cfg.virtualRoutes, old.virtualRoutes)) {
        const spec = this.routeSpec(r);
        if (spec) this.kernel(this.svc.rtnl.addRoute(spec), IGNORED_ADD_ERRORS);
      }
      // keepalived announces every address again when any was added (vrrp_send_link_update).
      if (added.length > 0) this.sendGarps(cfg.garpMasterRepeat);
    }
    return true;
  }

  // ------------------------------------------------------------ receive path

  receive(pkt: VrrpPacket): void {
    let buf: Uint8Array;
    let length: number;
    const rx = this.rx;
    if (this.v6) {
      buf = pkt.payload;
      length = pkt.payload.length;
      rx.dst = pkt.dst !== undefined ? parseAddress(pkt.dst) : null;
    } else {
      const ip = pkt.ipHeader!;
      length = ip.length + pkt.payload.length;
      buf = new Uint8Array(ip.buffer, ip.byteOffset, length);
    }
    rx.ttl = pkt.ttl;
    rx.src = parseAddress(pkt.src) ?? rx.src;
    rx.checkVips = !(this.cfg.skipCheckAdvAddr && this.fsm.state === 'BACKUP' && pkt.src === this.fsm.masterSaddr);
    const r = validateAdvert(buf, rx, this.check, 0, length);
    applyAdvertCheckToStats(this.stats, r);
    if (r.logText !== null) this.svc.log.info(r.logText);
    if (r.ahSeqNumber >= 0) this.check.ahSeqNumber = r.ahSeqNumber;
    if (!r.ok) {
      if (r.reason !== 'unknown_vrid') this.fsm.receiveInvalidAdvert();
      return;
    }
    if (r.oldUnicastChecksumDetected) {
      this.check.unicastChecksumCompat = 'auto';
      this.spec4.checksumPseudoDst = this.check.mcastGroup4;
    }
    const a = this.advert;
    a.priority = r.priority;
    a.srcAddr = pkt.src;
    a.maxAdverIntCs = r.advertInterval;
    this.fsm.receiveAdvert(a);
  }

  // ------------------------------------------------------------ VrrpEffects

  drainPendingAdverts(): void {
    this.socket?.socket.drainPending();
  }

  sendAdvert(priority: number): void {
    const sock = this.socket?.socket;
    if (sock === undefined) return;
    const buf = this.txBuf;
    if (this.v6) {
      this.spec6.priority = priority;
      buildIPv6Advert(this.spec6, buf, 0);
      if (this.cfg.unicast) for (const p of this.peers) this.transmit(sock, buf, p.text, priority);
      else this.transmit(sock, buf, this.groupText, priority);
    } else {
      const spec = this.spec4;
      spec.priority = priority;
      this.ipId = nextIPv4Id(this.ipId);
      spec.ipId = this.ipId;
      if (this.check.authType === 2) spec.ahSeqNumber = (spec.ahSeqNumber ?? 0) + 1;
      if (this.cfg.unicast) {
        for (const p of this.peers) {
          spec.dst = p.bytes;
          buildIPv4Advert(spec, buf, 0);
          this.transmit(sock, buf, p.text, priority);
        }
      } else {
        buildIPv4Advert(spec, buf, 0);
        this.transmit(sock, buf, this.groupText, priority);
      }
    }
    bumpVrrpStat(this.stats, 'advert_sent');
  }

  /** No closure per advert: this runs for every advert of every instance. */
  private transmit(sock: PooledSocket['socket'], buf: Buffer, dst: string, priority: number): void {
    try {
      if (this.v6) sock.send(buf, dst);
      else sock.sendDatagram(buf, dst);
    } catch (e) {
      // keepalived stays quiet about ENETUNREACH for a priority 0 advert on a downed interface.
      if (priority === 0 && (e as { code?: string }).code === 'ENETUNREACH') return;
      this.svc.log.info(`(${this.name}) Cant send advert to ${dst} (${(e as Error).message})`);
    }
  }

  setFirewallDropRule(adding: boolean): void {
    const fw = this.svc.firewall;
    if (fw === undefined) return;
    const byFamily = new Map<number, FirewallVip[]>();
    for (const e of [...this.cfg.virtualIpaddress, ...this.cfg.virtualIpaddressExcluded]) {
      const address = parseAddress(e.address);
      if (address === null) continue;
      const family = e.family === 'inet' ? NFPROTO_IPV4 : NFPROTO_IPV6;
      const ifindex = this.vipIfindex(e);
      let list = byFamily.get(family);
      if (list === undefined) byFamily.set(family, (list = []));
      list.push({ address, ...(ifindex !== undefined ? { ifindex } : {}) });
    }
    // the request is sent before this returns, so the rules are in before the VIPs that follow
    for (const [family, list] of byFamily) this.svc.pending(adding ? fw.addVips(family, list) : fw.removeVips(family, list));
  }

  addVips(excluded: boolean): void {
    for (const e of excluded ? this.cfg.virtualIpaddressExcluded : this.cfg.virtualIpaddress) this.addVip(e);
  }

  /** True while VIP adds wait for the kernel's acknowledgement (GARPs wait with them). */
  get vipAddsPending(): boolean {
    return this.vipAddsInFlight > 0;
  }

  private addVip(e: IpAddressEntry): void {
    this.vipAddsInFlight++;
    this.kernel(this.svc.rtnl.addAddress(this.addressSpec(e, true)), IGNORED_ADD_ERRORS, this.onVipAddSettled);
  }

  removeVips(excluded: boolean): void {
    for (const e of excluded ? this.cfg.virtualIpaddressExcluded : this.cfg.virtualIpaddress) {
      if (this.vipIfindex(e) === undefined) continue;
      this.kernel(this.svc.rtnl.removeAddress(this.addressSpec(e, false)), IGNORED_DEL_ERRORS);
    }
  }

  addVirtualRoutes(): void {
    for (const r of this.cfg.virtualRoutes) {
      const spec = this.routeSpec(r);
      if (spec) this.kernel(this.svc.rtnl.addRoute(spec), IGNORED_ADD_ERRORS);
    }
  }

  removeVirtualRoutes(): void {
    for (const r of this.cfg.virtualRoutes) {
      const spec = this.routeSpec(r);
      if (spec) this.kernel(this.svc.rtnl.removeRoute(spec), IGNORED_DEL_ERRORS);
    }
  }

  /**
   * As keepalived, a gratuitous ARP goes out only once its address exists:
   * while VIP adds are unacknowledged the rounds wait and leave right after
   * the last ack (a neighbour that answers the GARP must find the address).
   * The advert went out before the adds (the old master must drop the VIPs
   * first), and waiting never blocks the loop or the advert timers.
   */
  sendGarps(repeat: number): void {
    if (this.svc.garp === undefined) return;
    for (const g of this.garpVips) {
      if (g.v6) g.target.router = this.svc.ipv6Forwarding(g.target.ifname);
      if (this.svc.detail) {
        this.svc.log.info(`(${this.name}) Sending/queueing ${g.v6 ? 'Unsolicited Neighbour Adverts' : 'gratuitous ARPs'} on ${g.target.ifname} for ${g.vip}`);
      }
    }
    if (this.vipAddsInFlight > 0) this.garpRoundsWaiting += repeat;
    else this.sendGarpRounds(repeat);
  }

  private sendGarpRounds(repeat: number): void {
    const garp = this.svc.garp;
    if (garp === undefined) return;
    for (let round = 0; round < repeat; round++) {
      for (const g of this.garpVips) garp.send(g.target, g.vip, g.v6);
    }
  }

  cancelPendingGarps(): void {
    this.garpRoundsWaiting = 0;
    this.svc.garp?.cancel(this.garpVipSet);
  }

  notify(state: VrrpStateName, effectivePriority: number): void {
    this.svc.notifier.instance(this.name, this.cfg, state, effectivePriority);
  }

  notifyEvent(event: VrrpFsmEvent): void {
    if (event === 'master_rx_lower_pri') {
      this.svc.notifier.event(this.name, this.cfg.notifyMasterRxLowerPri, 'MASTER_RX_LOWER_PRI', this.fsm.effectivePriority);
    }
  }

  notifyPriority(effectivePriority: number): void {
    const st = this.fsm.state;
    if (st === 'MASTER' || st === 'BACKUP') this.svc.notifier.event(this.name, undefined, `${st}_PRIORITY`, effectivePriority);
  }

  log(text: string): void {
    this.svc.log.info(text);
  }

  countStat(counter: VrrpFsmCounter): void {
    if (counter === 'becomeMaster') bumpVrrpStat(this.stats, 'become_master');
    else if (counter === 'releaseMaster') bumpVrrpStat(this.stats, 'release_master');
    else bumpVrrpStat(this.stats, 'pri_zero_sent');
  }

  /** Each configured VIP and whether the kernel has it now (from the reflected address table). */
  vipStatus(): { address: string; excluded: boolean; installed: boolean }[] {
    const entry = (e: IpAddressEntry, excluded: boolean) => {
      const ifindex = this.vipIfindex(e);
      const want = parseAddress(e.address);
      const installed = ifindex !== undefined && want !== null && this.svc.table.addresses({ ifindex }).some((a) => {
        const have = parseAddress(a.address);
        return have !== null && have.length === want.length && have.every((b, i) => b === want[i]);
      });
      return { address: `${e.address}/${e.prefixLength}`, excluded, installed };
    };
    return [
      ...this.cfg.virtualIpaddress.map((e) => entry(e, false)),
      ...this.cfg.virtualIpaddressExcluded.map((e) => entry(e, true)),
    ];
  }

  // ------------------------------------------------------------ helpers

  private kernel(op: Promise<void>, ignored: ReadonlySet<string>, settled?: () => void): void {
    this.svc.pending(
      op.then(settled, (e: { code?: string; message?: string }) => {
        if (!ignored.has(e.code ?? '')) this.svc.log.info(`(${this.name}) Netlink: ${e.message ?? String(e)}`);
        settled?.();
      }),
    );
  }

  private vipIfindex(e: IpAddressEntry): number | undefined {
    if (e.dev === undefined || e.dev === this.iface.ifname) return this.iface.ifindex;
    return this.svc.table.linkByName(e.dev)?.ifindex;
  }

  private garpTarget(e: IpAddressEntry): GarpTarget {
    const ifindex = this.vipIfindex(e) ?? this.iface.ifindex;
    const link = this.svc.table.link(ifindex);
    const ifname = link?.name ?? this.iface.ifname;
    return {
      ifindex, ifname, mac: link?.mac ?? this.iface.mac,
      // checked when an NA goes out (keepalived's gna router check), see sendGarps
      router: false,
    };
  }

  private addressSpec(e: IpAddressEntry, adding: boolean): AddressSpec {
    const spec: AddressSpec = { address: e.address, prefixLen: e.prefixLength, dev: this.vipIfindex(e) ?? this.iface.ifindex };
    if (e.label !== undefined) spec.label = e.label;
    if (e.peer !== undefined) spec.peer = e.peer;
    if (adding) {
      if (e.scope !== undefined) spec.scope = /^\d+$/.test(e.scope) ? Number(e.scope) : (e.scope as AddressSpec['scope']);
      if (e.broadcast !== undefined && e.family === 'inet') spec.broadcast = e.broadcast;
      if (e.family === 'inet6') {
        if (!e.noDad) spec.nodad = true;
        const lft = e.preferredLft ?? (e.prefixLength === 128 ? 0 : 0xffffffff);
        if (lft !== 0xffffffff) spec.preferredLifetime = lft;
      }
      if (e.noPrefixRoute) spec.noprefixroute = true;
    }
    return spec;
  }

  /** The common `DST [via GW] [dev IF] [table N] [metric M]` forms of virtual_routes. */
  private routeSpec(r: RouteEntry): RouteSpec | undefined {
    const dst = r.destination;
    if (dst === undefined) return undefined;
    const spec: RouteSpec = { dst };
    if (r.family !== undefined) spec.family = r.family === 'inet' ? 2 : 10;
    if (r.via !== undefined) spec.gateway = r.via;
    if (r.dev !== undefined) spec.dev = r.dev;
    if (r.table !== undefined && /^\d+$/.test(r.table)) spec.table = Number(r.table);
    const m = r.words.indexOf('metric');
    if (m >= 0 && r.words[m + 1] !== undefined) spec.metric = Number(r.words[m + 1]);
    return spec;
  }
}
