/**
 * bind_if (SO_BINDTODEVICE) and checker fwmark (SO_MARK) for probe sockets.
 * Node's net and dgram modules cannot set either option, so a probe that
 * needs one opens its socket through the native shim, applies the options
 * before bind/connect exactly as keepalived's socket_bind_connect does, and
 * hands a connected stream to net.Socket. Probes without either option keep
 * Node's own sockets (the 5,000-checks-a-second path stays as it was).
 */
import {
  AF_INET,
  AF_INET6,
  POLL_READABLE,
  POLL_WRITABLE,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_BINDTODEVICE,
  SO_ERROR,
  SO_MARK,
  encodeSockaddrIn,
  encodeSockaddrIn6,
  isSyscallError,
  loadNative,
  type NativeBinding,
  type PollHandle,
} from '@keepalived-ts/native';
import { errnoName, ConnectError, classifyCode } from './connect-error.js';
import type { Endpoint } from './resolve.js';

export interface SocketPlacement {
  bindIf?: string;
  /** 0 means none, as in keepalived. */
  fwmark?: number;
}

export function hasPlacement(p: SocketPlacement): boolean {
  return (p.bindIf !== undefined && p.bindIf !== '') || (p.fwmark ?? 0) !== 0;
}

export interface PlacedSocketOptions extends SocketPlacement {
  dst: Endpoint;
  bindIp?: string;
  bindPort?: number;
  timeoutMs: number;
  /** keepalived logs why an option could not be set; the probe then fails. */
  log?: (message: string) => void;
  native?: NativeBinding;
}

let sharedNative: NativeBinding | undefined;
function nativeFor(o: PlacedSocketOptions): NativeBinding {
  return o.native ?? (sharedNative ??= loadNative());
}

function sockaddrFor(family: 4 | 6, ip: string | undefined, port: number | undefined): Buffer {
  return family === 6 ? encodeSockaddrIn6(ip ?? '::', port ?? 0) : encodeSockaddrIn(ip ?? '0.0.0.0', port ?? 0);
}

/** socket() + SO_MARK + SO_BINDTODEVICE + bind(), in keepalived's order. Returns the fd. */
function openPlaced(native: NativeBinding, type: number, o: PlacedSocketOptions): number {
  let fd: number;
  try {
    fd = native.socket(o.dst.family === 6 ? AF_INET6 : AF_INET, type, 0);
  } catch (e) {
    throw new ConnectError('error', isSyscallError(e) ? e.message : String(e));
  }
  try {
    if (o.fwmark) {
      try {
        native.setsockopt(fd, SOL_SOCKET, SO_MARK, o.fwmark | 0);
      } catch (e) {
        const text = `Error setting fwmark ${o.fwmark} to socket: ${strerror(e)}`;
        o.log?.(text);
        throw new ConnectError('error', text);
      }
    }
    if (o.bindIf) {
      try {
        native.setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, Buffer.from(`${o.bindIf}\0`));
      } catch (e) {
        const text = `Checker can't bind to device ${o.bindIf}: ${strerror(e)}`;
        o.log?.(text);
        throw new ConnectError('error', text);
      }
    }
    if (o.bindIp !== undefined || o.bindPort !== undefined) {
      try {
        native.bind(fd, sockaddrFor(o.dst.family, o.bindIp, o.bindPort));
      } catch (e) {
        const text = `Checker bind failed: ${strerror(e)}`;
        o.log?.(text);
        throw new ConnectError('error', text);
      }
    }
    return fd;
  } catch (e) {
    native.close(fd);
    throw e;
  }
}

/**
 * A non-blocking TCP connect on a placed socket. Resolves with the connected
 * fd (the caller owns it: wrap it in net.Socket or close it); rejects with a
 * ConnectError classified like Node's own connect errors.
 */
