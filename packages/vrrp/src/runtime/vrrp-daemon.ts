/**
 * The VRRP daemon proper: everything the VRRP child runs once the
 * configuration is built. Start-up follows keepalived's start_vrrp /
 * vrrp_complete_init / vrrp_dispatcher_init order and log lines; stop follows
 * vrrp_terminate_phase1/2 (priority 0 adverts and VIP removal unless -V, then
 * STOP notifications).
 */
import { readFileSync } from 'node:fs';
import type { NativeBinding } from '@keepalived-ts/native';
import {
  InterfaceTable, isIpv6Forwarding, NftSocket, openLinkAnnouncer, Rtnetlink,
  type LinkAnnouncer, type VrrpSocketOptions, type Logger as NetLogger,
} from '@keepalived-ts/netlink-reflector';
import { VRRP_AUTH_AH } from '../codec/vrrp-header.js';
import { VrrpSyncGroup } from '../fsm/sync-group.js';
import { clearVrrpStats, renderVrrpStatsFile } from '../stats/vrrp-stats.js';
import { RealTimerScheduler } from '../timers/real-scheduler.js';
import {
  dataFileForProcess, dumpForProcess, NotifyFifo, ProcessPriorities, SmtpAlerter, smtpAlertSettings,
  type VrrpInstance as ConfigVrrpInstance, type KeepalivedConfig,
} from '@keepalived-ts/core';
import { renderVrrpJson, vrrpDumpOptions, type DumpSources } from './dump-runtime.js';
import { FileTracker, ProcessPoller, ProcessTracker, trackFileEffect } from './track-objects.js';
import { GarpSender } from './garp.js';
import { firewallFamilies, sockKey } from './instance-config.js';
import { InstanceInterfaces, VrrpConfigError } from './instance-interfaces.js';
import { KeepalivedFirewall } from './nft-firewall.js';
import { InstanceRuntime, type RuntimeServices } from './instance-runtime.js';
import { Notifier } from './notifier.js';
import { SockPool } from './sockpool.js';
import { buildVrrpStatus, type VrrpStatus } from './status.js';
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

export { VrrpConfigError };

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

/** keepalived vrrp_exist: the same VRID, family and interface, both unicast (same source) or both multicast. */
export function sameRouter(a: ConfigVrrpInstance, b: ConfigVrrpInstance): boolean {
  if (a.virtualRouterId !== b.virtualRouterId || a.family !== b.family || a.interface !== b.interface) return false;
  if (a.unicast !== b.unicast) return false;
  return !a.unicast || a.sourceAddress === b.sourceAddress;
}

export class VrrpDaemon {
  readonly instances: InstanceRuntime[] = [];
  readonly groups: VrrpSyncGroup[] = [];
  private readonly timers: RealTimerScheduler;
  private readonly pendingOps = new Set<Promise<unknown>>();
  private readonly scripts = new Map<string, ScriptTracker>();
  private readonly tracking = new Map<InstanceRuntime, InstanceTracking>();
  private readonly fifos: NotifyFifo[] = [];
  private readonly notifiers: Notifier[] = [];
  private table: InterfaceTable | undefined;
  private rtnl: Rtnetlink | undefined;
  private interfaces: InstanceInterfaces | undefined;
  private firewall: KeepalivedFirewall | undefined;
  private announcer: LinkAnnouncer | undefined;
  private garp: GarpSender | undefined;
  private pool: SockPool | undefined;
  private unwatch: (() => void) | undefined;
  private stopping: Promise<void> | undefined;
  private readonly files = new Map<string, FileTracker>();
  private readonly processes = new Map<string, ProcessTracker>();
  private poller: ProcessPoller | undefined;
  private readonly gnaChecks = new Map<string, { atUs: number; router: boolean }>();
  private svc: RuntimeServices | undefined;
  /** The configuration running now (replaced by reload()). */
  config: KeepalivedConfig;
  private readonly priorities: ProcessPriorities;

