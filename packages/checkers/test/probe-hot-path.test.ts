/** The probe hot path: heap order under load, drift statistics, TcpChecker's callback probe. */
import t from 'tap';
import net, { type AddressInfo } from 'node:net';
import { spawn } from 'node:child_process';
import { TimerHeap } from '../src/scheduler.js';
import { DriftHistogram } from '../src/drift-histogram.js';
import { resolveVirtualServers, type ResolvedChecker } from '../src/resolve.js';
import type { CheckResult } from '../src/types.js';
import { TcpChecker } from '../src/tcp.js';
import { rawConnectAvailable } from '../src/raw-connect.js';
import { SCHED_STATS_ENV, ScheduleStatsReporter } from '../src/sched-stats.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LABEL = '[127.0.0.1]:tcp:80';

function tcpResolved(port: number, connectTimeout = 3): ResolvedChecker {
  const r = resolveVirtualServers([
    {
      ip: '127.0.0.1',
      port,
      delayLoop: 1,
      realServers: [{ ip: '127.0.0.1', port, checkers: [{ type: 'TCP_CHECK', connectTimeout }] }],
    },
  ]);
  return r.virtualServers[0]!.realServers[0]!.checkers[0]!;
}

t.test('TimerHeap: 2,000 random deadlines come out in (due, insertion) order', async (t) => {
  let now = 0;
  const heap = new TimerHeap({ now: () => now });
  const expected: Array<{ due: number; seq: number }> = [];
  const fired: number[] = [];
  let x = 12345;
  const rand = (): number => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let seq = 0; seq < 2000; seq++) {
    const due = Math.floor(rand() * 40); // many equal deadlines
    expected.push({ due, seq });
    heap.schedule(due, () => fired.push(seq));
  }
  now = 100; // everything is due when the timer fires
  await new Promise((r) => setTimeout(r, 60));
  expected.sort((a, b) => a.due - b.due || a.seq - b.seq);
  t.same(fired, expected.map((e) => e.seq));
  t.equal(heap.size, 0);
});

t.test('TimerHeap records each started job\'s lateness when drift is on', async (t) => {
  let now = 0;
  const heap = new TimerHeap({ now: () => now });
  heap.drift = new DriftHistogram();
  heap.schedule(10, () => undefined);
  heap.schedule(20, () => undefined);
  heap.schedule(30, () => undefined).cancel();
  now = 45; // 35 ms and 25 ms late; the cancelled job is not counted
  await new Promise((r) => setTimeout(r, 50));
  const s = heap.drift.summary();
  t.equal(s.count, 2);
  t.equal(s.maxUs, 35_000);
  t.equal(s.p50Us, 25_100, 'a percentile is the upper bound of its 100 us bucket');
  heap.stop();
});

t.test('DriftHistogram percentiles, early starts and reset', async (t) => {
  const h = new DriftHistogram();
  t.same(h.summary(), { count: 0, early: 0, p50Us: 0, p90Us: 0, p99Us: 0, p999Us: 0, maxUs: 0 });
  for (let i = 1; i <= 100; i++) h.record(i); // 1..100 ms
  h.record(-0.5);
  const s = h.summary();
  t.equal(s.count, 101);
  t.equal(s.early, 1, 'a start before its due time is counted as early, at 0');
  t.equal(s.p50Us, 50_100);
  t.equal(s.p99Us, 99_100);
  t.equal(s.maxUs, 100_000);
  t.equal(s.p90Us, 90_100);
  h.record(12_000); // past the last bucket: still the maximum
  t.equal(h.summary().maxUs, 12_000_000);
  h.reset();
  t.equal(h.summary().count, 0);
});

t.test('the bare libuv TCP handle is available on this Node (else TCP_CHECK falls back to net.Socket)', async (t) => {
  t.ok(rawConnectAvailable(), process.version);
});

