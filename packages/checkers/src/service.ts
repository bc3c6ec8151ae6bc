/**
 * The checker process's main loop: builds a checker per configured block,
 * schedules probes on one TimerHeap (warmup, delay_loop, retries), feeds
 * results through the epilog policies into the state machine, and carries
 * out the effects: log lines, FIFO lines, notify scripts, and the desired
 * table handed to the DataPlane (serialised, latest state wins).
 */
import { buildChecker, type BuiltChecker } from './factory.js';
import type { EpilogContext } from './epilog.js';
import type { SslSettings } from './http.js';
import { HaSuspendTracker } from './ha-suspend.js';
import type { CheckerSettings, HealthCheckSettings } from './model.js';
import { resolveVirtualServers, type ResolvedChecker } from './resolve.js';
import { HealthStateMachine, type CheckerNode, type Effect, type StateEvent } from './rs-state.js';
import { TimerHeap, withHardTimeout, type TimerHandle } from './scheduler.js';
import { sameDesiredTable, type DataPlane, type DesiredTable } from './desired-table.js';
import { ExecNotifyRunner, FifoWriter, type NotifyRunner } from './notify.js';
import { errorText, type CheckResult, type CheckerLogger } from './types.js';
import { FileChecker, IPVS_WEIGHT_FAULT, fileStatus } from './file.js';
import { FilePolicy } from './epilog.js';
import { ScheduleStatsReporter } from './sched-stats.js';

/** keepalived's BOOTSTRAP_DELAY: checkers start one second after startup (plus warmup). */
export const BOOTSTRAP_DELAY_MS = 1000;

export interface HealthCheckDeps {
  logger: CheckerLogger;
  dataPlane?: DataPlane;
  notifier?: NotifyRunner;
  /** Defaults to a FifoWriter on globals.lvsNotifyFifo / notifyFifo. */
  fifo?: { write(line: string): void; close(): void };
  /** [0,1) source for the random warmup; tests pass () => 0. */
  random?: () => number;
  ssl?: SslSettings;
  bootstrapDelayMs?: number;
  /** keepalived prints "Activating BFD healthchecker" even without BFD (default true). */
  logBfdActivation?: boolean;
  /** false: do not schedule probes (results are fed with processResult()). Default true. */
  probes?: boolean;
  /** A timer wake-up this late (ms) is reported, as keepalived's min_auto_priority_delay check. */
  lateWatch?: { thresholdMs: number; onLate: (lateMs: number) => void };
  /** Replaces the checker factory (tests, or a data plane with its own probes). */
  buildChecker?: typeof buildChecker;
  /** Called after every state change with the effects it produced (tests, SNMP later). */
  onEffects?: (effects: Effect[]) => void;
  /** SMTP alerts (smtp_alert on the servers, no_checker_emails). */
  mailer?: { send(subject: string, body: string): void; noCheckerEmails: boolean };
}

/**
 * The body each checker type mails when its real server's checker goes up / down
 * (check_tcp.c, check_udp.c, check_http.c, ...); FILE_CHECK mails nothing.
 */
export function checkerMailBody(type: CheckerSettings['type'], up: boolean): string | undefined {
  switch (type) {
    case 'TCP_CHECK': return `=> TCP CHECK ${up ? 'succeed' : 'failed'} on service <=`;
    case 'UDP_CHECK': return `=> UDP CHECK ${up ? 'succeed' : 'failed'} on service <=`;
    case 'PING_CHECK': return `=> ICMP CHECK ${up ? 'succeed' : 'failed'} on service <=`;
    case 'DNS_CHECK': return `=> DNS_CHECK: ${up ? 'succeed' : 'failed'} on service <=`;
    case 'HTTP_GET':
    case 'SSL_GET': return up ? '=> CHECK succeed on service <=' : '=> CHECK failed on service : HTTP request failed <=';
    case 'SMTP_CHECK': return `=> CHECK ${up ? 'succeed' : 'failed'} on service <=`;
    case 'MISC_CHECK': return `=> MISC CHECK ${up ? 'succeeded' : 'failed'} on service <=`;
    default: return undefined;
  }
}

