import t from 'tap';
import { RecordingEffects } from '../src/fsm/recording-effects.js';
import { VrrpInstance } from '../src/fsm/instance.js';
import { masterDownIntervalUs, skewTimeUs } from '../src/fsm/timing.js';
import type { VrrpInstanceConfig } from '../src/fsm/types.js';
import { ManualScheduler } from '../src/timers/manual-scheduler.js';

const S = 1_000_000;
const MS = 1_000;

function make(overrides: Partial<VrrpInstanceConfig> = {}) {
  const clock = new ManualScheduler();
  const fx = new RecordingEffects(clock);
  const config: VrrpInstanceConfig = {
    name: 'VI_1',
    vrid: 51,
    version: 2,
    family: 'inet',
    priority: 100,
    advertIntMs: 1000,
    ourAddress: '192.0.2.11',
    logDetail: true,
    ...overrides,
  };
  const vrrp = new VrrpInstance(config, clock, fx);
  return { clock, fx, vrrp };
}

/** Starts, then discards the start-up records. */
function started(overrides: Partial<VrrpInstanceConfig> = {}) {
  const m = make(overrides);
  m.vrrp.start();
  m.fx.clear();
  return m;
}

/** Starts and times out into MASTER, then discards the records. */
function master(overrides: Partial<VrrpInstanceConfig> = {}) {
  const m = started(overrides);
  m.clock.advanceTo(m.vrrp.sandsUs);
  if (m.vrrp.state !== 'MASTER') throw new Error('did not become master');
  m.fx.clear();
  return m;
}

t.test('timer arithmetic matches keepalived integer maths', (t) => {
  // v2: skew = (256 - prio) * 1e6 / 256, independent of advert_int
  t.equal(skewTimeUs(2, 1 * S, 100), 609_375);
  t.equal(skewTimeUs(2, 5 * S, 150), 414_062);
  t.equal(masterDownIntervalUs(2, 3, 1 * S, 100), 3_609_375);
  // v3: ((256 - prio) * centiseconds * 625) / 16
  t.equal(skewTimeUs(3, 10 * MS, 100), 6_093);
  t.equal(masterDownIntervalUs(3, 3, 10 * MS, 100), 36_093);
  t.equal(masterDownIntervalUs(3, 3, 1 * S, 254), 3_000_000 + Math.floor((2 * 100 * 625) / 16));
  t.equal(masterDownIntervalUs(2, 5, 2 * S, 1), 10 * S + Math.floor((255 * S) / 256));
  t.end();
});

t.test('start: VIPs removed, BACKUP (init), full down timer', (t) => {
  const { fx, vrrp } = make();
  vrrp.start();
  t.same(fx.logs, ['(VI_1) removing VIPs.', '(VI_1) Entering BACKUP STATE (init)']);
  t.same(fx.notifies, ['BACKUP']);
  t.equal(vrrp.state, 'BACKUP');
  t.equal(vrrp.sandsUs, 3_609_375);
  t.ok(vrrp.masterDownTimer.armed);
  t.notOk(vrrp.advertTimer.armed);
  t.end();
});

t.test('start with state MASTER (not owner, no sync group): still BACKUP first with the full down timer', (t) => {
  const { fx, vrrp } = make({ initialState: 'MASTER', priority: 100 });
  vrrp.start();
  t.same(fx.logs, ['(VI_1) removing VIPs.', '(VI_1) Entering BACKUP STATE (init)']);
  t.equal(vrrp.sandsUs, 3_609_375);
  t.end();
});

t.test('start as address owner (255): silent BACKUP, master after 1 usec', (t) => {
  const { clock, fx, vrrp } = make({ priority: 255 });
  vrrp.start();
  t.same(fx.logs, ['(VI_1) removing VIPs.'], 'no "(init)" line for the owner');
  t.same(fx.notifies, []);
  t.equal(vrrp.sandsUs, 1);
  clock.advanceTo(1);
  t.equal(vrrp.state, 'MASTER');
  t.same(fx.logs.slice(1), [
    '(VI_1) Receive advertisement timeout',
    '(VI_1) Entering MASTER STATE',
    '(VI_1) setting VIPs.',
  ]);
  t.same(fx.adverts, [{ atUs: 1, priority: 255 }]);
  t.same(fx.notifies, ['MASTER']);
  t.end();
});

