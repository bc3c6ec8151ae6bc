/** Semantics of the RS/VS state machine and the epilog policies, fed with probe results. */
import t from 'tap';
import { HealthCheckService, type HealthCheckDeps } from '../src/service.js';
import type { HealthCheckSettings, RealServerSettings, VirtualServerSettings } from '../src/model.js';
import type { CheckResult } from '../src/types.js';
import { MemoryFifo, MemoryLogger, RecordingNotifier } from './helpers.js';

const VS = '[10.0.0.1]:tcp:80';
const rsLabel = (n: number) => `[192.0.2.${n}]:tcp:80`;

function rs(n: number, extra: Partial<RealServerSettings> = {}): RealServerSettings {
  return {
    ip: `192.0.2.${n}`,
    port: 80,
    notifyUp: `up ${n}`,
    notifyDown: `down ${n}`,
    checkers: [{ type: 'TCP_CHECK', retry: 0 }],
    ...extra,
  };
}

function make(vs: Partial<VirtualServerSettings>, deps: Partial<HealthCheckDeps> = {}) {
  const logger = new MemoryLogger();
  const fifo = new MemoryFifo();
  const notifier = new RecordingNotifier();
  const settings: HealthCheckSettings = {
    globals: {},
    virtualServers: [{ ip: '10.0.0.1', port: 80, lbAlgo: 'rr', delayLoop: 2, realServers: [], ...vs }],
  };
  const svc = new HealthCheckService(settings, { logger, fifo, notifier, probes: false, logBfdActivation: false, ...deps });
  const weights = () =>
    Object.fromEntries(svc.desiredTable().services[0]?.destinations.map((d) => [d.address, d.weight]) ?? []);
  return { svc, logger, fifo, notifier, weights };
}

const OK: CheckResult = { ok: true };
const FAIL: CheckResult = { ok: false, reason: 'r' };
const quiet = (lines: string[]) => lines.filter((l) => !l.startsWith('Activating'));

t.test('non-alpha: servers start in the pool, first failure takes one out at once', async (t) => {
  const { svc, logger, fifo, weights } = make({ realServers: [rs(1), rs(2)] });
  await svc.start();
  t.same(weights(), { '192.0.2.1': 1, '192.0.2.2': 1 });
  t.same(quiet(logger.take()), [`Gained quorum 1+0=1 <= 2 for VS ${VS}`]);
  svc.processResult(0, FAIL);
  t.same(logger.take(), [`TCP_CHECK on service ${rsLabel(1)} failed.`, `Removing service ${rsLabel(1)} from VS ${VS}`]);
  t.same(weights(), { '192.0.2.2': 1 });
  t.same(fifo.lines.slice(1), [`RS ${rsLabel(1)} ${VS} DOWN\n`]);
});

t.test('alpha: servers wait for a success; a first failure notifies DOWN without removal', async (t) => {
  const { svc, logger, fifo, notifier, weights } = make({ alpha: true, realServers: [rs(1), rs(2)] });
  await svc.start();
  t.same(weights(), {}, 'nobody in the pool');
  t.same(quiet(logger.take()), [], 'no quorum yet, no sorry server: silent');
  svc.processResult(0, OK);
  t.same(logger.take(), [
    `TCP connection to ${rsLabel(1)} success.`,
    `Adding service ${rsLabel(1)} to VS ${VS}`,
    `Gained quorum 1+0=1 <= 1 for VS ${VS}`,
  ]);
  svc.processResult(1, FAIL);
  t.same(logger.take(), [`TCP_CHECK on service ${rsLabel(2)} failed.`]);
  t.same(fifo.lines, [`RS ${rsLabel(1)} ${VS} UP\n`, `VS ${VS} UP\n`, `RS ${rsLabel(2)} ${VS} DOWN\n`]);
  t.same(notifier.calls.map((c) => c.command), ['up 1', 'down 2']);
  t.same(weights(), { '192.0.2.1': 1 });
});

t.test('alpha with sorry server: starts with quorum down and the sorry server in', async (t) => {
  const { svc, logger, weights } = make({ alpha: true, sorryServer: { ip: '192.0.2.99' }, realServers: [rs(1)] });
  await svc.start();
  t.same(quiet(logger.take()), [
    `Starting with quorum down 1-0=1 > 0 for VS ${VS}`,
    `Adding sorry server [192.0.2.99]:tcp:80 to VS ${VS}`,
    `Removing alive servers from the pool for VS ${VS}`,
  ]);
  t.same(weights(), { '192.0.2.99': 1 });
  svc.processResult(0, OK);
  t.same(weights(), { '192.0.2.1': 1 });
});

