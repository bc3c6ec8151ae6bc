// struct ifaddrmsg (8 bytes) + IFA_* attributes.
import { AttrSet, AttrWriter } from '@keepalived-ts/native';
import {
  IFA_ADDRESS, IFA_BROADCAST, IFA_CACHEINFO, IFA_FLAGS, IFA_LABEL, IFA_LOCAL, IFA_RT_PRIORITY,
} from './constants.js';
import { bufferToIp, ipToBuffer } from './ipaddr.js';

export const IFADDRMSG_LEN = 8;
export const INFINITY_LIFE_TIME = 0xffffffff;

export interface AddrCacheInfo {
  /** Seconds; 0xffffffff means forever. */
  preferred: number;
  valid: number;
  /** Creation / update time in hundredths of a second since boot. */
  created: number;
  updated: number;
}

export interface AddrMessage {
  family: number;
  prefixLen: number;
  /** Full IFA_F_* flags: IFA_FLAGS when present (it carries bits above 0xff), else ifa_flags. */
  flags: number;
  scope: number;
  index: number;
  /** IFA_ADDRESS: the peer on point-to-point links, otherwise equal to local. */
  address?: string;
  /** IFA_LOCAL: the interface's own address (IPv4). */
  local?: string;
  label?: string;
  broadcast?: string;
  cacheInfo?: AddrCacheInfo;
  routePriority?: number;
}

/** The address the kernel keys an entry by: IFA_LOCAL when present (IPv4), else IFA_ADDRESS (IPv6). */
export function addrOf(m: AddrMessage): string | undefined {
  return m.local ?? m.address;
}

export function encodeAddrMsg(m: AddrMessage): Buffer {
  const head = Buffer.alloc(IFADDRMSG_LEN);
  head.writeUInt8(m.family, 0);
  head.writeUInt8(m.prefixLen, 1);
  // Like iproute2: flags that fit go in the header byte, wider ones only in IFA_FLAGS.
  head.writeUInt8(m.flags > 0xff ? 0 : m.flags, 2);
  head.writeUInt8(m.scope, 3);
  head.writeUInt32LE(m.index, 4);
  // Order as iproute2 sends it (local, label, flags, address, broadcast) for byte-identical requests.
  const w = new AttrWriter();
  if (m.local !== undefined) w.raw(IFA_LOCAL, ipToBuffer(m.local));
  if (m.label !== undefined) w.str(IFA_LABEL, m.label);
  if (m.flags > 0xff) w.u32(IFA_FLAGS, m.flags);
  if (m.address !== undefined) w.raw(IFA_ADDRESS, ipToBuffer(m.address));
  if (m.broadcast !== undefined) w.raw(IFA_BROADCAST, ipToBuffer(m.broadcast));
  if (m.cacheInfo !== undefined) {
    const ci = Buffer.alloc(16);
    ci.writeUInt32LE(m.cacheInfo.preferred >>> 0, 0);
    ci.writeUInt32LE(m.cacheInfo.valid >>> 0, 4);
    ci.writeUInt32LE(m.cacheInfo.created >>> 0, 8);
    ci.writeUInt32LE(m.cacheInfo.updated >>> 0, 12);
    w.raw(IFA_CACHEINFO, ci);
  }
  if (m.routePriority !== undefined) w.u32(IFA_RT_PRIORITY, m.routePriority);
  return Buffer.concat([head, w.toBuffer()]);
}

export function decodeAddrMsg(buf: Buffer, offset = 0, end = buf.length): AddrMessage {
  if (end - offset < IFADDRMSG_LEN) throw new RangeError(`ifaddrmsg needs ${IFADDRMSG_LEN} bytes, got ${end - offset}`);
  const a = AttrSet.decode(buf, offset + IFADDRMSG_LEN, end);
  const m: AddrMessage = {
    family: buf.readUInt8(offset),
    prefixLen: buf.readUInt8(offset + 1),
    flags: a.u32(IFA_FLAGS) ?? buf.readUInt8(offset + 2),
    scope: buf.readUInt8(offset + 3),
    index: buf.readUInt32LE(offset + 4),
  };
  const ip = (t: number): string | undefined => {
    const d = a.get(t);
    return d && (d.length === 4 || d.length === 16) ? bufferToIp(d) : undefined;
  };
  const local = ip(IFA_LOCAL);
  if (local !== undefined) m.local = local;
  const label = a.str(IFA_LABEL);
  if (label !== undefined) m.label = label;
  const address = ip(IFA_ADDRESS);
  if (address !== undefined) m.address = address;
  const broadcast = ip(IFA_BROADCAST);
  if (broadcast !== undefined) m.broadcast = broadcast;
  const ci = a.get(IFA_CACHEINFO);
  if (ci && ci.length >= 16) {
    m.cacheInfo = {
      preferred: ci.readUInt32LE(0),
      valid: ci.readUInt32LE(4),
      created: ci.readUInt32LE(8),
      updated: ci.readUInt32LE(12),
    };
  }
  const prio = a.u32(IFA_RT_PRIORITY);
  if (prio !== undefined) m.routePriority = prio;
  return m;
}

