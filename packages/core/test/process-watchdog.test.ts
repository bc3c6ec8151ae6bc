import t from 'tap';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Watchdog, type ChildSpec } from '../src/process/watchdog.js';
import { nextRestartDelay } from '../src/process/restart-delay.js';
import { reportChildStatus } from '../src/process/child-status.js';
import { pidFileHeldByLiveProcess, writePidFile } from '../src/process/pidfile.js';

const childPath = fileURLToPath(new URL('./fixtures/process/child.js', import.meta.url));

function recorder() {
  const lines: string[] = [];
  return { lines, log: { info: (s: string) => lines.push(s), error: (s: string) => lines.push(s) } };
}

function waitFor(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (cond()) return resolve();
      if (Date.now() > deadline) return reject(new Error('condition not met in time'));
      setTimeout(tick, 10);
    };
    tick();
  });
}

t.test("respawn delays follow keepalived's calc_restart_delay", (t) => {
  const state = { nextDelaySec: 0 };
  const seq = Array.from({ length: 9 }, () => nextRestartDelay(state, 1000));
  t.same(seq, [0, 1, 2, 4, 8, 16, 32, 60, 60]);
  t.equal(nextRestartDelay(state, 60_000), 0, 'a child that ran a minute restarts at once');
  t.equal(nextRestartDelay(state, 10), 0, 'and the backoff starts over');
  t.equal(nextRestartDelay(state, 10), 1);
  t.end();
});

t.test('child exit statuses are reported with keepalived texts', (t) => {
  t.same(reportChildStatus('Keepalived_vrrp', 2, null), {
    permanent: true,
    exitCode: 2,
    lines: ['Keepalived_vrrp exited with permanent error CONFIG. Terminating'],
  });
  t.equal(reportChildStatus('Keepalived_vrrp', 4, null).lines[0], 'Keepalived_vrrp exited with permanent error missing permission. Terminating');
  t.equal(reportChildStatus('Keepalived_vrrp', 1, null).permanent, true);
  t.same(reportChildStatus('Keepalived_healthcheckers', 3, null), {
    permanent: false,
    exitCode: 3,
    lines: ['Keepalived_healthcheckers exited with status 3'],
  });
  t.same(reportChildStatus('Keepalived_vrrp', null, 'SIGKILL').lines, [
    'Keepalived_vrrp exited due to signal 9 (Killed) - has rlimit_rttime been exceeded?',
  ]);
  t.same(reportChildStatus('Keepalived_vrrp', null, 'SIGSEGV').lines, ['Keepalived_vrrp exited due to signal 11 (Segmentation fault)']);
  t.end();
});

t.test('a killed child is respawned at once; its sibling is untouched', async (t) => {
  const { lines, log } = recorder();
  const children: ChildSpec[] = [
    { role: 'vrrp', modulePath: childPath, args: ['ok'] },
    { role: 'checker', modulePath: childPath, args: ['ok'] },
  ];
  const wd = new Watchdog({ children, log, heartbeatIntervalMs: 50 });
  wd.start();
  t.teardown(() => wd.stop());
  const vrrpPid = wd.pidOf('vrrp')!;
  const checkerPid = wd.pidOf('checker')!;
  t.ok(vrrpPid && checkerPid, 'both children forked');
  process.kill(checkerPid, 'SIGKILL');
  await waitFor(() => wd.pidOf('checker') !== undefined && wd.pidOf('checker') !== checkerPid);
  t.equal(wd.pidOf('vrrp'), vrrpPid, 'the VRRP child kept running');
  t.ok(lines.includes(`Healthcheck child process(${checkerPid}) died: Respawning`));
  t.ok(lines.includes('Keepalived_healthcheckers exited due to signal 9 (Killed) - has rlimit_rttime been exceeded?'));
  // a second early death waits (1 s), a third would wait 2 s
  const second = wd.pidOf('checker')!;
  process.kill(second, 'SIGKILL');
  await waitFor(() => lines.includes('Restart of Healthcheck process delayed 1 seconds to limit respawn rate'));
  await waitFor(() => wd.pidOf('checker') !== undefined && wd.pidOf('checker') !== second, 3000);
  t.equal(wd.pidOf('vrrp'), vrrpPid, 'the VRRP child still untouched');
});

