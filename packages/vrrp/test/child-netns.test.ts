/**
 * Our VRRP child, standalone in a namespace (r1) next to a client namespace on
 * a veth pair: it becomes master, adds the VIP, the client's tcpdump sees its
 * gratuitous ARPs, the notify script and the notify FIFO get their lines, and
 * SIGTERM removes the VIP, sends STOP and exits 0.
 */
import t, { type Test } from 'tap';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, closeSync, constants, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('../src/child/main.js', import.meta.url));
const ip = (...a: string[]): string => execFileSync('ip', a, { encoding: 'utf8' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (process.getuid?.() !== 0) t.plan(0, 'needs root');
else t.test('master: VIP, GARP, notify script, FIFO, SIGTERM', { timeout: 60_000 }, async (t) => {
  const tag = `kvc${process.pid}`;
  const r1 = `${tag}-r1`;
  const cl = `${tag}-cl`;
  const dir = mkdtempSync(join(tmpdir(), 'vrrp-child-'));
  const procs: ReturnType<typeof spawn>[] = [];
  t.teardown(() => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    for (const ns of [r1, cl]) try { ip('netns', 'del', ns); } catch { /* gone */ }
    rmSync(dir, { recursive: true, force: true });
  });
  ip('netns', 'add', r1);
  ip('netns', 'add', cl);
  ip('-n', r1, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', cl);
  ip('-n', r1, 'addr', 'add', '192.0.2.1/24', 'dev', 'eth0');
  ip('-n', cl, 'addr', 'add', '192.0.2.3/24', 'dev', 'eth0');
  for (const ns of [r1, cl]) { ip('-n', ns, 'link', 'set', 'lo', 'up'); ip('-n', ns, 'link', 'set', 'eth0', 'up'); }

  const notify = join(dir, 'notify.sh');
  const notifyLog = join(dir, 'notify.log');
  writeFileSync(notify, `#!/bin/sh\necho "$@" >> ${notifyLog}\n`);
  chmodSync(notify, 0o755);
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const fifoFd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
  t.teardown(() => closeSync(fifoFd));
  const conf = join(dir, 'k.conf');
  writeFileSync(conf, `global_defs {
    vrrp_notify_fifo ${fifo}
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 9
    version 3
    priority 100
    advert_int 0.1
    virtual_ipaddress {
        192.0.2.200/24
    }
    notify ${notify}
}
`);
  const dump = spawn('ip', ['netns', 'exec', cl, 'tcpdump', '-i', 'eth0', '-n', '-l', '--immediate-mode', 'arp'], { stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(dump);
  let arp = '';
  dump.stdout!.on('data', (d: Buffer) => (arp += d.toString()));
  await new Promise<void>((resolve) => dump.stderr!.once('data', () => resolve()));

  const child = spawn('ip', ['netns', 'exec', r1, process.execPath, CHILD, '-n', '-l', '-D', '-G', '-f', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(child);
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));

  const holds = () => ip('-n', r1, '-o', 'addr', 'show', 'dev', 'eth0').includes(' 192.0.2.200/24');
  for (let i = 0; i < 500 && !holds(); i++) await sleep(10);
  t.ok(holds(), 'VIP added', { log });
  for (let i = 0; i < 200 && !arp.includes('192.0.2.200'); i++) await sleep(10);
  t.match(arp, /192\.0\.2\.200/, 'client sees gratuitous ARP for the VIP');
  t.match(log, /\(VI_1\) Entering MASTER STATE/);
  t.match(log, /Sending gratuitous ARP on eth0 for 192\.0\.2\.200/);

  child.kill('SIGTERM');
  t.equal(await exited, 0, 'SIGTERM exits 0');
  t.notOk(holds(), 'VIP removed at stop');
  t.match(log, /\(VI_1\) sent 0 priority/);
  const lines = readFileSync(notifyLog, 'utf8').trim().split('\n');
  t.same(lines, ['INSTANCE VI_1 BACKUP 100', 'INSTANCE VI_1 MASTER 100', 'INSTANCE VI_1 STOP 100'], 'notify script arguments');
  const buf = Buffer.alloc(4096);
  const n = readSync(fifoFd, buf, 0, buf.length, null);
  t.equal(buf.subarray(0, n).toString(), 'INSTANCE "VI_1" BACKUP 100\nINSTANCE "VI_1" MASTER 100\nINSTANCE "VI_1" STOP 100\n', 'FIFO lines');
});

/**
 * A namespace with one veth pair (eth0 192.0.2.1/24 and its peer eth1) and
 * our VRRP child started in it on `conf(dir)`; everything is removed at teardown.
 */
async function childInNamespace(t: Test, prefix: string, conf: (dir: string) => string, detail = false) {
  const ns = `${prefix}${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'vrrp-child-'));
  const procs: ReturnType<typeof spawn>[] = [];
  t.teardown(() => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    try { ip('netns', 'del', ns); } catch { /* gone */ }
    rmSync(dir, { recursive: true, force: true });
  });
  ip('netns', 'add', ns);
  ip('-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1');
  ip('-n', ns, 'addr', 'add', '192.0.2.1/24', 'dev', 'eth0');
  for (const l of ['lo', 'eth0', 'eth1']) ip('-n', ns, 'link', 'set', l, 'up');
  const confFile = join(dir, 'k.conf');
  writeFileSync(confFile, conf(dir));
  const argv = [process.execPath, CHILD, '-n', '-l', ...(detail ? ['-D'] : []), '-G', '-f', confFile];
  const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(child);
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  const holds = () => ip('-n', ns, '-o', 'addr', 'show', 'dev', 'eth0').includes(' 192.0.2.200/24');
  for (let i = 0; i < 500 && !holds(); i++) await sleep(10);
  return { dir, child, exited, holds, log: () => log };
}

if (process.getuid?.() === 0) {
  t.test('SIGTERM while a track script runs: the script is ended, the stop does not wait for its timeout', { timeout: 60_000 }, async (t) => {
    let scriptLog = '';
    const { child, exited, holds, log } = await childInNamespace(t, 'kvs', (dir) => {
      scriptLog = join(dir, 'script.log');
      const slow = join(dir, 'slow.sh');
      // runs far longer than the test: only a SIGTERM from the daemon ends it early
      writeFileSync(slow, `#!/bin/sh\ntrap 'echo term >> ${scriptLog}; exit 1' TERM\necho start >> ${scriptLog}\nsleep 60 &\nwait\n`);
      chmodSync(slow, 0o755);
      return `vrrp_script chk_slow {
    script "${slow}"
    interval 1
    timeout 50
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 9
    version 3
    priority 100
    advert_int 0.1
    virtual_ipaddress {
        192.0.2.200/24
    }
    track_script {
        chk_slow weight 10
    }
}
`;
    }, true);
    const scriptText = () => { try { return readFileSync(scriptLog, 'utf8'); } catch { return ''; } };
    for (let i = 0; i < 500 && !(holds() && scriptText().includes('start')); i++) await sleep(10);
    t.ok(holds() && scriptText().includes('start'), 'master with the script running', { log: log() });

    const t0 = performance.now();
    child.kill('SIGTERM');
    t.equal(await exited, 0, 'SIGTERM exits 0');
    const ms = performance.now() - t0;
    t.ok(ms < 5000, `stopped in ${ms.toFixed(0)} ms, not after the script's 50 s timeout`);
    t.match(log(), /\(VI_1\) sent 0 priority/);
    t.notOk(holds(), 'VIP removed');
    t.match(scriptText(), /term/, 'the running script got SIGTERM, as keepalived does at shutdown');
  });
}

