/**
 * bench/checkers' pure parts: the generated configuration and the report.
 * Not in the default `make test` set (bench is not); run it with
 * `npx tsc -b bench && npx tap bench/dist/checkers/test/bench-checkers.test.js`.
 */
import t from 'tap';
import { benchConfig, kindOfAddress, rsAddress } from '../config.js';
import { scenarioTable, targetLines, type RunFigures } from '../report.js';

t.test('real server addresses: 254 hosts per /24 under 127.1/16 and 127.2/16', async (t) => {
  t.equal(rsAddress(1, 0), '127.1.0.1');
  t.equal(rsAddress(1, 253), '127.1.0.254');
  t.equal(rsAddress(1, 254), '127.1.1.1');
  t.equal(rsAddress(2, 4999), '127.2.19.174');
  t.throws(() => rsAddress(1, 254 * 256));
  t.equal(kindOfAddress('127.1.3.4'), 'tcp');
  t.equal(kindOfAddress('127.2.0.1'), 'http');
  t.equal(kindOfAddress('127.0.0.1'), undefined);
});

t.test('config: one virtual server per 100 real servers, TCP first, then HTTP', async (t) => {
  const text = benchConfig({ tcp: 150, http: 20, tcpDelayLoop: 1, httpDelayLoop: 2, connectTimeout: 3, perVs: 100 });
  t.equal(text.match(/^virtual_server /gm)?.length, 3);
  t.equal(text.match(/TCP_CHECK \{/g)?.length, 150);
  t.equal(text.match(/HTTP_GET \{/g)?.length, 20);
  t.match(text, /virtual_server 192\.0\.2\.1 80 \{\n {4}delay_loop 1\n/);
  t.match(text, /virtual_server 192\.0\.2\.3 80 \{\n {4}delay_loop 2\n/);
  t.match(text, /real_server 127\.1\.0\.150 80 \{/);
  t.match(text, /real_server 127\.2\.0\.20 80 \{\n {8}weight 1\n {8}HTTP_GET \{\n {12}url \{\n {16}path \/health\n {16}status_code 200/);
  t.throws(() => benchConfig({ tcp: 30000, http: 0, tcpDelayLoop: 1, httpDelayLoop: 1, connectTimeout: 3, perVs: 100 }));
});

const drift = (p99Us: number) => ({ count: 10, early: 0, p50Us: 100, p90Us: 200, p99Us, p999Us: p99Us, maxUs: p99Us });

t.test('report: side by side, n/a for an implementation that cannot run, verdicts on ours', async (t) => {
  const ours: RunFigures = {
    scenario: 'tcp',
    impl: 'ours',
    cpuPercent: 21.04,
    userPercent: 6.5,
    rssKb: 92160,
    runQueuePercent: 0.5,
    tcp: { connections: 5000, perSecond: 5000, servers: 5000, wire: drift(4300) },
    http: { connections: 0, perSecond: 0, servers: 0, wire: drift(0) },
    sched: drift(1700),
  };
  const ka: RunFigures = { scenario: 'tcp', impl: 'keepalived', unavailable: 'no IPVS' };
  const table = scenarioTable('scenario tcp', ours, ka);
  t.match(table, /checker child CPU, % of one core\s+21\.0\s+n\/a/);
  t.match(table, /of which user \/ system\s+6\.5 \/ 14\.5\s+n\/a/);
  t.match(table, /checker child RSS, MiB\s+90\.0\s+n\/a/);
  t.match(table, /TCP wire drift p50\/p99\/max, ms\s+0\.10 \/ 4\.30 \/ 4\.30\s+n\/a/);
  t.match(table, /HTTP_GET probes\/s \(servers seen\)\s+-\s+n\/a/);
  t.match(table, /keepalived: no IPVS/);
  t.same(targetLines([ours, ka]), [
    'target CPU < 25 % for the TCP checks: 21.0 % MET',
    'target drift p99 < 50 ms (tcp): 1.70 ms (scheduler; wire 4.30 ms) MET',
  ]);
  const slow: RunFigures = { ...ours, scenario: 'mixed', cpuPercent: 40, sched: drift(61_000) };
  t.same(targetLines([slow]), ['target drift p99 < 50 ms (mixed): 61.0 ms (scheduler; wire 4.30 ms) MISSED']);
  const before: RunFigures = { ...ours, sched: undefined, cpuPercent: 31.5 };
  t.same(targetLines([before]), [
    'target CPU < 25 % for the TCP checks: 31.5 % MISSED',
    'target drift p99 < 50 ms (tcp): 4.30 ms (wire) MET',
  ], 'a build without scheduler figures is judged on the wire');
});