t.test('v3 10ms adverts, priority 100: master exactly 3*10ms + skew after the last advert', (t) => {
  const { clock, fx, vrrp } = started({ version: 3, advertIntMs: 10 });
  let last = 0;
  for (let i = 1; i <= 5; i++) {
    last = i * 10 * MS;
    clock.advanceTo(last);
    vrrp.receiveAdvert({ priority: 200, srcAddr: '192.0.2.12', maxAdverIntCs: 1 });
  }
  t.equal(vrrp.masterSaddr, '192.0.2.12');
  t.equal(vrrp.masterPriority, 200);
  clock.advanceTo(last + 36_093 - 1);
  t.equal(vrrp.state, 'BACKUP', 'still backup 1 usec before Master_Down_Interval');
  clock.advanceTo(last + 36_093);
  t.equal(vrrp.state, 'MASTER');
  t.equal(fx.adverts[0]!.atUs, last + 36_093, 'first advert sent at the takeover instant');
  t.end();
});

t.test('v3: Master_Adver_Interval is learnt from the master advert', (t) => {
  const { clock, fx, vrrp } = started({ version: 3, advertIntMs: 1000 });
  clock.advanceTo(5 * MS);
  vrrp.receiveAdvert({ priority: 200, srcAddr: '192.0.2.12', maxAdverIntCs: 10 });
  t.equal(vrrp.masterAdverIntUs, 100 * MS);
  t.same(fx.logs, ['(VI_1) advertisement interval updated from 1000ms to 100ms by master']);
  // 3 * 100ms + (156 * 10 * 625) / 16
  t.equal(vrrp.sandsUs, 5 * MS + 300 * MS + 60_937);
  // becoming master goes back to the local interval (detail logging on)
  clock.advanceTo(vrrp.sandsUs);
  t.equal(vrrp.state, 'MASTER');
  t.ok(fx.logs.includes('(VI_1) changing advert interval from 100ms to locally configured 1000ms'));
  t.equal(vrrp.masterAdverIntUs, 1 * S);
  t.equal(vrrp.sandsUs, clock.nowUs() + 1 * S, 'master adverts at its own advert_int');
  t.end();
});

t.test('backup receiving priority 0: down timer becomes Skew_Time', (t) => {
  const { clock, fx, vrrp } = started();
  clock.advanceTo(1 * S);
  vrrp.receiveAdvert({ priority: 0, srcAddr: '192.0.2.12' });
  t.same(fx.logs, ['(VI_1) Backup received priority 0 advertisement']);
  t.equal(vrrp.sandsUs, 1 * S + 609_375);
  clock.advanceTo(1 * S + 609_375);
  t.equal(vrrp.state, 'MASTER');
  t.end();
});

t.test('lower priority advert with preempt: discarded, down timer keeps running', (t) => {
  const { clock, fx, vrrp } = started({ priority: 150 });
  const due = vrrp.sandsUs;
  for (let k = 0; k < 3; k++) {
    clock.advanceTo(100 * MS + k * S);
    vrrp.receiveAdvert({ priority: 100, srcAddr: '192.0.2.12' });
    t.equal(vrrp.sandsUs, due, 'deadline unchanged');
    t.equal(vrrp.msDownTimerUs, due - clock.nowUs(), 'ms_down_timer reduced to what is left');
  }
  t.same(fx.logs, Array(3).fill('(VI_1) received lower priority (100) advert from 192.0.2.12 - discarding'));
  t.equal(vrrp.masterSaddr, '192.0.2.12');
  clock.advanceTo(due);
  t.equal(vrrp.state, 'MASTER');
  t.end();
});

t.test('higher priority advert resets the down timer', (t) => {
  const { clock, vrrp } = started();
  clock.advanceTo(3 * S);
  vrrp.receiveAdvert({ priority: 200, srcAddr: '192.0.2.12' });
  t.equal(vrrp.sandsUs, 3 * S + 3_609_375);
  t.end();
});

