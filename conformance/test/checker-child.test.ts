/**
 * The health-checker child through bin/keepalived -C on this kernel, which
 * has no IPVS: real HTTP/TCP servers in a namespace, the no-IPVS error once,
 * checkers that keep checking (a killed server is removed, FIFO and notify
 * lines), the SIGUSR1 data file, a reload that adds and removes real
 * servers with keepalived's lines, and a clean TERM.
 */
import t from 'tap';
import { existsSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot } from '../lib/netns.js';
import { CheckerLab } from '../lib/checker-lab.js';

if (!isRoot()) {
  t.plan(0, 'needs root (network namespaces)');
  process.exit(0);
}

const lab = CheckerLab.create('ka-chk', ['192.0.2.11', '192.0.2.12', '192.0.2.13']);
const work = lab.work;
t.teardown(() => lab.remove());

const fifo = join(work, 'lvs.fifo');
const notifyLog = join(work, 'notify.log');
const notifySh = join(work, 'notify.sh');
writeFileSync(fifo, '');
writeFileSync(notifySh, `#!/bin/sh\necho "$*" >> ${notifyLog}\n`);
chmodSync(notifySh, 0o755);

const rs = (ip: string, port: number, tag: string, check: string) => `
    real_server ${ip} ${port} {
        weight 1
        notify_up "${notifySh} UP ${tag}"
        notify_down "${notifySh} DOWN ${tag}"
        ${check}
    }`;
const http = 'HTTP_GET {\n            url {\n                path /health\n                status_code 200\n            }\n            connect_timeout 1\n            retry 0\n        }';
const tcp = 'TCP_CHECK {\n            connect_timeout 1\n            retry 0\n        }';
const conf = (servers: string) => `global_defs {
    enable_script_security
    script_user root
    lvs_notify_fifo ${fifo}
}
virtual_server 192.0.2.200 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
${servers}
}
`;
const confFile = join(work, 'keepalived.conf');
writeFileSync(confFile, conf(rs('192.0.2.11', 80, 'rs1', http) + rs('192.0.2.12', 8080, 'rs2', tcp)));

