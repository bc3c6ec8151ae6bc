/**
 * The VRRP daemon proper: everything the VRRP child runs once the
 * configuration is built. Start-up follows keepalived's start_vrrp /
 * vrrp_complete_init / vrrp_dispatcher_init order and log lines; stop follows
 * vrrp_terminate_phase1/2 (priority 0 adverts and VIP removal unless -V, then
 * STOP notifications).
 */
import { readFileSync } from 'node:fs';
import { AF_INET, AF_INET6, type NativeBinding } from '@keepalived-ts/native';
import {
  InterfaceTable, isIpv6Forwarding, openLinkAnnouncer, Rtnetlink,
  type AddressInfo, type LinkAnnouncer, type Logger as NetLogger,
} from '@keepalived-ts/netlink-reflector';
import { VRRP_AUTH_AH } from '../codec/vrrp-header.js';
import { VrrpSyncGroup } from '../fsm/sync-group.js';
import { renderVrrpStatsFile } from '../stats/vrrp-stats.js';
import { RealTimerScheduler } from '../timers/real-scheduler.js';
import { NotifyFifo, type VrrpInstance as ConfigVrrpInstance, type KeepalivedConfig } from '@keepalived-ts/core';
import { GarpSender } from './garp.js';
import { sockKey } from './instance-config.js';
import { InstanceRuntime, type ResolvedInterface, type RuntimeServices } from './instance-runtime.js';
import { Notifier } from './notifier.js';
import { SockPool } from './sockpool.js';
import { InstanceTracking, linkIsUp, ScriptTracker, watchInterfaces } from './track.js';

export interface DaemonLog {
  info(text: string): void;
  warn(text: string): void;
  error(text: string): void;
}

export interface VrrpDaemonOptions {
  config: KeepalivedConfig;
  log: DaemonLog;
  native: NativeBinding;
  /** -D */
  detail: boolean;
  /** -V: leave VIPs and routes in place at shutdown (and send no priority 0 advert). */
  dontReleaseVrrp?: boolean;
}

/** A configuration the daemon cannot run: the child exits with KEEPALIVED_EXIT_CONFIG. */
export class VrrpConfigError extends Error {}

/** A capability the daemon needs is missing: the child exits with KEEPALIVED_EXIT_MISSING_PERMISSION. */
export class MissingPermissionError extends Error {}

const CAP_NET_ADMIN = 12;
const CAP_NET_RAW = 13;

/** The effective capabilities this process lacks of CAP_NET_ADMIN and CAP_NET_RAW (from /proc/self/status). */
export function missingCapabilities(status = (): string => readFileSync('/proc/self/status', 'utf8')): string[] {
  let eff: bigint;
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(status());
    if (!m) return [];
    eff = BigInt(`0x${m[1]}`);
  } catch {
    return [];
  }
  const missing: string[] = [];
  if (!(eff & (1n << BigInt(CAP_NET_ADMIN)))) missing.push('CAP_NET_ADMIN');
  if (!(eff & (1n << BigInt(CAP_NET_RAW)))) missing.push('CAP_NET_RAW');
  return missing;
}

function primaryAddress(addrs: AddressInfo[], family: number): string | undefined {
  if (family === AF_INET) return addrs.find((a) => a.family === AF_INET && (a.flags & 0x01) === 0)?.address ?? addrs.find((a) => a.family === AF_INET)?.address;
  return addrs.find((a) => a.family === AF_INET6 && a.address.toLowerCase().startsWith('fe80'))?.address;
}

export class VrrpDaemon {
  readonly instances: InstanceRuntime[] = [];
  readonly groups: VrrpSyncGroup[] = [];
  private readonly timers = new RealTimerScheduler();
  private readonly pendingOps = new Set<Promise<unknown>>();
  private readonly scripts = new Map<string, ScriptTracker>();
  private readonly tracking = new Map<InstanceRuntime, InstanceTracking>();
  private readonly fifos: NotifyFifo[] = [];
  private readonly notifiers: Notifier[] = [];
  private table: InterfaceTable | undefined;
  private rtnl: Rtnetlink | undefined;
  private announcer: LinkAnnouncer | undefined;
  private garp: GarpSender | undefined;
  private pool: SockPool | undefined;
  private unwatch: (() => void) | undefined;
  private stopping: Promise<void> | undefined;

  private constructor(private readonly opts: VrrpDaemonOptions) {}

