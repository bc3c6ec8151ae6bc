/**
 * The shape of the native addon. Everything above this layer takes a
 * NativeBinding by injection so that logic tests can run without root and
 * without the compiled addon. Socket addresses and control messages are raw
 * bytes built by the codecs in sockaddr.ts and cmsg.ts, so the C++ side never
 * learns a protocol. Every failure throws a SyscallError.
 */
export interface NativeBinding {
  /** socket(2); SOCK_CLOEXEC | SOCK_NONBLOCK are always added. */
  socket(domain: number, type: number, protocol: number): number;
  close(fd: number): void;
  bind(fd: number, sockaddr: Buffer): void;
  connect(fd: number, sockaddr: Buffer): void;
  /** sendto(2) with MSG_NOSIGNAL; sockaddr null/undefined for a connected socket. */
  sendto(fd: number, data: Buffer, sockaddr?: Buffer | null, flags?: number): number;
  /** sendmsg(2) with MSG_NOSIGNAL and one iovec; control is raw cmsg bytes (see encodeCmsgs). */
  sendmsg(fd: number, data: Buffer, sockaddr?: Buffer | null, control?: Buffer | null, flags?: number): number;
  /**
   * recvmsg(2) with MSG_DONTWAIT (EINTR retried). Returns null when nothing is
   * queued (EAGAIN). data holds at most maxLen bytes; pass MSG_TRUNC in flags to
   * get the real datagram size in `length`.
   */
  recvmsg(fd: number, maxLen: number, controlLen: number, flags?: number): RecvMsgResult | null;
  /** setsockopt(2) with an int or raw bytes as the value. */
  setsockopt(fd: number, level: number, name: number, value: number | Buffer): void;
  /** getsockopt(2): returns the bytes the kernel wrote (at most len). */
  getsockopt(fd: number, level: number, name: number, len: number): Buffer;
  /** setsockopt(SO_ATTACH_FILTER) with raw classic-BPF instructions (see encodeBpf / DROP_ALL_FILTER). */
  attachFilter(fd: number, program: Buffer): void;
  /** getsockname(2) as raw sockaddr bytes. */
  getsockname(fd: number): Buffer;
  /**
   * Level-triggered readiness watch on the Node event loop (uv_poll), for
   * POLL_READABLE by default; pass POLL_WRITABLE to learn when a non-blocking
   * connect() has finished. onEvent gets a SyscallError (and the watch stops)
   * if the descriptor fails, else the ready mask. Call stop() before close(fd).
   * Use startReader() for bounded bursts.
   */
  poll(fd: number, onEvent: (err?: SyscallError, events?: number) => void, events?: number): PollHandle;
  /** setns(2) with a namespace fd or a path such as /run/netns/NAME (opened and closed here). */
  setns(fdOrPath: number | string, nstype: number): void;
  /** prctl(PR_SET_NAME). */
  setProcessName(name: string): void;
  /** prctl(PR_SET_PDEATHSIG, signal). */
  setParentDeathSignal(signal: number): void;
  /** sched_setscheduler(0, policy, priority). */
  schedSetScheduler(policy: number, priority: number): void;
  /** sched_setaffinity(0, CPUs). Optional like the timerfd calls. */
  schedSetAffinity?(cpus: number[]): void;
  /** setpriority(PRIO_PROCESS, 0, nice). */
  setPriority(nice: number): void;
  /** mlockall(flags). */
  mlockall(flags: number): void;
  /** if_nametoindex(3); throws ENODEV for an unknown name. */
  ifNameToIndex(name: string): number;
  /** if_indextoname(3); throws ENXIO for an unknown index. */
  ifIndexToName(index: number): string;
  /**
   * Delivers a signal by number through the event loop (uv_signal). For the
   * real-time signals Node's process.on() cannot name (SIGRTMIN+2, SIGRTMAX-1).
   */
  onSignal(signum: number, cb: (signum: number) => void): SignalHandle;
  /**
   * timerfd_create(2) with TFD_CLOEXEC | TFD_NONBLOCK. Optional: fakes and
   * older builds lack the timerfd calls, and callers fall back to setTimeout.
   */
  timerfdCreate?(clockid: number): number;
  /**
   * timerfd_settime(2), one-shot (no interval). flags TFD_TIMER_ABSTIME makes
   * sec/nsec a deadline on the fd's clock; 0 and 0 disarm.
   */
  timerfdSetTime?(fd: number, flags: number, sec: number, nsec: number): void;
  /** read(2) of the expiration count; 0 when the timer has not expired (EAGAIN). */
  timerfdRead?(fd: number): number;
  /** clock_gettime(2) as [seconds, nanoseconds]. */
  clockGetTime?(clockid: number): [number, number];
  /** setrlimit(2); -1 is RLIM_INFINITY. Optional like the timerfd calls. */
  setrlimit?(resource: number, soft: number, hard: number): void;
  /** getrusage(2) as [user µs, system µs]; RUSAGE_CHILDREN covers the reaped children. Optional like the timerfd calls. */
  getrusage?(who: number): [number, number];
}

export interface SignalHandle {
  stop(): void;
  /** Do not keep the event loop alive for this signal alone. */
  unref(): void;
}

export interface RecvMsgResult {
  data: Buffer;
  /** Raw source sockaddr (decode with decodeSockaddr). */
  addr: Buffer;
  /** Raw control messages (decode with decodeCmsgs). */
  control: Buffer;
  /** msg_flags, e.g. MSG_TRUNC / MSG_CTRUNC. */
  flags: number;
  /** recvmsg's return value: the datagram size (may exceed data.length with MSG_TRUNC). */
  length: number;
}

export interface PollHandle {
  stop(): void;
  /** Keep the event loop alive while watching (default). */
  ref(): void;
  /** Let the process exit even though the watch is active. */
  unref(): void;
}

/** The one error shape that crosses the native boundary. */
export interface SyscallError extends Error {
  errno: number;
  code: string;
  syscall: string;
}

export function isSyscallError(e: unknown): e is SyscallError {
  return (
    e instanceof Error &&
    typeof (e as Partial<SyscallError>).errno === 'number' &&
    typeof (e as Partial<SyscallError>).code === 'string' &&
    typeof (e as Partial<SyscallError>).syscall === 'string'
  );
}

/** Builds the same error shape the addon throws (for fakes and TS-side checks). */
export function syscallError(syscall: string, errno: number, code: string): SyscallError {
  const e = new Error(`${syscall}: ${code}`) as SyscallError;
  e.errno = errno;
  e.code = code;
  e.syscall = syscall;
  return e;
}
