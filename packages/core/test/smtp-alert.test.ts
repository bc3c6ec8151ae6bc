/**
 * SMTP alerts against a real SMTP server on loopback (test/support/smtp-server.ts: it
 * answers like Postfix and records the session): the dialogue, the message keepalived
 * sends, and the log lines for refused commands, refused connections and silent servers.
 */
import t from 'tap';
import { defaultGlobalDefs } from '../src/config/model/global.js';
import { rfc822Date, SmtpAlerter, smtpAlertSettings, smtpMessage, type SmtpAlertSettings } from '../src/notify/smtp-alert.js';
import { startSmtpServer } from './support/smtp-server.js';

const smtpServer = startSmtpServer;

const settings = (port: number, over: Partial<SmtpAlertSettings> = {}): SmtpAlertSettings => ({
  host: '127.0.0.1', port, heloName: 'lb1.example.org', from: 'keepalived@lb1.example.org',
  to: ['ops@example.org', 'noc@example.org'], connectTimeoutMs: 2000, routerId: 'LB1', ...over,
});
const logger = () => {
  const lines: string[] = [];
  return { lines, log: { info: (l: string) => lines.push(l) } };
};

t.test('a whole session: HELO, MAIL, one RCPT per address, DATA with keepalived\'s headers, QUIT', async (t) => {
  const srv = await smtpServer({ greeting: '220-mail.example.org ESMTP\r\n220 ready\r\n' });
  t.teardown(() => srv.server.close());
  const { lines, log } = logger();
  const a = new SmtpAlerter(settings(srv.port), log, true);
  a.send('VRRP Instance VI_1 - Entering MASTER state', '=> VRRP Instance is now owning VRRP VIPs <=');
  await a.settle(5000);
  const s = srv.sessions[0]!;
  t.same(s.lines, ['HELO lb1.example.org', 'MAIL FROM:<keepalived@lb1.example.org>', 'RCPT TO:<ops@example.org>', 'RCPT TO:<noc@example.org>', 'DATA', 'QUIT'],
    'the dialogue (the multi-line greeting waited for)');
  t.match(s.data, /^Date: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}\r\nFrom: keepalived@lb1\.example\.org\r\nSubject: \[LB1\] VRRP Instance VI_1 - Entering MASTER state\r\nX-Mailer: Keepalived\r\nTo: ops@example\.org, noc@example\.org\r\n\r\n=> VRRP Instance is now owning VRRP VIPs <=\r\n\r\n\.\r\n$/);
  t.same(lines, [`Remote SMTP server [127.0.0.1]:${srv.port} connected.`, 'SMTP alert successfully sent.']);
});

t.test('a refused command: keepalived\'s line, then QUIT', async (t) => {
  const srv = await smtpServer({ replies: { RCPT: '550 5.1.1 <ops@example.org>: Recipient address rejected' } });
  t.teardown(() => srv.server.close());
  const { lines, log } = logger();
  const a = new SmtpAlerter(settings(srv.port), log, false);
  a.send('x', 'y');
  await a.settle(5000);
  t.same(srv.sessions[0]!.lines, ['HELO lb1.example.org', 'MAIL FROM:<keepalived@lb1.example.org>', 'RCPT TO:<ops@example.org>', 'QUIT']);
  t.same(lines, [`Error processing RCPT cmd on SMTP server [127.0.0.1]:${srv.port}. SMTP status code = 550`]);
});

t.test('no server, and a server that never answers', async (t) => {
  const closed = await smtpServer();
  const port = closed.port;
  await new Promise((r) => closed.server.close(r));
  const { lines, log } = logger();
  const a = new SmtpAlerter(settings(port), log, false);
  a.send('x', 'y');
  await a.settle(5000);
  t.same(lines, [`SMTP connection ERROR to [127.0.0.1]:${port}.`]);

  const silent = await smtpServer({ silent: true });
  t.teardown(() => silent.server.close());
  const q = logger();
  const b = new SmtpAlerter(settings(silent.port, { connectTimeoutMs: 200 }), q.log, false);
  b.send('x', 'y');
  await b.settle(5000);
  t.same(q.lines, [`Timeout reading data to remote SMTP server [127.0.0.1]:${silent.port}.`]);
});

t.test('settle gives up after its bound; nothing is sent without settings', async (t) => {
  const silent = await smtpServer({ silent: true });
  t.teardown(() => silent.server.close());
  const a = new SmtpAlerter(settings(silent.port, { connectTimeoutMs: 10_000 }), logger().log, false);
  a.send('x', 'y');
  const t0 = Date.now();
  await a.settle(200);
  t.ok(Date.now() - t0 < 2000, 'a stopping daemon waits at most the bound');
  const none = new SmtpAlerter(undefined, logger().log, false);
  t.equal(none.enabled, false);
  none.send('x', 'y');
  await none.settle(10);
});

t.test('settings from global_defs, with keepalived\'s defaults', async (t) => {
  const g = defaultGlobalDefs();
  t.equal(smtpAlertSettings(g), undefined, 'no server: no alerts');
  g.smtpServer = { host: '192.0.2.25', port: 25 };
  t.equal(smtpAlertSettings(g), undefined, 'no address: no alerts');
  g.notificationEmail = ['ops@example.org'];
  const s = smtpAlertSettings(g, () => 'lb1.example.org')!;
  t.match(s, { host: '192.0.2.25', port: 25, heloName: 'lb1.example.org', routerId: 'lb1.example.org', connectTimeoutMs: 30_000 });
  t.match(s.from, /^[^@]+@lb1\.example\.org$/, 'from: user@local name');
  g.routerId = 'LB1';
  g.notificationEmailFrom = 'lb@example.org';
  g.smtpHeloName = 'helo.example.org';
  t.match(smtpAlertSettings(g, () => 'x')!, { routerId: 'LB1', from: 'lb@example.org', heloName: 'helo.example.org' });
});

t.test('Date header as strftime %a, %d %b %Y %H:%M:%S %z', async (t) => {
  t.match(rfc822Date(new Date(2026, 10, 22, 9, 4, 5)), /^Sun, 22 Nov 2026 09:04:05 [+-]\d{4}$/);
  t.match(smtpMessage(settings(25), 'S', 'B', new Date(2026, 0, 1)), /^Date: Thu, 01 Jan 2026 00:00:00 /);
});
