import t from 'tap';
import { LatenessHistogram, timerExpiredLateMessage } from '../src/timers/lateness.js';
import { ManualScheduler } from '../src/timers/manual-scheduler.js';
import { RealTimerScheduler } from '../src/timers/real-scheduler.js';
import { QueuedTimer, TimerQueue } from '../src/timers/timer-queue.js';
import { createFakeNative, loadNative } from '@keepalived-ts/native';

t.test('manual scheduler: order by due time, then arming order; clock set to due time', (t) => {
  const clock = new ManualScheduler(1000);
  const fired: string[] = [];
  const a = clock.createTimer('a', () => fired.push(`a@${clock.nowUs()}`));
  const b = clock.createTimer('b', () => fired.push(`b@${clock.nowUs()}`));
  const c = clock.createTimer('c', () => fired.push(`c@${clock.nowUs()}`));
  c.arm(500);
  b.arm(200);
  a.arm(500);
  t.equal(b.dueUs, 1200);
  t.ok(a.armed && b.armed && c.armed);
  clock.advance(1000);
  t.same(fired, ['b@1200', 'c@1500', 'a@1500']);
  t.equal(clock.nowUs(), 2000);
  t.notOk(a.armed);
  t.end();
});

t.test('manual scheduler: re-arming replaces, cancel removes, timers armed by callbacks run', (t) => {
  const clock = new ManualScheduler();
  const fired: number[] = [];
  const periodic = clock.createTimer('tick', () => {
    fired.push(clock.nowUs());
    if (fired.length < 3) periodic.arm(100);
  });
  periodic.arm(50);
  periodic.arm(100); // re-armed before firing: only the later one counts
  clock.advance(1000);
  t.same(fired, [100, 200, 300]);
  const x = clock.createTimer('x', () => t.fail('cancelled timer fired'));
  x.arm(10);
  x.cancel();
  x.cancel();
  clock.advance(100);
  t.equal(clock.pendingTimers, 0);
  t.throws(() => clock.advanceTo(0), RangeError);
  t.end();
});

t.test('manual scheduler: heap keeps order with many timers', (t) => {
  const clock = new ManualScheduler();
  const fired: number[] = [];
  const timers = Array.from({ length: 200 }, (_, i) => clock.createTimer(`t${i}`, () => fired.push(i)));
  // deterministic shuffle of due times
  timers.forEach((tm, i) => tm.arm(((i * 7919) % 200) * 10));
  timers.filter((_, i) => i % 3 === 0).forEach((tm) => tm.cancel());
  clock.advance(10_000);
  const expected = timers
    .map((_, i) => i)
    .filter((i) => i % 3 !== 0)
    .sort((x, y) => ((x * 7919) % 200) - ((y * 7919) % 200));
  t.same(fired, expected);
  t.equal(clock.runNext(), undefined);
  t.end();
});

t.test('lateness histogram percentiles', (t) => {
  const h = new LatenessHistogram();
  t.equal(h.percentileUs(50), 0);
  for (let i = 0; i < 90; i++) h.record(30);
  for (let i = 0; i < 9; i++) h.record(1500);
  h.record(70_000);
  const s = h.snapshot();
  t.equal(s.count, 100);
  t.equal(s.maxUs, 70_000);
  t.equal(s.p50Us, 50);
  t.equal(s.p90Us, 50);
  t.equal(s.p99Us, 1_500);
  t.equal(h.percentileUs(100), 70_000);
  t.equal(s.buckets.reduce((a, b) => a + b, 0), 100);
  h.record(-5);
  t.equal(h.snapshot().buckets[0], 1, 'early counts as on time (the first bucket)');
  h.reset();
  t.equal(h.snapshot().count, 0);
  t.end();
});

t.test('late timer message has keepalived wording', (t) => {
  t.equal(timerExpiredLateMessage(1_500_000), 'A thread timer expired 1.500000 seconds ago');
  t.equal(timerExpiredLateMessage(2_000_042), 'A thread timer expired 2.000042 seconds ago');
  t.end();
});

