/**
 * What the VRRP child answers to the parent's status request (the data of
 * `keepalived --status`): plain JSON, built only when asked, so nothing here
 * runs on the advert path.
 */
import type { VrrpStateName } from '../fsm/types.js';
import type { LatenessSnapshot } from '../timers/lateness.js';
import type { TrackedStatus } from './track.js';

export interface VrrpInstanceStatus {
  name: string;
  state: VrrpStateName;
  vrid: number;
  version: number;
  family: 'inet' | 'inet6';
  interface: string;
  /** The configured priority (after an owner conflict: 254). */
  basePriority: number;
  /** basePriority moved by the tracked objects' weights. */
  effectivePriority: number;
  tracking: TrackedStatus[];
  vips: { address: string; excluded: boolean; installed: boolean }[];
  /** MASTER: our own source address; BACKUP: the master's, once one was heard; else null. */
  masterAddress: string | null;
  advertIntervalMs: number;
  /** v3: the interval learnt from the master's adverts. */
  masterAdvertIntervalMs: number;
  /** Wall-clock time of the last state change (ISO 8601), null before the first. */
  lastTransition: string | null;
}

export interface VrrpSyncGroupStatus {
  name: string;
  state: VrrpStateName;
  members: string[];
}

export interface TimerStatus {
  /** 'timerfd': CLOCK_MONOTONIC timerfd on the event loop; 'timeout': Node's setTimeout fallback. */
  source: 'timerfd' | 'timeout';
  /** How late the VRRP timers fired since start, µs (p50/p90/p99 are bucket upper bounds). */
  lateness: { count: number; p50Us: number; p90Us: number; p99Us: number; maxUs: number; meanUs: number };
}

export interface VrrpStatus {
  process: 'vrrp';
  pid: number;
  instances: VrrpInstanceStatus[];
  syncGroups: VrrpSyncGroupStatus[];
  timers: TimerStatus;
}

/** The instance fields status reads (InstanceRuntime and its machine provide them). */
export interface StatusInstanceSource {
  name: string;
  vrid: number;
  cfg: { version: number; family: 'inet' | 'inet6' };
  iface: { ifname: string; srcAddr: string };
  fsm: {
    state: VrrpStateName;
    basePriority: number;
    effectivePriority: number;
    masterSaddr: string | undefined;
    adverIntUs: number;
    masterAdverIntUs: number;
    lastTransitionUs: number;
  };
  vipStatus(): VrrpInstanceStatus['vips'];
}

export interface StatusSources {
  instances: readonly StatusInstanceSource[];
  tracking(instance: StatusInstanceSource): TrackedStatus[];
  groups: readonly { name: string; state: VrrpStateName; members: readonly { name: string }[] }[];
  timerSource: TimerStatus['source'];
  lateness: LatenessSnapshot;
  /** The scheduler's monotonic clock and the wall clock, read together (µs, ms). */
  nowUs: number;
  wallMs: number;
  pid: number;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export function buildVrrpStatus(src: StatusSources): VrrpStatus {
  const instances = src.instances.map((i): VrrpInstanceStatus => {
    const f = i.fsm;
    const master = f.state === 'MASTER' ? i.iface.srcAddr : f.state === 'BACKUP' ? (f.masterSaddr ?? null) : null;
    return {
      name: i.name,
      state: f.state,
      vrid: i.vrid,
      version: i.cfg.version,
      family: i.cfg.family,
      interface: i.iface.ifname,
      basePriority: f.basePriority,
      effectivePriority: f.effectivePriority,
      tracking: src.tracking(i),
      vips: i.vipStatus(),
      masterAddress: master,
      advertIntervalMs: round3(f.adverIntUs / 1000),
      masterAdvertIntervalMs: round3(f.masterAdverIntUs / 1000),
      lastTransition: f.lastTransitionUs > 0
        ? new Date(src.wallMs - (src.nowUs - f.lastTransitionUs) / 1000).toISOString()
        : null,
    };
  });
  const l = src.lateness;
  return {
    process: 'vrrp',
    pid: src.pid,
    instances,
    syncGroups: src.groups.map((g) => ({ name: g.name, state: g.state, members: g.members.map((m) => m.name) })),
    timers: {
      source: src.timerSource,
      lateness: { count: l.count, p50Us: l.p50Us, p90Us: l.p90Us, p99Us: l.p99Us, maxUs: l.maxUs, meanUs: round3(l.meanUs) },
    },
  };
}
