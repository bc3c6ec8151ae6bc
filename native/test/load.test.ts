import t from 'tap';
import { loadNative, isSyscallError, AF_INET, SOCK_DGRAM } from '../lib/index.js';

t.test('a syscall error crosses the boundary as errno/code/syscall', (t) => {
  const native = loadNative();
  let caught: unknown;
  try {
    native.socket(9999, SOCK_DGRAM, 0);
  } catch (e) {
    caught = e;
  }
  t.ok(isSyscallError(caught), 'error has the shared shape');
  if (isSyscallError(caught)) {
    t.equal(caught.code, 'EAFNOSUPPORT');
    t.equal(caught.syscall, 'socket');
    t.equal(caught.errno, 97);
  }
  t.end();
});

t.test('socket and close succeed for an ordinary UDP socket', (t) => {
  const native = loadNative();
  const fd = native.socket(AF_INET, SOCK_DGRAM, 0);
  t.ok(fd > 2, 'got a real descriptor');
  native.close(fd);
  t.throws(() => native.close(fd), { code: 'EBADF', syscall: 'close' });
  t.end();
});

t.test('a unix datagram socket can connect and send to a bound peer', async (t) => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { encodeSockaddrUn, AF_UNIX } = await import('../lib/index.js');
  const native = loadNative();
  const dir = mkdtempSync(join(tmpdir(), 'ka-native-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'sock');
  const rx = native.socket(AF_UNIX, SOCK_DGRAM, 0);
  const tx = native.socket(AF_UNIX, SOCK_DGRAM, 0);
  t.teardown(() => { native.close(rx); native.close(tx); });
  native.bind(rx, encodeSockaddrUn(path));
  native.connect(tx, encodeSockaddrUn(path));
  t.equal(native.sendto(tx, Buffer.from('hello')), 5);
  t.throws(() => native.connect(tx, encodeSockaddrUn(join(dir, 'missing'))), { code: 'ENOENT', syscall: 'connect' });
});
