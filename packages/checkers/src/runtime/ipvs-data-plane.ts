/**
 * The checkers' DataPlane on the kernel's IPVS table: the health checkers'
 * desired table adapted to the ipvs-wrapper's shape and handed to its
 * reconciler. A kernel without IPVS is not fatal here (keepalived 2.2.7
 * stops everything): the plane reports one error, becomes 'unavailable',
 * and the checkers keep checking and notifying.
 */
import { execFile } from 'node:child_process';
import type { NativeBinding } from '@keepalived-ts/native';
import {
  IPVS_SCHEDULERS, IpvsClient, IpvsReconciler, isIpvsMissing, IPVS_MISSING_MESSAGE,
  type DesiredGroupEntry, type DesiredTable as IpvsDesiredTable, type DesiredVirtualServer, type ForwardingMethod, type IpvsOperations,
  type IpvsScheduler, type Logger as IpvsLogger, type ServiceFlag, type StopMode,
} from '@keepalived-ts/ipvs-wrapper';
import type { DataPlane, DesiredForwarding, DesiredTable } from '../desired-table.js';
import type { VsGroupEntrySettings } from '../model.js';

export type DataPlaneState = 'ipvs' | 'unavailable';

/** What the configuration adds to a service beyond the checkers' table (flags, persistence details). */
export interface ServiceExtras {
  flags?: ServiceFlag[];
  persistenceGranularity?: string;
  persistenceEngine?: string;
  /**
   * virtual_server group members: the service becomes one kernel service per
   * member (ranges expanded), all with the same destinations.
   */
  group?: readonly VsGroupEntrySettings[];
}

function groupEntry(e: VsGroupEntrySettings): DesiredGroupEntry {
  if ('fwmark' in e) return e.family ? { fwmark: e.fwmark, family: e.family === 6 ? 'ipv6' : 'ipv4' } : { fwmark: e.fwmark };
  return e.rangeEnd !== undefined ? { address: e.address, rangeEnd: e.rangeEnd, port: e.port } : { address: e.address, port: e.port };
}

export interface IpvsTableOptions {
  /** Keyed by the service key of the checkers' table (keepalived's FMT_VS). */
  extras?: ReadonlyMap<string, ServiceExtras>;
  /** lvs_timeouts in seconds (0/undefined = keep the kernel's). */
  timeouts?: { tcp?: number; tcpFin?: number; udp?: number };
}

const FORWARDING: Record<DesiredForwarding, ForwardingMethod> = { NAT: 'nat', DR: 'dr', TUN: 'tun' };
const SCHEDULERS = new Set<string>(IPVS_SCHEDULERS);

/** The checkers' desired table in the ipvs-wrapper's shape. Unknown schedulers fall back to wlc (keepalived's default). */
export function toIpvsTable(table: DesiredTable, opts: IpvsTableOptions = {}): IpvsDesiredTable {
  const virtualServers = table.services.map((s): DesiredVirtualServer => {
    const extra = opts.extras?.get(s.key) ?? {};
    const vs: DesiredVirtualServer = {
      scheduler: (SCHEDULERS.has(s.scheduler) ? s.scheduler : 'wlc') as IpvsScheduler,
      destinations: s.destinations.map((d) => ({ address: d.address, port: d.port, weight: d.weight, forwarding: FORWARDING[d.forwarding] })),
    };
    if (extra.group) {
      vs.group = extra.group.map(groupEntry);
      // keepalived: a member fwmark without its own family takes the group's
      vs.family = s.family === 6 ? 'ipv6' : 'ipv4';
      if (s.protocol !== 'none') vs.protocol = s.protocol;
    } else if (s.fwmark !== undefined) {
      vs.fwmark = s.fwmark;
      vs.family = s.family === 6 ? 'ipv6' : 'ipv4';
    } else {
      vs.address = s.address;
      vs.port = s.port;
      vs.protocol = s.protocol === 'none' ? 'tcp' : s.protocol;
    }
    if (s.persistenceTimeout) vs.persistenceTimeout = s.persistenceTimeout;
    if (extra.flags?.length) vs.flags = extra.flags;
    if (extra.persistenceGranularity !== undefined) vs.persistenceGranularity = extra.persistenceGranularity;
    if (extra.persistenceEngine !== undefined) vs.persistenceEngine = extra.persistenceEngine;
    return vs;
  });
  const out: IpvsDesiredTable = { virtualServers };
  const t = opts.timeouts;
  if (t && (t.tcp || t.tcpFin || t.udp)) out.timeouts = { ...t };
  return out;
}