export function placedTcpConnect(o: PlacedSocketOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    let native: NativeBinding;
    let fd: number;
    try {
      native = nativeFor(o);
      fd = openPlaced(native, SOCK_STREAM, o);
    } catch (e) {
      return reject(e instanceof ConnectError ? e : new ConnectError('error', String(e)));
    }
    try {
      native.connect(fd, sockaddrFor(o.dst.family, o.dst.ip, o.dst.port));
      return resolve(fd);
    } catch (e) {
      if (!isSyscallError(e) || e.code !== 'EINPROGRESS') {
        native.close(fd);
        const code = isSyscallError(e) ? e.code : 'EIO';
        return reject(new ConnectError(classifyCode(code), `connect ${code}`));
      }
    }
    let watch: PollHandle | undefined;
    const finish = (err?: ConnectError): void => {
      clearTimeout(timer);
      watch?.stop();
      watch = undefined;
      if (!err) return resolve(fd);
      native.close(fd);
      reject(err);
    };
    const timer = setTimeout(() => finish(new ConnectError('timeout', 'connect timeout')), o.timeoutMs);
    // libuv reports POLLERR (a refused connect) as an error and stops the
    // watch; SO_ERROR holds the real reason either way.
    watch = native.poll(
      fd,
      () => {
        let status: number;
        try {
          status = native.getsockopt(fd, SOL_SOCKET, SO_ERROR, 4).readInt32LE(0);
        } catch {
          return finish(new ConnectError('error', 'getsockopt SO_ERROR failed'));
        }
        if (status === 0) return finish();
        const code = errnoName(status);
        finish(new ConnectError(classifyCode(code), `connect ${code}`));
      },
      POLL_WRITABLE,
    );
  });
}

export type PlacedDatagramOutcome =
  | { kind: 'reply'; data: Buffer }
  | { kind: 'timeout' }
  | { kind: 'error'; code: string; message: string };

/**
 * One request/answer over a connected, placed UDP socket. A queued ICMP
 * error (port unreachable) surfaces as recvmsg's ECONNREFUSED, as on
 * keepalived's connected sockets.
 */
export function placedUdpExchange(
  o: PlacedSocketOptions & { payload: Buffer; accept?: (data: Buffer) => boolean },
): Promise<PlacedDatagramOutcome> {
  return new Promise((resolve) => {
    let native: NativeBinding;
    let fd: number;
    try {
      native = nativeFor(o);
      fd = openPlaced(native, SOCK_DGRAM, o);
    } catch (e) {
      return resolve({ kind: 'error', code: 'EIO', message: e instanceof Error ? e.message : String(e) });
    }
    let watch: PollHandle | undefined;
    let timer: NodeJS.Timeout | undefined;
    const finish = (out: PlacedDatagramOutcome): void => {
      if (timer) clearTimeout(timer);
      watch?.stop();
      watch = undefined;
      native.close(fd);
      resolve(out);
    };
    try {
      native.connect(fd, sockaddrFor(o.dst.family, o.dst.ip, o.dst.port));
      native.sendto(fd, o.payload);
    } catch (e) {
      const code = isSyscallError(e) ? e.code : 'EIO';
      return finish({ kind: 'error', code, message: strerror(e) });
    }
    timer = setTimeout(() => finish({ kind: 'timeout' }), o.timeoutMs);
    const drain = (): void => {
      for (;;) {
        let msg;
        try {
          msg = native.recvmsg(fd, 65535, 0);
        } catch (e) {
          const code = isSyscallError(e) ? e.code : 'EIO';
          return finish({ kind: 'error', code, message: strerror(e) });
        }
        if (!msg) return;
        if (!o.accept || o.accept(msg.data)) return finish({ kind: 'reply', data: msg.data });
      }
    };
    let rearms = 0;
    const watchReadable = (): void => {
      watch = native.poll(
        fd,
        (err) => {
          drain();
          // POLLERR stopped the watch; if recvmsg had no error to give, keep listening (boundedly)
          if (err && watch && rearms++ < 8) watchReadable();
        },
        POLL_READABLE,
      );
    };
    watchReadable();
  });
}

function strerror(e: unknown): string {
  if (!isSyscallError(e)) return e instanceof Error ? e.message : String(e);
  return STRERROR[e.code] ?? e.code;
}

const STRERROR: Record<string, string> = {
  ENODEV: 'No such device',
  EPERM: 'Operation not permitted',
  EACCES: 'Permission denied',
  EINVAL: 'Invalid argument',
  EADDRINUSE: 'Address already in use',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  ECONNREFUSED: 'Connection refused',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
};