  private constructor(private readonly opts: VrrpDaemonOptions) {
    this.config = opts.config;
    // KEEPALIVED_TS_VRRP_TIMER=timeout forces the setTimeout scheduler (A/B measurements against the timerfd one).
    const timerfd = process.env['KEEPALIVED_TS_VRRP_TIMER'] !== 'timeout';
    this.priorities = new ProcessPriorities(opts.native, opts.log, 'VRRP');
    this.timers = new RealTimerScheduler({
      ...(timerfd ? { native: opts.native } : {}),
      // keepalived's scheduler check: a timer over min_auto_priority_delay late is logged and may raise priority
      lateLogThresholdUs: opts.config.global.minAutoPriorityDelayUs,
      log: (text) => opts.log.info(text),
      onLate: () => this.priorities.timerLate(),
    });
  }

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

  clearStats(): void {
    for (const i of this.instances) clearVrrpStats(i.stats);
  }

  /** What the dumps read from the running daemon. */
  dumpSources(): DumpSources {
    return {
      config: this.config,
      instances: this.instances,
      sockets: this.pool?.entries.values() ?? [],
      table: this.table,
      groups: this.groups.map((g) => ({ name: g.name, state: g.state, members: g.members })),
      script: (name) => {
        const t = this.scripts.get(name);
        return t && { result: t.resultValue, initDone: t.hasRun, running: t.isRunning };
      },
      trackFile: (name) => {
        const f = this.files.get(name);
        return f && { status: f.status };
      },
      trackProcess: (name) => {
        const p = this.processes.get(name);
        return p && { currentProcesses: p.currentProcesses, haveQuorum: p.haveQuorum };
      },
      gnaRouterCheck: (ifname) => this.gnaChecks.get(ifname),
    };
  }

  /** The data of `keepalived --status` (answered on the parent's request; built only then). */
  status(): VrrpStatus {
    return buildVrrpStatus({
      instances: this.instances,
      tracking: (i) => this.tracking.get(i as InstanceRuntime)?.describe() ?? [],
      groups: this.groups.map((g) => ({ name: g.name, state: g.state, members: g.members })),
      timerSource: this.timers.source,
      lateness: this.timers.lateness.snapshot(),
      nowUs: this.timers.nowUs(),
      wallMs: Date.now(),
      pid: process.pid,
    });
  }

  /** keepalived.data (SIGUSR1). */
  dataText(): string {
    return dataFileForProcess('vrrp', this.config, vrrpDumpOptions(this.dumpSources())).text;
  }

  /** keepalived.json (SIGJSON); undefined without instances (keepalived writes no file then). */
  jsonText(): string | undefined {
    return this.instances.length === 0 ? undefined : renderVrrpJson(this.instances, this.config);
  }

  /** The -d start-up dump, one log line each. */
  startupDumpLines(): string[] {
    const opts = vrrpDumpOptions(this.dumpSources());
    return dumpForProcess('vrrp', this.config, { ...opts, vrrp: { ...opts.vrrp, sockets: [] } });
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

    // the socket opens on first use: only VMACs and no-accept instances need the table
    this.firewall = new KeepalivedFirewall(() => new NftSocket(native), log, config.global.nftables ?? 'keepalived', config.global.nftablesPriority ?? -1);
    const families = firewallFamilies(config);
    if (families.length > 0) await this.firewall.prepare(families);
    this.interfaces = new InstanceInterfaces(table, this.rtnl, log, detail, {
      prefix: config.global.vmacPrefix, firewall: this.firewall, disableLocalIgmp: config.global.disableLocalIgmp,
    });
    await this.interfaces.prepare(config.vrrpInstances, true);

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
    const g = config.global;
    const notifier = new Notifier(this.fifos, log, {
      alerter: new SmtpAlerter(smtpAlertSettings(g), log, detail), noEmailFaults: g.noEmailFaults, groupDefault: g.smtpAlertVrrp ?? g.smtpAlert ?? false,
    });
    this.notifiers.push(notifier);

    const svc: RuntimeServices = {
      log, detail, rtnl: this.rtnl, table, garp: this.garp, notifier, timers: this.timers, firewall: this.firewall,
      pending: (p) => {
        this.pendingOps.add(p);
        void p.finally(() => this.pendingOps.delete(p));
      },
      ipv6Forwarding: (ifname) => {
        const router = isIpv6Forwarding(ifname);
        this.gnaChecks.set(ifname, { atUs: this.timers.nowUs(), router });
        return router;
      },
    };
    this.svc = svc;
    for (const inst of config.vrrpInstances) this.instances.push(new InstanceRuntime(inst, config, this.interfaces.resolve(inst), svc));

    // Sockets before the state machines start, so a missing privilege stops us before any state change.
    this.pool = new SockPool(native, log, config.global.logUnknownVrids);
    for (const rt of this.instances) this.attachSocket(rt);

    this.setUpTracking();
    this.startStateMachines();
    if (detail) for (const e of this.pool.entries.values()) log.info(this.pool.describe(e));
    this.startTrackers();
    // start_vrrp: vrrp_priority / vrrp_rt_priority / vrrp_no_swap once everything is set up
    this.priorities.apply(config.global.vrrp, config.global.maxAutoPriority);
  }