t.test('nopreempt: lower priority adverts keep us BACKUP', (t) => {
  const { clock, fx, vrrp } = started({ priority: 150, nopreempt: true });
  for (let k = 1; k <= 20; k++) {
    clock.advanceTo(k * S);
    vrrp.receiveAdvert({ priority: 100, srcAddr: '192.0.2.12' });
  }
  t.equal(vrrp.state, 'BACKUP');
  t.equal(fx.logs.length, 0);
  t.equal(vrrp.sandsUs, 20 * S + masterDownIntervalUs(2, 3, S, 150));
  t.end();
});

t.test('nopreempt and preempt_delay are cleared for an initial MASTER or owner', (t) => {
  t.equal(make({ initialState: 'MASTER', nopreempt: true }).vrrp.nopreempt, false);
  t.equal(make({ priority: 255, nopreempt: true }).vrrp.nopreempt, false);
  t.equal(make({ initialState: 'MASTER', preemptDelayMs: 5000 }).vrrp.preemptDelayUs, 0);
  t.equal(make({ nopreempt: true, preemptDelayMs: 5000 }).vrrp.preemptDelayUs, 0);
  t.end();
});

t.test('preempt_delay: lower adverts accepted until the delay has passed, then preemption', (t) => {
  const { clock, fx, vrrp } = started({ priority: 150, preemptDelayMs: 2500 });
  const seen: string[] = [];
  for (let k = 1; k <= 10 && vrrp.state === 'BACKUP'; k++) {
    clock.advanceTo(k * S);
    if (vrrp.state !== 'BACKUP') break;
    vrrp.receiveAdvert({ priority: 100, srcAddr: '192.0.2.12' });
    seen.push(`${k}:${vrrp.sandsUs}`);
  }
  t.same(fx.logs.slice(0, 2), [
    '(VI_1) start preempt delay (2.500000)',
    '(VI_1) received lower priority (100) advert from 192.0.2.12 - discarding',
  ]);
  // accepted at 1s, 2s, 3s (< 1s + 2.5s); discarded from 4s; deadline from the 3s advert
  t.same(seen.slice(0, 4), [
    `1:${1 * S + 3_414_062}`,
    `2:${2 * S + 3_414_062}`,
    `3:${3 * S + 3_414_062}`,
    `4:${3 * S + 3_414_062}`,
  ]);
  t.equal(vrrp.state, 'MASTER');
  t.equal(fx.adverts[0]!.atUs, 3 * S + 3_414_062);
  t.end();
});

t.test('preempt_delay: a higher priority advert stops the delay', (t) => {
  const { clock, fx, vrrp } = started({ priority: 150, preemptDelayMs: 2500 });
  clock.advanceTo(1 * S);
  vrrp.receiveAdvert({ priority: 100, srcAddr: '192.0.2.12' });
  clock.advanceTo(2 * S);
  vrrp.receiveAdvert({ priority: 200, srcAddr: '192.0.2.13' });
  t.same(fx.logs, ['(VI_1) start preempt delay (2.500000)', '(VI_1) stop preempt delay']);
  t.equal(vrrp.preemptTimeUs, -1);
  t.end();
});

t.test('master: higher priority advert -> BACKUP', (t) => {
  const { clock, fx, vrrp } = master();
  clock.advance(200 * MS);
  const now = clock.nowUs();
  vrrp.receiveAdvert({ priority: 200, srcAddr: '192.0.2.12' });
  t.same(fx.logs, [
    '(VI_1) Master received advert from 192.0.2.12 with higher priority 200, ours 100',
    '(VI_1) Entering BACKUP STATE',
    '(VI_1) removing VIPs.',
  ]);
  t.same(fx.notifies, ['BACKUP']);
  t.equal(vrrp.state, 'BACKUP');
  t.equal(vrrp.vipSet, false);
  t.equal(vrrp.masterPriority, 200);
  t.equal(fx.counters.releaseMaster, 1);
  t.equal(vrrp.sandsUs, now + 3_609_375);
  t.notOk(vrrp.advertTimer.armed);
  t.end();
});

