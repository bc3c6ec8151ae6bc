import type { NativeBinding, RecvMsgResult, SyscallError } from './binding.js';

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
  stop(): void;
  unref(): void;
  ref(): void;
}

export const DEFAULT_READ_BURST = 64;

/**
 * Reads datagrams from a non-blocking socket whenever it becomes readable.
 * A recvmsg failure (e.g. ENOBUFS on netlink) goes to onError and reading
 * continues; a failure of the watch itself stops the reader.
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
  const handle = native.poll(fd, (watchErr) => {
    if (watchErr) {
      stopped = true;
      onError(watchErr);
      return;
    }
    for (let i = 0; i < burst && !stopped; i++) {
      let msg: RecvMsgResult | null;
      try {
        msg = native.recvmsg(fd, options.maxLen, controlLen, options.flags ?? 0);
      } catch (e) {
        onError(e as Error);
        return;
      }
      if (msg === null) return;
      onMessage(msg);
    }
  });
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      handle.stop();
    },
    unref: () => handle.unref(),
    ref: () => handle.ref(),
  };
}
