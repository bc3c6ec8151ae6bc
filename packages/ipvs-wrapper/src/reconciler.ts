// Brings the kernel's IPVS table to a desired table with as few commands as
// possible: it keeps a view of the kernel (from GET dumps, then updated by
// every successful command), sends only differences, re-dumps after any
// error, and touches only what it created or was asked to manage.
import * as C from './constants.js';
import {
  destDiffers, destKey as destKeyOf, expandDesiredTable, serviceKey as keyOf, serviceDiffers, serviceForDestCommand, type DesiredTable, type ExpandedService,
} from './desired.js';
import { silentLogger, type Logger } from './genl-socket.js';
import { formatIpvsCommandError } from './ipvs-client.js';
import type { IpvsDest, IpvsService, IpvsTimeouts } from './ipvs-codec.js';

/** The part of IpvsClient the reconciler uses (a fake or a recorder can stand in). */
export interface IpvsOperations {
  getServices(): Promise<IpvsService[]>;
  getDests(service: IpvsService): Promise<IpvsDest[]>;
  newService(s: IpvsService): Promise<unknown>;
  setService(s: IpvsService): Promise<unknown>;
  delService(s: IpvsService): Promise<unknown>;
  newDest(s: IpvsService, d: IpvsDest): Promise<unknown>;
  setDest(s: IpvsService, d: IpvsDest): Promise<unknown>;
  delDest(s: IpvsService, d: IpvsDest): Promise<unknown>;
  flush(): Promise<unknown>;
  getTimeouts(): Promise<IpvsTimeouts>;
  setTimeouts(t: Required<IpvsTimeouts>): Promise<unknown>;
}

/**
 * What stop() does with the table: 'remove' deletes what we own (keepalived's
 * default), 'flush' flushes everything (lvs_flush_on_stop), 'keep' leaves it (-I).
 */
export type StopMode = 'remove' | 'flush' | 'keep';

export interface ReconcilerOptions {
  /** lvs_flush: flush the whole table before the first apply. */
  flushOnStart?: boolean;
  stopMode?: StopMode;
  /** Attempts per apply; after a failed command the kernel is re-dumped and the diff redone. */
  maxRounds?: number;
}

export interface ApplyFailure {
  cmd: number;
  service: string;
  error: Error;
}

export interface ApplyReport {
  /** Change commands sent (NEW/SET/DEL/FLUSH/SET_CONFIG), all rounds. */
  commands: number;
  /** GET dump requests sent. */
  dumps: number;
  rounds: number;
  /** Failures still present after the last round. */
  failures: ApplyFailure[];
  /** Problems in the desired table (skipped entries). */
  problems: string[];
}

interface ViewService {
  service: IpvsService;
  dests: Map<string, IpvsDest>;
}

type RoundState = { report: ApplyReport; failures: ApplyFailure[] };

export class IpvsReconciler {
  private view: Map<string, ViewService> | undefined;
  /** Services we created or manage, with the destination keys we manage in each. */
  private readonly owned = new Map<string, Set<string>>();
  private desired: Map<string, ExpandedService> = new Map();
  private desiredTimeouts: DesiredTable['timeouts'];
  private flushedAtStart = false;
  private originalTimeouts: Required<IpvsTimeouts> | undefined;
  private appliedTimeouts: Required<IpvsTimeouts> | undefined;

  constructor(
    private readonly ops: IpvsOperations,
    private readonly logger: Logger = silentLogger,
    private readonly opts: ReconcilerOptions = {},
  ) {}

  /** Makes the kernel match `table`. Never throws for refused commands: see report.failures. */
  async apply(table: DesiredTable): Promise<ApplyReport> {
    const { services, problems } = expandDesiredTable(table);
    for (const p of problems) this.logger.warn(`IPVS: ${p}`);
    this.desired = services;
    this.desiredTimeouts = table.timeouts;
    return this.run(problems);
  }

  /** Someone may have edited the table: re-dump and re-apply the last desired table. */
  async resync(): Promise<ApplyReport> {
    this.view = undefined;
    return this.run([]);
  }

  /** Services this reconciler manages (serviceKey strings). */
  ownedServices(): string[] {
    return [...this.owned.keys()];
  }