t.test('master: equal priority tie break by address', (t) => {
  {
    const { fx, vrrp } = master();
    vrrp.receiveAdvert({ priority: 100, srcAddr: '192.0.2.12' });
    t.same(fx.logs.slice(0, 2), [
      '(VI_1) Master received advert from 192.0.2.12 with same priority 100 but higher IP address than ours',
      '(VI_1) Entering BACKUP STATE',
    ]);
    t.equal(vrrp.state, 'BACKUP');
  }
  {
    const { fx, vrrp } = master();
    vrrp.receiveAdvert({ priority: 100, srcAddr: '192.0.2.9' });
    t.same(fx.logs, ['(VI_1) Received advert from 192.0.2.9 with lower priority 100, ours 100, forcing new election']);
    t.equal(fx.adverts.length, 1, 're-advertises');
    t.equal(vrrp.state, 'MASTER');
  }
  {
    const { fx, vrrp } = master({ family: 'inet6', ourAddress: 'fe80::1' });
    vrrp.receiveAdvert({ priority: 100, srcAddr: 'fe80::2' });
    t.equal(vrrp.state, 'BACKUP', 'IPv6 higher address wins');
    t.ok(fx.logs[0]!.includes('same priority 100 but higher IP address'));
  }
  {
    const { fx, vrrp } = master();
    vrrp.receiveAdvert({ priority: 100, srcAddr: '192.0.2.11' });
    t.equal(fx.logs[0], '(VI_1) WARNING - equal priority advert received from remote host with our IP address.');
    t.equal(vrrp.state, 'MASTER');
  }
  t.end();
});

t.test('master: lower priority advert -> re-advertise and reset the advert timer', (t) => {
  const { clock, fx, vrrp } = master();
  clock.advance(400 * MS);
  vrrp.receiveAdvert({ priority: 50, srcAddr: '192.0.2.12' });
  t.same(fx.logs, ['(VI_1) Received advert from 192.0.2.12 with lower priority 50, ours 100, forcing new election']);
  t.same(fx.adverts, [{ atUs: clock.nowUs(), priority: 100 }]);
  t.equal(vrrp.sandsUs, clock.nowUs() + 1 * S);
  t.same(
    fx.records.filter((r) => r.kind === 'event'),
    [{ atUs: clock.nowUs(), kind: 'event', event: 'master_rx_lower_pri' }],
  );
  t.end();
});

t.test('master: lower_prio_no_advert -> no advert, advert timer untouched', (t) => {
  const { clock, fx, vrrp } = master({ lowerPrioNoAdvert: true });
  const due = vrrp.sandsUs;
  clock.advance(400 * MS);
  vrrp.receiveAdvert({ priority: 50, srcAddr: '192.0.2.12' });
  t.same(fx.logs, ['(VI_1) Received advert from 192.0.2.12 with lower priority 50, ours 100']);
  t.equal(fx.adverts.length, 0);
  t.equal(vrrp.sandsUs, due);
  t.end();
});

t.test('master: garp_lower_prio burst now and after garp_lower_prio_delay', (t) => {
  const { clock, fx, vrrp } = master({ garpLowerPrioRepeat: 2, garpLowerPrioDelayMs: 1500, garpMasterDelayMs: 0 });
  clock.advance(100 * MS);
  const rx = clock.nowUs();
  vrrp.receiveAdvert({ priority: 50, srcAddr: '192.0.2.12' });
  clock.advance(3 * S);
  t.same(fx.garps, [
    { atUs: rx, repeat: 2 },
    { atUs: rx + 1500 * MS, repeat: 2 },
  ]);
  t.end();
});

t.test('master: priority 0 received -> advert sent at once', (t) => {
  const { clock, fx, vrrp } = master();
  clock.advance(300 * MS);
  vrrp.receiveAdvert({ priority: 0, srcAddr: '192.0.2.12' });
  t.same(fx.logs, ['(VI_1) Master received priority 0 message']);
  t.same(fx.adverts, [{ atUs: clock.nowUs(), priority: 100 }]);
  t.equal(vrrp.state, 'MASTER');
  t.equal(vrrp.sandsUs, clock.nowUs() + 1 * S);
  t.end();
});

