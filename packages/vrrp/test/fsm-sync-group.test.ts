import t from 'tap';
import { RecordingEffects } from '../src/fsm/recording-effects.js';
import { VrrpInstance } from '../src/fsm/instance.js';
import { VrrpSyncGroup } from '../src/fsm/sync-group.js';
import type { VrrpInstanceConfig, VrrpStateName } from '../src/fsm/types.js';
import { ManualScheduler } from '../src/timers/manual-scheduler.js';

function makeGroup(overrides: Partial<VrrpInstanceConfig>[] = [{}, {}]) {
  const clock = new ManualScheduler();
  const fx = new RecordingEffects(clock); // shared: one log, as keepalived's
  const groupNotifies: VrrpStateName[] = [];
  const members = overrides.map(
    (o, i) =>
      new VrrpInstance(
        {
          name: `VI_${i + 1}`,
          vrid: 51 + i,
          version: 2,
          family: 'inet',
          priority: 100,
          advertIntMs: 1000,
          ourAddress: '192.0.2.11',
          logDetail: true,
          ...o,
        },
        clock,
        fx,
      ),
  );
  const group = new VrrpSyncGroup('G1', members, {
    log: (l) => fx.log(l),
    notify: (s) => groupNotifies.push(s),
  });
  return { clock, fx, members, group, groupNotifies };
}

t.test('startup and move to MASTER together', (t) => {
  const { clock, fx, members, group, groupNotifies } = makeGroup();
  const [a, b] = members as [VrrpInstance, VrrpInstance];
  group.start();
  t.equal(group.state, 'BACKUP');
  t.same(fx.logs, [
    '(VI_1) removing VIPs.',
    '(VI_2) removing VIPs.',
    '(VI_1) Entering BACKUP STATE (init)',
    '(VI_2) Entering BACKUP STATE (init)',
  ]);
  t.same(groupNotifies, ['BACKUP']);
  fx.clear();
  clock.advanceTo(a.sandsUs);
  // VI_1 timed out first but is held back until VI_2 wants MASTER too.
  t.same(fx.logs, [
    '(VI_1) Receive advertisement timeout',
    '(VI_2) Receive advertisement timeout',
    '(VI_2) Entering MASTER STATE',
    '(VI_2) setting VIPs.',
    'VRRP_Group(G1) Syncing instances to MASTER state',
    '(VI_1) Entering MASTER STATE',
    '(VI_1) setting VIPs.',
  ]);
  t.equal(a.state, 'MASTER');
  t.equal(b.state, 'MASTER');
  t.equal(group.state, 'MASTER');
  t.same(groupNotifies, ['BACKUP', 'MASTER']);
  t.ok(a.advertTimer.armed && b.advertTimer.armed);
  t.end();
});

t.test('one member loses mastership: the group follows to BACKUP', (t) => {
  const { clock, fx, members, group } = makeGroup();
  const [a, b] = members as [VrrpInstance, VrrpInstance];
  group.start();
  clock.advanceTo(a.sandsUs);
  fx.clear();
  clock.advance(100_000);
  b.receiveAdvert({ priority: 200, srcAddr: '192.0.2.12' });
  t.same(fx.logs, [
    '(VI_2) Master received advert from 192.0.2.12 with higher priority 200, ours 100',
    '(VI_2) Entering BACKUP STATE',
    '(VI_2) removing VIPs.',
    'VRRP_Group(G1) Syncing instances to BACKUP state',
    '(VI_1) Entering BACKUP STATE',
    '(VI_1) removing VIPs.',
  ]);
  t.equal(a.state, 'BACKUP');
  t.equal(group.state, 'BACKUP');
  t.end();
});

t.test('member fault takes the group to FAULT and back', (t) => {
  const { clock, fx, members, group, groupNotifies } = makeGroup();
  const [a, b] = members as [VrrpInstance, VrrpInstance];
  group.start();
  clock.advanceTo(a.sandsUs);
  fx.clear();
  b.setFault(true, 'eth1');
  t.same(fx.logs, [
    '(VI_2) Entering FAULT STATE',
    '(VI_2) sent 0 priority',
    '(VI_2) removing VIPs.',
    'VRRP_Group(G1) Syncing instances to FAULT state',
    '(VI_1) Entering FAULT STATE',
    '(VI_1) removing VIPs.',
  ]);
  t.equal(a.state, 'FAULT');
  t.equal(group.state, 'FAULT');
  t.notOk(a.advertTimer.armed, 'no adverts in FAULT');
  t.notOk(a.masterDownTimer.armed);
  fx.clear();
  clock.advance(1_000_000);
  b.setFault(false, 'eth1');
  t.same(fx.logs, [
    '(VI_2) Entering BACKUP STATE',
    'VRRP_Group(G1) Syncing instances to BACKUP state',
    '(VI_1) Entering BACKUP STATE',
  ]);
  t.equal(a.state, 'BACKUP');
  t.equal(b.state, 'BACKUP');
  t.same(groupNotifies, ['BACKUP', 'MASTER', 'FAULT', 'BACKUP']);
  t.end();
});

t.test('a BACKUP member synced to FAULT logs nothing itself but is notified', (t) => {
  const { fx, members, group } = makeGroup();
  const [a, b] = members as [VrrpInstance, VrrpInstance];
  group.start();
  fx.clear();
  b.setFault(true);
  t.same(fx.logs, ['(VI_2) Entering FAULT STATE', 'VRRP_Group(G1) Syncing instances to FAULT state']);
  t.equal(a.state, 'FAULT');
  t.same(fx.notifies, ['FAULT', 'FAULT']);
  t.end();
});

t.test('member faulty at startup: group starts in FAULT', (t) => {
  const { fx, members, group, groupNotifies } = makeGroup();
  const [a, b] = members as [VrrpInstance, VrrpInstance];
  b.setFault(true, 'eth1');
  group.start();
  t.equal(group.state, 'FAULT');
  t.same(fx.logs, [
    'VRRP_Group(G1): Syncing VI_2 to FAULT state',
    '(VI_1) entering FAULT state',
    '(VI_2) entering FAULT state',
    '(VI_1) removing VIPs.',
    '(VI_2) removing VIPs.',
  ]);
  t.same(groupNotifies, ['FAULT']);
  t.equal(a.state, 'FAULT');
  b.setFault(false, 'eth1');
  t.equal(a.state, 'BACKUP');
  t.equal(b.state, 'BACKUP');
  t.end();
});

t.test('mixed initial MASTER and BACKUP members all start as BACKUP', (t) => {
  const { members } = makeGroup([{ initialState: 'MASTER' }, {}]);
  t.equal(members[0]!.wantstate, 'BACKUP');
  t.end();
});

t.test('lower priority advert to a master member triggers the others\' garp_lower_prio', (t) => {
  const { clock, fx, members, group } = makeGroup([{ garpLowerPrioRepeat: 1, garpLowerPrioDelayMs: 0 }, { garpLowerPrioRepeat: 3, garpLowerPrioDelayMs: 0 }]);
  const [a] = members as [VrrpInstance, VrrpInstance];
  group.start();
  clock.advanceTo(a.sandsUs);
  fx.clear();
  a.receiveAdvert({ priority: 50, srcAddr: '192.0.2.12' });
  t.same(
    fx.garps.map((g) => g.repeat),
    [1, 3],
  );
  t.end();
});
