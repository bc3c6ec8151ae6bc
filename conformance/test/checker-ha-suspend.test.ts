/**
 * ha_suspend in a namespace: the checker child follows the director's addresses over
 * rtnetlink, so a virtual server whose VIP is not here is not probed ("Deactivating
 * healthchecker"), its checkers start when the VIP is added ("Activating") and stop when
 * it goes ("Suspending"), as keepalived's update_checker_activity logs them; a virtual
 * server without ha_suspend probes all along.
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot } from '../lib/netns.js';
import { CheckerLab } from '../lib/checker-lab.js';

if (!isRoot()) {
  t.fail('the ha_suspend test needs root (network namespaces)');
} else {
  const lab = CheckerLab.create('ka-has', ['192.0.2.21']);
  t.teardown(() => lab.remove());
  const conf = join(lab.work, 'keepalived.conf');
  const vs = (vip: string, extra: string) => `
virtual_server ${vip} 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    ${extra}
    real_server 192.0.2.21 8080 {
        TCP_CHECK {
            connect_timeout 1
            retry 0
        }
    }
}`;
  writeFileSync(conf, `${vs('192.0.2.200', 'ha_suspend')}\n${vs('192.0.2.201', '')}\n`);

  t.test('checkers follow the VIP', async (t) => {
    await lab.tcpServer('192.0.2.21', 8080);
    const { proc, out, exited } = lab.startDaemon(conf, ['-D']);
    await out.waitFor(/^Startup complete$/, 15_000);
    await out.waitFor(/^Deactivating healthchecker for service \[192\.0\.2\.21\]:tcp:8080 for VS \[192\.0\.2\.200\]:tcp:80$/, 5_000);
    await out.waitFor(/^Activating healthchecker for service \[192\.0\.2\.21\]:tcp:8080 for VS \[192\.0\.2\.201\]:tcp:80$/, 5_000);
    t.pass('without its VIP the ha_suspend VS starts deactivated, the other one active');
    // the other VS probes; the suspended one's checker says nothing in the meantime
    const probes = () => out.lines.filter((l) => l === 'TCP connection to [192.0.2.21]:tcp:8080 success.').length;
    await new Promise((r) => setTimeout(r, 2500));
    t.equal(probes(), 1, 'one success line: the active VS\'s checker (no state change after it), none from the suspended one');

    const mark = out.lines.length;
    lab.director.ip('addr', 'add', '192.0.2.200/32', 'dev', 'lo');
    await out.waitFor(/^Netlink reflector reports IP 192\.0\.2\.200 added$/, 5_000, mark);
    await out.waitFor(/^Activating healthchecker for service \[192\.0\.2\.21\]:tcp:8080 for VS \[192\.0\.2\.200\]:tcp:80$/, 5_000, mark);
    await out.waitFor(/^TCP connection to \[192\.0\.2\.21\]:tcp:8080 success\.$/, 5_000, mark);
    t.pass('the VIP added: its checker is activated and probes');

    const mark2 = out.lines.length;
    lab.director.ip('addr', 'del', '192.0.2.200/32', 'dev', 'lo');
    await out.waitFor(/^Suspending healthchecker for service \[192\.0\.2\.21\]:tcp:8080 for VS \[192\.0\.2\.200\]:tcp:80$/, 5_000, mark2);
    t.pass('the VIP removed: suspended again');
    lab.director.ip('addr', 'add', '198.51.100.9/32', 'dev', 'lo');
    await new Promise((r) => setTimeout(r, 500));
    t.notOk(out.since(mark2).some((l) => /198\.51\.100\.9/.test(l)), 'an address no ha_suspend VS uses is not logged');

    proc.kill('SIGTERM');
    t.equal(await exited, 0);
  });
}