t.test('master: higher_prio_send_advert sends before yielding', (t) => {
  const { fx, vrrp } = master({ higherPrioSendAdvert: true });
  vrrp.receiveAdvert({ priority: 200, srcAddr: '192.0.2.12' });
  t.same(
    fx.adverts.map((a) => a.priority),
    [100],
  );
  t.equal(vrrp.state, 'BACKUP');
  t.end();
});

t.test('owner conflict: both 255 -> configuration error, 254, then BACKUP', (t) => {
  const { clock, fx, vrrp } = make({ priority: 255 });
  vrrp.start();
  clock.advanceTo(1);
  fx.clear();
  vrrp.receiveAdvert({ priority: 255, srcAddr: '192.0.2.9' });
  t.same(fx.logs.slice(0, 3), [
    '(VI_1) CONFIGURATION ERROR: local instance and a remote instance are both configured as address owner, please fix - reducing local priority',
    '(VI_1) Master received advert from 192.0.2.9 with higher priority 255, ours 254',
    '(VI_1) Entering BACKUP STATE',
  ]);
  t.equal(vrrp.effectivePriority, 254);
  t.equal(vrrp.basePriority, 254);
  t.end();
});

t.test('master sends an advert every advert_int', (t) => {
  const { clock, fx, vrrp } = started({ version: 3, advertIntMs: 100 });
  const start = vrrp.sandsUs;
  clock.advanceTo(start + 1 * S);
  t.same(
    fx.adverts.map((a) => a.atUs - start),
    Array.from({ length: 11 }, (_, k) => k * 100 * MS),
  );
  t.ok(fx.adverts.every((a) => a.priority === 100));
  t.end();
});

t.test('GARP schedule: burst on becoming master, again after garp_master_delay, refresh', (t) => {
  const { clock, fx, vrrp } = started({ garpMasterRepeat: 5, garpMasterRefreshMs: 10_000, garpMasterRefreshRepeat: 2 });
  const T = vrrp.sandsUs;
  clock.advanceTo(T + 25 * S);
  t.same(fx.garps, [
    { atUs: T, repeat: 5 },
    { atUs: T + 5 * S, repeat: 5 },
    { atUs: T + 10 * S, repeat: 2 },
    { atUs: T + 20 * S, repeat: 2 },
  ]);
  // order on becoming master: advert, log, VIPs, GARPs, notify
  const kinds = fx.records.slice(0, 6).map((r) => (r.kind === 'log' ? r.text : r.kind));
  t.same(kinds, [
    '(VI_1) Receive advertisement timeout',
    'advert',
    '(VI_1) Entering MASTER STATE',
    '(VI_1) setting VIPs.',
    'addVips',
    'garps',
  ]);
  t.equal(fx.records[6]!.kind, 'notify');
  t.end();
});

t.test('GARP: delayed bursts of earlier masterships are not cancelled (as keepalived)', (t) => {
  const { clock, fx, vrrp } = started();
  const T1 = vrrp.sandsUs;
  clock.advanceTo(T1); // master
  clock.advanceTo(T1 + 1 * S - 1);
  vrrp.receiveAdvert({ priority: 200, srcAddr: '192.0.2.12' }); // backup
  clock.advance(1);
  vrrp.receiveAdvert({ priority: 0, srcAddr: '192.0.2.12' }); // master again after skew
  const T2 = vrrp.sandsUs;
  clock.advanceTo(T2);
  t.equal(vrrp.state, 'MASTER');
  clock.advanceTo(T2 + 6 * S);
  t.same(
    fx.garps.map((g) => g.atUs),
    [T1, T2, T1 + 5 * S, T2 + 5 * S],
  );
  t.end();
});

t.test('GARP: a delayed burst while not master sends nothing', (t) => {
  const { clock, fx, vrrp } = started();
  const T1 = vrrp.sandsUs;
  clock.advanceTo(T1);
  vrrp.receiveAdvert({ priority: 200, srcAddr: '192.0.2.12' });
  for (let k = 1; k <= 6; k++) {
    clock.advanceTo(T1 + k * S);
    vrrp.receiveAdvert({ priority: 200, srcAddr: '192.0.2.12' });
  }
  t.same(fx.garps.map((g) => g.atUs), [T1]);
  t.equal(vrrp.garpDelayTimer.armed, false);
  t.end();
});

