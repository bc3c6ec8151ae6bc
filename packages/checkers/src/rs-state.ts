/**
 * The real-server / virtual-server state machine of keepalived's checker
 * process (ipwrapper.c): checker results -> RS alive/dead -> quorum with
 * hysteresis -> sorry server, with alpha/omega, inhibit_on_failure and
 * dynamic weights. changeState() is the only entry point; it mutates the
 * model, simulates keepalived's IPVS commands (so the "set" bookkeeping and
 * therefore every log line match), and returns the side effects in order.
 * The kernel table is never touched here: desiredTable() is derived from
 * the simulated state and handed to a DataPlane by the service.
 */
import type { CheckerRuntime } from './epilog.js';
import type { ResolvedRealServer, ResolvedSorryServer, ResolvedVirtualServer } from './resolve.js';
import { IPVS_WEIGHT_LIMIT } from './resolve.js';
import type { DesiredTable } from './desired-table.js';

export interface CheckerNode extends CheckerRuntime {
  readonly id: number;
  readonly vs: VsNode;
  readonly rs: RsNode;
  readonly alpha: boolean;
}

export interface DestNode {
  ip: string;
  port: number;
  label: string;
  inhibit: boolean;
  lbKind: 'NAT' | 'DR' | 'TUN';
  alive: boolean;
  /** In the (simulated) kernel table. */
  set: boolean;
  /** Weight of the entry in the table while set. */
  tableWeight: number;
  numFailed: number;
  effectiveWeight: number;
  /** Configured weight (keepalived's iweight). */
  iweight: number;
  /** Carried over from the previous configuration by a reload. */
  reloaded?: boolean;
  /** effective_weight before the reload (keepalived's peffective_weight). */
  previousEffectiveWeight?: number;
}

export interface RsNode extends DestNode {
  readonly cfg: ResolvedRealServer;
  checkers: CheckerNode[];
}

export interface VsNode {
  readonly cfg: ResolvedVirtualServer;
  quorumUp: boolean;
  /** Carried over from the previous configuration by a reload. */
  reloaded?: boolean;
  /** A reload's "VS [...] added into group NAME" lines, logged after this VS's real servers (sync_service_vsg). */
  groupAddedLines?: string[];
  rs: RsNode[];
  sorry?: DestNode;
}

export type Effect =
  | { kind: 'log'; message: string }
  | { kind: 'fifo'; line: string }
  | { kind: 'notify'; command: string; stopping: boolean }
  /** An SMTP alert: the subject after "[router_id] ", and the body. */
  | { kind: 'mail'; subject: string; body: string };

export type StateEvent =
  | { type: 'start' }
  | { type: 'checker'; checker: CheckerNode; alive: boolean }
  | { type: 'weight'; rs: RsNode; weight: number; updateQuorum: boolean }
  /** flush: lvs_flush_on_stop all/vs - the table goes at once, only the VS notifies run. */
  | { type: 'stop'; flush?: boolean };

export function realWeight(w: number): number {
  return w < 0 ? 0 : w > IPVS_WEIGHT_LIMIT ? IPVS_WEIGHT_LIMIT : w;
}

type Handler<E extends StateEvent> = (m: HealthStateMachine, e: E) => void;
type HandlerTable = { [K in StateEvent['type']]: Handler<Extract<StateEvent, { type: K }>> };

/**
 * What a checker result does (update_svr_checker_state), as a table keyed by
 * "<checker was up>/<result>/<has run>". Rows not listed do nothing.
 */
type CheckerAction = 'firstRunNotify' | 'rsUpIfLastFailure' | 'rsDownIfFirstFailure' | 'none';
const CHECKER_TRANSITIONS: Record<string, CheckerAction> = {
  'up/up/first': 'firstRunNotify',
  'down/down/first': 'firstRunNotify',
  'up/up/ran': 'none',
  'down/down/ran': 'none',
  'down/up/first': 'rsUpIfLastFailure',
  'down/up/ran': 'rsUpIfLastFailure',
  'up/down/first': 'rsDownIfFirstFailure',
  'up/down/ran': 'rsDownIfFirstFailure',
};

