import type { NativeBinding, PollHandle, RecvMsgResult, SyscallError } from './binding.js';

export interface ReaderOptions {
  /** Largest datagram kept (bytes beyond are cut; MSG_TRUNC is then set in flags). */
  maxLen: number;
  /** Room for control messages (0 when none are enabled). */
  controlLen?: number;
  /** recvmsg flags, e.g. MSG_TRUNC to learn the real size of a cut datagram. */
  flags?: number;
  /**
   * At most this many datagrams are read per wake-up (default 64). The watch
   * is level triggered, so anything left queued wakes us again on the next
   * loop turn, after timers and other sockets had their go: one busy socket
   * cannot starve the event loop.
   */
  burst?: number;
}

export interface Reader {
  /**
   * Reads what is queued now (one burst), without waiting for the poll: for a
   * caller that must see pending input before acting on a timer.
   */
  drain(): void;
  stop(): void;
  unref(): void;
  ref(): void;
}

export const DEFAULT_READ_BURST = 64;

/**
 * Reads datagrams from a non-blocking socket whenever it becomes readable.
 * A recvmsg failure (e.g. ENOBUFS on netlink) goes to onError and reading
 * continues. libuv reports POLLERR as EBADF and drops the watch; since a
 * socket error (a netlink overflow above all) raises POLLERR, the reader asks
 * the socket for its real error, reports that, and watches again. Only a
 * descriptor that is really gone stops the reader.
 */
export function startReader(
  native: NativeBinding,
  fd: number,
  options: ReaderOptions,
  onMessage: (msg: RecvMsgResult) => void,
  onError: (err: SyscallError | Error) => void = (err) => { throw err; },
): Reader {
  const burst = options.burst ?? DEFAULT_READ_BURST;
  const controlLen = options.controlLen ?? 0;
  let stopped = false;
  let referenced = true;

  /** Reads up to `burst` datagrams; false when the descriptor itself is unusable. */
  const drain = (): boolean => {
    for (let i = 0; i < burst && !stopped; i++) {
      let msg: RecvMsgResult | null;
      try {
        msg = native.recvmsg(fd, options.maxLen, controlLen, options.flags ?? 0);
      } catch (e) {
        if ((e as SyscallError).code === 'EBADF') return false;
        onError(e as Error);
        return true;
      }
      if (msg === null) return true;
      onMessage(msg);
    }
    return true;
  };

  const watch = (): PollHandle =>
    native.poll(fd, (watchErr) => {
      if (!watchErr) {
        if (!drain()) fail(watchErr);
        return;
      }
      if (stopped) return;
      if (watchErr.code !== 'EBADF' || !drain()) {
        fail(watchErr);
        return;
      }
      // POLLERR: the error was collected by drain(); watch again on the next turn
      // so a socket that keeps erroring cannot spin the loop.
      setImmediate(() => {
        if (stopped) return;
        handle = watch();
        if (!referenced) handle.unref();
      });
    });

  const fail = (err: SyscallError | Error | undefined) => {
    if (stopped) return;
    stopped = true;
    handle.stop();
    onError(err ?? Object.assign(new Error('recvmsg: bad file descriptor'), { errno: 9, code: 'EBADF', syscall: 'recvmsg' }));
  };

  let handle = watch();
  return {
    drain() {
      if (!stopped && !drain()) fail(undefined);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      handle.stop();
    },
    unref: () => {
      referenced = false;
      handle.unref();
    },
    ref: () => {
      referenced = true;
      handle.ref();
    },
  };
}
