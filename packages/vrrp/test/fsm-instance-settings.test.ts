/** vrrp_complete_instance's defaults and the options an owner or initial MASTER cannot use. */
import t from 'tap';
import { deriveInstanceSettings, wantsMasterAtStart } from '../src/fsm/instance-settings.js';
import type { VrrpInstanceConfig } from '../src/fsm/types.js';

const base = { name: 'VI_1', vrid: 1, version: 3, family: 'inet', priority: 100, advertIntMs: 1000, ourAddress: '192.0.2.1' } as VrrpInstanceConfig;

t.test('keepalived defaults', async (t) => {
  t.match(deriveInstanceSettings(base), {
    adverIntUs: 1_000_000, downTimerAdverts: 3, nopreempt: false, preemptDelayUs: 0,
    garpDelayUs: 5_000_000, garpRep: 5, garpRefreshUs: 0, garpRefreshRep: 1,
    garpLowerPrioDelayUs: 5_000_000, garpLowerPrioRep: 5, lowerPrioNoAdvert: false, higherPrioSendAdvert: false,
  });
  t.match(deriveInstanceSettings({ ...base, garpMasterDelayMs: 2000, garpMasterRepeat: 3 }), { garpLowerPrioDelayUs: 2_000_000, garpLowerPrioRep: 3 },
    'garp_lower_prio_* default to the garp_master_* values');
  t.equal(deriveInstanceSettings({ ...base, advertIntMs: 10 }).adverIntUs, 10_000);
});

t.test('nopreempt and preempt_delay are dropped for an owner or an initial MASTER', async (t) => {
  const backup = deriveInstanceSettings({ ...base, nopreempt: true, preemptDelayMs: 300 });
  t.equal(backup.nopreempt, true);
  t.equal(backup.preemptDelayUs, 0, 'nopreempt makes preempt_delay moot');
  t.equal(deriveInstanceSettings({ ...base, preemptDelayMs: 300 }).preemptDelayUs, 300_000);
  for (const c of [{ ...base, priority: 255 }, { ...base, initialState: 'MASTER' as const }]) {
    const s = deriveInstanceSettings({ ...c, nopreempt: true, preemptDelayMs: 300 });
    t.equal(s.nopreempt, false);
    t.equal(s.preemptDelayUs, 0);
    t.equal(wantsMasterAtStart(c), true);
  }
  t.equal(wantsMasterAtStart({ ...base, priority: 255, initialState: 'BACKUP' }), false, 'an owner told to start BACKUP does');
});