t.test('quorum with hysteresis', async (t) => {
  const { svc, logger, fifo } = make({
    quorum: 3,
    hysteresis: 1,
    quorumUp: 'qup',
    quorumDown: 'qdown',
    realServers: [rs(1), rs(2), rs(3), rs(4)],
  });
  await svc.start();
  t.same(quiet(logger.take()), [`Gained quorum 3+1=4 <= 4 for VS ${VS}`]);
  svc.processResult(0, FAIL); // 3 left: still >= 3-1
  svc.processResult(1, FAIL); // 2 left: still >= 2
  t.notOk(logger.lines.some((l) => l.includes('quorum')), 'hysteresis holds quorum at 2');
  svc.processResult(2, FAIL); // 1 left: < 2
  t.ok(logger.take().includes(`Lost quorum 3-1=2 > 1 for VS ${VS}`));
  svc.processResult(0, OK); // 2: need 3+1=4 to regain
  svc.processResult(1, OK); // 3
  t.notOk(logger.lines.some((l) => l.includes('Gained')), 'not regained below quorum+hysteresis');
  svc.processResult(2, OK); // 4
  t.ok(logger.take().includes(`Gained quorum 3+1=4 <= 4 for VS ${VS}`));
  t.same(fifo.lines.filter((l) => l.startsWith('VS')), [`VS ${VS} UP\n`, `VS ${VS} DOWN\n`, `VS ${VS} UP\n`]);
});

t.test('inhibit_on_failure keeps the server at weight 0', async (t) => {
  const { svc, logger, weights } = make({ realServers: [rs(1, { inhibitOnFailure: true }), rs(2)] });
  await svc.start();
  svc.processResult(0, FAIL);
  t.same(weights(), { '192.0.2.1': 0, '192.0.2.2': 1 });
  t.ok(logger.take().includes(`Disabling service ${rsLabel(1)} of VS ${VS}`));
  svc.processResult(0, OK);
  t.same(weights(), { '192.0.2.1': 1, '192.0.2.2': 1 });
  t.ok(logger.take().includes(`Enabling service ${rsLabel(1)} of VS ${VS}`));
});

t.test('several checkers: the RS returns when the LAST failed checker recovers', async (t) => {
  const two = rs(1, { checkers: [{ type: 'TCP_CHECK', retry: 0 }, { type: 'TCP_CHECK', retry: 0 }] });
  const { svc, logger, weights } = make({ realServers: [two, rs(2)] });
  await svc.start();
  svc.processResult(0, FAIL);
  svc.processResult(1, FAIL);
  t.same(logger.take().filter((l) => l.startsWith('Removing')), [`Removing service ${rsLabel(1)} from VS ${VS}`]);
  svc.processResult(0, OK);
  t.same(weights(), { '192.0.2.2': 1 }, 'still out');
  svc.processResult(1, OK);
  t.same(weights(), { '192.0.2.1': 1, '192.0.2.2': 1 });
});

t.test('TCP retries: retry N needs N+1 consecutive failures once up', async (t) => {
  const { svc, logger } = make({
    realServers: [rs(1, { checkers: [{ type: 'TCP_CHECK', retry: 2, delayBeforeRetry: 0.5 }] }), rs(2)],
  });
  await svc.start();
  svc.processResult(0, OK);
  logger.take();
  t.equal(svc.processResult(0, FAIL), 500);
  t.equal(svc.processResult(0, FAIL), 500);
  t.same(logger.take(), [], 'retrying silently');
  t.equal(svc.processResult(0, FAIL), 2000, 'back to delay_loop');
  t.same(logger.take(), [`TCP_CHECK on service ${rsLabel(1)} failed after 2 retries.`, `Removing service ${rsLabel(1)} from VS ${VS}`]);
  t.equal(svc.processResult(0, OK), 2000);
  t.same(logger.take(), [`TCP connection to ${rsLabel(1)} success.`, `Adding service ${rsLabel(1)} to VS ${VS}`]);
});

