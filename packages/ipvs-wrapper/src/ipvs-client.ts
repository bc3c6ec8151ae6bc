// IPVS commands over a generic netlink socket: family lookup, services,
// destinations, timeouts, sync daemon, info.
import { AF_INET, ENOENT, errnoText, type NativeBinding } from '@keepalived-ts/native';
import * as C from './constants.js';
import { decodeFamilyReply, familyRequest, type GenlFamily } from './genl-ctrl.js';
import { GenlSocket, NetlinkRequestError, silentLogger, type GenlSocketOptions, type Logger } from './genl-socket.js';
import {
  decodeIpvsAttrs, encodeIpvsAttrs, type IpvsBody, type IpvsDaemon, type IpvsDest, type IpvsInfo, type IpvsService,
  type IpvsTimeouts,
} from './ipvs-codec.js';

export const IPVS_MISSING_CODE = 'EIPVSMISSING';
export const IPVS_MISSING_MESSAGE = 'IPVS: kernel has no IP Virtual Server support (module ip_vs not available)';

/** An IPVS request the kernel refused; `code` is the errno name ('EEXIST', 'ENOENT', ...). */
export class IpvsError extends NetlinkRequestError {
  override readonly name: string = 'IpvsError';
}

export function ipvsMissingError(): IpvsError {
  return new IpvsError('CTRL_CMD_GETFAMILY', ENOENT, 'IPVS', { code: IPVS_MISSING_CODE, message: IPVS_MISSING_MESSAGE });
}

export function isIpvsMissing(e: unknown): boolean {
  return e instanceof Error && (e as { code?: string }).code === IPVS_MISSING_CODE;
}

// keepalived's ipvs_strerror() table: command-specific texts first, then generic ones.
const SPECIFIC_TEXT: Record<number, Record<number, string>> = {
  [C.IPVS_CMD_NEW_SERVICE]: { 17: 'Service already exists', 2: 'Scheduler or persistence engine not found' },
  [C.IPVS_CMD_SET_SERVICE]: { 2: 'Scheduler or persistence engine not found' },
  [C.IPVS_CMD_NEW_DEST]: { 17: 'Destination already exists' },
  [C.IPVS_CMD_SET_DEST]: { 2: 'No such destination' },
  [C.IPVS_CMD_DEL_DEST]: { 2: 'No such destination' },
  [C.IPVS_CMD_NEW_DAEMON]: { 17: 'Daemon has already run' },
  [C.IPVS_CMD_DEL_DAEMON]: { 3: 'No daemon is running' },
};
const GENERIC_TEXT: Record<number, string> = {
  3: 'No such service',
  1: 'Permission denied (you must be root)',
  22: 'Invalid operation.  Possibly wrong module version, address not unicast, ...',
  92: 'Protocol not available',
  12: 'Memory allocation problem',
  95: 'Operation not supported with IPv6',
  97: 'Operation not supported with specified address family',
  90: 'Module is wrong version',
};

/** The text keepalived logs for an IPVS errno, given the command that failed; undefined = strerror. */
export function ipvsErrorText(cmd: number, errno: number): string | undefined {
  return SPECIFIC_TEXT[cmd]?.[errno] ?? GENERIC_TEXT[errno];
}

// keepalived logs the setsockopt-era command names even over netlink.
const SOCKOPT_NAMES: Record<number, [string, number]> = {
  [C.IPVS_CMD_NEW_SERVICE]: ['IP_VS_SO_SET_ADD', 1154],
  [C.IPVS_CMD_SET_SERVICE]: ['IP_VS_SO_SET_EDIT', 1155],
  [C.IPVS_CMD_DEL_SERVICE]: ['IP_VS_SO_SET_DEL', 1156],
  [C.IPVS_CMD_FLUSH]: ['IP_VS_SO_SET_FLUSH', 1157],
  [C.IPVS_CMD_NEW_DEST]: ['IP_VS_SO_SET_ADDDEST', 1159],
  [C.IPVS_CMD_DEL_DEST]: ['IP_VS_SO_SET_DELDEST', 1160],
  [C.IPVS_CMD_SET_DEST]: ['IP_VS_SO_SET_EDITDEST', 1161],
  [C.IPVS_CMD_SET_CONFIG]: ['IP_VS_SO_SET_TIMEOUT', 1162],
  [C.IPVS_CMD_NEW_DAEMON]: ['IP_VS_SO_SET_STARTDAEMON', 1163],
  [C.IPVS_CMD_DEL_DAEMON]: ['IP_VS_SO_SET_STOPDAEMON', 1164],
  [C.IPVS_CMD_ZERO]: ['IP_VS_SO_SET_ZERO', 1167],
};

