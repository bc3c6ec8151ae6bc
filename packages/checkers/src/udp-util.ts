import dgram from 'node:dgram';
import type { Endpoint } from './resolve.js';
import { hasPlacement, placedUdpExchange } from './socket-placement.js';

export type DatagramOutcome =
  | { kind: 'reply'; data: Buffer }
  | { kind: 'timeout' }
  | { kind: 'error'; code: string; message: string };

export interface DatagramExchange {
  dst: Endpoint;
  bindIp?: string;
  bindPort?: number;
  bindIf?: string;
  fwmark?: number;
  log?: (message: string) => void;
  payload: Buffer;
  timeoutMs: number;
  /** Return true to accept a reply; false keeps waiting (e.g. a DNS id mismatch). */
  accept?: (data: Buffer) => boolean;
}

/**
 * One request over a CONNECTED UDP socket, so an ICMP port unreachable comes
 * back as ECONNREFUSED, as it does for keepalived's connected sockets.
 */
export function udpExchange(x: DatagramExchange): Promise<DatagramOutcome> {
  if (hasPlacement(x)) return placedUdpExchange(x);
  return new Promise((resolve) => {
    const sock = dgram.createSocket(x.dst.family === 6 ? 'udp6' : 'udp4');
    let done = false;
    const finish = (o: DatagramOutcome): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try {
        sock.close();
      } catch {
        /* already closed */
      }
      resolve(o);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout' }), x.timeoutMs);
    sock.on('error', (e: NodeJS.ErrnoException) => finish({ kind: 'error', code: e.code ?? 'EIO', message: e.message }));
    sock.on('message', (data) => {
      if (!x.accept || x.accept(data)) finish({ kind: 'reply', data });
    });
    const start = (): void => {
      // Node hands a failed connect (e.g. ENETUNREACH: no route) to this callback
      sock.connect(x.dst.port, x.dst.ip, (connectErr?: Error) => {
        if (connectErr) {
          const code = (connectErr as NodeJS.ErrnoException).code ?? 'EIO';
          return finish({ kind: 'error', code, message: connectErr.message });
        }
        sock.send(x.payload, (err) => {
          if (err) finish({ kind: 'error', code: (err as NodeJS.ErrnoException).code ?? 'EIO', message: err.message });
        });
      });
    };
    if (x.bindIp !== undefined || x.bindPort !== undefined) sock.bind({ address: x.bindIp, port: x.bindPort ?? 0 }, start);
    else start();
  });
}

const ERRNO: Record<string, number> = { ECONNREFUSED: 111, EHOSTUNREACH: 113, ENETUNREACH: 101, EACCES: 13 };
export function errnoOf(code: string): number {
  return ERRNO[code] ?? 5;
}
