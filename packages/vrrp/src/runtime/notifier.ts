/**
 * State notifications as keepalived 2.2.7 sends them (vrrp_notify.c
 * send_instance_notifies / send_group_notifies / send_event_notify): the
 * state's own script (notify_master/backup/fault/stop), then the generic
 * `notify` script with "INSTANCE|GROUP NAME STATE PRIORITY", then the FIFO
 * line. Scripts never block the event loop; notify_stop scripts are awaited
 * (for at most one second each) before the process exits.
 */
import type { VrrpStateName } from '../fsm/types.js';
import { runScript, vrrpFifoLine, type NotifyFifo, type ScriptCommand } from '@keepalived-ts/core';

export interface NotifyScripts {
  notifyMaster?: ScriptCommand | undefined;
  notifyBackup?: ScriptCommand | undefined;
  notifyFault?: ScriptCommand | undefined;
  notifyStop?: ScriptCommand | undefined;
  notify?: ScriptCommand | undefined;
}

/** keepalived waits TIMER_HZ for notify_stop scripts at shutdown. */
const STOP_SCRIPT_TIMEOUT_MS = 1000;

export class Notifier {
  /** Scripts still running (notify_stop ones are awaited at shutdown). */
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly fifos: readonly NotifyFifo[],
    private readonly log: { info(text: string): void },
  ) {}

  instance(name: string, scripts: NotifyScripts, state: VrrpStateName, priority: number): void {
    this.send('INSTANCE', name, scripts, state, priority);
  }

  /**
   * An instance removed at reload (clear_diff_vrrp): its notify_deleted script,
   * then the generic script and FIFO with DELETED - or FAULT, keepalived's
   * old way, unless notify_deleted is set.
   */
  deleted(name: string, cfg: NotifyScripts & { notifyDeleted: boolean; notifyDeletedScript?: ScriptCommand | undefined }, priority: number): void {
    const state = cfg.notifyDeleted ? 'DELETED' : 'FAULT';
    if (cfg.notifyDeletedScript) this.run(cfg.notifyDeletedScript, [], undefined);
    if (cfg.notify) this.run(cfg.notify, ['INSTANCE', name, state, String(priority)], undefined);
    this.fifoLine('INSTANCE', name, state, priority);
  }

  group(name: string, scripts: NotifyScripts, state: VrrpStateName): void {
    this.send('GROUP', name, scripts, state, 0);
  }

  /** send_event_notify: notify_master_rx_lower_pri script, then the FIFO line. */
  event(name: string, script: ScriptCommand | undefined, event: string, priority: number): void {
    if (script) this.run(script, [], undefined);
    this.fifoLine('INSTANCE', name, event, priority);
  }

  /** Waits for every script started so far (bounded by their own timeouts). */
  async settle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private send(kind: 'INSTANCE' | 'GROUP', name: string, scripts: NotifyScripts, state: VrrpStateName, priority: number): void {
    if (state === 'INIT') return;
    const stop = state === 'STOP';
    const timeout = stop ? STOP_SCRIPT_TIMEOUT_MS : undefined;
    const own =
      state === 'MASTER' ? scripts.notifyMaster
        : state === 'BACKUP' ? scripts.notifyBackup
          : state === 'FAULT' ? scripts.notifyFault
            : scripts.notifyStop;
    if (own) this.run(own, [], timeout);
    if (scripts.notify) this.run(scripts.notify, [kind, name, state, String(priority)], timeout);
    this.fifoLine(kind, name, state, priority);
  }

  private fifoLine(kind: 'INSTANCE' | 'GROUP', name: string, state: string, priority: number): void {
    if (this.fifos.length === 0) return;
    const line = vrrpFifoLine(kind, name, state, priority);
    for (const f of this.fifos) f.writeLine(line);
  }

  private run(script: ScriptCommand, extraArgs: string[], timeoutMs: number | undefined): void {
    const p = runScript({ argv: script.args }, { extraArgs, ...(timeoutMs !== undefined ? { timeoutMs } : {}) })
      .then((r) => {
        if (r.spawnErrorCode) this.log.info(`Failed to exec notify script ${script.text} (${r.spawnErrorCode})`);
      })
      .finally(() => this.running.delete(p));
    this.running.add(p);
  }
}