// glibc strerror() texts for errnos the IPVS commands return that keepalived's table lacks.
const GLIBC_TEXT: Record<number, string> = {
  2: 'No such file or directory', 16: 'Device or resource busy', 17: 'File exists', 19: 'No such device',
  34: 'Numerical result out of range', 105: 'No buffer space available', 111: 'Connection refused',
};

/** keepalived's ipvs_talk() log line: "IPVS cmd IP_VS_SO_SET_ADD(1154) error: Service already exists(17) (192.0.2.1:tcp:80)". */
export function formatIpvsCommandError(cmd: number, errno: number, service?: IpvsService, dest?: IpvsDest): string {
  const [name, num] = SOCKOPT_NAMES[cmd] ?? ['(unknown)', cmd];
  const text = ipvsErrorText(cmd, errno) ?? GLIBC_TEXT[errno] ?? errnoText(errno);
  let where = '';
  if (service && dest) where = ` (${formatService(service)} -> ${dest.address}:${dest.port})`;
  else if (service) where = ` (${formatService(service)})`;
  return `IPVS cmd ${name}(${num}) error: ${text}(${errno})${where}`;
}

export interface IpvsClientOptions extends GenlSocketOptions {
  /** Use this family id instead of asking the controller (tests). */
  familyId?: number;
}

/** What one IPVS request looked like, for tests and tracing. */
export interface IpvsCommand {
  cmd: number;
  body: IpvsBody;
  dump: boolean;
}

export class IpvsClient {
  readonly socket: GenlSocket;
  /** Every request sent, in order (cleared by the owner when it wants). */
  readonly sent: IpvsCommand[] = [];
  recordCommands = false;

  private constructor(socket: GenlSocket, readonly family: GenlFamily, private readonly logger: Logger) {
    this.socket = socket;
  }

  /**
   * Opens the socket and resolves the "IPVS" family. A kernel without IPVS
   * fails with an IpvsError whose code is EIPVSMISSING (errno ENOENT).
   */
  static async open(native: NativeBinding, logger: Logger = silentLogger, opts: IpvsClientOptions = {}): Promise<IpvsClient> {
    const socket = new GenlSocket(native, logger, opts);
    try {
      const family = opts.familyId !== undefined
        ? { id: opts.familyId, name: C.IPVS_GENL_NAME, version: C.IPVS_GENL_VERSION, hdrsize: 0, maxattr: 0, opCount: 0, mcastGroups: [] }
        : await resolveFamily(socket, C.IPVS_GENL_NAME);
      return new IpvsClient(socket, family, logger);
    } catch (e) {
      socket.close();
      if (e instanceof NetlinkRequestError && e.errno === ENOENT) throw ipvsMissingError();
      throw e;
    }
  }

  close(): void {
    this.socket.close();
  }

  /** Sends one IPVS command; resolves with the decoded replies (dump parts). */
  async command(cmd: number, body: IpvsBody = {}, dump = false, destAf = AF_INET): Promise<IpvsBody[]> {
    if (this.recordCommands) this.sent.push({ cmd, body, dump });
    const name = C.IPVS_CMD_NAMES[cmd] ?? `IPVS cmd ${cmd}`;
    try {
      const parts = await this.socket.request(
        { type: this.family.id, cmd, version: C.IPVS_GENL_VERSION, attrs: encodeIpvsAttrs(body, cmd), flags: dump ? C.NLM_F_DUMP : 0 },
        describe(cmd, body),
        name,
      );
      return parts.map((p) => decodeIpvsAttrs(p.cmd, p.attrs, destAf));
    } catch (e) {
      if (e instanceof NetlinkRequestError && !(e instanceof IpvsError)) {
        const text = ipvsErrorText(cmd, e.errno);
        throw new IpvsError(e.syscall, e.errno, describe(cmd, body), {
          ...(text ? { message: `${describe(cmd, body)}: ${text} (${e.code})` } : {}),
          ...(e.extMessage ? { extMessage: e.extMessage } : {}),
        });
      }
      throw e;
    }
  }

  async getInfo(): Promise<IpvsInfo> {
    const [reply] = await this.command(C.IPVS_CMD_GET_INFO);
    if (!reply?.info) throw new Error('IPVS GET_INFO: no reply');
    return reply.info;
  }

  async getServices(): Promise<IpvsService[]> {
    const parts = await this.command(C.IPVS_CMD_GET_SERVICE, {}, true);
    return parts.flatMap((p) => (p.service ? [p.service] : []));
  }