const HANDLERS: HandlerTable = {
  start: (m) => m.initServices(),
  checker: (m, e) => m.checkerResult(e.checker, e.alive),
  weight: (m, e) => m.updateWeight(e.rs, e.weight, e.updateQuorum),
  stop: (m, e) => (e.flush ? m.flushServices() : m.clearServices()),
};

export interface StateMachineOptions {
  rsInitNotifies?: boolean;
}

export class HealthStateMachine {
  readonly vss: VsNode[];
  readonly checkers: CheckerNode[] = [];
  private effects: Effect[] = [];

  constructor(
    virtualServers: ResolvedVirtualServer[],
    private readonly opts: StateMachineOptions = {},
  ) {
    let id = 0;
    this.vss = virtualServers.map((cfg) => {
      const vs: VsNode = { cfg, quorumUp: false, rs: [] };
      vs.sorry = cfg.sorry ? sorryNode(cfg.sorry) : undefined;
      for (const rcfg of cfg.realServers) {
        const rs: RsNode = {
          cfg: rcfg,
          ip: rcfg.ip,
          port: rcfg.port,
          label: rcfg.label,
          inhibit: rcfg.inhibit,
          lbKind: rcfg.lbKind,
          alive: false,
          set: false,
          tableWeight: 0,
          numFailed: 0,
          effectiveWeight: rcfg.weight,
          iweight: rcfg.weight,
          checkers: [],
        };
        for (const c of rcfg.checkers) {
          const alpha = c.timing.alpha;
          const node: CheckerNode = {
            id: id++,
            vs,
            rs,
            alpha,
            // alpha: pessimistic start; non-alpha: one failure is enough initially
            isUp: !alpha,
            hasRun: false,
            retryIt: c.timing.retry,
            curWeight: 0,
          };
          if (alpha) rs.numFailed++;
          rs.checkers.push(node);
          this.checkers.push(node);
        }
        vs.rs.push(rs);
      }
      return vs;
    });
    // set_quorum_states(): before init, nothing is alive yet
    for (const vs of this.vss) vs.quorumUp = this.weighLive(vs) >= vs.cfg.quorum + vs.cfg.hysteresis;
  }

  /** The single entry point. Returns the effects in keepalived's order. */
  changeState(event: StateEvent): Effect[] {
    this.effects = [];
    (HANDLERS[event.type] as Handler<StateEvent>)(this, event);
    return this.effects;
  }

  /**
   * Runs `fn` (which calls this machine's transition helpers) and returns
   * the effects it produced; the reload migration uses it on the previous
   * and the new machine.
   */
  collect(fn: () => void): Effect[] {
    this.effects = [];
    fn();
    return this.effects;
  }

  desiredTable(): DesiredTable {
    if (this.stopped) return { services: [] };
    return {
      services: this.vss.map((vs) => ({
          key: vs.cfg.label,
          family: vs.cfg.family,
          protocol: vs.cfg.protocol,
          address: vs.cfg.ip,
          port: vs.cfg.port,
          fwmark: vs.cfg.fwmark,
          scheduler: vs.cfg.lbAlgo,
          persistenceTimeout: vs.cfg.persistenceTimeout,
          destinations: [...vs.rs, ...(vs.sorry ? [vs.sorry] : [])]
            .filter((d) => d.set)
            .map((d) => ({ address: d.ip, port: d.port, weight: d.tableWeight, forwarding: d.lbKind })),
        })),
    };
  }

  private stopped = false;
  private version = 0;

  /**
   * Changes whenever the simulated table may have changed, so that the
   * service can skip building and comparing the table after a state change
   * that left it alone (the common case with thousands of checkers).
   * The reload migration's direct writes happen before the first apply.
   */
  get tableVersion(): number {
    return this.version;
  }

