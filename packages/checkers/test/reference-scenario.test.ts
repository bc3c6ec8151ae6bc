/**
 * Replays the reference run of keepalived 2.2.7 (test/fixtures, from
 * shared/reference/keepalived-2.2.7/checkers) through the real epilog
 * policies and state machine, feeding the same probe outcomes in the same
 * order, and compares log lines, FIFO lines, notify commands and the
 * desired table with what keepalived logged, wrote and put into IPVS.
 */
import t from 'tap';
import { HealthCheckService } from '../src/service.js';
import type { HealthCheckSettings } from '../src/model.js';
import type { CheckResult } from '../src/types.js';
import type { DesiredTable } from '../src/desired-table.js';
import { MemoryFifo, MemoryLogger, RecordingNotifier, fixture, snapshotSn, toIpvsadmSn } from './helpers.js';

const N = '/tmp/ckr/notify.sh';
const http = (path: string, extra: object = {}) => ({
  type: 'HTTP_GET' as const,
  url: [{ path, ...extra }],
  connectTimeout: 2,
  retry: 1,
  delayBeforeRetry: 1,
});

// keepalived.initial.conf, mapped by hand
const settings: HealthCheckSettings = {
  globals: { lvsNotifyFifo: '/tmp/lvs.fifo' },
  virtualServers: [
    {
      ip: '192.0.2.200',
      port: 80,
      delayLoop: 2,
      lbAlgo: 'rr',
      lbKind: 'NAT',
      protocol: 'tcp',
      quorum: 1,
      quorumUp: `${N} QUORUM_UP vs1`,
      quorumDown: `${N} QUORUM_DOWN vs1`,
      sorryServer: { ip: '192.0.2.99', port: 80 },
      realServers: [
        {
          ip: '192.0.2.11',
          port: 80,
          weight: 1,
          notifyUp: `${N} RS_UP rs1`,
          notifyDown: `${N} RS_DOWN rs1`,
          checkers: [http('/health', { statusCode: [200] })],
        },
        {
          ip: '192.0.2.12',
          port: 80,
          weight: 1,
          inhibitOnFailure: true,
          notifyUp: `${N} RS_UP rs2`,
          notifyDown: `${N} RS_DOWN rs2`,
          checkers: [http('/index.html', { digest: '6b90e954442cbf37445e9cbe8d58a8dd' })],
        },
        {
          ip: '192.0.2.13',
          port: 80,
          weight: 1,
          notifyUp: `${N} RS_UP rs3`,
          notifyDown: `${N} RS_DOWN rs3`,
          checkers: [
            { type: 'TCP_CHECK', connectTimeout: 2, retry: 1, delayBeforeRetry: 1 },
            { type: 'MISC_CHECK', miscPath: '/tmp/ckr/misc.sh', miscTimeout: 5 },
          ],
        },
      ],
    },
    {
      fwmark: 1,
      delayLoop: 2,
      lbAlgo: 'wlc',
      lbKind: 'DR',
      protocol: 'tcp',
      persistenceTimeout: 30,
      omega: true,
      quorumUp: `${N} QUORUM_UP fwm1`,
      quorumDown: `${N} QUORUM_DOWN fwm1`,
      realServers: [
        {
          ip: '192.0.2.11',
          port: 80,
          weight: 2,
          notifyUp: `${N} RS_UP fwm1-rs1`,
          notifyDown: `${N} RS_DOWN fwm1-rs1`,
          checkers: [{ type: 'MISC_CHECK', miscPath: '/bin/true' }],
        },
        {
          ip: '192.0.2.12',
          port: 80,
          weight: 1,
          notifyUp: `${N} RS_UP fwm1-rs2`,
          notifyDown: `${N} RS_DOWN fwm1-rs2`,
          checkers: [{ type: 'TCP_CHECK', connectPort: 80, connectTimeout: 2 }],
        },
      ],
    },
  ],
};

// checker ids in configuration order
const RS1_HTTP = 0, RS2_HTTP = 1, RS3_TCP = 2, RS3_MISC = 3, FWM_RS1_MISC = 4, FWM_RS2_TCP = 5;
const OK: CheckResult = { ok: true };
const HTTP_OK: CheckResult = { ok: true, reason: 'HTTP status code' };
const MD5_OK: CheckResult = { ok: true, reason: 'MD5 digest' };
const FAIL: CheckResult = { ok: false, reason: 'x' };
const EXIT0: CheckResult = { ok: true, exitCode: 0 };
const EXIT1: CheckResult = { ok: false, exitCode: 1 };

const STRIP = /^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}: /;
const NOT_CHECKER =
  /^(Starting Keepalived|Running on|Command line|\s+'|Opening file|Configuration file|NOTICE|Starting Healthcheck|Warning|WARNING|Initializing ipvs|Startup complete|Printing|Stopped|CPU usage)/;

function referenceLines(): { beforeReload: string[]; stop: string[] } {
  const all = fixture('keepalived.log')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.replace(STRIP, ''));
  const reload = all.indexOf('Reloading ...');
  const stop = all.indexOf('Stopping');
  return {
    beforeReload: all.slice(0, reload).filter((l) => !NOT_CHECKER.test(l)),
    stop: all.slice(stop + 1).filter((l) => !NOT_CHECKER.test(l)),
  };
}

