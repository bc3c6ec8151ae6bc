import t from 'tap';
import {
  bumpVrrpStat, clearVrrpStats, createVrrpStats, renderVrrpStatsBlock, renderVrrpStatsFile, renderVrrpStatsJson,
  vrrpStatsToJson, VRRP_STATS_FIELDS,
} from '../src/index.js';
import type { VrrpStats } from '../src/index.js';
import { readDump } from './fixtures/vectors.js';

function statsWith(values: Partial<VrrpStats>): VrrpStats {
  return { ...createVrrpStats(), ...values };
}

t.test('stats file renders byte for byte like keepalived 2.2.7 (BACKUP and MASTER dumps)', async (t) => {
  t.equal(renderVrrpStatsFile([
    { iname: 'VI_1', stats: statsWith({ advert_rcvd: 10 }) },
    { iname: 'VI_6', stats: statsWith({ advert_rcvd: 10 }) },
  ]), readDump('backup-keepalived.stats'));
  t.equal(renderVrrpStatsFile([
    { iname: 'VI_1', stats: statsWith({ advert_sent: 5, become_master: 1 }) },
    { iname: 'VI_6', stats: statsWith({ advert_sent: 5, become_master: 1 }) },
  ]), readDump('master-keepalived.stats'));
  t.equal(renderVrrpStatsFile([
    { iname: 'VI_1', stats: statsWith({ advert_rcvd: 1 }) },
    { iname: 'VI_6', stats: statsWith({ advert_rcvd: 1 }) },
  ]), readDump('backup-keepalived.stats_after_clear'));
});

t.test('each counter lands on its own line', async (t) => {
  const s = createVrrpStats();
  VRRP_STATS_FIELDS.forEach((f, i) => { s[f] = 100 + i; });
  const block = renderVrrpStatsBlock('X', s);
  t.match(block, /Advertisements:\n {4}Received: 100\n {4}Sent: 101\n/);
  t.match(block, /Became master: 102\n {2}Released master: 103\n/);
  t.match(block, /Length: 104\n {4}TTL: 106\n {4}Invalid Type: 107\n {4}Advertisement Interval: 105\n {4}Address List: 108\n/);
  t.match(block, /Authentication Errors:\n {4}Invalid Type: 109\n {4}Type Mismatch: 110\n {4}Failure: 111\n/);
  t.match(block, /Priority Zero:\n {4}Received: 112\n {4}Sent: 113\n$/);
  t.notMatch(block, /114|115|116/, 'SNMP-only counters are not in the file');
});

t.test('JSON stats section matches keepalived.json', async (t) => {
  for (const file of ['backup-keepalived.json', 'master-keepalived.json']) {
    const dump = JSON.parse(readDump(file)) as { stats: Record<string, number> }[];
    for (const inst of dump) {
      const s = createVrrpStats();
      for (const [k, v] of Object.entries(inst.stats)) s[k as keyof VrrpStats] = v;
      t.same(Object.keys(vrrpStatsToJson(s)), Object.keys(inst.stats), `${file}: same fields, same order`);
      t.equal(renderVrrpStatsJson(s), JSON.stringify(inst.stats));
    }
  }
  t.ok(readDump('backup-keepalived.json').includes(renderVrrpStatsJson(statsWith({ advert_rcvd: 11 }))), 'text appears verbatim in the dump');
});

t.test('uint32 counters wrap like keepalived, uint64 ones do not; clear zeroes all', async (t) => {
  const s = statsWith({ advert_sent: 0xffffffff, advert_rcvd: 0xffffffff, auth_failure: 0xffffffff });
  bumpVrrpStat(s, 'advert_sent');
  bumpVrrpStat(s, 'advert_rcvd');
  bumpVrrpStat(s, 'auth_failure');
  t.equal(s.advert_sent, 0);
  t.equal(s.auth_failure, 0);
  t.equal(s.advert_rcvd, 0x100000000);
  s.vers_err = 3;
  clearVrrpStats(s);
  t.same(s, createVrrpStats());
});
