/**
 * Syslog delivery against a real receiver: an AF_UNIX datagram socket bound
 * in a temporary directory, read through the native shim. The bytes must be
 * exactly what glibc's syslog(3) sends for keepalived.
 */
process.env.TZ = 'UTC';
import t from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AF_UNIX,
  SOCK_DGRAM,
  createFakeNative,
  encodeSockaddrUn,
  loadNative,
  startReader,
  syscallError,
  type NativeBinding,
} from '@keepalived-ts/native';
import { createLogger } from '../src/log/logger.js';
import { SyslogClient } from '../src/log/syslog.js';
import { LogIdent, SyslogFacility } from '../src/log/priority.js';

const native = loadNative();

/** A syslog daemon stand-in: binds `file`, queues every datagram. */
class Receiver {
  private readonly fd: number;
  private readonly queue: Buffer[] = [];
  private waiter: ((b: Buffer) => void) | undefined;
  private readonly reader;

  constructor(
    n: NativeBinding,
    readonly file: string,
  ) {
    this.fd = n.socket(AF_UNIX, SOCK_DGRAM, 0);
    n.bind(this.fd, encodeSockaddrUn(file));
    this.reader = startReader(n, this.fd, { maxLen: 65536 }, (m) => {
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = undefined;
        w(m.data);
      } else this.queue.push(m.data);
    });
  }

  next(timeoutMs = 5000): Promise<string> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued.toString('utf8'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no datagram received')), timeoutMs);
      this.waiter = (b) => {
        clearTimeout(timer);
        resolve(b.toString('utf8'));
      };
    });
  }

  /** Nothing more arrives within a short while (after the event loop had turns to deliver it). */
  async none(): Promise<boolean> {
    await new Promise((r) => setTimeout(r, 50));
    return this.queue.length === 0;
  }

  close(): void {
    this.reader.stop();
    native.close(this.fd);
    fs.rmSync(this.file, { force: true });
  }
}

function tempSocketPath(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ka-log-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'log');
}

const fixedNow = (iso: string) => () => new Date(iso).getTime() + 0.5;

t.test('exact RFC 3164 bytes from the VRRP child logger', async (t) => {
  const file = tempSocketPath(t);
  const rx = new Receiver(native, file);
  t.teardown(() => rx.close());
  const log = createLogger({
    ident: LogIdent.vrrp,
    native,
    syslogPath: file,
    pid: 4242,
    now: fixedNow('2026-11-22T12:03:37Z'),
  });
  t.teardown(() => log.close());
  log.info('(VI_1) Entering MASTER STATE');
  t.equal(await rx.next(), '<30>Nov 22 12:03:37 Keepalived_vrrp[4242]: (VI_1) Entering MASTER STATE');
  log.error('text with %s %d %% {"json":1} and € kept verbatim');
  t.equal(await rx.next(), '<27>Nov 22 12:03:37 Keepalived_vrrp[4242]: text with %s %d %% {"json":1} and € kept verbatim');
  log.warn('w');
  log.notice('n');
  log.debug('d');
  log.crit('c');
  log.alert('a');
  log.emerg('e');
  const got = [];
  for (let i = 0; i < 6; i++) got.push(await rx.next());
  t.same(
    got.map((s) => s.slice(0, s.indexOf('>') + 1)),
    ['<28>', '<29>', '<31>', '<26>', '<25>', '<24>'],
    'warning, notice, debug, crit, alert, emerg severities with facility daemon',
  );
});

t.test('-S facility, default pid, other idents', async (t) => {
  const file = tempSocketPath(t);
  const rx = new Receiver(native, file);
  t.teardown(() => rx.close());
  const log = createLogger({
    ident: LogIdent.checkers,
    facility: SyslogFacility.local3,
    native,
    syslogPath: file,
    now: fixedNow('2026-11-02T09:05:01Z'),
  });
  t.teardown(() => log.close());
  log.info('Activating healthchecker for service [192.0.2.11]:tcp:80');
  t.equal(
    await rx.next(),
    `<158>Nov  2 09:05:01 Keepalived_healthcheckers[${process.pid}]: Activating healthchecker for service [192.0.2.11]:tcp:80`,
  );
});