for (const mode of ['raw handle', 'net.Socket'] as const) {
  t.test(`${mode}: TcpChecker.start: done once with keepalived's texts; abort silences it`, async (t) => {
    TcpChecker.preferRawConnect = mode === 'raw handle';
    t.teardown(() => void (TcpChecker.preferRawConnect = false));
    const server = net.createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.teardown(() => server.close());
    const port = (server.address() as AddressInfo).port;
    const c = new TcpChecker(tcpResolved(port), LABEL);
    t.equal(c.rawConnect, mode === 'raw handle' && rawConnectAvailable());
    const results: CheckResult[] = [];
    await new Promise<void>((r) => c.start((res) => (results.push(res), r())));
    await new Promise<void>((r) => c.start((res) => (results.push(res), r())));
    t.same(results, [{ ok: true }, { ok: true }], 'the checker is reusable probe after probe');

    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const refused = new TcpChecker(tcpResolved(closedPort), LABEL);
    t.same(await refused.check(), { ok: false, reason: `TCP connection to ${LABEL} failed.` });

    let called = 0;
    const aborted = new TcpChecker(tcpResolved(port), LABEL);
    aborted.start(() => called++);
    aborted.abort();
    await new Promise((r) => setTimeout(r, 50));
    t.equal(called, 0, 'no result after abort');
    t.same(await aborted.check(), { ok: true }, 'usable after abort');
    aborted.abort();
  });

  t.test(`${mode}: TcpChecker: connect_timeout against a listener whose queue is full`, async (t) => {
    TcpChecker.preferRawConnect = mode === 'raw handle';
    t.teardown(() => void (TcpChecker.preferRawConnect = false));
    // A listener that never accepts, with backlog 0: once its queue is full, SYNs are dropped.
    const py = spawn('python3', [
      '-c',
      'import socket,sys,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\n' +
        'print(s.getsockname()[1],flush=True)\ntime.sleep(30)',
    ]);
    t.teardown(() => py.kill());
    const port = await new Promise<number>((r) => py.stdout.once('data', (d: Buffer) => r(Number(d.toString()))));
    const fillers: net.Socket[] = [];
    t.teardown(() => fillers.forEach((s) => s.destroy()));
    for (let i = 0; i < 3; i++) {
      const s = net.connect(port, '127.0.0.1');
      s.on('error', () => undefined);
      fillers.push(s);
    }
    await new Promise((r) => setTimeout(r, 100));
    const c = new TcpChecker(tcpResolved(port, 0.3), LABEL);
    const t0 = performance.now();
    const r = await c.check();
    t.same(r, { ok: false, reason: `TCP connection to ${LABEL} timeout.` });
    t.ok(performance.now() - t0 >= 290, 'not before connect_timeout');
    // the same checker again: its deadline timer is re-armed for the new probe
    t.same(await c.check(), { ok: false, reason: `TCP connection to ${LABEL} timeout.` });
    c.abort();
  });
}

t.test('schedule stats: off without the variable; SIGUSR2 writes a window and starts the next', async (t) => {
  const listenersBefore = process.listenerCount('SIGUSR2');
  t.equal(ScheduleStatsReporter.fromEnv(new TimerHeap(), {}), undefined);
  const dir = mkdtempSync(join(tmpdir(), 'sched-stats-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'stats.json');
  let now = 0;
  const heap = new TimerHeap({ now: () => now });
  const reporter = ScheduleStatsReporter.fromEnv(heap, { [SCHED_STATS_ENV]: file })!;
  t.equal(JSON.parse(readFileSync(file, 'utf8')).drift.count, 0, 'written at once: the handler is in place');
  heap.schedule(5, () => undefined);
  now = 12; // 7 ms late
  await new Promise((r) => setTimeout(r, 20));
  process.kill(process.pid, 'SIGUSR2');
  await new Promise((r) => setTimeout(r, 50));
  const first = JSON.parse(readFileSync(file, 'utf8'));
  t.equal(first.pid, process.pid);
  t.equal(first.drift.count, 1);
  t.equal(first.drift.maxUs, 7000);
  reporter.close();
  const last = JSON.parse(readFileSync(file, 'utf8'));
  t.equal(last.drift.count, 0, 'the signal started a new window');
  t.equal(heap.drift, undefined, 'recording stops with the reporter');
  t.equal(process.listenerCount('SIGUSR2'), listenersBefore, 'its signal handler is gone');
  heap.stop();
});
