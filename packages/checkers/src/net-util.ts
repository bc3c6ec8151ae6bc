import { Socket, connect as netConnect } from 'node:net';
import { connect as tlsConnect, type TLSSocket, type ConnectionOptions } from 'node:tls';
import type { Endpoint } from './resolve.js';
import { ConnectError, classifyCode } from './connect-error.js';
import { hasPlacement, placedTcpConnect } from './socket-placement.js';

export { ConnectError, type ConnectFailure } from './connect-error.js';

export interface ConnectOptions {
  dst: Endpoint;
  bindIp?: string;
  bindPort?: number;
  bindIf?: string;
  fwmark?: number;
  timeoutMs: number;
  /** Where a bind_if / fwmark failure is logged (keepalived's texts). */
  log?: (message: string) => void;
}

/**
 * TCP connect with keepalived's connect_timeout and bindto/bind_port.
 * Resolves with a connected socket whose idle timeout is timeoutMs, so every
 * later read/write has the same bound, like keepalived's per-I/O timeout.
 */
export function tcpConnect(o: ConnectOptions): Promise<Socket> {
  if (hasPlacement(o)) {
    return placedTcpConnect(o).then((fd) => {
      const sock = new Socket({ fd, readable: true, writable: true });
      sock.setTimeout(o.timeoutMs);
      return sock;
    });
  }
  return new Promise((resolve, reject) => {
    const sock = netConnect({
      host: o.dst.ip,
      port: o.dst.port,
      family: o.dst.family,
      localAddress: o.bindIp,
      localPort: o.bindPort,
      // no TCP_NODELAY, like keepalived: requests go out in one write, then we wait for the answer
    });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new ConnectError('timeout', 'connect timeout'));
    }, o.timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.removeAllListeners('error');
      sock.setTimeout(o.timeoutMs);
      resolve(sock);
    });
    sock.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      sock.destroy();
      reject(new ConnectError(classifyCode(err.code), err.message));
    });
  });
}

/** TLS on top of tcpConnect; certificate problems are not failures (keepalived does not verify). */
export function tlsHandshake(sock: Socket, opts: ConnectionOptions, timeoutMs: number): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const tls = tlsConnect({ ...opts, socket: sock, rejectUnauthorized: false });
    const timer = setTimeout(() => {
      tls.destroy();
      reject(new ConnectError('timeout', 'TLS handshake timeout'));
    }, timeoutMs);
    tls.once('secureConnect', () => {
      clearTimeout(timer);
      tls.removeAllListeners('error');
      tls.setTimeout(timeoutMs);
      resolve(tls);
    });
    tls.once('error', (err) => {
      clearTimeout(timer);
      tls.destroy();
      reject(new ConnectError('error', err.message));
    });
  });
}

export interface Conversation {
  /** Resolves with the next chunk, or null at EOF; rejects on error or idle timeout. */
  read(): Promise<Buffer | null>;
  write(data: string | Buffer): Promise<void>;
  close(): void;
}

/** Pull-style reader over a socket so protocol code reads top to bottom. */
export function conversation(sock: Socket): Conversation {
  const chunks: Buffer[] = [];
  let ended = false;
  let failure: Error | undefined;
  let waiter: { resolve: (b: Buffer | null) => void; reject: (e: Error) => void } | undefined;
  const wake = (): void => {
    if (!waiter) return;
    const w = waiter;
    if (chunks.length) {
      waiter = undefined;
      w.resolve(chunks.shift()!);
    } else if (failure) {
      waiter = undefined;
      w.reject(failure);
    } else if (ended) {
      waiter = undefined;
      w.resolve(null);
    }
  };
  sock.on('data', (b: Buffer) => {
    chunks.push(b);
    wake();
  });
  sock.on('end', () => {
    ended = true;
    wake();
  });
  sock.on('close', () => {
    ended = true;
    wake();
  });
  sock.on('error', (e) => {
    failure = e;
    wake();
  });
  sock.on('timeout', () => {
    failure = new ConnectError('timeout', 'read timeout');
    sock.destroy();
    wake();
  });
  return {
    read: () =>
      new Promise((resolve, reject) => {
        waiter = { resolve, reject };
        wake();
      }),
    write: (data) =>
      new Promise((resolve, reject) => {
        sock.write(data, (err) => (err ? reject(err) : resolve()));
      }),
    close: () => sock.destroy(),
  };
}
