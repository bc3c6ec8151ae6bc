/**
 * bind_if / fwmark probe sockets against a fake native binding: the options
 * go on in keepalived's order (SO_MARK, SO_BINDTODEVICE, bind, connect), a
 * failure is logged with keepalived's text and fails the probe, and a
 * non-blocking connect is judged by SO_ERROR once the socket is writable.
 * The real kernel behaviour is in conformance/test/checker-placement.test.ts.
 */
import t from 'tap';
import {
  POLL_READABLE,
  POLL_WRITABLE,
  SOL_SOCKET,
  SO_BINDTODEVICE,
  SO_ERROR,
  SO_MARK,
  createFakeNative,
  decodeSockaddr,
  syscallError,
  type NativeBinding,
} from '@keepalived-ts/native';
import { hasPlacement, placedTcpConnect, placedUdpExchange } from '../src/socket-placement.js';
import { ConnectError } from '../src/connect-error.js';
import { TcpChecker } from '../src/tcp.js';
import type { ResolvedChecker } from '../src/resolve.js';

function resolvedTcp(o: Partial<ResolvedChecker> & Pick<ResolvedChecker, 'dst'>): ResolvedChecker {
  return {
    settings: { type: 'TCP_CHECK' },
    timing: { delayLoopMs: 1000, warmupMs: 0, retry: 0, delayBeforeRetryMs: 1000, connectTimeoutMs: 1000, alpha: false, logAllFailures: false },
    vsDelayLoopMs: 1000,
    ...o,
  } as ResolvedChecker;
}

const dst = { ip: '198.51.100.7', port: 8080, family: 4 as const };

t.test('hasPlacement: fwmark 0 and an empty bind_if mean none, as in keepalived', async (t) => {
  t.equal(hasPlacement({}), false);
  t.equal(hasPlacement({ fwmark: 0 }), false);
  t.equal(hasPlacement({ bindIf: '' }), false);
  t.equal(hasPlacement({ fwmark: 1 }), true);
  t.equal(hasPlacement({ bindIf: 'eth0' }), true);
});

/** A fake whose connect() is in progress and whose poll reports writable with the given SO_ERROR. */
function connecting(soError: number, overrides: Partial<NativeBinding> = {}) {
  let onWritable: ((err?: never, events?: number) => void) | undefined;
  const fake = createFakeNative({
    connect: () => {
      throw syscallError('connect', 115, 'EINPROGRESS');
    },
    poll: (_fd, cb) => {
      onWritable = cb as typeof onWritable;
      setImmediate(() => onWritable?.(undefined, POLL_WRITABLE));
      return { stop: () => (onWritable = undefined), ref() {}, unref() {} };
    },
    getsockopt: (_fd, _level, _name, len) => {
      const b = Buffer.alloc(len);
      b.writeInt32LE(soError, 0);
      return b;
    },
    ...overrides,
  });
  return fake;
}

t.test('options are applied before bind and connect, in keepalived order', async (t) => {
  const fake = connecting(0);
  const fd = await placedTcpConnect({
    native: fake.native,
    dst,
    bindIp: '192.0.2.1',
    bindPort: 4000,
    bindIf: 'eth1',
    fwmark: 0xfffffffe,
    timeoutMs: 1000,
  });
  const order = fake.calls.map((c) => c.fn).filter((f) => f !== 'getsockopt');
  t.same(order, ['socket', 'setsockopt', 'setsockopt', 'bind', 'connect', 'poll']);
  const [mark, dev] = fake.callsOf('setsockopt');
  t.same(mark!.slice(1), [SOL_SOCKET, SO_MARK, 0xfffffffe | 0], 'a mark above 2^31 keeps its bits');
  t.same(dev!.slice(1, 3), [SOL_SOCKET, SO_BINDTODEVICE]);
  t.equal((dev![3] as Buffer).toString('latin1'), 'eth1\0', 'the device name is NUL-terminated');
  t.match(decodeSockaddr(fake.callsOf('bind')[0]![1] as Buffer), { address: '192.0.2.1', port: 4000 });
  t.match(decodeSockaddr(fake.callsOf('connect')[0]![1] as Buffer), { address: '198.51.100.7', port: 8080 });
  t.same(fake.callsOf('getsockopt')[0]!.slice(1, 3), [SOL_SOCKET, SO_ERROR]);
  t.equal(fd, 100);
  t.same(fake.openFds(), [100], 'the connected fd belongs to the caller');
});

t.test('the poll asks for writability', async (t) => {
  const events: unknown[] = [];
  const fake = connecting(0, {
    poll: (_fd, cb, ev) => {
      events.push(ev);
      setImmediate(() => cb(undefined, POLL_WRITABLE));
      return { stop() {}, ref() {}, unref() {} };
    },
  });
  await placedTcpConnect({ native: fake.native, dst, fwmark: 3, timeoutMs: 1000 });
  t.same(events, [POLL_WRITABLE]);
  t.not(POLL_WRITABLE, POLL_READABLE);
});

