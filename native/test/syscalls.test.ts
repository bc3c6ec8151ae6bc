import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadNative, encodeSockaddrUn, decodeSockaddr, startReader, isSyscallError,
  AF_UNIX, SOCK_DGRAM, SOL_SOCKET, SO_RCVBUF, MSG_TRUNC, AF_INET, SOCK_RAW, IPPROTO_VRRP,
} from '../lib/index.js';
import type { RecvMsgResult, SyscallError } from '../lib/index.js';

const native = loadNative();

function unixPair(t: Test): { rx: number; tx: number; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ka-native-'));
  const path = join(dir, 'sock');
  const rx = native.socket(AF_UNIX, SOCK_DGRAM, 0);
  const tx = native.socket(AF_UNIX, SOCK_DGRAM, 0);
  t.teardown(() => {
    native.close(rx);
    native.close(tx);
    rmSync(dir, { recursive: true, force: true });
  });
  native.bind(rx, encodeSockaddrUn(path));
  native.bind(tx, encodeSockaddrUn(path + '.tx'));
  return { rx, tx, path };
}

t.test('recvmsg returns null when empty, then the datagram with its source address', (t) => {
  const { rx, tx, path } = unixPair(t);
  t.equal(native.recvmsg(rx, 100, 0), null);
  t.equal(native.sendmsg(tx, Buffer.from('abcdef'), encodeSockaddrUn(path), null), 6);
  const msg = native.recvmsg(rx, 100, 0);
  t.ok(msg);
  t.same(msg!.data, Buffer.from('abcdef'));
  t.equal(msg!.length, 6);
  t.equal(msg!.flags, 0);
  t.equal(msg!.addr.readUInt16LE(0), AF_UNIX);
  t.equal(msg!.addr.subarray(2).toString().replace(/\0+$/, ''), path + '.tx');
  t.same(decodeSockaddr(msg!.addr).family, AF_UNIX);
  t.end();
});

t.test('recvmsg clips to maxLen and reports MSG_TRUNC with the real length', (t) => {
  const { rx, tx, path } = unixPair(t);
  native.sendto(tx, Buffer.from('0123456789'), encodeSockaddrUn(path));
  const msg = native.recvmsg(rx, 4, 0, MSG_TRUNC);
  t.same(msg!.data, Buffer.from('0123'));
  t.equal(msg!.length, 10);
  t.ok(msg!.flags & MSG_TRUNC);
  t.end();
});

t.test('getsockopt reads back what setsockopt set (SO_RCVBUF is doubled by the kernel)', (t) => {
  const { rx } = unixPair(t);
  native.setsockopt(rx, SOL_SOCKET, SO_RCVBUF, 65536);
  const v = native.getsockopt(rx, SOL_SOCKET, SO_RCVBUF, 4);
  t.equal(v.length, 4);
  t.equal(v.readInt32LE(0), 131072);
  t.throws(() => native.getsockopt(rx, 9999, 1, 4), { syscall: 'getsockopt', code: 'EOPNOTSUPP' });
  t.end();
});

t.test('getsockname returns the bound address', (t) => {
  const { rx, path } = unixPair(t);
  t.equal(native.getsockname(rx).subarray(2).toString().replace(/\0+$/, ''), path);
  t.end();
});