const fifoLines = () => readFileSync(fifo, 'utf8').split('\n').filter(Boolean);
const notifies = () => (existsSync(notifyLog) ? readFileSync(notifyLog, 'utf8').split('\n').filter(Boolean) : []);
async function eventually(what: string, pred: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

t.test('checker child without IPVS: checks, notifies, dump, reload, stop', async (t) => {
  const rs1 = await lab.httpServer('192.0.2.11', 80);
  await lab.tcpServer('192.0.2.12', 8080);
  await lab.httpServer('192.0.2.13', 80);

  const { proc: daemon, out, exited } = lab.startDaemon(confFile, ['-G']);

  await out.waitFor(/^Startup complete$/, 15_000);
  await out.waitFor(/^Activating BFD healthchecker$/, 5_000);
  t.ok(out.lines.includes('Initializing ipvs'));
  const noIpvs = /^IPVS: Can't initialize ipvs: .*module ip_vs not available/;
  t.ok(out.lines.some((l) => noIpvs.test(l)), 'the missing ip_vs module is named');
  t.ok(out.lines.includes('Gained quorum 1+0=1 <= 2 for VS [192.0.2.200]:tcp:80'));
  const chkPid = Number.parseInt(readFileSync(join(work, 'chk.pid'), 'utf8'), 10);
  t.ok(chkPid > 0, 'the parent wrote the checker pid file');

  // first results: both servers answer
  await out.waitFor(/^Remote Web server \[192\.0\.2\.11\]:tcp:80 succeed on service\.$/, 8_000);
  await out.waitFor(/^TCP connection to \[192\.0\.2\.12\]:tcp:8080 success\.$/, 8_000);
  t.same(fifoLines(), ['VS [192.0.2.200]:tcp:80 UP']);

  // a dead server is taken out, with the FIFO line and its notify_down
  let mark = out.mark;
  await lab.kill(rs1);
  await out.waitFor(/^HTTP_CHECK on service \[192\.0\.2\.11\]:tcp:80 failed\.$/, 8_000, mark);
  await out.waitFor(/^Removing service \[192\.0\.2\.11\]:tcp:80 from VS \[192\.0\.2\.200\]:tcp:80$/, 2_000, mark);
  await eventually('the RS DOWN FIFO line', () => fifoLines().includes('RS [192.0.2.11]:tcp:80 [192.0.2.200]:tcp:80 DOWN'));
  await eventually('notify_down', () => notifies().includes('DOWN rs1'));
  t.pass('rs1 removed: log, FIFO, notify_down');

  // SIGUSR1 to the parent: the checker writes keepalived_check.data in $TMPDIR
  mark = out.mark;
  daemon.kill('SIGUSR1');
  await out.waitFor(new RegExp(`^Printing checker data for process\\(${chkPid}\\) on signal$`), 5_000, mark);
  const dataFile = join(work, 'tmp', 'keepalived_check.data');
  await eventually('the data file', () => existsSync(dataFile) && readFileSync(dataFile, 'utf8').includes('Health checkers'));
  const data = readFileSync(dataFile, 'utf8');
  t.equal(statSync(dataFile).mode & 0o777, 0o600, 'mode 0600 as keepalived (umask 0177)');
  t.match(data, /------< LVS Topology >------/);
  const section = (rip: string) => data.split('------< Real server >------').find((s) => s.includes(`RIP = ${rip},`)) ?? '';
  t.match(section('192.0.2.11'), /alive = 0[\s\S]*RS set = 0/, 'rs1 is down in the dump');
  t.match(section('192.0.2.12'), /alive = 1/, 'rs2 is up in the dump');

  // reload: rs2 goes, rs3 comes
  mark = out.mark;
  writeFileSync(confFile, conf(rs('192.0.2.11', 80, 'rs1', http) + rs('192.0.2.13', 80, 'rs3', http)));
  daemon.kill('SIGHUP');
  await out.waitFor(/^Reload complete$/, 10_000, mark);
  const reload = out.since(mark);
  const at = (l: string) => reload.indexOf(l);
  t.ok(at('Reloading') >= 0 && at('Reloading') < at('Reinitializing ipvs'), 'Reloading, then Reinitializing ipvs');
  t.ok(at('service [192.0.2.12]:tcp:8080 no longer exist') > at('Reinitializing ipvs'), 'the removed server is named');
  t.ok(at('Removing service [192.0.2.12]:tcp:8080 from VS [192.0.2.200]:tcp:80') > at('service [192.0.2.12]:tcp:8080 no longer exist'));
  await out.waitFor(/^Activating healthchecker for service \[192\.0\.2\.13\]:tcp:80 for VS \[192\.0\.2\.200\]:tcp:80$/, 5_000, mark);
  await out.waitFor(/^Remote Web server \[192\.0\.2\.13\]:tcp:80 succeed on service\.$/, 8_000, mark);
  await eventually('rs2 DOWN on reload', () => fifoLines().includes('RS [192.0.2.12]:tcp:8080 [192.0.2.200]:tcp:80 DOWN'));
  // rs1 (still dead) kept its down state: a fresh checker would start up and log its failure again
  await new Promise((r) => setTimeout(r, 2500));
  t.notOk(out.since(mark).some((l) => l.includes('[192.0.2.11]:tcp:80 failed') || l.includes('Removing service [192.0.2.11]')),
    'rs1 is not re-added nor removed again on reload');
  t.equal(out.lines.filter((l) => noIpvs.test(l)).length, 1, 'the no-IPVS error is logged once, not again on reload');

  // TERM: graceful, exit 0
  mark = out.mark;
  daemon.kill('SIGTERM');
  const code = await exited;
  t.equal(code, 0, 'exit status 0');
  const stop = out.since(mark);
  t.ok(stop.includes('Shutting down service [192.0.2.13]:tcp:80 from VS [192.0.2.200]:tcp:80'));
  t.ok(stop.includes('Shutting down service [192.0.2.11]:tcp:80 from VS [192.0.2.200]:tcp:80'));
  t.ok(stop.some((l) => /^Stopped/.test(l)));
  t.notOk(existsSync(join(work, 'chk.pid')), 'checker pid file removed');
  t.notOk(out.lines.some((l) => /permanent error|Respawning|not responding/.test(l)), 'the child never died');
});