t.test('log_all_failures logs every failed probe while up', async (t) => {
  const { svc, logger } = make({
    realServers: [rs(1, { checkers: [{ type: 'TCP_CHECK', retry: 1, logAllFailures: true }] }), rs(2)],
  });
  await svc.start();
  svc.processResult(0, OK);
  logger.take();
  svc.processResult(0, { ok: false, reason: 'TCP connection to X timeout.' });
  t.same(logger.take(), ['TCP connection to X timeout.']);
});

t.test('MISC_CHECK: retry wording and misc_dynamic weights', async (t) => {
  const misc = (extra: object) => rs(1, { weight: 10, checkers: [{ type: 'MISC_CHECK', miscPath: '/x/check', ...extra }] });
  const { svc, logger, weights } = make({ realServers: [misc({ retry: 2, logAllFailures: true, miscDynamic: true }), rs(2)] });
  await svc.start();
  logger.take();
  svc.processResult(0, { ok: true, exitCode: 0 });
  const head = `Misc check for [${rsLabel(1)} VS ${VS}] by [/x/check]`;
  t.same(logger.take(), [`${head} succeeded.`]);
  svc.processResult(0, { ok: true, exitCode: 7 }); // dynamic: weight = 7 - 2
  t.same(logger.take(), [`Changing weight from 10 to 5 for active service ${rsLabel(1)} of VS ${VS}`]);
  t.same(weights(), { '192.0.2.1': 5, '192.0.2.2': 1 });
  svc.processResult(0, { ok: false, exitCode: 1 });
  svc.processResult(0, { ok: false, exitCode: 1 });
  svc.processResult(0, { ok: false, exitCode: 1 });
  t.same(logger.take(), [
    `${head} failed, will do 2 retries (exited with status 1).`,
    `${head} failed on retry 1/2 (exited with status 1).`,
    `${head} failed after 2 retries (exited with status 1).`,
    `Removing service ${rsLabel(1)} from VS ${VS}`,
  ]);
  svc.processResult(0, { ok: true, exitCode: 0 });
  t.same(weights(), { '192.0.2.1': 10, '192.0.2.2': 1 }, 'back with the configured weight');
  logger.take();
  svc.processResult(0, { ok: false, signal: 15, timedOut: true });
  svc.processResult(0, { ok: false, signal: 15, timedOut: true });
  svc.processResult(0, { ok: false, signal: 9 });
  t.same(logger.take().slice(0, 3), [
    `${head} timed out, will do 2 retries.`,
    `${head} timed out on retry 1/2.`,
    `${head} failed after 2 retries (due to signal 9).`,
  ]);
});

t.test('HTTP: failing url is retried, recovery takes two good polls', async (t) => {
  const http = rs(1, {
    checkers: [{ type: 'HTTP_GET', url: [{ path: '/a' }, { path: '/b' }], retry: 1, delayBeforeRetry: 1 }],
  });
  const { svc, logger } = make({ realServers: [http, rs(2)] });
  await svc.start();
  logger.take();
  const objs = svc.checkerObjects[0]!.checker as import('../src/http.js').HttpChecker;
  const HOK = { ok: true, reason: 'HTTP status code' };
  t.equal(objs.urlIndex, 0);
  t.equal(svc.processResult(0, HOK), 2000);
  t.equal(objs.urlIndex, 1, 'walks to the next url');
  svc.processResult(0, HOK);
  t.same(logger.take(), [`Remote Web server ${rsLabel(1)} succeed on service.`]);
  svc.processResult(0, HOK); // /a
  t.equal(svc.processResult(0, FAIL), 1000, '/b failed once: retry after delay_before_retry');
  t.equal(objs.urlIndex, 1, 'same url retried');
  t.equal(svc.processResult(0, FAIL), 2000);
  t.same(logger.take(), [`HTTP_CHECK on service ${rsLabel(1)} failed after 1 retries.`, `Removing service ${rsLabel(1)} from VS ${VS}`]);
  svc.processResult(0, HOK); // the failed url answers
  t.same(logger.take(), [`HTTP status code success to ${rsLabel(1)} url(/b)`]);
  t.equal(objs.urlIndex, 0, 'then the whole list again');
  svc.processResult(0, HOK);
  svc.processResult(0, HOK);
  t.same(logger.take(), [
    `HTTP status code success to ${rsLabel(1)} url(/a)`,
    `HTTP status code success to ${rsLabel(1)} url(/b)`,
    `Remote Web server ${rsLabel(1)} succeed on service.`,
    `Adding service ${rsLabel(1)} to VS ${VS}`,
  ]);
});

