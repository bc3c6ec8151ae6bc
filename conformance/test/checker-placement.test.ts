/**
 * bind_if (SO_BINDTODEVICE) and checker fwmark (SO_MARK) on a real kernel,
 * through bin/keepalived -C. The director's routing is built so that only
 * the option makes a server reachable:
 *   - 198.51.100.21 has a preferred route into a veth whose far end answers
 *     nothing and a worse one via eth0: only a socket bound to eth0 gets there;
 *   - 198.51.100.22 is routed only in table 100, chosen by `fwmark 7`: only a
 *     socket marked 7 gets there.
 * The same servers checked without the option fail, so each pass proves the
 * option reached the kernel. Also: an unknown bind_if is logged with
 * keepalived's text, genhash -m marks its socket, and checker_priority sets
 * the checker child's nice value and checker_cpu_affinity its CPUs.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot } from '../lib/netns.js';
import { repoRoot } from '../lib/paths.js';
import { CheckerLab } from '../lib/checker-lab.js';

if (!isRoot()) {
  t.plan(0, 'needs root (network namespaces)');
  process.exit(0);
}

const lab = CheckerLab.create('ka-plc', ['192.0.2.21']);
const work = lab.work;
t.teardown(() => lab.remove());

const d = lab.director;
try {
  // a veth whose far end answers nothing: the black hole the preferred route leads into
  d.ip('link', 'add', 'hole0', 'type', 'veth', 'peer', 'name', 'hole1');
  d.ip('link', 'set', 'hole0', 'up');
  d.ip('link', 'set', 'hole1', 'up');
  d.ip('route', 'add', '198.51.100.21/32', 'dev', 'hole0');
  d.ip('route', 'add', '198.51.100.21/32', 'via', '192.0.2.21', 'dev', 'eth0', 'metric', '100');
  d.ip('rule', 'add', 'fwmark', '7', 'lookup', '100', 'pref', '100');
  d.ip('route', 'add', '198.51.100.22/32', 'via', '192.0.2.21', 'dev', 'eth0', 'table', '100');
  lab.servers.ip('addr', 'add', '198.51.100.21/32', 'dev', 'lo');
  lab.servers.ip('addr', 'add', '198.51.100.22/32', 'dev', 'lo');
} catch (e) {
  lab.remove();
  throw e;
}

const tcp = (extra: string) => `TCP_CHECK {\n            connect_timeout 1\n            retry 0\n            ${extra}\n        }`;
const udp = (extra: string) =>
  `UDP_CHECK {\n            connect_timeout 1\n            retry 0\n            payload 6b61\n            require_reply 6b61\n            ${extra}\n        }`;
const http = (extra: string) =>
  `HTTP_GET {\n            url {\n                path /\n                status_code 200\n            }\n            connect_timeout 1\n            retry 0\n            ${extra}\n        }`;
const rs = (ip: string, port: number, check: string) => `
    real_server ${ip} ${port} {
        ${check}
    }`;
const conf = `
global_defs {
    checker_priority 5
    checker_cpu_affinity 0
}
virtual_server 192.0.2.200 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
${rs('198.51.100.21', 8080, tcp('bind_if eth0'))}
${rs('198.51.100.21', 8081, tcp(''))}
${rs('198.51.100.21', 8082, http('bind_if eth0'))}
${rs('198.51.100.21', 8083, http(''))}
${rs('198.51.100.22', 8080, tcp('fwmark 7'))}
${rs('198.51.100.22', 8081, tcp(''))}
${rs('198.51.100.22', 9000, udp('fwmark 7'))}
${rs('198.51.100.22', 9001, udp(''))}
${rs('198.51.100.23', 80, tcp('connect_ip 198.51.100.21\n            connect_port 8080\n            bind_if nope0'))}
}
`;
const confFile = join(work, 'keepalived.conf');
writeFileSync(confFile, conf);

t.test('bind_if and fwmark reach the kernel', async (t) => {
  for (const port of [8080, 8081]) await lab.tcpServer('198.51.100.21', port);
  for (const port of [8082, 8083]) await lab.httpServer('198.51.100.21', port);
  for (const port of [8080, 8081]) await lab.tcpServer('198.51.100.22', port);
  await lab.httpServer('198.51.100.22', 8082);
  for (const port of [9000, 9001]) await lab.udpEcho('198.51.100.22', port);

  const { proc: daemon, out, exited } = lab.startDaemon(confFile);
  await out.waitFor(/^Startup complete$/, 15_000);

  const removed = (ip: string, port: number) =>
    new RegExp(`^Removing service \\[${ip.replace(/\./g, '\\.')}\\]:(tcp|udp):${port} from VS`);
  // the servers only the option reaches fail without it...
  await out.waitFor(removed('198.51.100.21', 8081), 10_000);
  await out.waitFor(removed('198.51.100.21', 8083), 10_000);
  await out.waitFor(removed('198.51.100.22', 8081), 10_000);
  await out.waitFor(removed('198.51.100.22', 9001), 10_000);
  await out.waitFor(removed('198.51.100.23', 80), 10_000);
  t.pass('without bind_if / fwmark the same servers are unreachable');
  // ...and several rounds later the placed checks have never failed
  await out.waitFor(/^TCP connection to \[198\.51\.100\.21\]:tcp:8080 success\.$/, 5_000);
  await out.waitFor(/^TCP connection to \[198\.51\.100\.22\]:tcp:8080 success\.$/, 5_000);
  await out.waitFor(/^Remote Web server \[198\.51\.100\.21\]:tcp:8082 succeed on service\.$/, 5_000);
  await new Promise((r) => setTimeout(r, 3_000));
  for (const [ip, port] of [['198.51.100.21', 8080], ['198.51.100.21', 8082], ['198.51.100.22', 8080], ['198.51.100.22', 9000]] as const) {
    t.notOk(out.lines.some((l) => removed(ip, port).test(l)), `${ip}:${port} stays up`);
  }
  t.ok(out.lines.includes("Checker can't bind to device nope0: No such device"), 'an unknown bind_if is logged as keepalived does');
  // checker_priority: the checker child's nice value (/proc/PID/stat field 19)
  const chkPid = Number.parseInt(readFileSync(join(work, 'chk.pid'), 'utf8'), 10);
  const stat = readFileSync(`/proc/${chkPid}/stat`, 'utf8');
  t.equal(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19 - 3]), 5, 'checker_priority 5 is the checker child\'s nice value');
  t.match(readFileSync(`/proc/${chkPid}/status`, 'utf8'), /^Cpus_allowed_list:\s+0$/m, 'checker_cpu_affinity 0 pins the checker child to CPU 0');

  daemon.kill('SIGTERM');
  t.equal(await exited, 0);
});

t.test('genhash -m marks its socket', async (t) => {
  const genhash = join(repoRoot, 'bin', 'genhash');
  const run = (args: string[]) => {
    try {
      return execFileSync('ip', ['netns', 'exec', d.name, genhash, '-s', '198.51.100.22', '-p', '8082', '-u', '/', '-t', '1', ...args], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (e) {
      return String((e as { stdout?: string }).stdout ?? '');
    }
  };
  t.match(run(['-m', '7']), /^[0-9a-f]{32}\n$/, 'marked: reaches the server');
  t.notMatch(run([]), /^[0-9a-f]{32}\n$/, 'unmarked: no route');
});
