/**
 * Connect-and-close without net.Socket, for TCP_CHECK's thousands of probes
 * a second: libuv's TCP handle as net.Socket itself drives it (Node's
 * tcp_wrap binding), minus the stream machinery a probe that never reads
 * or writes does not need. Same syscalls as net.connect + destroy.
 * The binding is internal to Node; when it is missing or looks different,
 * rawConnectAvailable() is false and callers use net.Socket.
 */

/** libuv's view of a TCP handle, as far as connect-and-close goes. */
interface TcpHandle {
  bind(ip: string, port: number): number;
  bind6(ip: string, port: number, flags: number): number;
  connect(req: ConnectReq, ip: string, port: number): number;
  connect6(req: ConnectReq, ip: string, port: number): number;
  close(): void;
}

interface ConnectReq {
  oncomplete: (status: number) => void;
}

interface TcpWrapBinding {
  TCP: new (type: number) => TcpHandle;
  TCPConnectWrap: new () => ConnectReq;
  constants: { SOCKET: number };
}

function loadBinding(): TcpWrapBinding | undefined {
  try {
    const legacy = (process as unknown as { binding?: (name: string) => unknown }).binding;
    const b = legacy?.call(process, 'tcp_wrap') as Partial<TcpWrapBinding> | undefined;
    if (!b || typeof b.TCP !== 'function' || typeof b.TCPConnectWrap !== 'function' || typeof b.constants?.SOCKET !== 'number') {
      return undefined;
    }
    const probe = new b.TCP(b.constants.SOCKET);
    const ok = typeof probe.connect === 'function' && typeof probe.connect6 === 'function' && typeof probe.bind === 'function';
    probe.close();
    return ok ? (b as TcpWrapBinding) : undefined;
  } catch {
    return undefined;
  }
}

let binding: TcpWrapBinding | undefined | null = null;

export function rawConnectAvailable(): boolean {
  if (binding === null) binding = process.env.KEEPALIVED_TS_NO_RAW_CONNECT ? undefined : loadBinding();
  return binding !== undefined;
}

export interface RawConnectTarget {
  ip: string;
  port: number;
  family: 4 | 6;
  bindIp?: string;
  bindPort?: number;
}

/**
 * One connect attempt. Reusable: start() again after the previous attempt
 * settled or was cancelled. `onDone(connected)` runs once per attempt;
 * the socket is already closed when it runs.
 */
export class RawConnectAttempt {
  private handle: TcpHandle | undefined;
  private req: ConnectReq | undefined;
  private readonly onComplete: (status: number) => void;

  constructor(
    private readonly target: RawConnectTarget,
    private readonly onDone: (connected: boolean) => void,
  ) {
    const self = this;
    // a function (not an arrow) so libuv's `this` (the request) identifies the attempt
    this.onComplete = function (this: ConnectReq, status: number): void {
      if (this !== self.req) return; // a cancelled attempt completing late
      self.finish(status === 0);
    };
  }

  get inFlight(): boolean {
    return this.handle !== undefined;
  }

  /** Returns false when the connect failed synchronously (onDone(false) has then run). */
  start(): boolean {
    const b = binding!;
    const t = this.target;
    const handle = new b.TCP(b.constants.SOCKET);
    const req = new b.TCPConnectWrap();
    req.oncomplete = this.onComplete;
    this.handle = handle;
    this.req = req;
    let err = 0;
    if (t.bindIp !== undefined || t.bindPort !== undefined) {
      const ip = t.bindIp ?? (t.family === 6 ? '::' : '0.0.0.0');
      err = t.family === 6 ? handle.bind6(ip, t.bindPort ?? 0, 0) : handle.bind(ip, t.bindPort ?? 0);
    }
    if (err === 0) err = t.family === 6 ? handle.connect6(req, t.ip, t.port) : handle.connect(req, t.ip, t.port);
    if (err !== 0) {
      this.finish(false);
      return false;
    }
    return true;
  }

  /** Closes the socket of an attempt in flight; onDone is not called for it. */
  cancel(): void {
    this.close();
  }

  private finish(connected: boolean): void {
    this.close();
    this.onDone(connected);
  }

  private close(): void {
    const h = this.handle;
    this.handle = undefined;
    this.req = undefined;
    h?.close();
  }
}
