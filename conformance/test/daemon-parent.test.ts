/**
 * The daemon's process shape through bin/keepalived: pid files, refusing a
 * second instance, respawning a killed VRRP child, keeping the running config
 * when a reload's config is broken, a clean TERM, and daemonizing without -n.
 */
import t from 'tap';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestNamespace } from '../lib/netns.js';
import { ourKeepalived } from '../lib/paths.js';

const work = mkdtempSync(join(tmpdir(), 'ka-parent-'));
mkdirSync(join(work, 'tmp'));
const ns = TestNamespace.create('ka-parent');
ns.addLink('eth0');
ns.ip('addr', 'add', '192.0.2.1/24', 'dev', 'eth0');
const started: ChildProcess[] = [];
t.teardown(() => {
  for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  for (const f of ['daemon.pid', 'daemon.vrrp.pid']) {
    const pid = readPid(join(work, f));
    if (pid) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
  ns.remove();
  rmSync(work, { recursive: true, force: true });
});

const conf = join(work, 'keepalived.conf');
const goodConf = `vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        192.0.2.200/24
    }
}
`;
writeFileSync(conf, goodConf);
const pidArgs = (tag: string) => ['-p', join(work, `${tag}.pid`), '-r', join(work, `${tag}.vrrp.pid`), '-c', join(work, `${tag}.chk.pid`)];

function readPid(file: string): number | undefined {
  try {
    const n = Number.parseInt(readFileSync(file, 'utf8'), 10);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

function startForeground(tag: string) {
  const out: string[] = [];
  // TMPDIR moves keepalived's dump files (as it does for keepalived), keeping /tmp clean
  const p = spawn('ip', ['netns', 'exec', ns.name, ourKeepalived, '-n', '-l', '-D', '-G', '-f', conf, ...pidArgs(tag)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TMPDIR: join(work, 'tmp') },
  });
  started.push(p);
  p.stdout!.on('data', (d: Buffer) => out.push(d.toString()));
  p.stderr!.on('data', (d: Buffer) => out.push(d.toString()));
  const exited = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
  return { p, log: () => out.join(''), exited };
}

async function waitFor(what: string, cond: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

t.test('foreground daemon: pid files, single instance, respawn, bad reload, TERM', async (t) => {
  const d = startForeground('fg');
  const mainPid = join(work, 'fg.pid');
  const vrrpPid = join(work, 'fg.vrrp.pid');
  await waitFor('pid files', () => readPid(mainPid) !== undefined && readPid(vrrpPid) !== undefined);
  await waitFor('BACKUP state', () => d.log().includes('(VI_1) Entering BACKUP STATE (init)'));
  const firstChild = readPid(vrrpPid)!;
  t.match(d.log(), /Starting VRRP child process, pid=\d+/);

  const second = spawnSync('ip', ['netns', 'exec', ns.name, ourKeepalived, '-n', '-l', '-G', '-f', conf, ...pidArgs('fg')], { encoding: 'utf8', timeout: 30_000 });
  t.equal(second.status, 0, 'a second instance exits 0');
  t.match(second.stderr, /daemon is already running/);

  process.kill(firstChild, 'SIGKILL');
  await waitFor('respawn', () => (readPid(vrrpPid) ?? firstChild) !== firstChild);
  t.match(d.log(), new RegExp(`VRRP child process\\(${firstChild}\\) died: Respawning`));
  await waitFor('the respawned child back in BACKUP', () => d.log().split('(VI_1) Entering BACKUP STATE (init)').length > 2);

  const status = spawnSync(ourKeepalived, ['--status', ...pidArgs('fg')], { encoding: 'utf8', timeout: 30_000 });
  t.equal(status.status, 0, '--status answers while running');
  const doc = JSON.parse(status.stdout) as { pid: number; children: { vrrp: { pid: number; responding: boolean } } };
  t.equal(doc.pid, d.p.pid, 'the parent answers');
  t.equal(doc.children.vrrp.pid, readPid(vrrpPid), 'with its VRRP child');
  t.equal(doc.children.vrrp.responding, true);

  const parentData = join(work, 'tmp', 'keepalived_parent.data');
  d.p.kill('SIGUSR1');
  // the file exists from open() on: wait for its content (a reader can see it half written, as keepalived's)
  await waitFor('parent data file', () => existsSync(parentData) && readFileSync(parentData, 'utf8').includes('------< Global definitions >------\n Network namespace'));
  t.match(readFileSync(parentData, 'utf8'), /^------< Global definitions >------\n Network namespace = \(default\)\n/, 'keepalived_parent.data');
  await waitFor('the USR1 log line', () => d.log().includes(`Printing parent data for process(${d.p.pid}) on signal`));
  t.pass('USR1 logged as keepalived does');

  const beforeReload = readPid(vrrpPid);
  writeFileSync(conf, goodConf.replace('virtual_router_id 51', 'virtual_router_id 300'));
  d.p.kill('SIGHUP');
  await waitFor('reload refused', () => d.log().includes('New config failed validation (vrrp_instance VI_1 would be dropped by configuration errors) - keeping the running configuration'));
  t.match(d.log(), /number '300' outside range \[1, 255\]/, 'the reason is logged');
  t.equal(readPid(vrrpPid), beforeReload, 'the VRRP child kept running');
  t.notMatch(d.log(), /\nReloading\n|: Reloading$/m, 'the child was not asked to reload');

  // a config keepalived runs despite a warning (v2 advert_int rounded) is applied
  writeFileSync(conf, goodConf.replace('advert_int 1', 'advert_int 1.5'));
  d.p.kill('SIGHUP');
  await waitFor('the child reloads', () => /: Reloading$/m.test(d.log()));
  t.match(d.log(), /VRRPv2 advertisement interval 1\.500000s must be an integer\. rounding/, 'the warning is logged');
  t.equal(d.log().split('New config failed validation').length - 1, 1, 'and not refused (only the first reload was)');
  writeFileSync(conf, goodConf);

  d.p.kill('SIGTERM');
  t.equal(await d.exited, 0, 'TERM: exit 0');
  t.match(d.log(), /Stopping/);
  t.match(d.log(), /Stopped Keepalived v2\.2\.7 \(01\/16,2022\)/);
  t.notOk(existsSync(mainPid), 'main pid file removed');
  t.notOk(existsSync(vrrpPid), 'VRRP pid file removed');
  const after = spawnSync(ourKeepalived, ['--status', ...pidArgs('fg')], { encoding: 'utf8', timeout: 30_000 });
  t.equal(after.status, 3, '--status after stop: not running');
  t.match(after.stderr, /keepalived is not running \(no status socket at .*fg\.status\.sock\)/);
});

t.test('without -n the daemon detaches and the foreground command exits 0', async (t) => {
  const r = spawnSync('ip', ['netns', 'exec', ns.name, ourKeepalived, '-G', '-f', conf, ...pidArgs('daemon')], { encoding: 'utf8', timeout: 30_000 });
  t.equal(r.status, 0);
  const mainPid = join(work, 'daemon.pid');
  await waitFor('daemon pid file', () => readPid(mainPid) !== undefined);
  const pid = readPid(mainPid)!;
  t.not(pid, r.pid, 'the daemon is another process');
  await waitFor('its VRRP child', () => readPid(join(work, 'daemon.vrrp.pid')) !== undefined);
  process.kill(pid, 'SIGTERM');
  await waitFor('daemon gone', () => !existsSync(mainPid));
  t.pass('stopped by TERM');
});

t.test('-s NAME runs the children inside /run/netns/NAME', async (t) => {
  const { statSync, readlinkSync } = await import('node:fs');
  const out: string[] = [];
  const p = spawn(ourKeepalived, ['-n', '-l', '-G', '-s', ns.name, '-f', conf, ...pidArgs('ns')], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(p);
  p.stderr!.on('data', (d: Buffer) => out.push(d.toString()));
  const exited = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
  const vrrpPid = join(work, 'ns.vrrp.pid');
  await waitFor('VRRP child', () => readPid(vrrpPid) !== undefined && out.join('').includes('Entering BACKUP STATE'));
  const nsInode = statSync(`/run/netns/${ns.name}`).ino;
  t.equal(readlinkSync(`/proc/${readPid(vrrpPid)}/ns/net`), `net:[${nsInode}]`, 'the VRRP child is in the namespace');
  p.kill('SIGTERM');
  t.equal(await exited, 0);
});

t.test('-s with a namespace that does not exist: a clear error, exit 1', (t) => {
  const r = spawnSync(ourKeepalived, ['-n', '-l', '-G', '-s', 'ka-no-such-ns', '-f', conf, ...pidArgs('nons')], { encoding: 'utf8', timeout: 30_000 });
  t.equal(r.status, 1);
  t.match(r.stderr, /Unable to set network namespace ka-no-such-ns - exiting/);
  t.end();
});

t.test('children die with the parent (PDEATHSIG): kill -9 of the parent stops the VRRP child and frees the VIP', async (t) => {
  const { readFileSync: rf } = await import('node:fs');
  const stateConf = join(work, 'master.conf');
  writeFileSync(stateConf, goodConf.replace('priority 100', 'priority 255'));
  const p = spawn('ip', ['netns', 'exec', ns.name, ourKeepalived, '-n', '-G', '-f', stateConf, ...pidArgs('orphan')], { stdio: 'ignore' });
  started.push(p);
  const vrrpPid = join(work, 'orphan.vrrp.pid');
  await waitFor('VRRP child', () => readPid(vrrpPid) !== undefined);
  await waitFor('the VIP', () => ns.ip('-o', 'addr', 'show', 'dev', 'eth0').includes(' 192.0.2.200/'));
  const child = readPid(vrrpPid)!;
  p.kill('SIGKILL');
  const gone = () => { try { return /^State:\s+Z/m.test(rf(`/proc/${child}/status`, 'utf8')); } catch { return true; } };
  await waitFor('the orphaned VRRP child to end', gone);
  await waitFor('the VIP to go', () => !ns.ip('-o', 'addr', 'show', 'dev', 'eth0').includes(' 192.0.2.200/'));
  t.pass('the VRRP child ended and took its VIP with it');
});
