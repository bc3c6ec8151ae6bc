/**
 * State notifications as keepalived 2.2.7 sends them (vrrp_notify.c
 * send_instance_notifies / send_group_notifies / send_event_notify): the
 * state's own script (notify_master/backup/fault/stop), then the generic
 * `notify` script with "INSTANCE|GROUP NAME STATE PRIORITY", then the FIFO
 * line. Scripts never block the event loop; notify_stop scripts are awaited
 * (for at most one second each) before the process exits.
 */
import type { VrrpStateName } from '../fsm/types.js';
import { runScript, vrrpFifoLine, type NotifyFifo, type ScriptCommand, type SmtpAlerter } from '@keepalived-ts/core';

/** SMTP alerts for instances and sync groups (vrrp_smtp_notifier / vrrp_sync_smtp_notifier). */
export interface VrrpMailer {
  alerter: SmtpAlerter;
  /** no_email_faults: no mail for FAULT. */
  noEmailFaults: boolean;
  /** A sync group's smtp_alert when it sets none (smtp_alert_vrrp, then smtp_alert). */
  groupDefault: boolean;
}

const MAIL: Partial<Record<string, { instance: [string, string]; group?: [string, string] }>> = {
  MASTER: { instance: ['Entering MASTER state', '=> VRRP Instance is now owning VRRP VIPs <='],
    group: ['Entering MASTER state', '=> All VRRP group instances are now in MASTER state <='] },
  BACKUP: { instance: ['Entering BACKUP state', '=> VRRP Instance is no longer owning VRRP VIPs <='],
    group: ['Entering BACKUP state', '=> All VRRP group instances are now in BACKUP state <='] },
  FAULT: { instance: ['Entering FAULT state', '=> VRRP Instance is no longer owning VRRP VIPs <='],
    group: ['Entering FAULT state', '=> All VRRP group instances are now in FAULT state <='] },
  STOP: { instance: ['Stopping', '=> VRRP Instance stopping <='], group: ['Stopping', '=> All VRRP group instances are now stopping <='] },
  DELETED: { instance: ['Deleted', '=> VRRP Deleted at reload <='] },
};

export interface NotifyScripts {
  notifyMaster?: ScriptCommand | undefined;
  notifyBackup?: ScriptCommand | undefined;
  notifyFault?: ScriptCommand | undefined;
  notifyStop?: ScriptCommand | undefined;
  notify?: ScriptCommand | undefined;
  /** smtp_alert, resolved (instances) or as configured (sync groups). */
  smtpAlert?: boolean | undefined;
}

/** keepalived waits TIMER_HZ for notify_stop scripts at shutdown. */
const STOP_SCRIPT_TIMEOUT_MS = 1000;

export class Notifier {
  /** Scripts still running (notify_stop ones are awaited at shutdown). */
  private readonly running = new Set<Promise<unknown>>();

  /** The state each instance / group was last mailed about (keepalived's last_email_state). */
  private readonly lastMailed = new Map<string, string>();

  constructor(
    private readonly fifos: readonly NotifyFifo[],
    private readonly log: { info(text: string): void },
    private readonly mailer?: VrrpMailer,
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
    this.mail('INSTANCE', name, cfg.smtpAlert, state);
  }

  group(name: string, scripts: NotifyScripts, state: VrrpStateName): void {
    this.send('GROUP', name, scripts, state, 0);
  }

  /** send_event_notify: notify_master_rx_lower_pri script, then the FIFO line. */
  event(name: string, script: ScriptCommand | undefined, event: string, priority: number): void {
    if (script) this.run(script, [], undefined);
    this.fifoLine('INSTANCE', name, event, priority);
  }

  /** Waits for every script started so far (bounded by their own timeouts), and up to a second for mails. */
  async settle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    await this.mailer?.alerter.settle(STOP_SCRIPT_TIMEOUT_MS);
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
    this.mail(kind, name, kind === 'GROUP' ? scripts.smtpAlert ?? this.mailer?.groupDefault : scripts.smtpAlert, state);
  }

  private mail(kind: 'INSTANCE' | 'GROUP', name: string, enabled: boolean | undefined, state: string): void {
    const m = this.mailer;
    if (!m || !enabled || !m.alerter.enabled || (m.noEmailFaults && state === 'FAULT')) return;
    const key = `${kind}\0${name}`;
    if (this.lastMailed.get(key) === state) return;
    const text = kind === 'GROUP' ? MAIL[state]?.group : MAIL[state]?.instance;
    if (!text) return;
    this.lastMailed.set(key, state);
    m.alerter.send(`${kind === 'GROUP' ? 'VRRP Group' : 'VRRP Instance'} ${name} - ${text[0]}`, text[1]);
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
