// An in-memory IPVS kernel behind a NativeBinding: it decodes every request
// with our own decoder, keeps a service/destination table with the kernel's
// errno rules (ip_vs_ctl.c), and answers with acks, replies and multipart
// dumps. For logic tests and the benchmark; it never touches a real socket.
import {
  AF_INET6, AF_NETLINK, NETLINK_GENERIC, decodeNlmsgs, encodeAck, encodeDone, encodeSockaddrNl, syscallError,
  type NativeBinding, type PollHandle, type RecvMsgResult,
} from '@keepalived-ts/native';
import * as C from './constants.js';
import { familyReply, requestedFamilyName } from './genl-ctrl.js';
import {
  emptyStats, fromGenlMessage, toGenlMessage, type IpvsBody, type IpvsDaemon, type IpvsDest, type IpvsMessage,
  type IpvsService, type IpvsTimeouts,
} from './ipvs-codec.js';
import { destKey, serviceKey } from './desired.js';
import { encodeGenl, toGenl, type GenlMessage } from './genl.js';

const EPERM = 1, ENOENT = 2, ESRCH = 3, EEXIST = 17, EINVAL = 22, ERANGE = 34, EOPNOTSUPP = 95, EAFNOSUPPORT = 97;

export interface FakeService {
  service: IpvsService;
  dests: Map<string, IpvsDest>;
}

/** One request the fake received, decoded. */
export interface FakeRequestRecord {
  cmd: number;
  name: string;
  message: IpvsMessage;
  bytes: number;
  /** errno the fake answered with (0 = success). */
  errno: number;
}

export interface FakeKernelOptions {
  /** false: the controller answers ENOENT for "IPVS", like a kernel without ip_vs. */
  ipvsAvailable?: boolean;
  familyId?: number;
  /** Largest dump datagram (the kernel's dump skbs are around 16-32 KiB). */
  dumpDatagramMax?: number;
}

export const FAKE_IPVS_FAMILY_ID = 0x1c;
const KNOWN_PE = new Set(['sip']);

export class FakeIpvsKernel {
  readonly native: NativeBinding;
  /** The kernel table, in insertion order (like the kernel's dump order for one hash chain). */
  readonly services = new Map<string, FakeService>();
  readonly daemons: IpvsDaemon[] = [];
  timeouts: Required<IpvsTimeouts> = { tcp: 900, tcpFin: 120, udp: 300 };
  readonly requests: FakeRequestRecord[] = [];
  readonly counters = { messages: 0, bytes: 0, replyMessages: 0, replyBytes: 0 };
  ipvsAvailable: boolean;
  readonly familyId: number;
  private readonly dumpMax: number;
  private readonly queues = new Map<number, Buffer[]>();
  private readonly watchers = new Map<number, () => void>();
  private readonly failures: { cmd: number; errno: number }[] = [];
  private nextFd = 300;
  private nextPort = 4000;
  private readonly ports = new Map<number, number>();

  constructor(opts: FakeKernelOptions = {}) {
    this.ipvsAvailable = opts.ipvsAvailable ?? true;
    this.familyId = opts.familyId ?? FAKE_IPVS_FAMILY_ID;
    this.dumpMax = opts.dumpDatagramMax ?? 16384;
    this.native = this.makeBinding();
  }

  /** Make the next request with this command fail with errno (once). */
  failNext(cmd: number, errno: number): void {
    this.failures.push({ cmd, errno });
  }

  clearLog(): void {
    this.requests.length = 0;
    this.counters.messages = this.counters.bytes = this.counters.replyMessages = this.counters.replyBytes = 0;
  }

  /** Command names of the logged requests, e.g. ['IPVS_CMD_NEW_SERVICE', ...]. */
  commandNames(): string[] {
    return this.requests.map((r) => r.name);
  }

  // --- direct table edits: "someone else" changing IPVS behind our back ---

  insertService(s: IpvsService, dests: IpvsDest[] = []): void {
    const svc: IpvsService = { ...s, flags: (s.flags ?? 0) | C.IP_VS_SVC_F_HASHED };
    this.services.set(serviceKey(s), { service: svc, dests: new Map(dests.map((d) => [destKey(d), { ...d }])) });
  }

  removeService(s: Pick<IpvsService, 'af' | 'fwmark' | 'protocol' | 'address' | 'port'>): boolean {
    return this.services.delete(serviceKey(s));
  }

  find(s: Pick<IpvsService, 'af' | 'fwmark' | 'protocol' | 'address' | 'port'>): FakeService | undefined {
    return this.services.get(serviceKey(s));
  }

  // --- the binding ---