  async stop(): Promise<{ commands: number }> {
    const state: RoundState = { report: emptyReport([]), failures: [] };
    const mode = this.opts.stopMode ?? 'remove';
    if (mode === 'flush') {
      await this.send(state, C.IPVS_CMD_FLUSH, 'all', () => this.ops.flush());
    } else if (mode === 'remove') {
      if (!this.view) await this.load(state.report);
      for (const key of this.owned.keys()) {
        const have = this.view!.get(key);
        if (have && await this.send(state, C.IPVS_CMD_DEL_SERVICE, key, () => this.ops.delService(have.service))) this.view!.delete(key);
      }
    }
    if (this.originalTimeouts && this.appliedTimeouts) {
      await this.send(state, C.IPVS_CMD_SET_CONFIG, 'timeouts', () => this.ops.setTimeouts(this.originalTimeouts!));
    }
    this.owned.clear();
    this.desired = new Map();
    return { commands: state.report.commands };
  }

  private async run(problems: string[]): Promise<ApplyReport> {
    const report = emptyReport(problems);
    const maxRounds = Math.max(1, this.opts.maxRounds ?? 3);
    let failures: ApplyFailure[] = [];
    for (let round = 0; round < maxRounds; round++) {
      report.rounds++;
      const state: RoundState = { report, failures: [] };
      if (this.opts.flushOnStart && !this.flushedAtStart) {
        if (await this.send(state, C.IPVS_CMD_FLUSH, 'all', () => this.ops.flush())) {
          this.flushedAtStart = true;
          this.view = new Map();
        }
      }
      if (!this.view) await this.load(report);
      await this.applyTimeouts(state);
      await this.applyServices(state);
      failures = state.failures;
      if (failures.length === 0) break;
      // Our view may be wrong (someone edited the table): read the kernel again.
      this.view = undefined;
    }
    report.failures = failures;
    return report;
  }

  private async load(report: ApplyReport): Promise<void> {
    const view = new Map<string, ViewService>();
    report.dumps++;
    const services = await this.ops.getServices();
    for (const s of services) {
      const service = stripService(s);
      report.dumps++;
      const dests = await this.ops.getDests(service);
      view.set(keyOf(service), { service, dests: new Map(dests.map((d) => [destKeyOf(d), stripDest(d)])) });
    }
    this.view = view;
  }

  /** Sends one command; true on success, otherwise records and logs the failure. */
  private async send(state: RoundState, cmd: number, label: string, op: () => Promise<unknown>, logText?: () => string): Promise<boolean> {
    state.report.commands++;
    try {
      await op();
      return true;
    } catch (e) {
      const error = e as Error;
      state.failures.push({ cmd, service: label, error });
      this.logger.error(logText ? logText() : `IPVS: ${error.message}`);
      return false;
    }
  }

  private async applyTimeouts(state: RoundState): Promise<void> {
    const want = this.desiredTimeouts;
    if (!want || (!want.tcp && !want.tcpFin && !want.udp)) return;
    if (!this.originalTimeouts) {
      state.report.dumps++;
      const cur = await this.ops.getTimeouts();
      this.originalTimeouts = { tcp: cur.tcp ?? 0, tcpFin: cur.tcpFin ?? 0, udp: cur.udp ?? 0 };
    }
    const o = this.originalTimeouts;
    const target = { tcp: want.tcp || o.tcp, tcpFin: want.tcpFin || o.tcpFin, udp: want.udp || o.udp };
    const a = this.appliedTimeouts;
    if (a && a.tcp === target.tcp && a.tcpFin === target.tcpFin && a.udp === target.udp) return;
    if (await this.send(state, C.IPVS_CMD_SET_CONFIG, 'timeouts', () => this.ops.setTimeouts(target))) this.appliedTimeouts = target;
  }

