/**
 * ipvsadm's own netlink messages (conformance/vm/golden/, captured in the guest) and the
 * same commands written as values for our codec, following ipvsadm 1.31's semantics (not
 * decoded from the capture): a service command carries the whole service, a destination
 * command carries the service with an empty scheduler and no persistence, every
 * destination carries the three tunnel attributes, --stop-daemon an empty interface.
 * Those choices are ipvsadm's; keepalived's (our reconciler's) differ where README notes.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  IPVS_CMD_DEL_DAEMON, IPVS_CMD_DEL_DEST, IPVS_CMD_DEL_SERVICE, IPVS_CMD_FLUSH, IPVS_CMD_GET_CONFIG, IPVS_CMD_GET_DAEMON,
  IPVS_CMD_GET_DEST, IPVS_CMD_GET_INFO, IPVS_CMD_GET_SERVICE, IPVS_CMD_NEW_DAEMON, IPVS_CMD_NEW_DEST, IPVS_CMD_NEW_SERVICE,
  IPVS_CMD_SET_CONFIG, IPVS_CMD_SET_DEST, IPVS_CMD_SET_SERVICE, IPVS_CMD_ZERO, GENL_ID_CTRL, NLMSG_ERROR,
  decodeNlError, splitNlmsgs, toGenl, type GenlMessage, type IpvsBody, type IpvsDest, type IpvsService,
} from '@keepalived-ts/ipvs-wrapper';

export interface GoldenDatagram {
  dir: 'send' | 'recv';
  bytes: Buffer;
}

export interface GoldenFile {
  command: string;
  exit: number;
  output: string[];
  datagrams: GoldenDatagram[];
}

export function parseGolden(text: string): GoldenFile {
  const g: GoldenFile = { command: '', exit: -1, output: [], datagrams: [] };
  for (const line of text.split('\n')) {
    if (line.startsWith('# command: ')) g.command = line.slice(11);
    else if (line.startsWith('# exit: ')) g.exit = Number(line.slice(8));
    else if (line.startsWith('# output: ')) g.output.push(line.slice(10));
    else if (line.startsWith('send ') || line.startsWith('recv ')) {
      g.datagrams.push({ dir: line.slice(0, 4) as 'send' | 'recv', bytes: Buffer.from(line.slice(5), 'hex') });
    }
  }
  return g;
}

export function readGolden(goldenDir: string, name: string): GoldenFile {
  return parseGolden(readFileSync(resolve(goldenDir, `ipvsadm-${name}.txt`), 'utf8'));
}

/** One IPVS request ipvsadm sent, with the kernel's answer to it. */
export interface GoldenExchange {
  request: Buffer;
  /** Reply messages (not errors, not DONE). */
  replies: GenlMessage[];
  /** The errno of the final NLMSG_ERROR (0 = ack), or undefined for a dump ended by DONE. */
  errno: number | undefined;
}

/**
 * The IPVS exchanges of one capture (controller lookups left out). The IPVS family id is
 * the one request type that is not the controller's.
 */
export function ipvsExchanges(g: GoldenFile): { familyId: number; exchanges: GoldenExchange[]; ctrlRequests: Buffer[] } {
  const exchanges: GoldenExchange[] = [];
  const ctrlRequests: Buffer[] = [];
  let familyId = -1;
  let current: GoldenExchange | undefined;
  for (const d of g.datagrams) {
    if (d.dir === 'send') {
      const type = d.bytes.readUInt16LE(4);
      if (type === GENL_ID_CTRL) {
        ctrlRequests.push(d.bytes);
        current = undefined;
        continue;
      }
      familyId = type;
      current = { request: d.bytes, replies: [], errno: undefined };
      exchanges.push(current);
      continue;
    }
    if (!current) continue;
    for (const m of splitNlmsgs(d.bytes)) {
      if (m.type === NLMSG_ERROR) current.errno = decodeNlError(m).errno;
      else if (m.type === familyId) current.replies.push(toGenl(m));
    }
  }
  return { familyId, exchanges, ctrlRequests };
}

/** Bytes 8..15 (nlmsg_seq, nlmsg_pid) zeroed and the family id replaced, so captures compare. */
export function maskHeader(b: Buffer, familyId?: number): string {
  const c = Buffer.from(b);
  c.fill(0, 8, 16);
  if (familyId !== undefined && c.readUInt16LE(4) === familyId) c.writeUInt16LE(0xffff, 4);
  return c.toString('hex');
}

export interface GoldenCommand {
  cmd: number;
  body: IpvsBody;
  dump: boolean;
}

export interface GoldenCase {
  name: string;
  commands: GoldenCommand[];
}

const v4 = (protocol: number, address: string, port: number): IpvsService => ({ af: 2, fwmark: 0, protocol, address, port });
const v6 = (protocol: number, address: string, port: number): IpvsService => ({ af: 10, fwmark: 0, protocol, address, port });
const fwm = (mark: number): IpvsService => ({ af: 2, fwmark: mark, protocol: 0, address: '0.0.0.0', port: 0 });

/** What -A/-E send: every service attribute; ipvsadm's netmask default is /32 (IPv4) or 128. */
function full(s: IpvsService, scheduler: string, flags = 0, timeout = 0, netmask?: number): IpvsService {
  return { ...s, scheduler, flags, timeout, netmask: netmask ?? (s.af === 10 ? 128 : 0xffffffff) };
}