  async getDests(service: IpvsService): Promise<IpvsDest[]> {
    const parts = await this.command(C.IPVS_CMD_GET_DEST, { service: serviceIdentity(service) }, true, service.af);
    return parts.flatMap((p) => (p.dest ? [p.dest] : []));
  }

  newService(s: IpvsService): Promise<unknown> { return this.command(C.IPVS_CMD_NEW_SERVICE, { service: s }); }
  setService(s: IpvsService): Promise<unknown> { return this.command(C.IPVS_CMD_SET_SERVICE, { service: s }); }
  delService(s: IpvsService): Promise<unknown> { return this.command(C.IPVS_CMD_DEL_SERVICE, { service: s }); }
  newDest(s: IpvsService, d: IpvsDest): Promise<unknown> { return this.command(C.IPVS_CMD_NEW_DEST, { service: s, dest: d }); }
  setDest(s: IpvsService, d: IpvsDest): Promise<unknown> { return this.command(C.IPVS_CMD_SET_DEST, { service: s, dest: d }); }
  delDest(s: IpvsService, d: IpvsDest): Promise<unknown> { return this.command(C.IPVS_CMD_DEL_DEST, { service: s, dest: d }); }
  flush(): Promise<unknown> { return this.command(C.IPVS_CMD_FLUSH); }
  zero(s?: IpvsService): Promise<unknown> { return this.command(C.IPVS_CMD_ZERO, s ? { service: s } : {}); }

  async getTimeouts(): Promise<IpvsTimeouts> {
    const [reply] = await this.command(C.IPVS_CMD_GET_CONFIG);
    return reply?.timeouts ?? {};
  }

  /** SET_CONFIG; keepalived always sends all three values. */
  setTimeouts(t: Required<IpvsTimeouts>): Promise<unknown> { return this.command(C.IPVS_CMD_SET_CONFIG, { timeouts: t }); }

  startDaemon(d: IpvsDaemon): Promise<unknown> { return this.command(C.IPVS_CMD_NEW_DAEMON, { daemon: d }); }

  /** DEL_DAEMON carries only state and sync id, as keepalived sends it. */
  stopDaemon(d: Pick<IpvsDaemon, 'state' | 'syncId'>): Promise<unknown> {
    return this.command(C.IPVS_CMD_DEL_DAEMON, { daemon: { state: d.state, syncId: d.syncId } });
  }

  async getDaemons(): Promise<IpvsDaemon[]> {
    const parts = await this.command(C.IPVS_CMD_GET_DAEMON, {}, true);
    return parts.flatMap((p) => (p.daemon ? [p.daemon] : []));
  }
}

/** CTRL_CMD_GETFAMILY by name; rejects with the controller's errno (ENOENT: no such family). */
export async function resolveFamily(socket: GenlSocket, name: string): Promise<GenlFamily> {
  const req = familyRequest(name, 0, 0);
  const parts = await socket.request({ type: req.type, cmd: req.cmd, version: req.version, attrs: req.attrs }, `generic netlink family ${name}`, 'CTRL_CMD_GETFAMILY');
  const first = parts[0];
  if (!first) throw new Error(`generic netlink family ${name}: the controller sent no description`);
  return decodeFamilyReply(first);
}

/** The service with only its identity (what GET_DEST names). */
export function serviceIdentity(s: IpvsService): IpvsService {
  return { af: s.af, fwmark: s.fwmark, protocol: s.protocol, address: s.address, port: s.port };
}

const PROTO_NAMES: Record<number, string> = { [C.IPPROTO_TCP]: 'tcp', [C.IPPROTO_UDP]: 'udp', [C.IPPROTO_SCTP]: 'sctp' };

/** keepalived's format_srule: "192.0.2.1:tcp:80", "[2001:db8::1]" is not bracketed there; "Fwm 1". */
export function formatService(s: Pick<IpvsService, 'af' | 'fwmark' | 'protocol' | 'address' | 'port'>): string {
  if (s.fwmark) return `Fwm ${s.fwmark}${s.af === 10 ? ' inet6' : ''}`;
  return `${s.address}:${PROTO_NAMES[s.protocol] ?? String(s.protocol)}:${s.port}`;
}

function describe(cmd: number, body: IpvsBody): string {
  const name = C.IPVS_CMD_NAMES[cmd] ?? `IPVS cmd ${cmd}`;
  if (body.service && body.dest) return `${name} (${formatService(body.service)} -> ${body.dest.address}:${body.dest.port})`;
  if (body.service) return `${name} (${formatService(body.service)})`;
  return name;
}
