/**
 * The failover bench's parsers against lines as tcpdump 4.99 (-tt -e -nn) and
 * iproute2 6.1 (ip -ts monitor address, TZ=UTC) print them. Not in the
 * default `make test` set (bench is not); run it with
 * `npx tsc -b bench && npx tap bench/dist/failover/test/parse.test.js`.
 */
import t from 'tap';
import { masterDownUs } from '../config.js';
import { median, summary } from '../report.js';
import { advertIntervals, parseCaptureLine, parseIpTimestamp } from '../watch.js';

t.test('ip -ts timestamps are UTC with microseconds', async (t) => {
  t.equal(parseIpTimestamp('[2026-11-22T12:44:24.778775] 3: eth0    inet 192.0.2.200/24 scope global secondary eth0'),
    Date.UTC(2026, 10, 22, 12, 44, 24) * 1000 + 778775);
  t.equal(parseIpTimestamp('3: eth0    inet 192.0.2.200/24'), undefined);
});

t.test('gratuitous ARP request and reply are recognised, an ordinary request is not', async (t) => {
  const req = parseCaptureLine('1795351464.776774 02:00:5e:ba:00:0b > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Request who-has 192.0.2.200 tell 192.0.2.200, length 28');
  t.same(req.garp, { tsUs: 1795351464776774, mac: '02:00:5e:ba:00:0b', address: '192.0.2.200' });
  const withTha = parseCaptureLine('1795351464.000001 02:00:5e:ba:00:0b > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Request who-has 192.0.2.200 (ff:ff:ff:ff:ff:ff) tell 192.0.2.200, length 28');
  t.equal(withTha.garp?.address, '192.0.2.200');
  const reply = parseCaptureLine('1795351464.000002 02:00:5e:ba:00:0b > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Reply 192.0.2.200 is-at 02:00:5e:ba:00:0b, length 28');
  t.equal(reply.garp?.address, '192.0.2.200');
  t.same(parseCaptureLine('1795351464.000003 02:00:5e:ba:00:0c > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Request who-has 192.0.2.200 tell 192.0.2.3, length 28'), {});
});

t.test('VRRP adverts give source, vrid and priority', async (t) => {
  const v3 = parseCaptureLine('1795351464.100000 02:00:5e:ba:00:0a > 01:00:5e:00:00:12, ethertype IPv4 (0x0800), length 54: 192.0.2.1 > 224.0.0.18: VRRPv3, Advertisement, vrid 51, prio 150, intvl 1cs, length 12');
  t.same(v3.advert, { tsUs: 1795351464100000, src: '192.0.2.1', vrid: 51, prio: 150 });
  const v2 = parseCaptureLine('1795351464.200000 02:00:5e:ba:00:0a > 01:00:5e:00:00:12, ethertype IPv4 (0x0800), length 60: 192.0.2.1 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 0, authtype none, intvl 1s, length 20');
  t.same(v2.advert, { tsUs: 1795351464200000, src: '192.0.2.1', vrid: 51, prio: 0 });
  t.same(parseCaptureLine('listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes'), {});
});

t.test('advert intervals are per VRID and skip priority-0 goodbyes', async (t) => {
  const a = (tsUs: number, vrid: number, prio = 150) => ({ tsUs, src: '192.0.2.1', vrid, prio });
  t.same(advertIntervals([a(0, 1), a(5, 2), a(100, 1), a(107, 2), a(150, 1, 0), a(210, 1)]), [100, 102, 110]);
});

t.test('summary statistics and master down interval', async (t) => {
  t.equal(median([3, 1, 2]), 2);
  t.equal(median([4, 1, 2, 3]), 2.5);
  t.ok(Number.isNaN(median([])));
  t.same(summary([5, 1, 9]), { n: 3, min: 1, median: 5, max: 9 });
  // v3, 10 ms, backup priority 100: 3 x 10 ms + (256-100) x 10 ms / 256
  t.equal(Math.round(masterDownUs(3, 10_000, 100)), 36_094);
  t.equal(Math.round(masterDownUs(2, 1_000_000, 100)), 3_609_375);
});
