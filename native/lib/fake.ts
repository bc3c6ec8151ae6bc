import type { NativeBinding, PollHandle, RecvMsgResult, SyscallError } from './binding.js';
import { syscallError } from './binding.js';

/** One recorded call on a fake binding. */
export interface FakeCall { fn: keyof NativeBinding; args: unknown[] }

export interface FakeNative {
  native: NativeBinding;
  calls: FakeCall[];
  /** Calls of one function, in order. */
  callsOf(fn: keyof NativeBinding): unknown[][];
  /** Queues a datagram for recvmsg on fd and wakes its poll watcher (on setImmediate). */
  deliver(fd: number, msg: Partial<RecvMsgResult> & { data: Buffer }): void;
  /** Descriptors opened and not closed yet (a close of a closed fd throws EBADF). */
  openFds(): number[];
}

/**
 * A recording NativeBinding for logic tests without root or the addon.
 * socket() hands out fds from 100; sends return the byte count; setsockopt
 * etc. succeed; recvmsg returns what deliver() queued. Pass overrides to
 * make any call fail or behave differently.
 */
export function createFakeNative(overrides: Partial<NativeBinding> = {}): FakeNative {
  const calls: FakeCall[] = [];
  const queues = new Map<number, RecvMsgResult[]>();
  const watchers = new Map<number, (err?: SyscallError, events?: number) => void>();
  const open = new Set<number>();
  const closed = new Set<number>();
  let nextFd = 100;
  const record = (fn: keyof NativeBinding, args: unknown[]): void => { calls.push({ fn, args }); };
  const checkFd = (fn: string, fd: number): void => { if (closed.has(fd)) throw syscallError(fn, 9, 'EBADF'); };

  const base: NativeBinding = {
    socket(...a) { record('socket', a); const fd = nextFd++; open.add(fd); return fd; },
    close(fd) { record('close', [fd]); checkFd('close', fd); open.delete(fd); closed.add(fd); },
    bind(...a) { record('bind', a); checkFd('bind', a[0]); },
    connect(...a) { record('connect', a); checkFd('connect', a[0]); },
    sendto(...a) { record('sendto', a); checkFd('sendto', a[0]); return a[1].length; },
    sendmsg(...a) { record('sendmsg', a); checkFd('sendmsg', a[0]); return a[1].length; },
    recvmsg(fd, maxLen) {
      record('recvmsg', [fd, maxLen]);
      checkFd('recvmsg', fd);
      return queues.get(fd)?.shift() ?? null;
    },
    setsockopt(...a) { record('setsockopt', a); checkFd('setsockopt', a[0]); },
    getsockopt(fd, level, name, len) { record('getsockopt', [fd, level, name, len]); return Buffer.alloc(len); },
    attachFilter(...a) { record('attachFilter', a); checkFd('attachFilter', a[0]); },
    getsockname(fd) { record('getsockname', [fd]); return Buffer.alloc(0); },
    poll(fd, cb, events): PollHandle {
      record('poll', events === undefined ? [fd] : [fd, events]);
      watchers.set(fd, cb);
      return { stop: () => { watchers.delete(fd); }, ref() {}, unref() {} };
    },
    setns(...a) { record('setns', a); },
    setProcessName(...a) { record('setProcessName', a); },
    setParentDeathSignal(...a) { record('setParentDeathSignal', a); },
    schedSetScheduler(...a) { record('schedSetScheduler', a); },
    schedSetAffinity(...a) { record('schedSetAffinity', a); },
    setPriority(...a) { record('setPriority', a); },
    mlockall(...a) { record('mlockall', a); },
    ifNameToIndex(name) { record('ifNameToIndex', [name]); throw syscallError('if_nametoindex', 19, 'ENODEV'); },
    ifIndexToName(index) { record('ifIndexToName', [index]); throw syscallError('if_indextoname', 6, 'ENXIO'); },
    onSignal(signum) { record('onSignal', [signum]); return { stop() {}, unref() {} }; },
  };
  const native: NativeBinding = { ...base };
  for (const [k, fn] of Object.entries(overrides)) {
    const key = k as keyof NativeBinding;
    (native as unknown as Record<string, unknown>)[key] = (...a: unknown[]) => {
      record(key, a);
      const result = (fn as (...x: unknown[]) => unknown)(...a);
      if (key === 'socket' && typeof result === 'number') open.add(result);
      if (key === 'close') { open.delete(a[0] as number); closed.add(a[0] as number); }
      return result;
    };
  }
  return {
    native,
    calls,
    callsOf: (fn) => calls.filter((c) => c.fn === fn).map((c) => c.args),
    deliver(fd, msg) {
      const q = queues.get(fd) ?? [];
      q.push({ addr: Buffer.alloc(0), control: Buffer.alloc(0), flags: 0, length: msg.data.length, ...msg });
      queues.set(fd, q);
      setImmediate(() => watchers.get(fd)?.());
    },
    openFds: () => [...open],
  };
}