t.test('poll wakes the reader; bursts are bounded per wake-up but all data is read', async (t) => {
  const { rx, tx, path } = unixPair(t);
  const got: string[] = [];
  const wakeSizes: number[] = [];
  let inWake = 0;
  const reader = startReader(native, rx, { maxLen: 64, burst: 3 }, (m: RecvMsgResult) => {
    inWake++;
    got.push(m.data.toString());
    queueMicrotask(() => { if (inWake) { wakeSizes.push(inWake); inWake = 0; } });
  });
  t.teardown(() => reader.stop());
  for (let i = 0; i < 8; i++) native.sendto(tx, Buffer.from(`m${i}`), encodeSockaddrUn(path));
  await new Promise<void>((resolve) => {
    const tick = (): void => { if (got.length === 8) resolve(); else setImmediate(tick); };
    tick();
  });
  t.same(got, ['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
  t.ok(wakeSizes.every((n) => n <= 3), `no wake-up read more than 3: ${wakeSizes.join(',')}`);
  t.ok(wakeSizes.length >= 3, 'took several wake-ups');
});

t.test('a stopped poll no longer fires and does not hold the loop', async (t) => {
  const { rx, tx, path } = unixPair(t);
  let fired = 0;
  const h = native.poll(rx, () => { fired++; });
  h.stop();
  h.stop();
  native.sendto(tx, Buffer.from('x'), encodeSockaddrUn(path));
  await new Promise((r) => setTimeout(r, 20));
  t.equal(fired, 0);
  t.ok(native.recvmsg(rx, 10, 0), 'data still queued');
});

t.test('an exception in a poll callback reaches uncaughtException', async (t) => {
  const { rx, tx, path } = unixPair(t);
  const listeners = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  const caught = new Promise<Error>((resolve) => process.once('uncaughtException', resolve));
  t.teardown(() => { for (const l of listeners) process.on('uncaughtException', l); });
  const h = native.poll(rx, () => { native.recvmsg(rx, 10, 0); throw new Error('boom'); });
  t.teardown(() => h.stop());
  native.sendto(tx, Buffer.from('x'), encodeSockaddrUn(path));
  t.equal((await caught).message, 'boom');
});

t.test('namespaces, scheduling and interface-name calls map to syscalls', (t) => {
  t.throws(() => native.setns('/nonexistent/netns', 0), { code: 'ENOENT', syscall: 'open' });
  t.throws(() => native.setns(-1, 0), { code: 'EBADF', syscall: 'setns' });
  t.equal(native.ifNameToIndex('lo'), 1);
  t.equal(native.ifIndexToName(1), 'lo');
  t.throws(() => native.ifNameToIndex('no-such-if0'), { code: 'ENODEV', syscall: 'if_nametoindex' });
  t.throws(() => native.ifIndexToName(0x7ffffff0), { code: 'ENXIO', syscall: 'if_indextoname' });
  t.throws(() => native.schedSetScheduler(2, 1000), { code: 'EINVAL', syscall: 'sched_setscheduler' });
  t.throws(() => native.mlockall(0), { code: 'EINVAL', syscall: 'mlockall' });
  native.setParentDeathSignal(0);
  native.setPriority(0);
  t.end();
});

t.test('raw VRRP socket opens as root', (t) => {
  let fd = -1;
  try {
    fd = native.socket(AF_INET, SOCK_RAW, IPPROTO_VRRP);
  } catch (e) {
    t.fail(`raw socket failed: ${isSyscallError(e) ? e.code : String(e)}`);
  }
  t.ok(fd > 2);
  if (fd > 2) native.close(fd);
  t.end();
});

t.test('onSignal delivers a real-time signal Node cannot name (keepalived JSON = SIGRTMIN+2)', async (t) => {
  const { loadNative } = await import('../lib/index.js');
  const native = loadNative();
  const got: number[] = [];
  const handle = native.onSignal(36, (n) => got.push(n));
  process.kill(process.pid, 36);
  await new Promise((r) => setTimeout(r, 50));
  handle.stop();
  t.same(got, [36], 'delivered once, as a number');
  t.throws(() => native.onSignal(9, () => undefined), { syscall: 'sigaction', code: 'EINVAL' }, 'SIGKILL cannot be caught');
});

t.test('a POLLERR (libuv: EBADF) on a live socket reports the real error and reading resumes', async (t) => {
  const { createFakeNative, syscallError } = await import('../lib/index.js');
  let pendingError: SyscallError | undefined;
  let pollCb: ((err?: SyscallError) => void) | undefined;
  const fake = createFakeNative({
    poll(_fd, cb) {
      pollCb = cb;
      return { stop() {}, ref() {}, unref() {} };
    },
  });
  const baseRecv = fake.native.recvmsg.bind(fake.native);
  fake.native.recvmsg = (...a) => {
    if (pendingError) {
      const e = pendingError;
      pendingError = undefined;
      throw e;
    }
    return baseRecv(...a);
  };
  const fd = fake.native.socket(16, 3, 0);
  const got: string[] = [];
  const errors: string[] = [];
  startReader(fake.native, fd, { maxLen: 64 }, (m) => got.push(m.data.toString()), (e) => errors.push((e as SyscallError).code));
  // the kernel dropped notifications: POLLERR, which libuv turns into EBADF
  pendingError = syscallError('recvmsg', 105, 'ENOBUFS');
  const firstWatch = pollCb;
  firstWatch!(syscallError('poll', 9, 'EBADF'));
  t.same(errors, ['ENOBUFS'], 'the socket error is reported, not EBADF');
  await new Promise((r) => setImmediate(r));
  t.not(pollCb, firstWatch, 'the socket is watched again');
  fake.deliver(fd, { data: Buffer.from('after') });
  pollCb!(); // readable
  t.same(got, ['after'], 'reading resumed');
  // a descriptor that is really gone stops the reader with EBADF
  fake.native.close(fd);
  pollCb!(syscallError('poll', 9, 'EBADF'));
  t.same(errors, ['ENOBUFS', 'EBADF']);
});

t.test('poll for writability reports a finished non-blocking connect; SO_ERROR tells how it ended', async (t) => {
  const { createServer } = await import('node:net');
  const { SOCK_STREAM, SO_ERROR, POLL_WRITABLE, encodeSockaddrIn } = await import('../lib/index.js');
  const server = createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  t.teardown(() => server.close());

  const connectAndWait = async (p: number): Promise<{ events: number | undefined; soError: number }> => {
    const fd = native.socket(AF_INET, SOCK_STREAM, 0);
    try {
      try {
        native.connect(fd, encodeSockaddrIn('127.0.0.1', p));
      } catch (e) {
        // loopback may refuse at once, before any poll
        if (isSyscallError(e) && e.code === 'ECONNREFUSED') return { events: undefined, soError: e.errno };
        if (!isSyscallError(e) || e.code !== 'EINPROGRESS') throw e;
      }
      const events = await new Promise<number | undefined>((resolve) => {
        const h = native.poll(fd, (err, ev) => {
          h.stop();
          resolve(err ? undefined : ev);
        }, POLL_WRITABLE);
      });
      return { events, soError: native.getsockopt(fd, SOL_SOCKET, SO_ERROR, 4).readInt32LE(0) };
    } finally {
      native.close(fd);
    }
  };
  const ok = await connectAndWait(port);
  t.equal(ok.events! & POLL_WRITABLE, POLL_WRITABLE, 'writable once connected');
  t.equal(ok.soError, 0);
  // a closed port: refused (libuv reports the POLLERR as an error, SO_ERROR has the reason)
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const closedPort = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const refused = await connectAndWait(closedPort);
  t.equal(refused.soError, 111, 'ECONNREFUSED');
});

t.test('getrusage: our own CPU time, and the reaped children\'s', async (t) => {
  const { RUSAGE_SELF, RUSAGE_CHILDREN } = await import('../lib/index.js');
  const { execFileSync } = await import('node:child_process');
  const [user, system] = native.getrusage!(RUSAGE_SELF);
  t.ok(user > 0 && system >= 0, `self ${user}/${system} µs`);
  const before = native.getrusage!(RUSAGE_CHILDREN);
  // a child that burns some CPU and is reaped
  execFileSync(process.execPath, ['-e', 'let x = 0; for (let i = 0; i < 3e7; i++) x += i; if (x < 0) console.log(x)']);
  const after = native.getrusage!(RUSAGE_CHILDREN);
  t.ok(after[0] > before[0], `children's user time grew (${before[0]} -> ${after[0]} µs)`);
});