t.test('keepalived 2.2.7 reference run, replayed', async (t) => {
  const logger = new MemoryLogger();
  const fifo = new MemoryFifo();
  const notifier = new RecordingNotifier();
  const tables: DesiredTable[] = [];
  const svc = new HealthCheckService(settings, {
    logger,
    fifo,
    notifier,
    probes: false,
    dataPlane: { apply: async (d) => void tables.push(d) },
  });
  t.same(svc.warnings, [
    'Warning: Virtual server FWM 1: protocol specified for fwmark - protocol will be ignored',
    'WARNING - fwmark virtual server FWM 1, real server [192.0.2.11]:none:80 has port specified - clearing',
    'WARNING - fwmark virtual server FWM 1, real server [192.0.2.12]:none:80 has port specified - clearing',
  ]);
  const feed = (id: number, r: CheckResult) => svc.processResult(id, r);

  await svc.start();
  // first results, in the order the reference logged them
  feed(RS3_MISC, EXIT0);
  feed(FWM_RS2_TCP, OK);
  feed(RS1_HTTP, HTTP_OK);
  feed(FWM_RS1_MISC, EXIT0);
  feed(RS3_TCP, OK);
  feed(RS2_HTTP, MD5_OK);
  await svc.flush();
  t.same(toIpvsadmSn(svc.desiredTable()), snapshotSn('01-all-up'), '01-all-up table');

  // rs1 httpd killed: the first failure is retried after delay_before_retry
  t.equal(feed(RS1_HTTP, FAIL), 1000, 'retry after delay_before_retry');
  feed(RS1_HTTP, FAIL);
  await svc.flush();
  t.same(toIpvsadmSn(svc.desiredTable()), snapshotSn('02-rs1-http-down'), '02 table');
  feed(RS3_MISC, EXIT1);
  await svc.flush();
  t.same(toIpvsadmSn(svc.desiredTable()), snapshotSn('03-rs3-misc-down'), '03 table');
  // rs2 and rs3 httpd killed
  feed(RS2_HTTP, FAIL);
  feed(FWM_RS2_TCP, FAIL);
  feed(RS3_TCP, FAIL);
  feed(RS2_HTTP, FAIL);
  feed(FWM_RS2_TCP, FAIL);
  feed(RS3_TCP, FAIL);
  await svc.flush();
  t.same(toIpvsadmSn(svc.desiredTable()), snapshotSn('04-all-down-sorry'), '04 table: inhibited w0 + sorry');
  // while down, a failed HTTP url is polled at max(delay_before_retry, delay_loop)
  t.equal(feed(RS1_HTTP, FAIL), 2000, 'failed url re-polled at delay_loop');

  // restore
  feed(RS3_MISC, EXIT0);
  feed(FWM_RS2_TCP, OK);
  feed(RS3_TCP, OK);
  feed(RS2_HTTP, MD5_OK);
  feed(RS1_HTTP, HTTP_OK);
  feed(RS2_HTTP, MD5_OK);
  feed(RS1_HTTP, HTTP_OK);
  await svc.flush();
  t.same(toIpvsadmSn(svc.desiredTable()), snapshotSn('05-restored'), '05 table');

  const ref = referenceLines();
  t.same(logger.take(), ref.beforeReload, 'log lines up to the first reload are keepalived\'s');

  await svc.stop();
  t.same(
    logger.take(),
    [
      'Shutting down service [192.0.2.11]:tcp:80 from VS [192.0.2.200]:tcp:80',
      'Shutting down service [192.0.2.12]:tcp:80 from VS [192.0.2.200]:tcp:80',
      // the reference had rs3 removed by a reload before stopping
      'Shutting down service [192.0.2.13]:tcp:80 from VS [192.0.2.200]:tcp:80',
      ...ref.stop.filter((l) => l.includes('FWM')),
    ],
    'stop lines',
  );
  t.same(ref.stop.filter((l) => !l.includes('FWM')).length, 2, 'reference stop had two VS1 lines');
  t.same(tables.at(-1), { services: [] }, 'table empty after stop');

  const refFifo = fixture('lvs-fifo.txt').split(/(?<=\n)/);
  // drop the line written by the reference's second reload (rs3 deleted from the config)
  const reloadLine = refFifo.lastIndexOf('RS [192.0.2.13]:tcp:80 [192.0.2.200]:tcp:80 DOWN\n');
  refFifo.splice(reloadLine, 1);
  t.same(fifo.lines, refFifo, 'FIFO lines and order');

  const refNotify = fixture('notify.txt')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.replace(/^\S+ argc=2 /, '').replace(/\[|\]/g, ''))
    .filter((_, i) => i !== 12); // the reload's RS_DOWN rs3
  const ours = notifier.calls.map((c) => c.command.replace(`${N} `, ''));
  t.same([...ours].sort(), [...refNotify].sort(), 'same notify commands (scripts run asynchronously)');
  t.same(
    notifier.calls.filter((c) => c.stopping).map((c) => c.command),
    [`${N} RS_DOWN fwm1-rs1`, `${N} RS_DOWN fwm1-rs2`, `${N} QUORUM_DOWN fwm1`],
    'only the omega VS notifies on stop',
  );
});