export interface ServiceStartOptions {
  /** Runs before init_services() (a reload migrates the previous state here); its effects are carried out. */
  prepare?: (machine: HealthStateMachine) => Effect[];
  /** Called after init_services(), before the checkers are activated ("Startup complete" goes here). */
  initialized?: () => void;
}

interface Slot {
  node: CheckerNode;
  cfg: ResolvedChecker;
  built: BuiltChecker;
  ctx: EpilogContext;
  timer?: TimerHandle;
  inFlight: boolean;
  /** False while its virtual server's address is not here (ha_suspend). */
  enabled: boolean;
  /** Bound once per checker so that scheduling and completing a probe allocate no closures. */
  fire: () => void;
  onResult: (result: CheckResult) => void;
}

export class HealthCheckService {
  private readonly haSuspend: HaSuspendTracker;
  readonly machine: HealthStateMachine;
  readonly warnings: string[];
  private readonly slots: Slot[] = [];
  private readonly heap = new TimerHeap();
  private readonly fifo: { write(line: string): void; close(): void };
  private readonly notifier: NotifyRunner;
  private readonly pendingNotifies = new Set<Promise<void>>();
  private applying: Promise<void> | undefined;
  private dirty = false;
  private running = false;
  private lastApplied: DesiredTable | undefined;
  /** machine.tableVersion of lastApplied (-1: nothing applied yet). */
  private appliedVersion = -1;
  private scheduleStats: ScheduleStatsReporter | undefined;

  constructor(
    private readonly settings: HealthCheckSettings,
    private readonly deps: HealthCheckDeps,
  ) {
    const g = settings.globals;
    const resolved = resolveVirtualServers(settings.virtualServers, g.checkerLogAllFailures ?? false);
    this.warnings = resolved.warnings;
    this.machine = new HealthStateMachine(resolved.virtualServers, { rsInitNotifies: g.rsInitNotifies });
    this.haSuspend = new HaSuspendTracker(resolved.virtualServers);
    this.fifo = deps.fifo ?? new FifoWriter([g.notifyFifo, g.lvsNotifyFifo]);
    this.notifier = deps.notifier ?? new ExecNotifyRunner();
    for (const node of this.machine.checkers) {
      const cfg = node.rs.cfg.checkers[node.rs.checkers.indexOf(node)]!;
      const built = (deps.buildChecker ?? buildChecker)(cfg, {
        rsLabel: node.rs.label,
        vsLabel: node.vs.cfg.label,
        logger: deps.logger,
        ssl: deps.ssl,
      });
      const slot: Slot = {
        node,
        cfg,
        built,
        ctx: this.contextFor(node, cfg),
        inFlight: false,
        enabled: true,
        fire: () => this.probe(slot),
        onResult: (result) => this.afterProbe(slot, result),
      };
      this.slots.push(slot);
    }
  }

  /** init_services() + register_checkers_thread(). */
  async start(opts: ServiceStartOptions = {}): Promise<void> {
    this.running = true;
    this.scheduleStats = ScheduleStatsReporter.fromEnv(this.heap);
    this.heap.lateWatch = this.deps.lateWatch;
    await this.readTrackedFiles();
    if (opts.prepare) this.carryOut(opts.prepare(this.machine));
    this.dispatch({ type: 'start' });
    opts.initialized?.();
    const random = this.deps.random ?? Math.random;
    const bootstrap = this.deps.bootstrapDelayMs ?? BOOTSTRAP_DELAY_MS;
    for (const slot of this.slots) {
      slot.enabled = this.haSuspend.active(slot.node.vs.cfg);
      this.deps.logger.info(`${slot.enabled ? 'A' : 'Dea'}ctivating healthchecker for service ${slot.node.rs.label} for VS ${slot.node.vs.cfg.label}`);
      const warmup = slot.cfg.timing.warmupMs ? Math.floor(slot.cfg.timing.warmupMs * random()) : 0;
      if (this.deps.probes ?? true) this.arm(slot, bootstrap + warmup);
    }
    if (this.deps.logBfdActivation ?? true) this.deps.logger.info('Activating BFD healthchecker');
    await this.flush();
  }