  // ---- keepalived's ipvs_cmd, simulated -------------------------------

  /** @internal (reload migration) */
  addDest(d: DestNode): void {
    this.version++;
    if (d.inhibit && d.set) d.tableWeight = realWeight(d.effectiveWeight);
    else if (!d.set) {
      d.set = true;
      d.tableWeight = d.inhibit && d.numFailed ? 0 : realWeight(d.effectiveWeight);
    }
  }

  /** @internal (reload migration) */
  delDest(d: DestNode, force = false): void {
    this.version++;
    if (d.inhibit && !force) d.tableWeight = 0;
    else d.set = false;
  }

  private editDest(d: DestNode): void {
    this.version++;
    if (d.set) d.tableWeight = realWeight(d.effectiveWeight);
  }

  // ---- helpers ---------------------------------------------------------

  /** @internal (reload migration) */
  log(message: string): void {
    this.effects.push({ kind: 'log', message });
  }

  /** @internal (reload migration) */
  weighLive(vs: VsNode): number {
    let sum = 0;
    for (const rs of vs.rs) if (rs.alive) sum += realWeight(rs.effectiveWeight);
    return sum;
  }

  /** @internal (reload migration) */
  rsNotifies(vs: VsNode, rs: RsNode, stopping: boolean): void {
    const cmd = rs.alive ? rs.cfg.notifyUp : rs.cfg.notifyDown;
    if (cmd) this.effects.push({ kind: 'notify', command: cmd, stopping });
    this.effects.push({ kind: 'fifo', line: `RS ${rs.label} ${vs.cfg.label} ${rs.alive ? 'UP' : 'DOWN'}\n` });
  }

  /** @internal (reload migration) */
  vsNotifies(vs: VsNode, stopping: boolean): void {
    if (stopping && !vs.cfg.omega) return;
    const cmd = vs.quorumUp ? vs.cfg.quorumUp : vs.cfg.quorumDown;
    if (cmd) this.effects.push({ kind: 'notify', command: cmd, stopping });
    this.effects.push({ kind: 'fifo', line: `VS ${vs.cfg.label} ${vs.quorumUp ? 'UP' : 'DOWN'}\n` });
    if (stopping && vs.cfg.smtpAlert) this.effects.push({ kind: 'mail', subject: `Virtualserver ${vs.cfg.label} - DOWN`, body: '=> Shutting down <=' });
  }

  /** clear_service_rs' SMTP alert: a server taken out at stop (omega) or removed by a reload. */
  /** @internal (reload migration) */
  rsRemovedMail(vs: VsNode, rs: RsNode, stopping: boolean): void {
    if (!rs.cfg.smtpAlert) return;
    this.effects.push({
      kind: 'mail', subject: `Realserver ${rs.label} of virtual server ${vs.cfg.label} - DOWN`,
      body: stopping ? '=> Shutting down <=' : '=> Removing <=',
    });
  }

  // ---- transitions -----------------------------------------------------

  /** init_services(): add the servers we believe in, then settle quorum. */
  initServices(): void {
    this.stopped = false;
    this.version++;
    for (const vs of this.vss) {
      for (const rs of vs.rs) {
        if (rs.reloaded) {
          // a weight changed by the reload is pushed as a change from the old one
          const previous = rs.previousEffectiveWeight ?? rs.effectiveWeight;
          if (rs.effectiveWeight !== previous) {
            const wanted = rs.effectiveWeight;
            rs.effectiveWeight = previous;
            this.updateWeight(rs, wanted, false);
          }
          continue; // failed servers are not re-added at once on reload
        }
        if ((!rs.numFailed && !rs.alive) || (rs.inhibit && !rs.set)) {
          this.addDest(rs);
          if (!rs.numFailed) {
            rs.alive = true;
            if (this.opts.rsInitNotifies) this.rsNotifies(vs, rs, false);
          }
        }
      }
      for (const line of vs.groupAddedLines ?? []) this.log(line);
      vs.groupAddedLines = undefined;
      this.updateQuorum(vs, true);
      const s = vs.sorry;
      if (s && s.inhibit && !s.set) {
        // an inhibited sorry server sits in the table at weight 0 until needed
        s.numFailed = 1;
        this.addDest(s);
        s.numFailed = 0;
      }
    }
  }