  private async applyServices(state: RoundState): Promise<void> {
    const view = this.view!;
    for (const [key, want] of this.desired) {
      let have = view.get(key);
      if (!have) {
        const ok = await this.send(state, C.IPVS_CMD_NEW_SERVICE, key, () => this.ops.newService(want.service),
          () => this.errorLine(state, C.IPVS_CMD_NEW_SERVICE, want.service));
        if (!ok) continue;
        have = { service: want.service, dests: new Map() };
        view.set(key, have);
      } else if (serviceDiffers(want.service, have.service)) {
        if (await this.send(state, C.IPVS_CMD_SET_SERVICE, key, () => this.ops.setService(want.service),
          () => this.errorLine(state, C.IPVS_CMD_SET_SERVICE, want.service))) have.service = want.service;
      }
      let mine = this.owned.get(key);
      if (!mine) this.owned.set(key, (mine = new Set()));
      await this.applyDests(state, want, have, mine);
    }
    for (const key of [...this.owned.keys()]) {
      if (this.desired.has(key)) continue;
      const have = view.get(key);
      if (!have) {
        this.owned.delete(key);
        continue;
      }
      if (await this.send(state, C.IPVS_CMD_DEL_SERVICE, key, () => this.ops.delService(have.service),
        () => this.errorLine(state, C.IPVS_CMD_DEL_SERVICE, have.service))) {
        view.delete(key);
        this.owned.delete(key);
      }
    }
  }

  private async applyDests(state: RoundState, want: ExpandedService, have: ViewService, mine: Set<string>): Promise<void> {
    const svc = serviceForDestCommand(want.service);
    for (const [dk, wd] of want.dests) {
      const hd = have.dests.get(dk);
      if (!hd) {
        if (await this.send(state, C.IPVS_CMD_NEW_DEST, want.key, () => this.ops.newDest(svc, wd),
          () => this.errorLine(state, C.IPVS_CMD_NEW_DEST, svc, wd))) {
          have.dests.set(dk, wd);
          mine.add(dk);
        }
      } else if (destDiffers(wd, hd)) {
        if (await this.send(state, C.IPVS_CMD_SET_DEST, want.key, () => this.ops.setDest(svc, wd),
          () => this.errorLine(state, C.IPVS_CMD_SET_DEST, svc, wd))) {
          have.dests.set(dk, wd);
          mine.add(dk);
        }
      } else {
        mine.add(dk);
      }
    }
    for (const dk of [...mine]) {
      if (want.dests.has(dk)) continue;
      const hd = have.dests.get(dk);
      if (!hd) {
        mine.delete(dk);
        continue;
      }
      if (await this.send(state, C.IPVS_CMD_DEL_DEST, want.key, () => this.ops.delDest(svc, hd),
        () => this.errorLine(state, C.IPVS_CMD_DEL_DEST, svc, hd))) {
        have.dests.delete(dk);
        mine.delete(dk);
      }
    }
  }

  private errorLine(state: RoundState, cmd: number, s: IpvsService, d?: IpvsDest): string {
    const last = state.failures[state.failures.length - 1];
    const errno = (last?.error as { errno?: number } | undefined)?.errno ?? 0;
    return formatIpvsCommandError(cmd, errno, s, d);
  }
}

function emptyReport(problems: string[]): ApplyReport {
  return { commands: 0, dumps: 0, rounds: 0, failures: [], problems };
}

/** A dumped service without counters (so it can be sent back as is). */
function stripService(s: IpvsService): IpvsService {
  const out: IpvsService = { af: s.af, fwmark: s.fwmark, protocol: s.protocol, address: s.address, port: s.port };
  if (s.scheduler !== undefined) out.scheduler = s.scheduler;
  if (s.peName) out.peName = s.peName;
  if (s.flags !== undefined) out.flags = s.flags & ~C.IP_VS_SVC_F_HASHED;
  if (s.timeout !== undefined) out.timeout = s.timeout;
  if (s.netmask !== undefined) out.netmask = s.netmask;
  return out;
}

function stripDest(d: IpvsDest): IpvsDest {
  const out: IpvsDest = {
    af: d.af, address: d.address, port: d.port, fwdMethod: d.fwdMethod, weight: d.weight,
    upperThreshold: d.upperThreshold, lowerThreshold: d.lowerThreshold,
  };
  if (d.fwdMethod === C.IP_VS_CONN_F_TUNNEL) {
    out.tunType = d.tunType ?? 0;
    if (out.tunType === C.IP_VS_CONN_F_TUNNEL_TYPE_GUE) out.tunPort = d.tunPort ?? 0;
    if (out.tunType !== C.IP_VS_CONN_F_TUNNEL_TYPE_IPIP) out.tunFlags = d.tunFlags ?? 0;
  }
  return out;
}
