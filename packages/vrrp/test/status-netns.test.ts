/**
 * `keepalived --status` through bin/keepalived in a namespace: the VRRP child
 * answers the parent's status request with its instances (state, priorities,
 * tracked objects and their contributions, VIPs as the kernel has them, the
 * master, timing), its sync groups and the timer lateness of its loop.
 */
import t from 'tap';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { VrrpStatus } from '../src/runtime/status.js';

const KEEPALIVED = fileURLToPath(new URL('../../../../bin/keepalived', import.meta.url));
const ip = (...a: string[]): string => execFileSync('ip', a, { encoding: 'utf8' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface StatusDoc { children: { vrrp: VrrpStatus & { responding: boolean } } }

if (process.getuid?.() !== 0) t.plan(0, 'needs root');
else t.test('--status shows the VRRP child\'s instances, tracking, VIPs, sync groups and timer lateness', { timeout: 90_000 }, async (t) => {
  const ns = `kvs${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'vrrp-status-'));
  const pidArgs = ['-p', join(dir, 'k.pid'), '-r', join(dir, 'v.pid'), '-c', join(dir, 'c.pid')];
  let daemon: ReturnType<typeof spawn> | undefined;
  t.teardown(() => {
    if (daemon && daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGKILL');
    for (const f of ['k.pid', 'v.pid']) {
      try { process.kill(Number.parseInt(readFileSync(join(dir, f), 'utf8'), 10), 'SIGKILL'); } catch { /* gone */ }
    }
    try { ip('netns', 'del', ns); } catch { /* gone */ }
    rmSync(dir, { recursive: true, force: true });
  });
  ip('netns', 'add', ns);
  ip('-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'p0');
  ip('-n', ns, 'link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'p1');
  ip('-n', ns, 'addr', 'add', '192.0.2.1/24', 'dev', 'eth0');
  for (const l of ['lo', 'eth0', 'eth1', 'p0', 'p1']) ip('-n', ns, 'link', 'set', l, 'up');
  const trackFile = join(dir, 'tf');
  writeFileSync(trackFile, '3\n');
  const conf = join(dir, 'k.conf');
  writeFileSync(conf, `vrrp_track_file tf {
    file ${trackFile}
}
vrrp_sync_group G1 {
    group {
        VI_1
        VI_2
    }
    # without it keepalived zeroes the weights of the members' tracked objects
    sync_group_tracking_weight
}
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 9
    version 3
    priority 100
    advert_int 0.1
    track_interface {
        eth1 weight -20
    }
    track_file {
        tf weight 10
    }
    virtual_ipaddress {
        192.0.2.200/24
    }
    virtual_ipaddress_excluded {
        2001:db8::9/64
    }
}
vrrp_instance VI_2 {
    state MASTER
    interface eth0
    virtual_router_id 10
    priority 90
    advert_int 1
    virtual_ipaddress {
        192.0.2.201/24
    }
}
`);
  daemon = spawn('ip', ['netns', 'exec', ns, KEEPALIVED, '-n', '-l', '-P', '-G', '-f', conf, ...pidArgs], {
    stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TMPDIR: dir },
  });
  let log = '';
  daemon.stderr!.on('data', (d: Buffer) => (log += d.toString()));

  const status = (): StatusDoc | undefined => {
    const r = spawnSync(KEEPALIVED, ['--status', ...pidArgs], { encoding: 'utf8', timeout: 20_000 });
    return r.status === 0 ? (JSON.parse(r.stdout) as StatusDoc) : undefined;
  };
  const waitFor = async (ok: (s: VrrpStatus) => boolean): Promise<VrrpStatus | undefined> => {
    let last: StatusDoc['children']['vrrp'] | undefined;
    for (let i = 0; i < 100; i++) {
      last = status()?.children.vrrp;
      if (last?.responding && ok(last)) return last;
      await sleep(100);
    }
    return last;
  };

  const s = await waitFor((x) => x.instances.every((i) => i.state === 'MASTER' && i.vips.every((v) => v.installed)));
  t.ok(s, 'status answered with both instances MASTER and the VIPs installed', { log });
  if (!s) return;
  t.equal(s.process, 'vrrp');
  const [vi1, vi2] = s.instances;
  t.match(vi1, {
    name: 'VI_1', state: 'MASTER', vrid: 9, version: 3, family: 'inet', interface: 'eth0',
    basePriority: 100, effectivePriority: 130, masterAddress: '192.0.2.1', advertIntervalMs: 100,
  });
  t.same(vi1!.vips, [
    { address: '192.0.2.200/24', excluded: false, installed: true },
    { address: '2001:db8::9/64', excluded: true, installed: true },
  ]);
  const byName = Object.fromEntries(vi1!.tracking.map((x) => [`${x.type}:${x.name}`, x]));
  t.match(byName['interface:eth0'], { weight: 0, status: 'up', fault: false, contribution: 0 }, 'the primary interface is tracked');
  t.match(byName['interface:eth1'], { weight: -20, status: 'up', fault: false, contribution: 0 });
  t.match(byName['file:tf'], { weight: 10, status: 3, fault: false, contribution: 30 });
  t.ok(Date.parse(vi1!.lastTransition!) <= Date.now() && Date.parse(vi1!.lastTransition!) > Date.now() - 60_000, 'last transition is a recent wall-clock time');
  t.match(vi2, { name: 'VI_2', version: 2, basePriority: 90, effectivePriority: 90, advertIntervalMs: 1000 });
  t.same(s.syncGroups, [{ name: 'G1', state: 'MASTER', members: ['VI_1', 'VI_2'] }]);
  t.equal(s.timers.source, 'timerfd');
  t.ok(s.timers.lateness.count > 0, 'timer firings counted');
  t.ok(s.timers.lateness.p50Us <= s.timers.lateness.p99Us && s.timers.lateness.p99Us <= s.timers.lateness.maxUs);

  // a tracked interface going down moves the priority; the VIP removed under us shows as not installed
  ip('-n', ns, 'link', 'set', 'eth1', 'down');
  ip('-n', ns, 'addr', 'del', '192.0.2.201/24', 'dev', 'eth0');
  const after = await waitFor((x) => x.instances[0]!.effectivePriority === 110 && !x.instances[1]!.vips[0]!.installed);
  t.match(after?.instances[0]?.tracking.find((x) => x.name === 'eth1'), { status: 'down', contribution: -20 }, { log });
  t.same(after?.instances[1]?.vips, [{ address: '192.0.2.201/24', excluded: false, installed: false }]);

  daemon.kill('SIGTERM');
  await new Promise((r) => daemon!.once('exit', r));
});