  /**
   * keepalived reads tracked files before init_services(): a file in fault
   * keeps its RS out from the start, any other value is already in the weight.
   */
  private async readTrackedFiles(): Promise<void> {
    for (const slot of this.slots) {
      const { checker, policy } = slot.built;
      if (!(checker instanceof FileChecker) || !(policy instanceof FilePolicy)) continue;
      const r = await checker.check();
      const node = slot.node;
      node.hasRun = true; // "there is no concept of the checker running" - its state is known
      if (r.value === undefined) continue;
      const status = fileStatus(r.value, checker.weight, checker.reverse);
      policy.lastStatus = status;
      if (status === IPVS_WEIGHT_FAULT) {
        node.isUp = false;
        node.rs.numFailed++;
      } else {
        node.curWeight = status;
        node.rs.effectiveWeight += status;
      }
    }
  }

  /**
   * clear_services(): stop probing, withdraw everything we added, run omega
   * notifies. flush: lvs_flush_on_stop (only the VS notifies run).
   */
  async stop(opts: { flush?: boolean } = {}): Promise<void> {
    this.stopProbes();
    this.dispatch({ type: 'stop', flush: opts.flush ?? false });
    await this.flush();
    await Promise.allSettled([...this.pendingNotifies]);
    this.fifo.close();
  }

  /**
   * Stops probing and closes the FIFO but leaves the table and the state as
   * they are: a reload hands the state to a new service; -I leaves IPVS alone.
   */
  async halt(): Promise<void> {
    this.stopProbes();
    await this.flush();
    await Promise.allSettled([...this.pendingNotifies]);
    this.fifo.close();
  }

  private stopProbes(): void {
    this.running = false;
    this.scheduleStats?.close();
    this.scheduleStats = undefined;
    this.heap.stop();
    for (const s of this.slots) s.built.checker.abort?.();
  }

  /** The epilog policy of a checker (dumps read the failed URL of HTTP checkers from it). */
  policyOf(checkerId: number): BuiltChecker['policy'] | undefined {
    return this.slots[checkerId]?.built.policy;
  }

  /** The table as last computed from the state machine. */
  desiredTable(): DesiredTable {
    return this.machine.desiredTable();
  }

  /** Resolves when the data plane has the latest table and pending notify scripts finished. */
  async flush(): Promise<void> {
    while (this.applying) await this.applying;
  }

  async settleNotifies(): Promise<void> {
    await Promise.allSettled([...this.pendingNotifies]);
  }

  private arm(slot: Slot, delayMs: number): void {
    slot.timer = this.heap.schedule(delayMs, slot.fire);
  }

  /** Addresses this host has when the service starts (ha_suspend counts them, silently). */
  seedAddresses(addresses: Iterable<string>): void {
    for (const a of addresses) this.haSuspend.addressChanged(a, true);
  }

  /** The host's addresses are unknown: ha_suspend is not applied (every checker runs). */
  haSuspendUnavailable(): void {
    this.haSuspend.forget();
  }

  /** Whether any virtual server uses ha_suspend (the daemon then watches the host's addresses). */
  get usesHaSuspend(): boolean {
    return this.haSuspend.used;
  }

  /** update_checker_activity(): an address of this host came or went. Returns whether it concerned an ha_suspend VS. */
  addressChanged(address: string, added: boolean): boolean {
    const changes = this.haSuspend.addressChanged(address, added);
    for (const { vs, active } of changes) {
      for (const slot of this.slots) {
        if (slot.node.vs.cfg !== vs || slot.enabled === active) continue;
        this.deps.logger.info(`${active ? 'Activat' : 'Suspend'}ing healthchecker for service ${slot.node.rs.label} for VS ${vs.label}`);
        slot.enabled = active;
      }
    }
    return changes.length > 0;
  }

  private probe(slot: Slot): void {
    if (!this.running || slot.inFlight) return;
    // a suspended checker keeps its rhythm without probing (keepalived re-arms it at delay_loop)
    if (!slot.enabled) return this.arm(slot, slot.cfg.timing.delayLoopMs);
    slot.inFlight = true;
    const c = slot.built.checker;
    if (c.start) {
      try {
        c.start(slot.onResult);
      } catch (e) {
        slot.onResult({ ok: false, reason: errorText(e) });
      }
      return;
    }
    void withHardTimeout(
      () => c.check(),
      c.hardTimeoutMs,
      () => {
        c.abort?.();
        return { ok: false, reason: `${c.type} on service ${slot.node.rs.label} timed out`, timedOut: true };
      },
      (e) => ({ ok: false, reason: errorText(e) }),
    ).then(slot.onResult);
  }

