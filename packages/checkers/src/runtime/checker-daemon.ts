/**
 * The health-checker process's runtime: the configuration mapped onto a
 * HealthCheckService, its table kept in IPVS, reload with state carried
 * over, the USR1 data file and a status object. Logging goes through the
 * given logger with keepalived's texts; IPVS being absent is reported once
 * and the checkers keep going ('unavailable' data plane).
 */
import * as core from '@keepalived-ts/core';
import type { KeepalivedConfig, Logger } from '@keepalived-ts/core';
import type { NativeBinding } from '@keepalived-ts/native';
import type { StopMode } from '@keepalived-ts/ipvs-wrapper';
import { HealthCheckService, type HealthCheckDeps } from '../service.js';
import { checkerSettingsFromConfig, type MappedSettings } from './settings-from-config.js';
import { IpvsDataPlane, openIpvsDataPlane, type DataPlaneState, type IpvsDataPlaneOptions, type ServiceExtras } from './ipvs-data-plane.js';
import { migrateState } from './reload.js';
import { checkerDumpRuntime } from './dump-runtime.js';
import { resolveScriptPath } from '../misc.js';
import { HostAddressWatch } from './address-watch.js';

export interface CheckerDaemonOptions {
  config: KeepalivedConfig;
  log: Logger;
  native?: NativeBinding;
  /** -I: leave IPVS as it is on stop. */
  dontReleaseIpvs?: boolean;
  /** -d: dump the configuration after start-up and each reload. */
  dumpConf?: boolean;
  /** Replaces openIpvsDataPlane (tests). */
  openDataPlane?: (opts: IpvsDataPlaneOptions) => Promise<IpvsDataPlane>;
  /** Extra service dependencies (tests: bootstrap delay, random, notifier). */
  serviceDeps?: Partial<HealthCheckDeps>;
  /** Called whenever the status changes (the child sends it to the parent). */
  onStatus?: (status: CheckerStatus) => void;
  /** -D: log the SMTP alert sessions. */
  logDetail?: boolean;
}

/** One SMTP alerter per process (settings read at start-up; a reload keeps them). */
let alerter: core.SmtpAlerter | undefined;

export interface RealServerStatus {
  server: string;
  alive: boolean;
  /** In the (desired) table, and with which weight. */
  inTable: boolean;
  weight: number;
}

export interface VirtualServerStatus {
  service: string;
  quorumUp: boolean;
  realServers: RealServerStatus[];
  sorryServer?: { server: string; inTable: boolean };
}

/** What --status shows for the checker process. */
export interface CheckerStatus {
  role: 'checker';
  pid: number;
  dataPlane: DataPlaneState;
  dataPlaneError?: string;
  virtualServers: VirtualServerStatus[];
}

function stopModeOf(config: KeepalivedConfig, dontRelease: boolean): StopMode {
  if (dontRelease) return 'keep';
  return config.global.lvsFlushOnStop === 'all' ? 'flush' : 'remove';
}

/** Service flags and persistence details by service label. */
function extrasOf(config: KeepalivedConfig, mapped: MappedSettings, service: HealthCheckService): Map<string, ServiceExtras> {
  const out = new Map<string, ServiceExtras>();
  mapped.configIndex.forEach((ci, si) => {
    const vs = config.virtualServers[ci]!;
    const cfg = service.machine.vss[si]?.cfg;
    const label = cfg?.label;
    if (!label) return;
    const e: ServiceExtras = {};
    if (cfg.group) e.group = cfg.group.entries;
    const flags = vs.lbFlags.filter((f) => f !== 'hashed') as ServiceExtras['flags'];
    if (flags?.length) e.flags = flags;
    if (vs.persistenceGranularity !== undefined) e.persistenceGranularity = vs.persistenceGranularity;
    if (vs.persistenceEngine !== undefined) e.persistenceEngine = vs.persistenceEngine;
    out.set(label, e);
  });
  return out;
}

