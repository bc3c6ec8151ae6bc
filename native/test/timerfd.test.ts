import t from 'tap';
import {
  CLOCK_MONOTONIC, createFakeNative, hasTimerFd, loadNative, monotonicNowUs, openDeadlineTimer, TFD_TIMER_ABSTIME,
} from '../lib/index.js';

const native = loadNative();

t.test('the compiled addon has the timerfd calls; the fake does not', (t) => {
  t.ok(hasTimerFd(native));
  t.notOk(hasTimerFd(createFakeNative().native));
  t.end();
});

t.test('clockGetTime(CLOCK_MONOTONIC) is the clock behind process.hrtime', (t) => {
  if (!hasTimerFd(native)) return t.end();
  const before = Number(process.hrtime.bigint() / 1000n);
  const mono = monotonicNowUs(native);
  const after = Number(process.hrtime.bigint() / 1000n);
  t.ok(mono >= before - 1 && mono <= after + 1, `${before} <= ${mono} <= ${after}`);
  const [sec, nsec] = native.clockGetTime(CLOCK_MONOTONIC);
  t.ok(Number.isInteger(sec) && Number.isInteger(nsec) && nsec >= 0 && nsec < 1e9);
  t.throws(() => native.clockGetTime(12345), { syscall: 'clock_gettime', code: 'EINVAL' });
  t.end();
});

t.test('an absolute deadline expires once, not before it, and the count is read', async (t) => {
  if (!hasTimerFd(native)) return;
  const fired: number[] = [];
  const timer = openDeadlineTimer(native, () => fired.push(monotonicNowUs(native)));
  t.teardown(() => timer.close());
  const deadline = monotonicNowUs(native) + 3_000;
  timer.armAtMonotonicUs(deadline);
  await new Promise((r) => setTimeout(r, 30));
  t.equal(fired.length, 1, 'one expiry, and the level-triggered watch went quiet after the read');
  t.ok(fired[0]! >= deadline, 'never early');
  // a deadline in the past fires at once
  timer.armAtMonotonicUs(monotonicNowUs(native) - 1_000);
  await new Promise((r) => setTimeout(r, 10));
  t.equal(fired.length, 2);
});

t.test('re-arming replaces the deadline; disarm and close stop it', async (t) => {
  if (!hasTimerFd(native)) return;
  let fired = 0;
  const timer = openDeadlineTimer(native, () => fired++);
  timer.armAtMonotonicUs(monotonicNowUs(native) + 5_000);
  timer.armAtMonotonicUs(monotonicNowUs(native) + 500_000);
  await new Promise((r) => setTimeout(r, 20));
  t.equal(fired, 0, 'the first deadline was replaced');
  timer.disarm();
  timer.armAtMonotonicUs(monotonicNowUs(native) + 2_000);
  timer.close();
  timer.close();
  await new Promise((r) => setTimeout(r, 20));
  t.equal(fired, 0, 'closed before its deadline');
});

t.test('raw calls: read of an unexpired timer is 0, bad arguments throw the errno', (t) => {
  if (!hasTimerFd(native)) return t.end();
  const fd = native.timerfdCreate(CLOCK_MONOTONIC);
  t.teardown(() => native.close(fd));
  t.equal(native.timerfdRead(fd), 0);
  native.timerfdSetTime(fd, TFD_TIMER_ABSTIME, 1, 0); // long past: expires at once
  t.equal(native.timerfdRead(fd), 1);
  t.throws(() => native.timerfdSetTime(fd, 0, 0, 1e9), { syscall: 'timerfd_settime', code: 'EINVAL' });
  t.throws(() => native.timerfdCreate(12345), { syscall: 'timerfd_create', code: 'EINVAL' });
  t.end();
});