if (process.getuid?.() === 0) {
  t.test('vrrp_rt_priority reaches the kernel; vrrp_no_swap is refused with a reason instead of aborting later', { timeout: 60_000 }, async (t) => {
    const { child, exited, holds, log } = await childInNamespace(t, 'kvp', () => `global_defs {
    vrrp_rt_priority 10
    vrrp_no_swap
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 9
    version 3
    priority 100
    advert_int 0.1
    virtual_ipaddress {
        192.0.2.200/24
    }
}
`);
    t.ok(holds(), 'master', { log: log() });
    // /proc/PID/stat: field 40 rt_priority, 41 policy (after the comm field, which may hold blanks)
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    t.equal(Number(fields[40 - 3]), 10, 'rt_priority 10');
    t.equal(Number(fields[41 - 3]), 2, 'SCHED_RR');
    const vmLck = /^VmLck:\s+(\d+) kB/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
    t.equal(Number(vmLck?.[1]), 0, 'nothing locked');
    t.match(log(), /Unable to lock process in memory - not possible for a V8 process/);
    t.notMatch(log(), /cannot raise priority|cannot set realtime rlimit/);
    child.kill('SIGTERM');
    t.equal(await exited, 0, 'a clean stop at realtime priority', { signal: child.signalCode, log: log() });
  });
}