  private makeBinding(): NativeBinding {
    const unsupported = (name: string) => (): never => { throw syscallError(name, 38, 'ENOSYS'); };
    const binding: NativeBinding = {
      socket: (domain, type, protocol) => {
        if (domain !== AF_NETLINK || protocol !== NETLINK_GENERIC) throw syscallError('socket', EAFNOSUPPORT, 'EAFNOSUPPORT');
        void type;
        const fd = this.nextFd++;
        this.ports.set(fd, this.nextPort++);
        this.queues.set(fd, []);
        return fd;
      },
      close: (fd) => {
        if (!this.ports.delete(fd)) throw syscallError('close', 9, 'EBADF');
        this.queues.delete(fd);
        this.watchers.delete(fd);
      },
      bind: (fd) => { this.checkFd('bind', fd); },
      connect: unsupported('connect'),
      sendto: (fd, data) => { this.checkFd('sendto', fd); this.receive(fd, data); return data.length; },
      sendmsg: (fd, data) => { this.checkFd('sendmsg', fd); this.receive(fd, data); return data.length; },
      recvmsg: (fd, maxLen): RecvMsgResult | null => {
        this.checkFd('recvmsg', fd);
        const d = this.queues.get(fd)!.shift();
        if (!d) return null;
        return { data: d.subarray(0, maxLen), addr: encodeSockaddrNl(0, 0), control: Buffer.alloc(0), flags: 0, length: d.length };
      },
      setsockopt: (fd) => { this.checkFd('setsockopt', fd); },
      getsockopt: (_fd, _l, _n, len) => Buffer.alloc(len),
      attachFilter: unsupported('attachFilter'),
      getsockname: (fd) => { this.checkFd('getsockname', fd); return encodeSockaddrNl(this.ports.get(fd)!, 0); },
      poll: (fd, cb): PollHandle => {
        let active = true;
        const fire = (): void => {
          if (!active) return;
          if ((this.queues.get(fd)?.length ?? 0) > 0) cb();
        };
        this.watchers.set(fd, () => setImmediate(fire));
        setImmediate(fire);
        return { stop: () => { active = false; this.watchers.delete(fd); }, ref() {}, unref() {} };
      },
      setns: unsupported('setns'),
      setProcessName: unsupported('setProcessName'),
      setParentDeathSignal: unsupported('setParentDeathSignal'),
      schedSetScheduler: unsupported('schedSetScheduler'),
      setPriority: unsupported('setPriority'),
      mlockall: unsupported('mlockall'),
      ifNameToIndex: unsupported('ifNameToIndex'),
      ifIndexToName: unsupported('ifIndexToName'),
      onSignal: unsupported('onSignal'),
    };
    return binding;
  }

  private checkFd(call: string, fd: number): void {
    if (!this.ports.has(fd)) throw syscallError(call, 9, 'EBADF');
  }

  private queue(fd: number, datagram: Buffer): void {
    this.queues.get(fd)?.push(datagram);
    this.counters.replyBytes += datagram.length;
    this.watchers.get(fd)?.();
  }

  private receive(fd: number, data: Buffer): void {
    for (const raw of decodeNlmsgs(data)) {
      const g = toGenl(raw);
      this.counters.messages++;
      this.counters.bytes += (16 + raw.payload.length + 3) & ~3;
      if (g.type === C.GENL_ID_CTRL) this.controller(fd, g);
      else if (g.type === this.familyId && this.ipvsAvailable) this.ipvs(fd, g);
      else this.reply(fd, [], g, ENOENT);
    }
  }

  private controller(fd: number, g: GenlMessage): void {
    const name = g.cmd === C.CTRL_CMD_GETFAMILY ? requestedFamilyName(g) : undefined;
    if (name !== C.IPVS_GENL_NAME || !this.ipvsAvailable) {
      this.reply(fd, [], g, ENOENT);
      return;
    }
    const fam = familyReply({
      id: this.familyId, name: C.IPVS_GENL_NAME, version: C.IPVS_GENL_VERSION, hdrsize: 0,
      maxattr: C.IPVS_CMD_ATTR_TIMEOUT_UDP, opCount: 16, mcastGroups: [],
    }, g.seq, 0);
    this.reply(fd, [encodeGenl(fam)], g, 0);
  }

  /** Non-dump: reply parts + ack in one datagram; the kernel sends them as separate skbs, we too. */
  private reply(fd: number, parts: Buffer[], req: GenlMessage, errno: number): void {
    for (const p of parts) { this.queue(fd, p); this.counters.replyMessages++; }
    if (req.flags & C.NLM_F_ACK || errno) {
      this.queue(fd, encodeAck(req, errno));
      this.counters.replyMessages++;
    }
  }

