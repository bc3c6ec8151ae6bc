/**
 * The VRRP side of SMTP alerts (vrrp_smtp_notifier / vrrp_sync_smtp_notifier): which
 * transitions mail, with keepalived's subjects and bodies, once per state, and what
 * smtp_alert / no_email_faults change. The SMTP session itself: core's smtp-alert test.
 */
import t from 'tap';
import type { SmtpAlerter } from '@keepalived-ts/core';
import { Notifier } from '../src/runtime/notifier.js';

function mailer(over: { noEmailFaults?: boolean; groupDefault?: boolean } = {}) {
  const sent: string[] = [];
  const alerter = { enabled: true, send: (s: string, b: string) => sent.push(`${s} | ${b}`), settle: async () => undefined } as unknown as SmtpAlerter;
  return { sent, m: { alerter, noEmailFaults: over.noEmailFaults ?? false, groupDefault: over.groupDefault ?? false } };
}
const log = { info: () => undefined };

t.test('instance transitions mail once per state, with keepalived\'s texts', async (t) => {
  const { sent, m } = mailer();
  const n = new Notifier([], log, m);
  const cfg = { smtpAlert: true };
  n.instance('VI_1', cfg, 'BACKUP', 100);
  n.instance('VI_1', cfg, 'BACKUP', 100);
  n.instance('VI_1', cfg, 'MASTER', 100);
  n.instance('VI_1', cfg, 'FAULT', 100);
  n.instance('VI_1', cfg, 'STOP', 100);
  n.deleted('VI_1', { ...cfg, notifyDeleted: true }, 100);
  t.same(sent, [
    'VRRP Instance VI_1 - Entering BACKUP state | => VRRP Instance is no longer owning VRRP VIPs <=',
    'VRRP Instance VI_1 - Entering MASTER state | => VRRP Instance is now owning VRRP VIPs <=',
    'VRRP Instance VI_1 - Entering FAULT state | => VRRP Instance is no longer owning VRRP VIPs <=',
    'VRRP Instance VI_1 - Stopping | => VRRP Instance stopping <=',
    'VRRP Instance VI_1 - Deleted | => VRRP Deleted at reload <=',
  ]);
});

t.test('smtp_alert off, no_email_faults, and sync groups', async (t) => {
  const a = mailer({ noEmailFaults: true, groupDefault: true });
  const n = new Notifier([], log, a.m);
  n.instance('VI_2', { smtpAlert: false }, 'MASTER', 100);
  n.instance('VI_3', { smtpAlert: true }, 'FAULT', 100);
  n.group('G1', {}, 'MASTER');
  n.group('G2', { smtpAlert: false }, 'MASTER');
  t.same(a.sent, ['VRRP Group G1 - Entering MASTER state | => All VRRP group instances are now in MASTER state <='],
    'no mail without smtp_alert, none for FAULT with no_email_faults; a group without smtp_alert takes the global default');
});