/** Late-bound pieces a service needs before the daemon object exists (keepalived's start-up line order). */
interface ServiceHooks {
  plane?: IpvsDataPlane;
  changed?: () => void;
  /** checker_priority / checker_rt_priority / max_auto_priority (needs the native shim). */
  priorities?: core.ProcessPriorities;
}

export class CheckerDaemon {
  private running = true;
  private publishTimer: NodeJS.Timeout | undefined;
  /** The host's addresses, watched once a virtual server uses ha_suspend. */
  private addressWatch: HostAddressWatch | undefined;

  private constructor(
    private readonly opts: CheckerDaemonOptions,
    private config: KeepalivedConfig,
    private mapped: MappedSettings,
    private service: HealthCheckService,
    private readonly dataPlane: IpvsDataPlane,
    private readonly hooks: ServiceHooks,
  ) {
    hooks.changed = () => this.schedulePublish();
  }

  static async start(opts: CheckerDaemonOptions): Promise<CheckerDaemon> {
    const { log, config } = opts;
    const mapped = checkerSettingsFromConfig(config);
    const planeOpts: IpvsDataPlaneOptions = { flushOnStart: config.global.lvsFlush, stopMode: stopModeOf(config, opts.dontReleaseIpvs ?? false) };
    // keepalived: "Initializing ipvs" comes before the checkers' own configuration warnings are acted on
    const hooks: ServiceHooks = opts.native ? { priorities: new core.ProcessPriorities(opts.native, log, 'Checker') } : {};
    const service = CheckerDaemon.buildService(opts, mapped, hooks);
    log.info('Initializing ipvs');
    let plane: IpvsDataPlane;
    if (opts.openDataPlane) plane = await opts.openDataPlane(planeOpts);
    else if (opts.native) plane = await openIpvsDataPlane(opts.native, log, planeOpts);
    else plane = IpvsDataPlane.unavailable('no native binding');
    hooks.plane = plane;
    const daemon = new CheckerDaemon(opts, config, mapped, service, plane, hooks);
    await daemon.startService(service, 'Startup complete');
    hooks.priorities?.apply(config.global.checker, config.global.maxAutoPriority);
    return daemon;
  }

  private static buildService(opts: CheckerDaemonOptions, mapped: MappedSettings, hooks: ServiceHooks): HealthCheckService {
    for (const w of mapped.warnings) opts.log.info(w);
    const deps: HealthCheckDeps = {
      logger: opts.log,
      lateWatch: {
        thresholdMs: opts.config.global.minAutoPriorityDelayUs / 1000,
        onLate: (lateMs) => {
          opts.log.info(core.timerExpiredLateMessage(lateMs * 1000));
          hooks.priorities?.timerLate();
        },
      },
      mailer: {
        send: (subject, body) => (alerter ??= new core.SmtpAlerter(core.smtpAlertSettings(opts.config.global), opts.log, !!opts.logDetail)).send(subject, body),
        noCheckerEmails: opts.config.global.noCheckerEmails,
      },
      ...opts.serviceDeps,
      dataPlane: { apply: (t) => (hooks.plane ? hooks.plane.apply(t) : Promise.resolve()) },
      onEffects: (effects) => {
        opts.serviceDeps?.onEffects?.(effects);
        if (effects.length) hooks.changed?.();
      },
    };
    if (mapped.ssl) deps.ssl = mapped.ssl;
    const service = new HealthCheckService(mapped.settings, deps);
    for (const w of service.warnings) opts.log.info(w);
    return service;
  }

  private async startService(service: HealthCheckService, done: string, previous?: HealthCheckService): Promise<void> {
    if (service.usesHaSuspend) await this.watchAddresses(service);
    const t = this.config.global.lvsTimeouts;
    this.dataPlane.tableOptions = { extras: extrasOf(this.config, this.mapped, service), timeouts: { tcp: t.tcp, tcpFin: t.tcpfin, udp: t.udp } };
    await service.start({
      ...(previous ? { prepare: (m) => migrateState(previous.machine, m) } : {}),
      initialized: () => {
        this.opts.log.info(done);
        if (this.opts.dumpConf) {
          for (const line of core.dumpForProcess('checker', this.config, this.dumpOptions(service))) this.opts.log.info(line);
        }
      },
    });
    this.publish();
  }