  private dump(fd: number, parts: Buffer[], req: GenlMessage): void {
    let chunk: Buffer[] = [];
    let size = 0;
    for (const p of parts) {
      if (size + p.length > this.dumpMax && chunk.length > 0) {
        this.queue(fd, Buffer.concat(chunk));
        chunk = [];
        size = 0;
      }
      chunk.push(p);
      size += p.length;
      this.counters.replyMessages++;
    }
    const done = encodeDone(req.seq);
    this.counters.replyMessages++;
    if (size + done.length <= this.dumpMax) chunk.push(done);
    else { this.queue(fd, Buffer.concat(chunk)); chunk = [done]; }
    this.queue(fd, Buffer.concat(chunk));
  }

  private part(req: GenlMessage, cmd: number, body: IpvsBody, multi: boolean): Buffer {
    const m: IpvsMessage = { type: this.familyId, flags: multi ? C.NLM_F_MULTI : 0, seq: req.seq, pid: 0, cmd, version: C.IPVS_GENL_VERSION, ...body };
    return encodeGenl(toGenlMessage(m, 'kernel'));
  }

  private ipvs(fd: number, g: GenlMessage): void {
    let msg: IpvsMessage;
    const record: FakeRequestRecord = { cmd: g.cmd, name: C.IPVS_CMD_NAMES[g.cmd] ?? `cmd ${g.cmd}`, message: undefined as unknown as IpvsMessage, bytes: 0, errno: 0 };
    try {
      msg = fromGenlMessage(g);
    } catch {
      record.errno = EINVAL;
      this.requests.push(record);
      this.reply(fd, [], g, EINVAL);
      return;
    }
    record.message = msg;
    record.bytes = 20 + g.attrs.length;
    this.requests.push(record);
    const injected = this.failures.findIndex((f) => f.cmd === g.cmd);
    if (injected >= 0) {
      record.errno = this.failures[injected]!.errno;
      this.failures.splice(injected, 1);
      this.reply(fd, [], g, record.errno);
      return;
    }
    const isDump = (g.flags & C.NLM_F_DUMP) === C.NLM_F_DUMP;
    if (isDump) {
      this.dump(fd, this.dumpParts(g, msg), g);
      return;
    }
    const { errno, parts } = this.execute(g, msg);
    record.errno = errno;
    this.reply(fd, parts, g, errno);
  }

  private dumpParts(g: GenlMessage, msg: IpvsMessage): Buffer[] {
    switch (g.cmd) {
      case C.IPVS_CMD_GET_SERVICE:
        return [...this.services.values()].map((s) => this.part(g, C.IPVS_CMD_NEW_SERVICE, { service: withStats(s.service) }, true));
      case C.IPVS_CMD_GET_DEST: {
        const s = msg.service ? this.services.get(serviceKey(msg.service)) : undefined;
        if (!s) return [];
        return [...s.dests.values()].map((d) => this.part(g, C.IPVS_CMD_NEW_DEST, { dest: withDestCounters(d) }, true));
      }
      case C.IPVS_CMD_GET_DAEMON:
        return this.daemons.map((d) => this.part(g, C.IPVS_CMD_NEW_DAEMON, { daemon: d }, true));
      default:
        return [];
    }
  }

  private execute(g: GenlMessage, msg: IpvsMessage): { errno: number; parts: Buffer[] } {
    const ok = { errno: 0, parts: [] as Buffer[] };
    const fail = (errno: number): { errno: number; parts: Buffer[] } => ({ errno, parts: [] });
    switch (g.cmd) {
      case C.IPVS_CMD_FLUSH: this.services.clear(); return ok;
      case C.IPVS_CMD_GET_INFO:
        return { errno: 0, parts: [this.part(g, C.IPVS_CMD_SET_INFO, { info: { version: 0x010201, connTabSize: 4096 } }, false)] };
      case C.IPVS_CMD_GET_CONFIG:
        return { errno: 0, parts: [this.part(g, C.IPVS_CMD_SET_CONFIG, { timeouts: { ...this.timeouts } }, false)] };
      case C.IPVS_CMD_SET_CONFIG: {
        const t = msg.timeouts ?? {};
        if (t.tcp) this.timeouts.tcp = t.tcp;
        if (t.tcpFin) this.timeouts.tcpFin = t.tcpFin;
        if (t.udp) this.timeouts.udp = t.udp;
        return ok;
      }
      case C.IPVS_CMD_NEW_DAEMON: {
        const d = msg.daemon;
        if (!d || !d.mcastIfn || (d.state !== C.IP_VS_STATE_MASTER && d.state !== C.IP_VS_STATE_BACKUP)) return fail(EINVAL);
        if (this.daemons.some((x) => x.state === d.state)) return fail(EEXIST);
        this.daemons.push({ ...d });
        return ok;
      }
      case C.IPVS_CMD_DEL_DAEMON: {
        const i = this.daemons.findIndex((x) => x.state === msg.daemon?.state);
        if (i < 0) return fail(ESRCH);
        this.daemons.splice(i, 1);
        return ok;
      }
      case C.IPVS_CMD_ZERO: return ok;
      case C.IPVS_CMD_NEW_SERVICE: case C.IPVS_CMD_SET_SERVICE: case C.IPVS_CMD_DEL_SERVICE:
        return { errno: this.serviceCommand(g.cmd, msg), parts: [] };
      case C.IPVS_CMD_NEW_DEST: case C.IPVS_CMD_SET_DEST: case C.IPVS_CMD_DEL_DEST:
        return { errno: this.destCommand(g.cmd, msg), parts: [] };
      default: return fail(EOPNOTSUPP);
    }
  }