t.test('no /dev/log: messages are dropped quietly, delivery starts when a daemon appears', async (t) => {
  const file = tempSocketPath(t);
  const client = new SyslogClient({ native, ident: 'Keepalived', facility: 3, path: file, pid: 1 });
  t.teardown(() => client.close());
  client.log(6, 'lost', new Date('2026-11-22T12:00:00Z'));
  t.equal(client.stats.dropped, 1);
  t.equal(client.isConnected(), false);
  const rx = new Receiver(native, file);
  t.teardown(() => rx.close());
  client.log(6, 'found', new Date('2026-11-22T12:00:01Z'));
  t.equal(await rx.next(), '<30>Nov 22 12:00:01 Keepalived[1]: found');
  t.equal(client.stats.sent, 1);
});

t.test('syslog daemon restart: reconnect and resend', async (t) => {
  const file = tempSocketPath(t);
  let rx = new Receiver(native, file);
  const client = new SyslogClient({ native, ident: 'Keepalived', facility: 3, path: file, pid: 7 });
  t.teardown(() => client.close());
  client.log(6, 'before', new Date('2026-11-22T12:00:00Z'));
  t.equal(await rx.next(), '<30>Nov 22 12:00:00 Keepalived[7]: before');
  rx.close();
  rx = new Receiver(native, file);
  t.teardown(() => rx.close());
  client.log(6, 'after', new Date('2026-11-22T12:00:02Z'));
  t.equal(await rx.next(), '<30>Nov 22 12:00:02 Keepalived[7]: after');
  t.equal(client.stats.reconnects, 1);
  t.equal(client.stats.dropped, 0);
  t.ok(await rx.none(), 'sent once');
});

t.test('a full daemon queue (EAGAIN) delays messages in order instead of blocking or losing them', async (t) => {
  let full = true;
  const fake = createFakeNative({
    sendto: (_fd, data) => {
      if (full) throw syscallError('sendto', 11, 'EAGAIN');
      return (data as Buffer).length;
    },
  });
  const client = new SyslogClient({ native: fake.native, ident: 'K', facility: 3, path: '/dev/log', pid: 1, retryMs: 5 });
  t.teardown(() => client.close());
  const d = new Date('2026-11-22T12:00:00Z');
  client.log(6, 'one', d);
  client.log(6, 'two', d);
  t.equal(client.pendingCount(), 2);
  full = false;
  await new Promise((r) => setTimeout(r, 40));
  t.equal(client.pendingCount(), 0);
  const sent = fake.callsOf('sendto').map((a) => (a[1] as Buffer).toString());
  t.same(sent.slice(-2), ['<30>Nov 22 12:00:00 K[1]: one', '<30>Nov 22 12:00:00 K[1]: two']);
  t.equal(client.stats.sent, 2);
});

t.test('pending queue is bounded: the oldest go', async (t) => {
  const fake = createFakeNative({
    sendto: () => {
      throw syscallError('sendto', 11, 'EAGAIN');
    },
  });
  const client = new SyslogClient({ native: fake.native, ident: 'K', facility: 3, pid: 1, maxPending: 3, retryMs: 1000 });
  for (let i = 0; i < 5; i++) client.log(6, `m${i}`);
  t.equal(client.pendingCount(), 3);
  t.equal(client.stats.dropped, 2);
  client.close();
  t.equal(client.stats.dropped, 5, 'closing with messages pending counts them lost');
  t.same(fake.openFds(), [], 'socket closed');
});

t.test('the native shim is only loaded when a message is sent', async (t) => {
  let loads = 0;
  const client = new SyslogClient({
    native: () => {
      loads++;
      return createFakeNative().native;
    },
    ident: 'K',
    facility: 3,
  });
  t.equal(loads, 0);
  client.log(6, 'x');
  client.log(6, 'y');
  t.equal(loads, 1);
  client.close();
});