t.test('a permanent config error stops the daemon with that code, no respawn', async (t) => {
  const { lines, log } = recorder();
  let exitCode: number | undefined;
  const wd = new Watchdog({
    children: [
      { role: 'vrrp', modulePath: childPath, args: ['exit', '2'] },
      { role: 'checker', modulePath: childPath, args: ['ok'] },
    ],
    log,
    onTerminate: (c) => (exitCode = c),
  });
  wd.start();
  await waitFor(() => exitCode !== undefined);
  t.equal(exitCode, 2);
  t.ok(lines.includes('Keepalived_vrrp exited with permanent error CONFIG. Terminating'));
  t.notOk(lines.some((l) => l.includes('Respawning')), 'nothing respawned');
});

t.test('a hung child is killed by the heartbeat and respawned', async (t) => {
  const { lines, log } = recorder();
  const wd = new Watchdog({
    children: [{ role: 'checker', modulePath: childPath, args: ['hang', '300'] }],
    log,
    heartbeatIntervalMs: 50,
    hangTimeoutMs: 500,
  });
  wd.start();
  t.teardown(() => wd.stop());
  const first = wd.pidOf('checker');
  await waitFor(() => wd.pidOf('checker') !== undefined && wd.pidOf('checker') !== first);
  t.ok(lines.some((l) => l.startsWith(`Healthcheck child process(${first}) not responding for `)), 'hang reported');
  t.ok(lines.includes(`Healthcheck child process(${first}) died: Respawning`));
});

t.test('with -R a dying child stops the daemon', async (t) => {
  const { lines, log } = recorder();
  let exitCode: number | undefined;
  const wd = new Watchdog({
    children: [{ role: 'vrrp', modulePath: childPath, args: ['exit', '3'] }],
    log,
    dontRespawn: true,
    onTerminate: (c) => (exitCode = c),
  });
  wd.start();
  const pid = wd.pidOf('vrrp');
  await waitFor(() => exitCode !== undefined);
  t.equal(exitCode, 0);
  t.ok(lines.includes(`VRRP child process(${pid}) died: Exiting`));
});

t.test('pid files: written, held by a live process, stale ones removed', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ka-pid-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const { lines, log } = recorder();
  const file = join(dir, 'keepalived.pid');
  t.ok(writePidFile(file, 12345, log));
  t.equal(readFileSync(file, 'utf8'), '12345\n');
  t.equal(pidFileHeldByLiveProcess(join(dir, 'none.pid'), log), false, 'no file: not running');
  // our parent (the tap runner) is alive but is not a keepalived: treated as stale
  writeFileSync(file, `${process.ppid}\n`);
  t.equal(pidFileHeldByLiveProcess(file, log), false);
  t.notOk(existsSync(file), 'stale pid file removed');
  t.ok(lines.includes(`Remove a zombie pid file ${file}`));
  writeFileSync(file, 'garbage\n');
  t.equal(pidFileHeldByLiveProcess(file, log), true, "unreadable pid: keepalived assumes running");
  t.ok(lines.includes(`Error reading pid file ${file}`));
  t.end();
});

t.test('a child that is slow to start is given its start-up allowance, not killed as hung', async (t) => {
  const { lines, log } = recorder();
  const wd = new Watchdog({
    children: [{ role: 'checker', modulePath: childPath, args: ['slow', '1500'] }],
    log,
    heartbeatIntervalMs: 50,
    hangTimeoutMs: 300,
    startupTimeoutMs: 10_000,
  });
  wd.start();
  t.teardown(() => wd.stop());
  const first = wd.pidOf('checker');
  await new Promise((r) => setTimeout(r, 2500));
  t.equal(wd.pidOf('checker'), first, 'still the first child');
  t.notOk(lines.some((l) => l.includes('not responding')), 'never judged hung');
});