  /** update_svr_checker_state(). */
  checkerResult(c: CheckerNode, alive: boolean): void {
    const key = `${c.isUp ? 'up' : 'down'}/${alive ? 'up' : 'down'}/${c.hasRun ? 'ran' : 'first'}`;
    const action = CHECKER_TRANSITIONS[key] ?? 'none';
    if (c.isUp === alive) {
      if (action === 'firstRunNotify') {
        if (c.alpha || !alive) this.rsNotifies(c.vs, c.rs, false);
        c.hasRun = true;
      }
      return;
    }
    c.hasRun = true;
    if (action === 'rsUpIfLastFailure' && c.rs.numFailed <= 1) this.performServerState(c, true);
    else if (action === 'rsDownIfFirstFailure' && c.rs.numFailed === 0) this.performServerState(c, false);
    c.isUp = alive;
    if (!alive) c.rs.numFailed++;
    else if (c.rs.numFailed) c.rs.numFailed--;
  }

  /** perform_svr_state(). */
  /** @internal (reload migration) */
  performServerState(c: CheckerNode, alive: boolean): void {
    const { vs, rs } = c;
    if (rs.alive === alive) return;
    const verb = alive ? (rs.inhibit ? 'Enabl' : 'Add') : rs.inhibit ? 'Disabl' : 'Remov';
    const prep = rs.inhibit ? 'of' : alive ? 'to' : 'from';
    this.log(`${verb}ing service ${rs.label} ${prep} VS ${vs.cfg.label}`);
    if (vs.quorumUp || !vs.sorry || !vs.sorry.alive) {
      if (alive) this.addDest(rs);
      else this.delDest(rs);
    }
    rs.alive = alive;
    this.rsNotifies(vs, rs, false);
    this.updateQuorum(vs, false);
  }

  /** update_quorum_state(). */
  /** @internal (reload migration) */
  updateQuorum(vs: VsNode, init: boolean): void {
    const weightSum = this.weighLive(vs);
    const { quorum, hysteresis } = vs.cfg;
    const threshold = quorum + (vs.quorumUp ? -1 : 1) * hysteresis;
    if (!vs.quorumUp && weightSum >= threshold) {
      vs.quorumUp = true;
      this.log(`Gained quorum ${quorum}+${hysteresis}=${threshold} <= ${weightSum} for VS ${vs.cfg.label}`);
      this.quorumMail(vs, init, threshold, weightSum);
      const s = vs.sorry;
      if (s && s.alive) {
        this.log(`${s.inhibit ? 'Disabling' : 'Removing'} sorry server ${s.label} from VS ${vs.cfg.label}`);
        this.delDest(s);
        s.alive = false;
        this.performQuorumState(vs, true);
      }
      this.vsNotifies(vs, false);
      return;
    }
    if ((vs.quorumUp && (!weightSum || weightSum < threshold)) || (init && !vs.quorumUp && vs.sorry && !vs.sorry.alive)) {
      vs.quorumUp = false;
      this.log(
        `${init ? 'Starting with quorum down' : 'Lost quorum'} ${quorum}-${hysteresis}=${threshold} > ${weightSum} for VS ${vs.cfg.label}`,
      );
      this.quorumMail(vs, init, threshold, weightSum);
      const s = vs.sorry;
      if (s && !s.alive) {
        this.log(`${s.inhibit ? 'Enabling' : 'Adding'} sorry server ${s.label} to VS ${vs.cfg.label}`);
        this.performQuorumState(vs, false);
        this.addDest(s);
        s.alive = true;
      }
      this.vsNotifies(vs, false);
    }
  }