t.test('real scheduler fires in due order, never early, and records lateness', async (t) => {
  const logs: string[] = [];
  const sched = new RealTimerScheduler({ lateLogThresholdUs: -1, log: (l) => logs.push(l) });
  t.teardown(() => sched.close());
  const fired: { name: string; at: number; due: number }[] = [];
  const mk = (name: string) => {
    const tm = sched.createTimer(name, () => fired.push({ name, at: sched.nowUs(), due: tm.dueUs }));
    return tm;
  };
  const late = mk('late');
  const early = mk('early');
  const sub = mk('sub-ms');
  const cancelled = sched.createTimer('cancelled', () => t.fail('cancelled timer fired'));
  late.arm(30_000);
  early.arm(10_000);
  sub.arm(300);
  cancelled.arm(5_000);
  cancelled.cancel();
  await new Promise((r) => setTimeout(r, 80));
  t.same(
    fired.map((f) => f.name),
    ['sub-ms', 'early', 'late'],
  );
  for (const f of fired) t.ok(f.at >= f.due, `${f.name} not early`);
  t.equal(sched.lateness.snapshot().count, 3);
  t.equal(logs.length, 3, 'threshold below zero: every firing is logged');
  t.match(logs[0]!, /^A thread timer expired \d+\.\d{6} seconds ago$/);
});

t.test('real scheduler without threshold stays silent; close stops firing', async (t) => {
  const logs: string[] = [];
  const sched = new RealTimerScheduler({ log: (l) => logs.push(l) });
  let fired = 0;
  const tm = sched.createTimer('x', () => fired++);
  tm.arm(1_000);
  await new Promise((r) => setTimeout(r, 20));
  t.equal(fired, 1);
  t.equal(logs.length, 0);
  tm.arm(5_000);
  sched.close();
  await new Promise((r) => setTimeout(r, 20));
  t.equal(fired, 1);
});

t.test('real scheduler on a timerfd: due order, never early, sub-millisecond lateness recorded, close stops it', async (t) => {
  const sched = new RealTimerScheduler({ native: loadNative() });
  t.equal(sched.source, 'timerfd');
  const fired: { name: string; at: number; due: number }[] = [];
  const mk = (name: string) => {
    const tm = sched.createTimer(name, () => fired.push({ name, at: sched.nowUs(), due: tm.dueUs }));
    return tm;
  };
  const periodic = sched.createTimer('periodic', () => {
    fired.push({ name: 'periodic', at: sched.nowUs(), due: periodic.dueUs });
    if (fired.filter((f) => f.name === 'periodic').length < 20) periodic.armAt(periodic.dueUs + 1_000);
  });
  const cancelled = sched.createTimer('cancelled', () => t.fail('cancelled timer fired'));
  mk('late').arm(30_000);
  mk('early').arm(10_000);
  mk('sub-ms').arm(300);
  periodic.arm(1_000);
  cancelled.arm(5_000);
  cancelled.cancel();
  await new Promise((r) => setTimeout(r, 80));
  t.same(fired.filter((f) => f.name !== 'periodic').map((f) => f.name), ['sub-ms', 'early', 'late']);
  t.equal(fired.filter((f) => f.name === 'periodic').length, 20, 'a timer re-armed from its own callback keeps running');
  for (const f of fired) t.ok(f.at >= f.due, `${f.name} not early`);
  t.equal(sched.lateness.snapshot().count, 23);
  const x = sched.createTimer('after-close', () => t.fail('fired after close'));
  x.arm(2_000);
  sched.close();
  await new Promise((r) => setTimeout(r, 20));
});

t.test('real scheduler falls back to the Node timeout without the timerfd calls', async (t) => {
  const sched = new RealTimerScheduler({ native: createFakeNative().native });
  t.teardown(() => sched.close());
  t.equal(sched.source, 'timeout');
  let fired = 0;
  sched.createTimer('x', () => fired++).arm(2_000);
  await new Promise((r) => setTimeout(r, 20));
  t.equal(fired, 1);
});

t.test('timer queue: re-arming the head notifies once, never with an empty heap in between', (t) => {
  let now = 0;
  const heads: (number | undefined)[] = [];
  const q: TimerQueue = new TimerQueue(() => now, () => heads.push(q.peek()?.dueUs));
  const a = new QueuedTimer('a', () => {}, q);
  const b = new QueuedTimer('b', () => {}, q);
  a.armAt(100);
  t.same(heads, [100]);
  a.armAt(200);
  t.same(heads, [100, 200], 'one notification, and the head was never seen missing');
  b.armAt(500);
  t.same(heads, [100, 200], 'a timer armed behind the head changes nothing');
  b.armAt(50);
  t.same(heads, [100, 200, 50], 'a timer moved in front of the head');
  b.armAt(600);
  t.same(heads, [100, 200, 50, 200], 'the head moved behind another timer');
  a.cancel();
  t.same(heads, [100, 200, 50, 200, 600]);
  now = 1000;
  t.equal(q.popDue(now), b);
  t.same(heads, [100, 200, 50, 200, 600, undefined]);
  t.end();
});