export interface DataPlaneLogger {
  info(text: string): void;
  warn(text: string): void;
  error(text: string): void;
}

export interface IpvsDataPlaneOptions {
  flushOnStart?: boolean;
  stopMode?: StopMode;
}

/**
 * DataPlane for HealthCheckService. `state` says whether a kernel table
 * stands behind it; `tableOptions` may be replaced on reload.
 */
export class IpvsDataPlane implements DataPlane {
  tableOptions: IpvsTableOptions = {};
  /** The last table the checkers asked for (kept while unavailable, for --status). */
  lastDesired: DesiredTable = { services: [] };

  private constructor(
    readonly state: DataPlaneState,
    private readonly reconciler: IpvsReconciler | undefined,
    private readonly close: () => void,
    /** Why the plane is unavailable. */
    readonly reason?: string,
  ) {}

  /** A plane over any IpvsOperations (the IpvsClient, or a fake in tests). */
  static over(ops: IpvsOperations, log: IpvsLogger, opts: IpvsDataPlaneOptions = {}, close: () => void = () => {}): IpvsDataPlane {
    return new IpvsDataPlane('ipvs', new IpvsReconciler(ops, log, opts), close);
  }

  static unavailable(reason: string): IpvsDataPlane {
    return new IpvsDataPlane('unavailable', undefined, () => {}, reason);
  }

  async apply(desired: DesiredTable): Promise<void> {
    this.lastDesired = desired;
    if (!this.reconciler) return;
    const report = await this.reconciler.apply(toIpvsTable(desired, this.tableOptions));
    if (report.failures.length) {
      throw new Error(`${report.failures.length} IPVS command(s) failed: ${report.failures.map((f) => f.error.message).join('; ')}`);
    }
  }

  /** Withdraws per the stop mode (remove what we own / flush / keep) and closes the socket. */
  async stop(): Promise<void> {
    try {
      await this.reconciler?.stop();
    } finally {
      this.close();
    }
  }
}

/** `modprobe ip_vs`, quietly; keepalived tries it once when IPVS is missing. */
function modprobeIpvs(): Promise<void> {
  return new Promise((resolve) => {
    execFile('modprobe', ['ip_vs'], { timeout: 5000 }, () => resolve());
  });
}

/**
 * Opens IPVS. Without IPVS in the kernel (after one modprobe attempt) logs
 * one error naming the missing module and returns an unavailable plane;
 * any other failure is thrown.
 */
export async function openIpvsDataPlane(
  native: NativeBinding, log: DataPlaneLogger, opts: IpvsDataPlaneOptions = {}, deps: { modprobe?: () => Promise<void> } = {},
): Promise<IpvsDataPlane> {
  const open = () => IpvsClient.open(native, log);
  let client: IpvsClient;
  try {
    client = await open();
  } catch (e) {
    if (!isIpvsMissing(e)) throw e;
    await (deps.modprobe ?? modprobeIpvs)();
    try {
      client = await open();
    } catch (e2) {
      if (!isIpvsMissing(e2)) throw e2;
      const reason = `${IPVS_MISSING_MESSAGE.replace(/^IPVS: /, '')}`;
      log.error(`IPVS: Can't initialize ipvs: ${reason} - health checkers keep running without a data plane`);
      return IpvsDataPlane.unavailable(reason);
    }
  }
  return IpvsDataPlane.over(client, log, opts, () => client.close());
}