  /** Re-reads nothing itself: the caller passes the new configuration (reload_check_thread). */
  async reload(config: KeepalivedConfig): Promise<void> {
    if (!this.running) return;
    const { log } = this.opts;
    log.info('Reloading');
    const previous = this.service;
    await previous.halt();
    this.config = config;
    this.mapped = checkerSettingsFromConfig(config);
    const next = CheckerDaemon.buildService(this.opts, this.mapped, this.hooks);
    log.info('Reinitializing ipvs');
    this.service = next;
    await this.startService(next, 'Reload complete', previous);
    this.hooks.priorities?.apply(config.global.checker, config.global.maxAutoPriority);
  }

  /** Graceful stop: keepalived's clear_services() unless -I, then the data plane's stop mode. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearTimeout(this.publishTimer);
    if (this.opts.dontReleaseIpvs) await this.service.halt();
    else await this.service.stop({ flush: this.config.global.lvsFlushOnStop !== 'disabled' });
    try {
      await this.dataPlane.stop();
    } catch (e) {
      this.opts.log.error(`IPVS: ${(e as Error).message}`);
    }
    this.addressWatch?.close();
    this.addressWatch = undefined;
    // alerts of the last state changes get a second, not the connect timeout of a dead server
    await alerter?.settle(1000);
  }

  /** ha_suspend: the service learns which virtual server addresses are here, then every change. */
  private async watchAddresses(service: HealthCheckService): Promise<void> {
    const { native, log } = this.opts;
    if (!native) return service.haSuspendUnavailable();
    try {
      this.addressWatch ??= await HostAddressWatch.open(native, log, (address, added) => {
        // keepalived logs the address with -D when it concerns an ha_suspend virtual server
        if (this.service.addressChanged(address, added) && this.opts.logDetail) {
          log.info(`Netlink reflector reports IP ${address} ${added ? 'added' : 'removed'}`);
        }
      });
      service.seedAddresses(this.addressWatch.addresses());
    } catch (e) {
      log.info(`ha_suspend: cannot follow this host's addresses (${(e as Error).message}) - checkers stay active`);
      service.haSuspendUnavailable();
    }
  }

  private dumpOptions(service: HealthCheckService): core.ProcessDumpOptions {
    return { checker: checkerDumpRuntime(service, this.mapped, this.running), resolveScriptPath: (p) => resolveScriptPath(p) };
  }

  /** keepalived_check.data: file name and text (SIGUSR1). */
  dataFile(): { file: string; text: string } {
    return core.dataFileForProcess('checker', this.config, this.dumpOptions(this.service));
  }

  get dataPlaneState(): DataPlaneState {
    return this.dataPlane.state;
  }

  get healthService(): HealthCheckService {
    return this.service;
  }

  status(): CheckerStatus {
    const out: CheckerStatus = {
      role: 'checker',
      pid: process.pid,
      dataPlane: this.dataPlane.state,
      virtualServers: this.service.machine.vss.map((vs) => {
        const v: VirtualServerStatus = {
          service: vs.cfg.label,
          quorumUp: vs.quorumUp,
          realServers: vs.rs.map((rs) => ({ server: rs.label, alive: rs.alive, inTable: rs.set, weight: rs.set ? rs.tableWeight : 0 })),
        };
        if (vs.sorry) v.sorryServer = { server: vs.sorry.label, inTable: vs.sorry.set };
        return v;
      }),
    };
    if (this.dataPlane.reason) out.dataPlaneError = this.dataPlane.reason;
    return out;
  }

  /** Sends the status to the listener (after start, reload and every state change). */
  publish(): void {
    clearTimeout(this.publishTimer);
    this.publishTimer = undefined;
    this.opts.onStatus?.(this.status());
  }

  private schedulePublish(): void {
    if (!this.opts.onStatus || this.publishTimer) return;
    // a burst of changes (quorum loss, sorry server) becomes one message
    this.publishTimer = setTimeout(() => this.publish(), 50);
    this.publishTimer.unref();
  }
}