t.test('stop as master: priority 0 advert, VIPs removed, STOP notified; as backup: only STOP', (t) => {
  {
    const { clock, fx, vrrp } = master();
    vrrp.stop();
    t.same(fx.adverts, [{ atUs: clock.nowUs(), priority: 0 }]);
    t.same(fx.logs, ['(VI_1) sent 0 priority', '(VI_1) removing VIPs.']);
    t.same(fx.notifies, ['STOP']);
    t.equal(fx.counters.priZeroSent, 1);
    t.equal(clock.pendingTimers, 0, 'all timers cancelled');
  }
  {
    const { clock, fx, vrrp } = started();
    vrrp.stop();
    t.same(fx.adverts, []);
    t.same(fx.logs, []);
    t.same(fx.notifies, ['STOP']);
    t.equal(clock.pendingTimers, 0);
  }
  t.end();
});

t.test('fault from BACKUP and back', (t) => {
  const { clock, fx, vrrp } = started();
  clock.advanceTo(1 * S);
  vrrp.setFault(true, 'eth0');
  t.same(fx.logs, ['(VI_1) Entering FAULT STATE']);
  t.same(fx.notifies, ['FAULT']);
  t.equal(vrrp.state, 'FAULT');
  t.equal(clock.pendingTimers, 0);
  vrrp.receiveAdvert({ priority: 200, srcAddr: '192.0.2.12' });
  t.equal(vrrp.state, 'FAULT', 'adverts ignored in FAULT');
  vrrp.setFault(true, 'chk');
  vrrp.setFault(false, 'eth0');
  t.equal(vrrp.state, 'FAULT', 'still one fault source');
  clock.advanceTo(2 * S);
  vrrp.setFault(false, 'chk');
  t.same(fx.logs, ['(VI_1) Entering FAULT STATE', '(VI_1) Entering BACKUP STATE']);
  t.same(fx.notifies, ['FAULT', 'BACKUP']);
  t.equal(vrrp.sandsUs, 2 * S + 3_609_375);
  t.end();
});

t.test('fault from MASTER: two priority 0 adverts, VIPs removed', (t) => {
  const { fx, vrrp } = master();
  vrrp.setFault(true);
  t.same(
    fx.adverts.map((a) => a.priority),
    [0, 0],
  );
  t.same(fx.logs, ['(VI_1) Entering FAULT STATE', '(VI_1) sent 0 priority', '(VI_1) removing VIPs.']);
  t.same(fx.notifies, ['FAULT']);
  t.equal(fx.counters.releaseMaster, 1);
  t.end();
});

t.test('owner leaving FAULT: wantstate was FAULT, so BACKUP first, master after the down timer', (t) => {
  const { clock, fx, vrrp } = make({ priority: 255 });
  vrrp.start();
  clock.advanceTo(1);
  vrrp.setFault(true);
  clock.advanceTo(1 * S);
  fx.clear();
  vrrp.setFault(false);
  t.equal(vrrp.state, 'BACKUP');
  t.same(fx.logs, ['(VI_1) Entering BACKUP STATE']);
  t.equal(vrrp.sandsUs, 1 * S + 3 * S + 3_906);
  clock.advanceTo(vrrp.sandsUs);
  t.equal(vrrp.state, 'MASTER');
  t.end();
});

t.test('faulty at startup: "entering FAULT state", no (init) line', (t) => {
  const { clock, fx, vrrp } = make();
  vrrp.setFault(true, 'eth0');
  vrrp.start();
  t.same(fx.logs, ['(VI_1) entering FAULT state', '(VI_1) removing VIPs.']);
  t.same(fx.notifies, ['FAULT']);
  t.equal(clock.pendingTimers, 0);
  vrrp.setFault(false, 'eth0');
  t.equal(vrrp.state, 'BACKUP');
  t.equal(fx.logs.at(-1), '(VI_1) Entering BACKUP STATE');
  t.end();
});