  private afterProbe(slot: Slot, result: CheckResult): void {
    if (!slot.inFlight) return; // a late or repeated completion
    slot.inFlight = false;
    if (!this.running) return;
    this.arm(slot, this.processResult(slot.node.id, result));
  }

  /**
   * Runs a probe result through the checker's epilog and the state machine;
   * returns the delay keepalived would wait before the next probe.
   */
  processResult(checkerId: number, result: CheckResult): number {
    const slot = this.slots[checkerId];
    if (!slot) throw new Error(`no checker ${checkerId}`);
    try {
      return slot.built.policy.after(result, slot.ctx);
    } catch (e) {
      this.deps.logger.info(`checker error on ${slot.node.rs.label}: ${errorText(e)}`);
      return slot.cfg.timing.delayLoopMs;
    }
  }

  /** The checker objects in configuration order (index = checker id). */
  get checkerObjects(): BuiltChecker[] {
    return this.slots.map((s) => s.built);
  }

  private contextFor(node: CheckerNode, cfg: ResolvedChecker): EpilogContext {
    return {
      st: node,
      timing: cfg.timing,
      label: node.rs.label,
      vsLabel: node.vs.cfg.label,
      log: (m) => this.deps.logger.info(m),
      update: (alive) => {
        const wasUp = node.isUp;
        const rsWasAlive = node.rs.alive;
        this.dispatch({ type: 'checker', checker: node, alive });
        // keepalived mails when this checker changed, and the server did too (unless it mails every checker change)
        const m = this.deps.mailer;
        if (!m || !node.rs.cfg.smtpAlert || wasUp === node.isUp || (rsWasAlive === node.rs.alive && m.noCheckerEmails)) return;
        const body = checkerMailBody(cfg.settings.type, alive);
        if (body) m.send(`Realserver ${node.rs.label} of virtual server ${node.vs.cfg.label} - ${node.rs.alive ? 'UP' : 'DOWN'}`, body);
      },
      rsWeights: () => ({ effective: node.rs.effectiveWeight, initial: node.rs.iweight }),
      setRsWeight: (w) => this.dispatch({ type: 'weight', rs: node.rs, weight: w, updateQuorum: true }),
      setRsWeightQuiet: (w) => {
        node.rs.effectiveWeight = w;
      },
    };
  }

  private dispatch(event: StateEvent): void {
    this.carryOut(this.machine.changeState(event));
  }

  private carryOut(effects: Effect[]): void {
    for (const e of effects) {
      if (e.kind === 'log') this.deps.logger.info(e.message);
      else if (e.kind === 'fifo') this.fifo.write(e.line);
      else if (e.kind === 'mail') this.deps.mailer?.send(e.subject, e.body);
      else {
        const p = this.notifier.run(e.command, { stopping: e.stopping }).catch(() => undefined);
        this.pendingNotifies.add(p);
        void p.finally(() => this.pendingNotifies.delete(p));
      }
    }
    this.deps.onEffects?.(effects);
    this.scheduleApply();
  }

  private scheduleApply(): void {
    const dp = this.deps.dataPlane;
    if (!dp) return;
    if (this.machine.tableVersion === this.appliedVersion) return; // a state change that left the table alone
    if (this.applying) {
      this.dirty = true;
      return;
    }
    const run = async (): Promise<void> => {
      // After this turn's I/O callbacks: the transitions of one burst of probe results become one apply.
      await new Promise<void>((resolve) => setImmediate(resolve));
      do {
        this.dirty = false;
        const version = this.machine.tableVersion;
        if (version === this.appliedVersion) continue;
        const table = this.machine.desiredTable();
        if (this.lastApplied && sameDesiredTable(this.lastApplied, table)) {
          this.appliedVersion = version;
          continue;
        }
        try {
          await dp.apply(table);
          this.lastApplied = table;
          this.appliedVersion = version;
        } catch (e) {
          this.deps.logger.info(`IPVS: failed to apply the virtual server table: ${errorText(e)}`);
        }
      } while (this.dirty);
    };
    this.applying = run().finally(() => {
      this.applying = undefined;
    });
  }
}