t.test('stop: omega runs RS and VS DOWN notifies; without omega nothing', async (t) => {
  for (const omega of [true, false]) {
    const { svc, fifo, notifier, logger } = make({ omega, quorumDown: 'qd', realServers: [rs(1), rs(2, { inhibitOnFailure: true })] });
    await svc.start();
    svc.processResult(1, FAIL);
    fifo.lines = [];
    notifier.calls = [];
    logger.take();
    await svc.stop();
    t.same(logger.take(), [
      `Shutting down service ${rsLabel(1)} from VS ${VS}`,
      `Shutting down (inhibited) service ${rsLabel(2)} from VS ${VS}`,
    ]);
    t.same(svc.desiredTable(), { services: [] });
    if (omega) {
      t.same(fifo.lines, [`RS ${rsLabel(1)} ${VS} DOWN\n`, `VS ${VS} DOWN\n`]);
      t.same(notifier.calls, [{ command: 'down 1', stopping: true }, { command: 'qd', stopping: true }]);
    } else {
      t.same(fifo.lines, []);
      t.same(notifier.calls, []);
    }
  }
});

t.test('config resolution warnings', async (t) => {
  const { svc } = make({ quorum: 5, hysteresis: 9, realServers: [rs(1, { port: 8080, lbKind: 'DR' })] });
  t.same(svc.warnings, [
    `WARNING - virtual server ${VS} and real server [192.0.2.1]:tcp:8080 ports don't match - resetting`,
    `Warning - quorum 5 for ${VS} exceeds total weight of real servers 1, reducing quorum to 1`,
    `Virtual server ${VS}: hysteresis 9 >= quorum 1; setting hysteresis to 0`,
  ]);
});

t.test('FILE_CHECK: read before start, fault keeps the RS out, values move the weight', async (t) => {
  const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'ckr-fsm-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const f1 = join(dir, 'one');
  const f2 = join(dir, 'two');
  writeFileSync(f1, '1'); // weight 0: non-zero = fault
  writeFileSync(f2, '3'); // weight 2: +6
  const { svc, logger, weights } = make({
    realServers: [
      rs(1, { checkers: [{ type: 'FILE_CHECK', file: f1, weight: 0 }] }),
      rs(2, { weight: 10, checkers: [{ type: 'FILE_CHECK', file: f2, weight: 2 }] }),
    ],
  });
  await svc.start();
  t.same(weights(), { '192.0.2.2': 16 }, 'faulted RS never added; weight 10 + 3*2');
  logger.take();
  writeFileSync(f1, '0');
  svc.processResult(0, await svc.checkerObjects[0]!.checker.check());
  t.same(logger.take(), [`Adding service ${rsLabel(1)} to VS ${VS}`]);
  writeFileSync(f2, '-1');
  svc.processResult(1, await svc.checkerObjects[1]!.checker.check());
  t.same(logger.take(), [`Changing weight from 16 to 8 for active service ${rsLabel(2)} of VS ${VS}`]);
  t.same(weights(), { '192.0.2.1': 1, '192.0.2.2': 8 });
});

t.test('SMTP alerts: a real server\'s checker changes, and the VS quorum, with keepalived\'s texts', async (t) => {
  const mails: string[] = [];
  const mailer = { send: (s: string, b: string) => mails.push(`${s} | ${b}`), noCheckerEmails: false };
  const { svc } = make({ smtpAlert: true, realServers: [rs(1, { smtpAlert: true }), rs(2, { smtpAlert: false })] }, { mailer });
  await svc.start();
  t.same(mails, [`Virtualserver ${VS} - UP | => Starting with quorum up 1+0=1 <= 2 <=`]);
  mails.length = 0;
  svc.processResult(0, FAIL);
  svc.processResult(1, FAIL);
  t.same(mails, [
    `Realserver ${rsLabel(1)} of virtual server ${VS} - DOWN | => TCP CHECK failed on service <=`,
    `Virtualserver ${VS} - DOWN | => Lost quorum 1+0=1 <= 0 <=`,
  ], 'rs 2 has smtp_alert off; the lost quorum still mails ("+" and "<=" as keepalived writes them)');
  mails.length = 0;
  svc.processResult(0, FAIL);
  t.same(mails, [], 'no change, no mail');
  svc.processResult(0, OK);
  t.same(mails, [
    `Virtualserver ${VS} - UP | => Gained quorum 1+0=1 <= 1 <=`,
    `Realserver ${rsLabel(1)} of virtual server ${VS} - UP | => TCP CHECK succeed on service <=`,
  ], 'the quorum mail first: keepalived sends it from inside the server state update');
});