  private serviceCommand(cmd: number, msg: IpvsMessage): number {
    const s = msg.service;
    if (!s) return EINVAL;
    const key = serviceKey(s);
    const existing = this.services.get(key);
    if (cmd === C.IPVS_CMD_DEL_SERVICE) {
      if (!existing) return ESRCH;
      this.services.delete(key);
      return 0;
    }
    if (s.scheduler === undefined || s.flags === undefined || s.timeout === undefined || s.netmask === undefined) return EINVAL;
    if (!s.fwmark && s.protocol !== C.IPPROTO_TCP && s.protocol !== C.IPPROTO_UDP && s.protocol !== C.IPPROTO_SCTP) return EPERM;
    if (!(C.IPVS_SCHEDULERS as readonly string[]).includes(s.scheduler)) return ENOENT;
    if (s.peName && !KNOWN_PE.has(s.peName)) return ENOENT;
    if (s.af === AF_INET6 && (s.flags & C.IP_VS_SVC_F_PERSISTENT) && (s.netmask < 1 || s.netmask > 128)) return EINVAL;
    if (cmd === C.IPVS_CMD_NEW_SERVICE && existing) return EEXIST;
    if (cmd === C.IPVS_CMD_SET_SERVICE && !existing) return ESRCH;
    const mask = s.flagsMask ?? 0xffffffff;
    const baseFlags = existing?.service.flags ?? 0;
    const stored: IpvsService = {
      af: s.af, fwmark: s.fwmark, protocol: s.protocol, address: s.address, port: s.port,
      scheduler: s.scheduler,
      flags: (((baseFlags & ~mask) | (s.flags & mask)) | C.IP_VS_SVC_F_HASHED) >>> 0,
      flagsMask: 0xffffffff,
      timeout: s.timeout,
      netmask: s.netmask,
    };
    if (s.peName) stored.peName = s.peName;
    if (existing) existing.service = stored;
    else this.services.set(key, { service: stored, dests: new Map() });
    return 0;
  }

  private destCommand(cmd: number, msg: IpvsMessage): number {
    const s = msg.service;
    const d = msg.dest;
    if (!s || !d) return EINVAL;
    const svc = this.services.get(serviceKey(s));
    if (!svc) return ESRCH;
    const key = destKey(d);
    const existing = svc.dests.get(key);
    if (cmd === C.IPVS_CMD_DEL_DEST) {
      if (!existing) return ENOENT;
      svc.dests.delete(key);
      return 0;
    }
    if (d.af !== svc.service.af && d.fwdMethod !== C.IP_VS_CONN_F_TUNNEL) return EINVAL;
    if (d.weight < 0) return ERANGE;
    if (d.upperThreshold && d.lowerThreshold > d.upperThreshold) return ERANGE;
    if (cmd === C.IPVS_CMD_NEW_DEST && existing) return EEXIST;
    if (cmd === C.IPVS_CMD_SET_DEST && !existing) return ENOENT;
    // The kernel keeps every tunnel field (0 when not sent) and reports them all.
    svc.dests.set(key, {
      af: d.af, address: d.address, port: d.port, fwdMethod: d.fwdMethod, weight: d.weight,
      upperThreshold: d.upperThreshold, lowerThreshold: d.lowerThreshold,
      tunType: d.tunType ?? 0, tunPort: d.tunPort ?? 0, tunFlags: d.tunFlags ?? 0,
    });
    return 0;
  }
}

function withStats(s: IpvsService): IpvsService {
  return { ...s, stats: emptyStats(), stats64: emptyStats() };
}

function withDestCounters(d: IpvsDest): IpvsDest {
  return { ...d, activeConns: 0, inactConns: 0, persistConns: 0, stats: emptyStats(), stats64: emptyStats() };
}

