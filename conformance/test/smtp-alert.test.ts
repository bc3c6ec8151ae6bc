/**
 * SMTP alerts end to end: our daemon and Debian's keepalived 2.2.7 in one VRRP group, both
 * with notification_email / smtp_server / smtp_alert, mailing a real SMTP server in the
 * client namespace (conformance/lib/smtp-sink.ts). Each transition is mailed once, and
 * our sessions (commands, headers, body) are keepalived's, the Date and router_id aside.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isRoot } from '../lib/netns.js';
import { refKeepalived } from '../lib/paths.js';
import { masterDownMs, sleep, VrrpLab } from '../lib/vrrp-lab.js';

interface Session { lines: string[]; data: string }
const here = dirname(fileURLToPath(import.meta.url));
const subjectOf = (s: Session): string => /^Subject: (.*)$/m.exec(s.data)?.[1] ?? '?';
/** The session with what differs by design masked: the Date header and the sender's router_id. */
const masked = (s: Session): Session => ({
  lines: s.lines,
  data: s.data.replace(/^Date: .*$/m, 'Date: D').replace(/\[r[12]\]/g, '[R]'),
});

if (!isRoot() || !existsSync(refKeepalived)) {
  t.fail('the SMTP alert interop test needs root and Debian keepalived 2.2.7 (make deps installs it)');
} else {
  t.test('VRRP transitions mailed by ours and by keepalived alike', { timeout: 120_000 }, async (t) => {
    const lab = new VrrpLab('ksmtp');
    t.teardown(() => lab.destroy());
    const mails = join(lab.dir, 'mails.jsonl');
    const sink = spawn('ip', ['netns', 'exec', lab.ns('cl'), process.execPath, join(here, '../lib/smtp-sink.js'), '2525', mails], { stdio: 'ignore' });
    t.teardown(() => {
      sink.kill('SIGKILL');
    });
    const sessions = (): Session[] => (existsSync(mails) ? readFileSync(mails, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Session) : []);
    const from = (node: string) => sessions().filter((s) => subjectOf(s).startsWith(`[${node}] `)).map(subjectOf);
    const globalDefs = ['notification_email {', '    ops@example.org', '    noc@example.org', '}', 'notification_email_from lb@example.org',
      `smtp_server ${lab.addr('cl')} 2525`, 'smtp_connect_timeout 5', 'smtp_alert'];
    const opts = { version: 3 as const, advertInt: '0.2', globalDefs };
    await sleep(300); // the sink listening
    const r1 = lab.start('r1', 'ours', lab.writeConfig('r1', { ...opts, priority: 150 }));
    const r2 = lab.start('r2', 'keepalived', lab.writeConfig('r2', { ...opts, priority: 100 }));
    const downMs = masterDownMs(3, 200, 100);
    t.ok(await lab.waitFor(() => from('r1').includes('[r1] VRRP Instance VI_1 - Entering MASTER state'), 10 * downMs + 5000) >= 0,
      'our master mailed its MASTER state', { output: r1.output(), mails: sessions().map(subjectOf) });
    await lab.waitFor(() => from('r2').length > 0, 3000);
    // (keepalived starts faster than our node and may be master for a moment before ours preempts)
    const r2Masters = () => from('r2').filter((x) => x.endsWith('Entering MASTER state')).length;
    const before = r2Masters();
    t.equal(await lab.stop(r1), 0, 'our daemon stops');
    t.ok(await lab.waitFor(() => r2Masters() > before, 3 * downMs + 3000) >= 0, 'keepalived took over and mailed it', { output: r2.output() });
    await lab.waitFor(() => from('r1').includes('[r1] VRRP Instance VI_1 - Stopping'), 2000);

    t.same(from('r1'), [
      '[r1] VRRP Instance VI_1 - Entering BACKUP state', '[r1] VRRP Instance VI_1 - Entering MASTER state', '[r1] VRRP Instance VI_1 - Stopping',
    ], 'ours: each transition once, the stop mailed before exit');
    const r2Subjects = from('r2');
    t.equal(r2Subjects[0], '[r2] VRRP Instance VI_1 - Entering BACKUP state', 'keepalived mails its start in BACKUP too');
    t.ok(r2Subjects.every((x, i) => i === 0 || x !== r2Subjects[i - 1]), 'and each of its transitions once', { r2Subjects });
    const master = (node: string) => sessions().find((s) => subjectOf(s) === `[${node}] VRRP Instance VI_1 - Entering MASTER state`)!;
    t.same(masked(master('r1')), masked(master('r2')), 'the same SMTP dialogue and message as keepalived\'s (Date and router_id masked)');
    t.match(master('r1').data, /^Date: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}\r\nFrom: lb@example\.org\r\nSubject: \[r1\] VRRP Instance VI_1 - Entering MASTER state\r\nX-Mailer: Keepalived\r\nTo: ops@example\.org, noc@example\.org\r\n\r\n=> VRRP Instance is now owning VRRP VIPs <=\r\n/);
  });
}