  /** The shared socket an instance uses: its pool key and how to open it (on the VMAC, or its base with vmac_xmit_base). */
  private socketFor(rt: InstanceRuntime): { key: string; options: VrrpSocketOptions } {
    const c = rt.cfg;
    const family = c.family === 'inet' ? 4 : 6;
    const protocol = rt.check.authType === VRRP_AUTH_AH ? 51 : 112;
    const group = family === 4 ? (c.mcastDstIp ?? this.config.global.vrrpMcastGroup4) : this.config.global.vrrpMcastGroup6;
    const on = rt.iface.xmit ?? rt.iface;
    return {
      key: sockKey(on.ifindex, family, protocol, c.unicast, c.unicast ? rt.iface.srcAddr : group),
      options: {
        family, ifindex: on.ifindex, ifname: on.ifname, unicast: c.unicast, protocol, group,
        ...(c.unicast || family === 6 ? { srcAddr: rt.iface.srcAddr } : {}),
        ...(c.unicast && family === 6 && c.unicastTtl !== undefined ? { ttl: c.unicastTtl } : {}),
        ...(c.kernelRxBufSize ? { rcvBuf: c.kernelRxBufSize } : {}),
      },
    };
  }

  private attachSocket(rt: InstanceRuntime): void {
    const { key, options } = this.socketFor(rt);
    rt.socket = this.pool!.acquire(key, options, rt);
  }

  private detachSocket(rt: InstanceRuntime): void {
    if (rt.socket) this.pool?.release(rt.socket, rt);
    rt.socket = undefined;
  }

  private startTrackers(): void {
    for (const s of this.scripts.values()) s.start();
    for (const f of this.files.values()) f.start();
    if (this.processes.size === 0) return;
    if (this.poller === undefined) {
      this.poller = new ProcessPoller(() => this.processes.values());
      this.poller.start();
    } else this.poller.poll();
    for (const t of this.tracking.values()) t.update();
  }

  private setUpTracking(): void {
    for (const rt of this.instances) {
      const t = this.buildTracking(rt);
      this.tracking.set(rt, t);
      t.update();
    }
    const table = this.table!;
    this.unwatch = watchInterfaces(table, this.opts.log, (ifname) => {
      for (const t of this.tracking.values()) if (t.tracksInterface(ifname)) t.update();
    });
  }

