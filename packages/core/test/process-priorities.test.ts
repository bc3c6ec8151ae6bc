/**
 * keepalived's set_process_priorities / increment_process_priority against a
 * recording native binding. The real kernel effect is checked where the
 * children run (packages/vrrp/test/child-netns, conformance/checker-placement).
 */
import t from 'tap';
import { RLIMIT_RTTIME, SCHED_RESET_ON_FORK, SCHED_RR, createFakeNative, syscallError } from '@keepalived-ts/native';
import { ProcessPriorities, timerExpiredLateMessage } from '../src/process/priorities.js';
import type { ProcessTuning } from '../src/config/model/global.js';

const tuning = (o: Partial<ProcessTuning> = {}): ProcessTuning => ({ priority: 0, noSwap: false, realtimePriority: 0, cpuAffinity: [], rlimitRttime: 10000, ...o });
const logs = () => {
  const lines: string[] = [];
  return { lines, log: { info: (l: string) => lines.push(l), warn: (l: string) => lines.push(`W ${l}`) } };
};

t.test('defaults change nothing', async (t) => {
  const fake = createFakeNative();
  new ProcessPriorities(fake.native, logs().log, 'VRRP').apply(tuning(), 0);
  t.same(fake.calls, []);
});

t.test('nice, realtime with its RLIMIT_RTTIME, and no_swap', async (t) => {
  const fake = createFakeNative({ setrlimit: () => undefined });
  new ProcessPriorities(fake.native, logs().log, 'VRRP').apply(tuning({ priority: -5, noSwap: true }), 0);
  t.same(fake.callsOf('setPriority'), [[-5]]);
  t.same(fake.callsOf('mlockall'), [], 'no mlockall: V8 aborts when it returns pages of locked memory');

  const rt = createFakeNative({ setrlimit: () => undefined });
  const p = new ProcessPriorities(rt.native, logs().log, 'VRRP');
  p.apply(tuning({ priority: -5, realtimePriority: 20, rlimitRttime: 8000 }), 0);
  t.same(rt.callsOf('schedSetScheduler'), [[SCHED_RR | SCHED_RESET_ON_FORK, 20]]);
  t.same(rt.callsOf('setrlimit'), [[RLIMIT_RTTIME, 4000, 8000]], 'soft limit at half: SIGXCPU warns before the hard kill');
  t.same(rt.callsOf('setPriority'), [], 'a realtime process keeps its nice value, as keepalived');
  t.equal(p.realtimePriority, 20);
});

t.test('failures are logged with keepalived texts and change nothing else', async (t) => {
  const { lines, log } = logs();
  const fake = createFakeNative({
    setPriority: () => { throw syscallError('setpriority', 13, 'EACCES'); },
    schedSetScheduler: () => { throw syscallError('sched_setscheduler', 1, 'EPERM'); },
  });
  const p = new ProcessPriorities(fake.native, log, 'Checker');
  p.apply(tuning({ priority: 3, noSwap: true }), 0);
  p.apply(tuning({ realtimePriority: 5 }), 0);
  t.same(lines, [
    'Unable to set process priority to 3 - Permission denied',
    'Unable to lock process in memory - not possible for a V8 process (it frees heap pages with madvise, refused on locked memory); use MemorySwapMax=0 in the service unit',
    'W child process: cannot raise priority',
  ]);
  t.equal(p.realtimePriority, 0);
});

t.test('max_auto_priority: each late timer raises realtime priority one step, up to the maximum', async (t) => {
  const { lines, log } = logs();
  const fake = createFakeNative({ setrlimit: () => undefined });
  const p = new ProcessPriorities(fake.native, log, 'VRRP');
  p.apply(tuning(), 3);
  for (let i = 0; i < 5; i++) p.timerLate();
  t.same(fake.callsOf('schedSetScheduler').map((c) => c[1]), [1, 2, 3]);
  t.same(lines, ['Set realtime priority 1', 'Set realtime priority 2', 'Set realtime priority 3']);
  t.same(fake.callsOf('setrlimit'), [[RLIMIT_RTTIME, 5000, 10000]], 'the rlimit is set with the first step only');

  const off = createFakeNative();
  const q = new ProcessPriorities(off.native, log, 'VRRP');
  q.apply(tuning(), 0);
  q.timerLate();
  q.apply(tuning(), -1);
  q.timerLate();
  t.same(off.calls, [], 'max_auto_priority 0 or -1: no change');
});

t.test('the late-timer text', async (t) => {
  t.equal(timerExpiredLateMessage(1_200_000), 'A thread timer expired 1.200000 seconds ago');
  t.equal(timerExpiredLateMessage(2_000_007.9), 'A thread timer expired 2.000007 seconds ago');
});

t.test('cpu_affinity: sched_setaffinity with the configured CPUs; a refusal is keepalived\'s warning', async (t) => {
  const fake = createFakeNative();
  new ProcessPriorities(fake.native, logs().log, 'VRRP').apply(tuning({ cpuAffinity: [0, 1] }), 0);
  t.same(fake.callsOf('schedSetAffinity'), [[[0, 1]]]);
  const { lines, log } = logs();
  const refusing = createFakeNative({ schedSetAffinity: () => { throw syscallError('sched_setaffinity', 22, 'EINVAL'); } });
  new ProcessPriorities(refusing.native, log, 'Checker').apply(tuning({ cpuAffinity: [1] }), 0);
  t.same(lines, ['W unable to set cpu affinity to checker process (Invalid argument)']);
});