t.test('no_checker_emails: only a checker change that moves its server mails', async (t) => {
  const mails: string[] = [];
  const mailer = { send: (s: string) => mails.push(s), noCheckerEmails: true };
  const two = { smtpAlert: true, checkers: [{ type: 'TCP_CHECK' as const, retry: 0 }, { type: 'HTTP_GET' as const, retry: 0, url: [{ path: '/' }] }] };
  const { svc } = make({ realServers: [rs(1, two)] }, { mailer });
  await svc.start();
  svc.processResult(0, FAIL);
  t.same(mails, [`Realserver ${rsLabel(1)} of virtual server ${VS} - DOWN`], 'the first failure takes the server down');
  svc.processResult(1, FAIL);
  t.equal(mails.length, 1, 'the second checker failing changes nothing for the server: no mail');
});

t.test('SMTP alerts at stop: only an omega VS mails its servers and itself', async (t) => {
  const mails: string[] = [];
  const mailer = { send: (s: string, b: string) => mails.push(`${s} | ${b}`), noCheckerEmails: false };
  const plain = make({ smtpAlert: true, realServers: [rs(1, { smtpAlert: true })] }, { mailer });
  await plain.svc.start();
  mails.length = 0;
  await plain.svc.stop();
  t.same(mails, [], 'not omega: nothing at stop');
  const omega = make({ omega: true, smtpAlert: true, realServers: [rs(1, { smtpAlert: true })] }, { mailer });
  await omega.svc.start();
  mails.length = 0;
  await omega.svc.stop();
  t.same(mails, [
    `Realserver ${rsLabel(1)} of virtual server ${VS} - DOWN | => Shutting down <=`,
    `Virtualserver ${VS} - DOWN | => Shutting down <=`,
  ]);
});

t.test('ha_suspend: checkers run only while the VS address is here, counted per copy', async (t) => {
  const { svc, logger } = make({ haSuspend: true, realServers: [rs(1)] });
  t.equal(svc.usesHaSuspend, true);
  svc.seedAddresses(['192.0.2.50']);
  await svc.start();
  t.same(logger.take().filter((l) => /ctivating/.test(l)), [`Deactivating healthchecker for service ${rsLabel(1)} for VS ${VS}`]);
  t.equal(svc.addressChanged('192.0.2.77', true), false, 'not the VS address');
  t.equal(svc.addressChanged('10.0.0.1', true), true);
  t.same(logger.take(), [`Activating healthchecker for service ${rsLabel(1)} for VS ${VS}`]);
  svc.addressChanged('10.0.0.1', true); // the same VIP on a second interface
  svc.addressChanged('10.0.0.1', false);
  t.same(logger.take(), [], 'one copy left: still active');
  svc.addressChanged('10.0.0.1', false);
  t.same(logger.take(), [`Suspending healthchecker for service ${rsLabel(1)} for VS ${VS}`]);
});

t.test('ha_suspend: the VS address present at start activates at once; unknown addresses leave checkers on', async (t) => {
  const here = make({ haSuspend: true, realServers: [rs(1)] });
  here.svc.seedAddresses(['10.0.0.1']);
  await here.svc.start();
  t.same(here.logger.take().filter((l) => /ctivating/.test(l)), [`Activating healthchecker for service ${rsLabel(1)} for VS ${VS}`]);
  const unknown = make({ haSuspend: true, realServers: [rs(1)] });
  unknown.svc.haSuspendUnavailable();
  await unknown.svc.start();
  t.same(unknown.logger.take().filter((l) => /ctivating/.test(l)), [`Activating healthchecker for service ${rsLabel(1)} for VS ${VS}`]);
});