  /** do_vs_notifies' SMTP alert (keepalived writes '+' and '<=' for a lost quorum too). */
  private quorumMail(vs: VsNode, init: boolean, threshold: number, weightSum: number): void {
    if (!vs.cfg.smtpAlert) return;
    const what = vs.quorumUp ? (init ? 'Starting with quorum up' : 'Gained quorum') : init ? 'Starting with quorum down' : 'Lost quorum';
    this.effects.push({
      kind: 'mail', subject: `Virtualserver ${vs.cfg.label} - ${vs.quorumUp ? 'UP' : 'DOWN'}`,
      body: `=> ${what} ${vs.cfg.quorum}+${vs.cfg.hysteresis}=${threshold} <= ${weightSum} <=`,
    });
  }

  /** perform_quorum_state(): move the alive servers in or out of the pool. */
  private performQuorumState(vs: VsNode, add: boolean): void {
    this.log(`${add ? 'Adding alive servers to' : 'Removing alive servers from'} the pool for VS ${vs.cfg.label}`);
    for (const rs of vs.rs) {
      if (!rs.alive) continue;
      if (add) this.addDest(rs);
      else this.delDest(rs);
    }
  }

  /** update_svr_wgt(). */
  updateWeight(rs: RsNode, weight: number, updateQuorum: boolean): void {
    const vs = this.vss.find((v) => v.rs.includes(rs));
    if (!vs) return;
    const newW = realWeight(weight);
    const oldW = realWeight(rs.effectiveWeight);
    rs.effectiveWeight = weight;
    if (newW === oldW) return;
    this.log(
      `Changing weight from ${oldW} to ${newW} for ${rs.alive ? '' : 'in'}active service ${rs.label} of VS ${vs.cfg.label}`,
    );
    if (rs.set && rs.alive && (vs.quorumUp || !vs.sorry || !vs.sorry.alive)) this.editDest(rs);
    if (updateQuorum) this.updateQuorum(vs, false);
  }

  /**
   * clear_services() with lvs_flush_on_stop all/vs: the kernel table is
   * flushed (or our services deleted) in one go, so no per-server lines;
   * only the VS notifies run (scripts and FIFO for omega services).
   */
  flushServices(): void {
    for (const vs of this.vss) {
      if (vs.sorry) {
        vs.sorry.set = false;
        vs.sorry.alive = false;
      }
      for (const rs of vs.rs) rs.set = false;
      vs.quorumUp = false;
      this.vsNotifies(vs, true);
    }
    this.stopped = true;
    this.version++;
  }

  /** clear_services() with lvs_flush_on_stop disabled: remove what we added. */
  clearServices(): void {
    for (const vs of this.vss) {
      const s = vs.sorry;
      if (s && s.set) {
        this.delDest(s, true);
        s.alive = false;
      }
      for (const rs of vs.rs) {
        this.log(`Shutting down ${rs.inhibit && !rs.alive ? '(inhibited) ' : ''}service ${rs.label} from VS ${vs.cfg.label}`);
        if (!rs.set) continue;
        this.delDest(rs, true);
        if (!rs.alive) continue;
        rs.alive = false;
        if (!vs.cfg.omega) continue;
        this.rsNotifies(vs, rs, true);
        this.rsRemovedMail(vs, rs, true);
      }
      vs.quorumUp = false;
      this.vsNotifies(vs, true);
    }
    this.stopped = true;
    this.version++;
  }
}

function sorryNode(s: ResolvedSorryServer): DestNode {
  return {
    ip: s.ip,
    port: s.port,
    label: s.label,
    inhibit: s.inhibit,
    lbKind: s.lbKind,
    alive: false,
    set: false,
    tableWeight: 0,
    numFailed: 0,
    effectiveWeight: s.weight,
    iweight: s.weight,
  };
}