/** The service inside -a/-e/-d/-D: ipvsadm leaves scheduler and persistence empty. */
const bare = (s: IpvsService): IpvsService => full(s, '');

function dest(af: number, address: string, port: number, fwdMethod: number, weight: number, u = 0, l = 0): IpvsDest {
  return { af, address, port, fwdMethod, weight, upperThreshold: u, lowerThreshold: l, tunType: 0, tunPort: 0, tunFlags: 0 };
}

const MASQ = 0;
const TUNNEL = 2;
const DROUTE = 3;
const info: GoldenCommand = { cmd: IPVS_CMD_GET_INFO, body: {}, dump: false };
const one = (cmd: number, body: IpvsBody = {}, dump = false): GoldenCommand[] => [info, { cmd, body, dump }];
const tcp80 = v4(6, '192.0.2.1', 80);
const udp53 = v4(17, '192.0.2.1', 53);
const tcp6 = v6(6, '2001:db8::1', 443);
const listing: GoldenCommand[] = [
  info,
  { cmd: IPVS_CMD_GET_SERVICE, body: {}, dump: true },
  // ipvsadm sorts before it asks for destinations: IPv4 by address/port, IPv6, then fwmarks
  ...[tcp80, udp53, tcp6, fwm(1)].map((service) => ({ cmd: IPVS_CMD_GET_DEST, body: { service }, dump: true })),
];

/** The capture-golden.sh cases, in capture order, as values. */
export const GOLDEN_CASES: GoldenCase[] = [
  { name: 'add-service-tcp', commands: one(IPVS_CMD_NEW_SERVICE, { service: full(tcp80, 'rr') }) },
  { name: 'add-dest-nat', commands: one(IPVS_CMD_NEW_DEST, { service: bare(tcp80), dest: dest(2, '192.0.2.11', 80, MASQ, 1) }) },
  { name: 'edit-dest-thresholds', commands: one(IPVS_CMD_SET_DEST, { service: bare(tcp80), dest: dest(2, '192.0.2.11', 80, MASQ, 3, 100, 10) }) },
  { name: 'edit-service', commands: one(IPVS_CMD_SET_SERVICE, { service: full(tcp80, 'wrr', 1, 60, 0xffffff00) }) },
  { name: 'add-service-fwmark', commands: one(IPVS_CMD_NEW_SERVICE, { service: full(fwm(1), 'wlc', 1, 30) }) },
  { name: 'add-service-exists', commands: one(IPVS_CMD_NEW_SERVICE, { service: full(fwm(1), 'wlc') }) },
  { name: 'add-dest-dr', commands: one(IPVS_CMD_NEW_DEST, { service: bare(fwm(1)), dest: dest(2, '192.0.2.12', 0, DROUTE, 2) }) },
  { name: 'add-service-udp-ops', commands: one(IPVS_CMD_NEW_SERVICE, { service: full(udp53, 'rr', 0x4) }) },
  { name: 'add-dest-tun', commands: one(IPVS_CMD_NEW_DEST, { service: bare(udp53), dest: dest(2, '192.0.2.13', 53, TUNNEL, 1) }) },
  { name: 'add-service-v6', commands: one(IPVS_CMD_NEW_SERVICE, { service: full(tcp6, 'sh', 0x10) }) },
  { name: 'add-dest-v6', commands: one(IPVS_CMD_NEW_DEST, { service: bare(tcp6), dest: dest(10, '2001:db8::11', 443, MASQ, 1) }) },
  { name: 'list', commands: listing },
  { name: 'list-stats', commands: listing },
  { name: 'save', commands: listing },
  { name: 'set-timeouts', commands: one(IPVS_CMD_SET_CONFIG, { timeouts: { tcp: 900, tcpFin: 120, udp: 300 } }) },
  { name: 'list-timeouts', commands: one(IPVS_CMD_GET_CONFIG) },
  { name: 'zero', commands: one(IPVS_CMD_ZERO) },
  { name: 'start-daemon', commands: one(IPVS_CMD_NEW_DAEMON, { daemon: { state: 1, mcastIfn: 'vmgold0', syncId: 5 } }) },
  { name: 'list-daemon', commands: one(IPVS_CMD_GET_DAEMON, {}, true) },
  { name: 'stop-daemon', commands: one(IPVS_CMD_DEL_DAEMON, { daemon: { state: 1, mcastIfn: '', syncId: 0 } }) },
  // -d without a forwarding option: ipvsadm's defaults (gatewaying, weight 1) ride along
  { name: 'del-dest', commands: one(IPVS_CMD_DEL_DEST, { service: bare(tcp80), dest: dest(2, '192.0.2.11', 80, DROUTE, 1) }) },
  { name: 'del-service', commands: one(IPVS_CMD_DEL_SERVICE, { service: bare(tcp80) }) },
  { name: 'del-service-missing', commands: one(IPVS_CMD_DEL_SERVICE, { service: bare(tcp80) }) },
  { name: 'flush', commands: one(IPVS_CMD_FLUSH) },
];

/** The interface the capture's --start-daemon named (its name is inside the bytes). */
export const GOLDEN_DAEMON_IFACE = 'vmgold0';
