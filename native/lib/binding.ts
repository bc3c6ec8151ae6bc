/**
 * The shape of the native addon. Everything above this layer takes a
 * NativeBinding by injection so that logic tests can run without root and
 * without the compiled addon. Socket addresses are raw bytes built by the
 * codecs in sockaddr.ts, so the C++ side never learns a protocol.
 */
export interface NativeBinding {
  /** socket(2); SOCK_CLOEXEC | SOCK_NONBLOCK are always added. */
  socket(domain: number, type: number, protocol: number): number;
  close(fd: number): void;
  bind(fd: number, sockaddr: Buffer): void;
  connect(fd: number, sockaddr: Buffer): void;
  /** sendto(2) with MSG_NOSIGNAL; sockaddr null/undefined for a connected socket. */
  sendto(fd: number, data: Buffer, sockaddr?: Buffer | null, flags?: number): number;
  /** setsockopt(2) with an int or raw bytes as the value. */
  setsockopt(fd: number, level: number, name: number, value: number | Buffer): void;
  /** prctl(PR_SET_NAME). */
  setProcessName(name: string): void;
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
