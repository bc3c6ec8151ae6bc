/** The logger facade: console and file formats, fan-out, the process-wide `log`. */
process.env.TZ = 'UTC';
import t from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createFakeNative } from '@keepalived-ts/native';
import { createLogger, createMemoryLogger, getProcessLogger, log, setProcessLogger } from '../src/log/logger.js';
import { openLogFile } from '../src/log/file.js';
import { Priority } from '../src/log/priority.js';

class Capture {
  text = '';
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

const at = (iso: string, extraMs = 0) => () => new Date(iso).getTime() + extraMs;

t.test('console lines as keepalived -l -n prints them', async (t) => {
  const out = new Capture();
  const logger = createLogger({ ident: 'Keepalived', syslog: false, console: true, consoleSink: out, now: at('2026-11-22T11:07:48Z') });
  logger.info('Starting Keepalived v2.2.7 (01/16,2022)');
  logger.error('(VI_1) Entering FAULT STATE');
  logger.info('%s %% {"a":1}');
  t.equal(
    out.text,
    'Sun Nov 22 11:07:48 2026: Starting Keepalived v2.2.7 (01/16,2022)\n' +
      'Sun Nov 22 11:07:48 2026: (VI_1) Entering FAULT STATE\n' +
      'Sun Nov 22 11:07:48 2026: %s %% {"a":1}\n',
  );
  await logger.close();
});

t.test('log file lines, with nanoseconds, appended', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ka-logfile-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'keepalived_vrrp.log');
  fs.writeFileSync(file, 'earlier\n');
  const sink = openLogFile(file);
  t.ok(sink, 'opened');
  const logger = createLogger({ ident: 'Keepalived_vrrp', syslog: false, file: sink, now: at('2026-11-02T09:05:01Z', 123.25) });
  logger.info('(VI_1) Entering BACKUP STATE');
  logger.warn('second');
  await logger.close();
  t.equal(
    fs.readFileSync(file, 'utf8'),
    'earlier\n' +
      'Mon Nov 02 09:05:01.123250000 2026: (VI_1) Entering BACKUP STATE\n' +
      'Mon Nov 02 09:05:01.123250000 2026: second\n',
  );
  t.equal(openLogFile(path.join(dir, 'no/such/dir.log')), undefined, 'an unopenable file is no file, not a crash');
  fs.symlinkSync(file, path.join(dir, 'link.log'));
  t.equal(openLogFile(path.join(dir, 'link.log')), undefined, 'symlinks refused like fopen_safe');
});

t.test('one record goes to every target', async (t) => {
  const fake = createFakeNative();
  const out = new Capture();
  const logger = createLogger({
    ident: 'Keepalived_healthcheckers',
    facility: 20,
    native: fake.native,
    pid: 99,
    console: true,
    consoleSink: out,
    now: at('2026-11-22T12:03:37Z'),
  });
  logger.notice('Lost quorum 1-0=1 > 0 for VS [192.0.2.200]:tcp:80');
  t.equal(out.text, 'Sun Nov 22 12:03:37 2026: Lost quorum 1-0=1 > 0 for VS [192.0.2.200]:tcp:80\n');
  t.same(
    fake.callsOf('sendto').map((a) => (a[1] as Buffer).toString()),
    ['<165>Nov 22 12:03:37 Keepalived_healthcheckers[99]: Lost quorum 1-0=1 > 0 for VS [192.0.2.200]:tcp:80'],
  );
  logger.log(Priority.err, 'by number');
  t.match((fake.callsOf('sendto')[1]![1] as Buffer).toString(), /^<163>/);
  await logger.close();
  t.same(fake.openFds(), []);
});

t.test('syslog needs the native binding; -G does not', async (t) => {
  t.throws(() => createLogger({ ident: 'K' }), /native binding/);
  t.doesNotThrow(() => void createLogger({ ident: 'K', syslog: false }).close());
});

t.test('detail flag is exposed', async (t) => {
  t.equal(createLogger({ ident: 'K', syslog: false, detail: 2 }).detail, 2);
  t.equal(createLogger({ ident: 'K', syslog: false }).detail, 0);
});

t.test('process-wide log delegates to the installed logger', async (t) => {
  const mem = createMemoryLogger(1);
  const previous = setProcessLogger(mem);
  t.teardown(() => void setProcessLogger(previous));
  log.info('a');
  log.warn('b');
  log.debug('c');
  t.equal(log.detail, 1);
  t.equal(getProcessLogger(), mem);
  t.same(mem.lines, [
    { priority: Priority.info, text: 'a' },
    { priority: Priority.warning, text: 'b' },
    { priority: Priority.debug, text: 'c' },
  ]);
  const bounded = createMemoryLogger(0, 2);
  bounded.info('1');
  bounded.info('2');
  bounded.info('3');
  t.same(bounded.lines.map((l) => l.text), ['2', '3']);
});

t.test('createRoleLogger: per-process ident, file suffix, console rule', async (t) => {
  const { createRoleLogger } = await import('../src/cli/logging.js');
  const { parseCommandLine } = await import('../src/cli/options.js');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ka-role-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const fake = createFakeNative();
  const out = new Capture();
  const o = parseCommandLine(['-n', '-l', '-S', 'local1', '-g']).options;
  const vrrp = createRoleLogger('vrrp', o, { native: fake.native, consoleSink: out, tmpDir: dir, namespace: 'blue' });
  vrrp.info('(VI_1) Entering BACKUP STATE (init)');
  await vrrp.close();
  t.match((fake.callsOf('sendto')[0]![1] as Buffer).toString(), /^<142>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d Keepalived_vrrp_blue\[\d+\]: \(VI_1\) Entering BACKUP STATE \(init\)$/);
  t.match(out.text, /: \(VI_1\) Entering BACKUP STATE \(init\)\n$/);
  t.match(fs.readFileSync(path.join(dir, 'keepalived_vrrp_blue.log'), 'utf8'), /^[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d\.\d{9} \d{4}: \(VI_1\) Entering BACKUP STATE \(init\)\n$/);
  const forked = createRoleLogger('checkers', parseCommandLine(['-l', '-G']).options, { native: fake.native, consoleSink: out });
  const before = out.text;
  forked.info('x');
  await forked.close();
  t.equal(out.text, before, '-l without -n: no console');
  t.equal(fake.callsOf('sendto').length, 1, '-G: no syslog');
});

t.test('log file keeps every line in order through asynchronous writes', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ka-logfile-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'k.log');
  const logger = createLogger({ ident: 'K', syslog: false, file: openLogFile(file), now: at('2026-11-22T12:00:00Z') });
  for (let i = 0; i < 3000; i++) logger.info(`line ${i}`);
  await logger.close();
  const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  t.equal(lines.length, 3000);
  t.ok(lines.every((l, i) => l.endsWith(`: line ${i}`)), 'in order');
});