  static async start(opts: VrrpDaemonOptions): Promise<VrrpDaemon> {
    const d = new VrrpDaemon(opts);
    try {
      await d.init();
    } catch (e) {
      await d.close();
      throw e;
    }
    return d;
  }

  /** keepalived's stats file (/tmp/keepalived.stats) text. */
  statsText(): string {
    return renderVrrpStatsFile(this.instances.map((i) => ({ iname: i.name, stats: i.stats })));
  }

  /** Graceful stop; resolves when adverts, address removals and notify_stop scripts are done. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async init(): Promise<void> {
    const { config, log, native, detail } = this.opts;
    const missing = missingCapabilities();
    if (missing.length > 0) throw new MissingPermissionError(`VRRP child needs ${missing.join(' and ')} - exiting`);
    const netLog: NetLogger = { info: (t) => log.info(t), warn: (t) => log.warn(t), error: (t) => log.error(t), debug: () => {} };

    log.info('Registering Kernel netlink reflector');
    this.table = await InterfaceTable.open({ native, logger: netLog });
    log.info('Registering Kernel netlink command channel');
    this.rtnl = new Rtnetlink({ native, logger: netLog });
    const table = this.table;

    const resolved = new Map<ConfigVrrpInstance, ResolvedInterface>();
    const logged = new Set<number>();
    for (const inst of config.vrrpInstances) {
      const link = inst.interface !== undefined ? table.linkByName(inst.interface) : undefined;
      if (link === undefined) throw new VrrpConfigError('Non-existent interface specified in configuration');
      const addrs = table.addresses({ ifindex: link.ifindex });
      if (detail && !logged.has(link.ifindex)) {
        logged.add(link.ifindex);
        for (const fam of [AF_INET, AF_INET6]) {
          const a = primaryAddress(addrs, fam);
          if (a !== undefined) log.info(`Assigned address ${a} for interface ${link.name}`);
        }
      }
      const fam = inst.family === 'inet' ? AF_INET : AF_INET6;
      const srcAddr = inst.sourceAddress ?? primaryAddress(addrs, fam) ?? (fam === AF_INET ? '0.0.0.0' : '::');
      resolved.set(inst, { ifindex: link.ifindex, ifname: link.name, mac: link.mac ?? '00:00:00:00:00:00', srcAddr });
    }

    const haveV4 = config.vrrpInstances.some((i) => i.family === 'inet' || i.virtualIpaddress.some((v) => v.family === 'inet'));
    const haveV6 = config.vrrpInstances.some((i) => i.family === 'inet6' || i.virtualIpaddress.some((v) => v.family === 'inet6'));
    if (haveV4 || haveV6) {
      this.announcer = openLinkAnnouncer(native);
      if (haveV4) log.info('Registering gratuitous ARP shared channel');
      if (haveV6) log.info('Registering gratuitous NDISC shared channel');
      const g = config.global;
      this.garp = new GarpSender(this.announcer, log, detail, (ifname, v6) => {
        const grp = config.garpGroups.find((x) => x.interfaces.includes(ifname));
        return v6 ? (grp?.gnaIntervalUs ?? g.vrrpGnaIntervalUs) : (grp?.garpIntervalUs ?? g.vrrpGarpIntervalUs);
      });
    }

    for (const [fifo, type] of [[config.global.notifyFifo, ''], [config.global.vrrpNotifyFifo, 'vrrp ']] as const) {
      if (fifo.name === undefined) continue;
      const f = await NotifyFifo.open(fifo.name, log, type);
      if (f) this.fifos.push(f);
    }
    const notifier = new Notifier(this.fifos, log);
    this.notifiers.push(notifier);

    const svc: RuntimeServices = {
      log, detail, rtnl: this.rtnl, table, garp: this.garp, notifier, timers: this.timers,
      pending: (p) => {
        this.pendingOps.add(p);
        void p.finally(() => this.pendingOps.delete(p));
      },
      ipv6Forwarding: (ifname) => isIpv6Forwarding(ifname),
    };
    for (const inst of config.vrrpInstances) this.instances.push(new InstanceRuntime(inst, config, resolved.get(inst)!, svc));

    // Sockets before the state machines start, so a missing privilege stops us before any state change.
    this.pool = new SockPool(native, log, config.global.logUnknownVrids);
    for (const rt of this.instances) {
      const c = rt.cfg;
      const family = c.family === 'inet' ? 4 : 6;
      const proto = rt.check.authType === VRRP_AUTH_AH ? 51 : 112;
      const group = family === 4 ? (c.mcastDstIp ?? config.global.vrrpMcastGroup4) : config.global.vrrpMcastGroup6;
      const key = sockKey(rt.iface.ifindex, family, proto, c.unicast, c.unicast ? rt.iface.srcAddr : group);
      rt.socket = this.pool.acquire(key, {
        family, ifindex: rt.iface.ifindex, ifname: rt.iface.ifname, unicast: c.unicast, protocol: proto, group,
        ...(c.unicast || family === 6 ? { srcAddr: rt.iface.srcAddr } : {}),
        ...(c.unicast && family === 6 && c.unicastTtl !== undefined ? { ttl: c.unicastTtl } : {}),
        ...(c.kernelRxBufSize ? { rcvBuf: c.kernelRxBufSize } : {}),
      }, rt);
    }

    this.setUpTracking();
    this.startStateMachines();
    if (detail) for (const e of this.pool.entries.values()) log.info(this.pool.describe(e));
    for (const s of this.scripts.values()) s.start();
  }

  private setUpTracking(): void {
    const { config, log } = this.opts;
    const table = this.table!;
    for (const rt of this.instances) {
      const t = new InstanceTracking(rt.fsm);
      const c = rt.cfg;
      const ifUp = (name: string) => () => linkIsUp(table.linkByName(name));
      if (!c.dontTrackPrimary) t.add({ kind: 'if', name: rt.iface.ifname, weight: 0, reverse: false, up: ifUp(rt.iface.ifname) });
      for (const ti of c.trackInterfaces) t.add({ kind: 'if', name: ti.name, weight: ti.weight ?? 0, reverse: ti.reverse, up: ifUp(ti.name) });
      for (const ts of c.trackScripts) {
        const script = config.vrrpScripts.find((s) => s.name === ts.name);
        if (script === undefined) continue;
        let tracker = this.scripts.get(script.name);
        if (tracker === undefined) {
          tracker = new ScriptTracker(script, log);
          this.scripts.set(script.name, tracker);
        }
        const tr = tracker;
        tr.onChange(() => t.update());
        t.add({ kind: 'script', name: script.name, weight: ts.weight ?? script.weight, reverse: ts.reverse !== script.weightReverse, up: () => tr.good });
      }
      this.tracking.set(rt, t);
      t.update();
    }
    this.unwatch = watchInterfaces(table, log, (ifname) => {
      for (const t of this.tracking.values()) if (t.tracksInterface(ifname)) t.update();
    });
  }

  private startStateMachines(): void {
    const { config, log } = this.opts;
    const grouped = new Set<InstanceRuntime>();
    for (const g of config.vrrpSyncGroups) {
      const members = g.group.map((n) => this.instances.find((i) => i.name === n)).filter((x): x is InstanceRuntime => x !== undefined);
      if (members.length === 0) continue;
      for (const m of members) grouped.add(m);
      const notifier = new Notifier(this.fifos, log);
      this.notifiers.push(notifier);
      this.groups.push(new VrrpSyncGroup(g.name, members.map((m) => m.fsm), {
        log: (text) => log.info(text),
        notify: (state) => notifier.group(g.name, g, state),
      }));
    }
    const solo = this.instances.filter((i) => !grouped.has(i));
    for (const rt of solo) rt.fsm.startCompleteInit();
    for (const rt of solo) rt.fsm.startRestoreInterfaces();
    for (const g of this.groups) g.start();
    for (const rt of solo) rt.fsm.startInitState();
  }

  private async shutdown(): Promise<void> {
    this.unwatch?.();
    this.unwatch = undefined;
    await Promise.all([...this.scripts.values()].map((s) => s.stop()));
    if (!this.opts.dontReleaseVrrp) for (const rt of this.instances) rt.fsm.releaseForShutdown();
    this.timers.close();
    for (const g of this.groups) g.notifyShutdown();
    for (const rt of this.instances) rt.fsm.notifyShutdown();
    await this.close();
  }

  private async close(): Promise<void> {
    while (this.pendingOps.size > 0) await Promise.allSettled([...this.pendingOps]);
    await Promise.allSettled(this.notifiers.map((n) => n.settle()));
    this.timers.close();
    this.pool?.close();
    this.garp?.close();
    this.announcer?.close();
    this.rtnl?.close();
    this.table?.close();
    for (const f of this.fifos) f.close();
  }
}
