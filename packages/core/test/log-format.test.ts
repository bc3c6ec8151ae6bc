/** The byte formats of keepalived's log lines: syslog datagram codec, console and file lines, file names. */
process.env.TZ = 'UTC';
import t from 'tap';
import {
  cTime,
  decodeSyslogDatagram,
  encodeSyslogDatagram,
  formatConsoleLine,
  formatLogFileLine,
  syslogRecord,
  syslogTime,
  truncateForConsole,
} from '../src/log/format.js';
import { makeLogFileName, keepalivedTmpDir } from '../src/log/file.js';
import { makeSyslogIdent } from '../src/log/priority.js';

const nov22 = new Date('2026-11-22T12:03:37Z');
const nov2 = new Date('2026-11-02T09:05:01Z');

t.test('timestamps in the C locale', async (t) => {
  t.equal(cTime(nov22), 'Sun Nov 22 12:03:37 2026');
  t.equal(cTime(nov2), 'Mon Nov  2 09:05:01 2026', '%c pads the day with a space');
  t.equal(syslogTime(nov22), 'Nov 22 12:03:37');
  t.equal(syslogTime(nov2), 'Nov  2 09:05:01', '%e pads with a space');
});

t.test('console line: "%c: text"', async (t) => {
  t.equal(
    formatConsoleLine(new Date('2026-11-22T11:07:48Z'), 'Starting Keepalived v2.2.7 (01/16,2022)'),
    'Sun Nov 22 11:07:48 2026: Starting Keepalived v2.2.7 (01/16,2022)\n',
  );
});

t.test('log file line: "%a %b %d %T.nnnnnnnnn %Y: text"', async (t) => {
  t.equal(formatLogFileLine(nov2, 1234, 'x'), 'Mon Nov 02 09:05:01.000001234 2026: x\n');
  t.equal(formatLogFileLine(nov22, 999_999_999, '%s'), 'Sun Nov 22 12:03:37.999999999 2026: %s\n');
});

t.test("console text stops at 510 bytes like keepalived's buffer, on a character boundary", async (t) => {
  t.equal(truncateForConsole('a'.repeat(600)), 'a'.repeat(510));
  t.equal(truncateForConsole('a'.repeat(510)), 'a'.repeat(510));
  const euro = 'a' + '€'.repeat(200); // 1 + 600 bytes; 169 whole euros fit in 510
  t.equal(truncateForConsole(euro), 'a' + '€'.repeat(169));
  t.equal(Buffer.byteLength(truncateForConsole(euro)), 508);
});

t.test('syslog datagram: golden bytes', async (t) => {
  const rec = syslogRecord(3, 6, nov22, 'Keepalived_vrrp', 4242, '(VI_1) Entering MASTER STATE');
  const bytes = encodeSyslogDatagram(rec);
  t.equal(bytes.toString('latin1'), '<30>Nov 22 12:03:37 Keepalived_vrrp[4242]: (VI_1) Entering MASTER STATE');
  t.equal(bytes.at(-1), 0x45, 'no trailing newline or NUL on a datagram socket');
  const local7err = encodeSyslogDatagram(syslogRecord(23, 3, nov2, 'Keepalived', 1, 'x'));
  t.equal(local7err.toString(), '<187>Nov  2 09:05:01 Keepalived[1]: x');
  const noPid = encodeSyslogDatagram(syslogRecord(1, 7, nov2, 'Keepalived_healthcheckers', undefined, 'y'));
  t.equal(noPid.toString(), '<15>Nov  2 09:05:01 Keepalived_healthcheckers: y');
});

t.test('syslog datagram: round trip, also at an offset', async (t) => {
  const rec = syslogRecord(16, 4, nov2, 'Keepalived_vrrp', 77, 'text: with [brackets] and €');
  const bytes = encodeSyslogDatagram(rec);
  t.same(decodeSyslogDatagram(bytes), rec);
  const framed = Buffer.concat([Buffer.from('garbage'), bytes, Buffer.from('tail')]);
  t.same(decodeSyslogDatagram(framed, 7, bytes.length), rec);
  t.equal(decodeSyslogDatagram(Buffer.from('<300>Nov 22 12:03:37 x: y')), undefined, 'PRI out of range');
  t.equal(decodeSyslogDatagram(Buffer.from('hello')), undefined);
  t.equal(decodeSyslogDatagram(Buffer.from('<30>Foo 22 12:03:37 x: y')), undefined, 'not a month');
});

t.test('log file names (make_file_name)', async (t) => {
  t.equal(makeLogFileName('keepalived.log', undefined, undefined, undefined, '/tmp'), '/tmp/keepalived.log');
  t.equal(makeLogFileName('keepalived.log', 'vrrp', undefined, undefined, '/tmp'), '/tmp/keepalived_vrrp.log');
  t.equal(makeLogFileName('keepalived.log', 'check', 'ns1', 'inst', '/tmp'), '/tmp/keepalived_check_ns1_inst.log');
  t.equal(makeLogFileName('/var/log/ka', 'bfd', undefined, undefined, '/tmp'), '/var/log/ka_bfd', 'no extension');
  t.equal(makeLogFileName('/var/log.d/ka', 'vrrp', undefined, undefined, '/tmp'), '/var/log.d/ka_vrrp', 'a dot in a directory is no extension');
  t.equal(makeLogFileName('a.b.log', 'vrrp', undefined, undefined, '/x'), '/x/a.b_vrrp.log', 'the last dot starts the extension');
  t.equal(keepalivedTmpDir({ TMPDIR: '/var/tmp' }), '/var/tmp');
  t.equal(keepalivedTmpDir({ TMPDIR: 'relative' }), '/tmp', 'a relative TMPDIR is ignored');
  t.equal(keepalivedTmpDir({}), '/tmp');
});

t.test('syslog idents', async (t) => {
  t.equal(makeSyslogIdent('Keepalived_vrrp'), 'Keepalived_vrrp');
  t.equal(makeSyslogIdent('Keepalived', 'blue', 'i1'), 'Keepalived_blue_i1');
  t.equal(makeSyslogIdent('Keepalived', undefined, 'i1'), 'Keepalived_i1');
});