t.test('an unknown device is logged with keepalived text and fails without connecting', async (t) => {
  const logs: string[] = [];
  const fake = createFakeNative({
    setsockopt: (_fd, _l, name) => {
      if (name === SO_BINDTODEVICE) throw syscallError('setsockopt', 19, 'ENODEV');
    },
  });
  const err = await placedTcpConnect({ native: fake.native, dst, bindIf: 'nope0', timeoutMs: 1000, log: (m) => logs.push(m) }).catch(
    (e: unknown) => e,
  );
  t.ok(err instanceof ConnectError);
  t.equal((err as ConnectError).kind, 'error');
  t.same(logs, ["Checker can't bind to device nope0: No such device"]);
  t.same(fake.callsOf('connect'), []);
  t.same(fake.openFds(), [], 'the socket is closed');
});

t.test('a refused fwmark is logged with keepalived text', async (t) => {
  const logs: string[] = [];
  const fake = createFakeNative({
    setsockopt: (_fd, _l, name) => {
      if (name === SO_MARK) throw syscallError('setsockopt', 1, 'EPERM');
    },
  });
  await t.rejects(placedTcpConnect({ native: fake.native, dst, fwmark: 9, timeoutMs: 1000, log: (m) => logs.push(m) }));
  t.same(logs, ['Error setting fwmark 9 to socket: Operation not permitted']);
  t.same(fake.openFds(), []);
});

t.test('SO_ERROR decides the outcome of an in-progress connect', async (t) => {
  for (const [errno, kind] of [
    [111, 'refused'],
    [113, 'unreachable'],
    [101, 'unreachable'],
    [110, 'timeout'],
    [104, 'error'],
  ] as const) {
    const fake = connecting(errno);
    const err = await placedTcpConnect({ native: fake.native, dst, fwmark: 1, timeoutMs: 1000 }).catch((e: unknown) => e);
    t.equal((err as ConnectError).kind, kind, `errno ${errno}`);
    t.same(fake.openFds(), [], `errno ${errno}: closed`);
  }
});

t.test('a connect that never completes times out and closes its socket', async (t) => {
  const fake = createFakeNative({
    connect: () => {
      throw syscallError('connect', 115, 'EINPROGRESS');
    },
  });
  const err = await placedTcpConnect({ native: fake.native, dst, fwmark: 1, timeoutMs: 30 }).catch((e: unknown) => e);
  t.equal((err as ConnectError).kind, 'timeout');
  t.same(fake.openFds(), []);
});

t.test('UDP: a queued ICMP error surfaces as ECONNREFUSED from recvmsg', async (t) => {
  const fake = createFakeNative({
    poll: (_fd, cb) => {
      // libuv reports POLLERR as an error and stops the watch
      setImmediate(() => cb(syscallError('poll', 9, 'EBADF')));
      return { stop() {}, ref() {}, unref() {} };
    },
    recvmsg: () => {
      throw syscallError('recvmsg', 111, 'ECONNREFUSED');
    },
  });
  const out = await placedUdpExchange({ native: fake.native, dst, fwmark: 5, timeoutMs: 1000, payload: Buffer.from('hi') });
  t.match(out, { kind: 'error', code: 'ECONNREFUSED' });
  t.same(fake.callsOf('sendto')[0]![1], Buffer.from('hi'));
  t.same(fake.openFds(), []);
});

t.test('UDP: a reply the caller does not accept is skipped', async (t) => {
  const fake = createFakeNative();
  const p = placedUdpExchange({
    native: fake.native,
    dst,
    bindIf: 'eth0',
    timeoutMs: 1000,
    payload: Buffer.from('q'),
    accept: (d) => d.toString() === 'mine',
  });
  fake.deliver(100, { data: Buffer.from('other') });
  fake.deliver(100, { data: Buffer.from('mine') });
  t.same(await p, { kind: 'reply', data: Buffer.from('mine') });
  t.same(fake.callsOf('poll')[0], [100, POLL_READABLE]);
});

t.test('TCP_CHECK with bind_if uses the placed socket and closes it after connecting', async (t) => {
  const fake = connecting(0);
  const logs: string[] = [];
  const cfg = resolvedTcp({ dst, bindIf: 'eth0' });
  const checker = new TcpChecker(cfg, '[198.51.100.7]:tcp:8080', { info: (m) => logs.push(m) }, fake.native);
  const r = await checker.check();
  t.same(r, { ok: true });
  t.same(fake.openFds(), [], 'closed after a successful connect, like keepalived');
  const refused = new TcpChecker(cfg, '[198.51.100.7]:tcp:8080', undefined, connecting(111).native);
  t.same(await refused.check(), { ok: false, reason: 'TCP connection to [198.51.100.7]:tcp:8080 failed.' });
});
