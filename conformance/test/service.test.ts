/**
 * make install into a DESTDIR, then drive the installed init script the way
 * an operator does (start, status, reload, restart, stop), with
 * KEEPALIVED_OPTIONS from the installed sysconfig file pointing the daemon at
 * a namespace of the test's own.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestNamespace } from '../lib/netns.js';
import { repoRoot } from '../lib/paths.js';

const destdir = mkdtempSync(join(tmpdir(), 'ka-destdir-'));
const work = mkdtempSync(join(tmpdir(), 'ka-service-'));
const ns = TestNamespace.create('ka-svc');
ns.addLink('eth0');
ns.ip('addr', 'add', '192.0.2.1/24', 'dev', 'eth0');
const pidFile = join(work, 'keepalived.pid');
t.teardown(() => {
  try {
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
    if (pid > 0) process.kill(pid, 'SIGKILL');
  } catch { /* not running */ }
  ns.remove();
  rmSync(destdir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

t.test('make install / make uninstall with DESTDIR', (t) => {
  const r = sh('make', ['-s', '-C', repoRoot, 'install'], { DESTDIR: destdir });
  t.equal(r.code, 0, r.out);
  const sbin = join(destdir, 'usr/sbin/keepalived');
  t.ok(lstatSync(sbin).isSymbolicLink(), '/usr/sbin/keepalived is our link');
  t.equal(readlinkSync(sbin), '../lib/keepalived-ts/bin/keepalived');
  for (const f of ['etc/init.d/keepalived', 'etc/sysconfig/keepalived', 'etc/keepalived/keepalived.conf', 'lib/systemd/system/keepalived.service']) {
    t.ok(existsSync(join(destdir, f)), f);
  }
  const unit = readFileSync(join(destdir, 'lib/systemd/system/keepalived.service'), 'utf8');
  t.match(unit, /^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
  t.match(unit, /^EnvironmentFile=-\/etc\/sysconfig\/keepalived$/m);
  t.match(readFileSync(join(destdir, 'etc/init.d/keepalived'), 'utf8'), /^# chkconfig: - 21 79$/m);
  const sample = sh(join(destdir, 'usr/lib/keepalived-ts/bin/keepalived'), ['-t', '-f', join(destdir, 'etc/keepalived/keepalived.conf')]);
  t.ok(sample.code === 0 || sample.code === 5, `the installed binary runs -t on the sample config (${sample.code})`);
  t.end();
});

t.test('the init script drives the installed daemon', async (t) => {
  const conf = join(work, 'keepalived.conf');
  writeFileSync(conf, `vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        192.0.2.200/24
    }
}
`);
  const sysconfig = join(destdir, 'etc/sysconfig/keepalived');
  writeFileSync(sysconfig, `KEEPALIVED_OPTIONS="-D -G -s ${ns.name} -f ${conf} -p ${pidFile} -r ${join(work, 'vrrp.pid')} -c ${join(work, 'chk.pid')}"\n`);
  const env = {
    KEEPALIVED: join(destdir, 'usr/lib/keepalived-ts/bin/keepalived'),
    SYSCONFIG: sysconfig,
    LOCKFILE: join(work, 'subsys.lock'),
  };
  const init = join(destdir, 'etc/init.d/keepalived');

  t.equal(sh(init, ['status'], env).code, 3, 'status before start: 3 (stopped)');
  const start = sh(init, ['start'], env);
  t.equal(start.code, 0, start.out);
  t.match(start.out, /Starting keepalived: OK/);
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
  const status = sh(init, ['status'], env);
  t.equal(status.code, 0);
  t.match(status.out, new RegExp(`keepalived \\(pid ${pid}\\) is running`));
  t.match(sh(init, ['start'], env).out, /already running/, 'a second start does nothing');

  const reload = sh(init, ['reload'], env);
  t.equal(reload.code, 0, reload.out);
  await new Promise((r) => setTimeout(r, 500));
  t.equal(Number.parseInt(readFileSync(pidFile, 'utf8'), 10), pid, 'reload keeps the same daemon');

  const restart = sh(init, ['restart'], env);
  t.equal(restart.code, 0, restart.out);
  const pid2 = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
  t.not(pid2, pid, 'restart runs a new daemon');

  const stop = sh(init, ['stop'], env);
  t.equal(stop.code, 0, stop.out);
  t.match(stop.out, /Stopping keepalived: OK/);
  t.notOk(existsSync(pidFile), 'pid file removed');
  t.equal(sh(init, ['status'], env).code, 3, 'status after stop: 3');
});

t.test('make uninstall removes what install added and keeps configuration', (t) => {
  const r = sh('make', ['-s', '-C', repoRoot, 'uninstall'], { DESTDIR: destdir });
  t.equal(r.code, 0, r.out);
  t.notOk(existsSync(join(destdir, 'usr/sbin/keepalived')));
  t.notOk(existsSync(join(destdir, 'usr/lib/keepalived-ts')));
  t.notOk(existsSync(join(destdir, 'etc/init.d/keepalived')));
  t.ok(existsSync(join(destdir, 'etc/keepalived/keepalived.conf')), 'the operator\'s config stays');
  t.end();
});