  /** The tracked objects of one instance, sharing one tracker per script / file / process across instances. */
  private buildTracking(rt: InstanceRuntime): InstanceTracking {
    const { log } = this.opts;
    const config = this.config;
    const table = this.table!;
    const t = new InstanceTracking(rt.fsm);
    const c = rt.cfg;
    const ifUp = (name: string) => () => linkIsUp(table.linkByName(name));
    if (!c.dontTrackPrimary) t.add({ kind: 'if', name: rt.iface.ifname, weight: 0, reverse: false, up: ifUp(rt.iface.ifname) });
    // a VMAC instance also follows its base interface, as keepalived adds it to both
    if (!c.dontTrackPrimary && rt.iface.base) t.add({ kind: 'if', name: rt.iface.base.ifname, weight: 0, reverse: false, up: ifUp(rt.iface.base.ifname) });
    for (const ti of c.trackInterfaces) t.add({ kind: 'if', name: ti.name, weight: ti.weight ?? 0, reverse: ti.reverse, up: ifUp(ti.name) });
    for (const ts of c.trackScripts) {
      const script = config.vrrpScripts.find((s) => s.name === ts.name);
      if (script === undefined) continue;
      const tr = sharedTracker(this.scripts, script.name, () => new ScriptTracker(script, log));
      t.detach.push(tr.onChange(() => t.update()));
      t.add({ kind: 'script', name: script.name, weight: ts.weight ?? script.weight, reverse: ts.reverse !== script.weightReverse, up: () => tr.good });
    }
    for (const tf of c.trackFiles) {
      const def = config.trackFiles.find((f) => f.name === tf.name);
      if (def === undefined) continue;
      const tr = sharedTracker(this.files, def.name, () => new FileTracker(def, log));
      const weight = tf.weight ?? def.weight;
      const reverse = tf.reverse !== def.weightReverse;
      t.detach.push(tr.onChange(() => t.update()));
      t.add({ kind: 'file', name: def.name, weight, reverse, effect: () => trackFileEffect(tr.status, weight, reverse), value: () => tr.status });
    }
    for (const tp of c.trackProcesses) {
      const def = config.trackProcesses.find((p) => p.name === tp.name);
      if (def === undefined) continue;
      const tr = sharedTracker(this.processes, def.name, () => new ProcessTracker(def, log));
      t.detach.push(tr.onChange(() => t.update()));
      t.add({ kind: 'process', name: def.name, weight: tp.weight ?? def.weight, reverse: tp.reverse !== def.weightReverse, up: () => tr.haveQuorum });
    }
    return t;
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

  /**
   * Applies a reloaded configuration without stopping (keepalived
   * reload_vrrp_thread + clear_diff_vrrp, minus the restart): instances are
   * matched as keepalived's vrrp_exist does (VRID, family, interface,
   * unicast and its source). Matched ones keep state, timers, VIPs and stats
   * and take only what changed; removed ones release as at shutdown (a master
   * sends priority 0 and drops its VIPs) and notify DELETED, or FAULT unless
   * notify_deleted; new ones start in BACKUP as at start-up. Throws
   * VrrpConfigError (nothing applied) when a new instance's interface is missing.
   */
  async reload(next: KeepalivedConfig): Promise<void> {
    const { log } = this.opts;
    const prev = this.config;
    const matched = new Map<ConfigVrrpInstance, InstanceRuntime>();
    const used = new Set<InstanceRuntime>();
    for (const inst of next.vrrpInstances) {
      const old = this.instances.find((rt) => !used.has(rt) && sameRouter(rt.cfg, inst));
      if (old === undefined) continue;
      matched.set(inst, old);
      used.add(old);
    }
    const fresh = next.vrrpInstances.filter((i) => !matched.has(i));
    for (const [inst, rt] of matched) {
      if (inst.useVmac !== rt.cfg.useVmac) log.info(`(${inst.name}) use_vmac changes take effect at the next restart`);
    }
    // VMACs first (awaited, the loop stays free); nothing is applied when an interface is missing
    await this.interfaces!.prepare(fresh, false);
    if (this.stopping !== undefined) return;
    const resolved = new Map(fresh.map((i) => [i, this.interfaces!.resolve(i)] as const));
    if (JSON.stringify(prev.vrrpSyncGroups) !== JSON.stringify(next.vrrpSyncGroups)) {
      log.info('VRRP sync group changes take effect at the next restart');
    }
    this.config = next;

    for (const rt of this.instances) {
      if (used.has(rt)) continue;
      this.tracking.get(rt)?.dispose();
      this.tracking.delete(rt);
      const wasFault = rt.fsm.state === 'FAULT';
      rt.fsm.releaseForShutdown();
      if (rt.cfg.notifyDeleted || !wasFault) this.notifiers[0]!.deleted(rt.name, rt.cfg, rt.fsm.effectivePriority);
      this.detachSocket(rt);
      if (rt.iface.base) this.svc!.pending(this.interfaces!.vmacs.release(rt.cfg));
    }
    for (const [inst, rt] of matched) {
      const oldKey = this.socketFor(rt).key;
      rt.reconfigure(inst, next);
      if (this.socketFor(rt).key !== oldKey) {
        this.detachSocket(rt);
        this.attachSocket(rt);
      }
    }
    this.dropStaleTrackers(next);

    const started: InstanceRuntime[] = [];
    this.instances.length = 0;
    for (const inst of next.vrrpInstances) {
      let rt = matched.get(inst);
      if (rt === undefined) {
        rt = new InstanceRuntime(inst, next, resolved.get(inst)!, this.svc!);
        this.attachSocket(rt);
        started.push(rt);
      }
      this.instances.push(rt);
      const t = this.buildTracking(rt);
      this.tracking.get(rt)?.dispose(t);
      this.tracking.set(rt, t);
      t.update();
    }
    for (const rt of started) rt.fsm.startCompleteInit();
    for (const rt of started) rt.fsm.startRestoreInterfaces();
    for (const rt of started) rt.fsm.startInitState();
    this.startTrackers();
    this.priorities.apply(next.global.vrrp, next.global.maxAutoPriority);
  }

  /** Trackers whose definition is gone or changed stop; buildTracking makes new ones. */
  private dropStaleTrackers(next: KeepalivedConfig): void {
    const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
    for (const [name, t] of this.scripts) {
      if (same(t.script, next.vrrpScripts.find((x) => x.name === name))) continue;
      this.svc!.pending(t.stop());
      this.scripts.delete(name);
    }
    for (const [name, t] of this.files) {
      if (same(t.def, next.trackFiles.find((x) => x.name === name))) continue;
      t.stop();
      this.files.delete(name);
    }
    for (const [name, t] of this.processes) {
      if (same(t.def, next.trackProcesses.find((x) => x.name === name))) continue;
      t.stop();
      this.processes.delete(name);
    }
  }

  /**
   * keepalived's vrrp_terminate_phase1 order: scripts are sent SIGTERM, the
   * netlink monitor closes, then every MASTER sends its priority-0 advert and
   * drops its VIPs - all in this first synchronous stretch, since the peer's
   * takeover (Skew_Time) starts only when the advert is out. Waiting for the
   * scripts to exit comes after.
   */
  private async shutdown(): Promise<void> {
    const scriptsExited = Promise.all([...this.scripts.values()].map((s) => s.stop()));
    this.unwatch?.();
    this.unwatch = undefined;
    if (!this.opts.dontReleaseVrrp) for (const rt of this.instances) rt.fsm.releaseForShutdown();
    this.poller?.stop();
    for (const f of this.files.values()) f.stop();
    for (const p of this.processes.values()) p.stop();
    await scriptsExited;
    this.timers.close();
    for (const g of this.groups) g.notifyShutdown();
    for (const rt of this.instances) rt.fsm.notifyShutdown();
    // keepalived removes the VMACs last (with -V the VIPs stay, and so does the link they live on)
    await this.settlePending();
    if (!this.opts.dontReleaseVrrp) {
      await this.interfaces?.vmacs.releaseAll();
      await this.firewall?.shutdown();
    }
    await this.close();
  }

  private async settlePending(): Promise<void> {
    while (this.pendingOps.size > 0) await Promise.allSettled([...this.pendingOps]);
  }

  private async close(): Promise<void> {
    await this.settlePending();
    await Promise.allSettled(this.notifiers.map((n) => n.settle()));
    this.timers.close();
    this.pool?.close();
    this.garp?.close();
    this.announcer?.close();
    this.firewall?.close();
    this.rtnl?.close();
    this.table?.close();
    for (const f of this.fifos) f.close();
  }
}

/** One tracker per vrrp_script / track_file / vrrp_track_process, shared by every instance that tracks it. */
function sharedTracker<T>(trackers: Map<string, T>, name: string, create: () => T): T {
  let tracker = trackers.get(name);
  if (tracker === undefined) {
    tracker = create();
    trackers.set(name, tracker);
  }
  return tracker;
}