t.test('tracking delta: effective priority, clamping, backup deadline shifted', (t) => {
  const { clock, fx, vrrp } = started();
  clock.advanceTo(1 * S);
  vrrp.receiveAdvert({ priority: 200, srcAddr: '192.0.2.12' });
  const due = vrrp.sandsUs;
  vrrp.setTrackingDelta(-20);
  t.same(fx.logs, ['(VI_1) Changing effective priority from 100 to 80']);
  t.equal(vrrp.effectivePriority, 80);
  t.equal(vrrp.sandsUs, due + (skewTimeUs(2, S, 80) - skewTimeUs(2, S, 100)));
  t.equal(vrrp.masterDownTimer.dueUs, vrrp.sandsUs);
  vrrp.setTrackingDelta(-500);
  t.equal(vrrp.effectivePriority, 1);
  vrrp.setTrackingDelta(500);
  t.equal(vrrp.effectivePriority, 254);
  vrrp.setTrackingDelta(500);
  t.equal(fx.logs.length, 3, 'no message when unchanged');
  const owner = make({ priority: 255 }).vrrp;
  owner.setTrackingDelta(-50);
  t.equal(owner.effectivePriority, 255, 'owner priority never changes');
  t.end();
});

t.test('priority change as master is used by the next advert', (t) => {
  const { clock, fx, vrrp } = master();
  vrrp.setTrackingDelta(+10);
  clock.advance(1 * S);
  t.same(
    fx.adverts.map((a) => a.priority),
    [110],
  );
  t.end();
});

t.test('invalid packets never delay a master\'s adverts (unlike keepalived) and keep the backup deadline', (t) => {
  {
    const { clock, vrrp, fx } = master();
    const due = vrrp.sandsUs;
    const sent = fx.adverts.length;
    // a flood of invalid packets for a whole advert interval and beyond
    for (let i = 0; i < 30; i++) {
      clock.advance(50 * MS);
      vrrp.receiveInvalidAdvert();
    }
    t.equal(vrrp.state, 'MASTER');
    t.ok(fx.adverts.length >= sent + 1, 'the master kept advertising on its own schedule');
    t.not(vrrp.sandsUs, clock.nowUs() + 1 * S, 'the last invalid packet did not re-arm the timer');
    t.ok(due <= clock.nowUs(), 'the original deadline was honoured');
  }
  {
    const { clock, vrrp } = started();
    const due = vrrp.sandsUs;
    clock.advance(500 * MS);
    vrrp.receiveInvalidAdvert();
    t.equal(vrrp.sandsUs, due);
  }
  t.end();
});

t.test('vrrp_startup_delay postpones the first down timer', (t) => {
  const { vrrp } = make({ startupDelayMs: 2000 });
  vrrp.start();
  t.equal(vrrp.sandsUs, 2 * S + 3_609_375);
  t.end();
});

t.test('log detail off: only the unconditional lines', (t) => {
  const { clock, fx, vrrp } = make({ logDetail: false });
  vrrp.start();
  clock.advanceTo(vrrp.sandsUs);
  vrrp.stop();
  t.same(fx.logs, ['(VI_1) Entering BACKUP STATE (init)', '(VI_1) Entering MASTER STATE']);
  t.end();
});

t.test('a master advert still queued on the socket when the down timer fires is read first: no takeover', (t) => {
  const { clock, fx, vrrp } = started({ version: 3, advertIntMs: 100 });
  vrrp.receiveAdvert({ priority: 200, srcAddr: '192.0.2.12', maxAdverIntCs: 10 });
  // the backup stalled: the master's next advert is in the socket, not yet read
  let queued = true;
  fx.drainPendingAdverts = () => {
    if (!queued) return;
    queued = false;
    vrrp.receiveAdvert({ priority: 200, srcAddr: '192.0.2.12', maxAdverIntCs: 10 });
  };
  const due = vrrp.sandsUs;
  clock.advanceTo(due);
  t.equal(vrrp.state, 'BACKUP', 'the queued advert re-armed the down timer');
  t.ok(vrrp.masterDownTimer.armed && vrrp.sandsUs > due, 'a full Master_Down from now');
  // nothing queued: the master is really gone
  clock.advanceTo(vrrp.sandsUs);
  t.equal(vrrp.state, 'MASTER');
  t.end();
});
